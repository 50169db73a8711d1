import { analyticsKind } from '../analytics/kind.ts'
import { deliveryKind } from '../delivery/kind.ts'
import { streamKind } from '../engine/kind.ts'
import { functionKind } from '../functions/kind.ts'
import { kinesisMappingKind } from '../functions/kinesis/kind.ts'
import { sqsMappingKind } from '../functions/sqs/kind.ts'
import type { AnyKind } from '../kind/kind.ts'
import { bucketKind } from '../lake/buckets/kind.ts'
import { alarmKind } from '../monitor/alarms/kind.ts'
import { catalogKind } from '../query/kind.ts'
import { searchIndexKind } from '../search/kind.ts'
import { queueKind } from '../services/queues/kind.ts'
import { scheduleKind } from '../services/schedules/kind.ts'
import { tableKind } from '../services/tables/kind.ts'
import { topicKind } from '../services/topics/kind.ts'

/**
 * Every resource kind, the one list: the pipeline schema, the validation of references, the local
 * runtime's build (in `dependsOn` order), the dashboard graph, the `dev` banner and summary, and
 * docs/configuration.md are derived from it. Their order here is the order they are shown in.
 * A new kind is a module in its stage's folder (see docs/architecture.md) and one line here.
 */
export const KINDS = [
  streamKind,
  functionKind,
  kinesisMappingKind,
  sqsMappingKind,
  deliveryKind,
  queueKind,
  topicKind,
  tableKind,
  scheduleKind,
  bucketKind,
  catalogKind,
  searchIndexKind,
  alarmKind,
  analyticsKind,
] as const satisfies readonly AnyKind[]

export type Kind = (typeof KINDS)[number]
