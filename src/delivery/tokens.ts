import { token } from '../kind/kind.ts'
import type { SyncPolicy } from '../storage/log/shard-log.ts'
import type { EncoderPool } from './encoders/index.ts'
import type { DeliveryStreams } from './streams/delivery-streams.ts'

/** Encodes lake files off the event loop; owned by the runtime, shared by every build. */
export const EncoderToken = token<EncoderPool>('encoder')
/** When writes are acknowledged (`--sync`): delivery's own logs follow it. */
export const SyncToken = token<SyncPolicy | undefined>('sync')
/** The delivery streams (declared and created through the Firehose API). */
export const DeliveriesToken = token<DeliveryStreams>('deliveries')
