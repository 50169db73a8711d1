/** A scheduled function as a user writes it: counts its attempts in a table, fails the first two. */
import type { Context, ScheduledEvent } from 'aws-lambda'
import { table } from 'tributary-pipeline/bindings'

export const handler = async (event: ScheduledEvent, context: Context) => {
  const ticks = table<{ id: string; attempts?: number; requestIds?: string[]; detailType?: string }>('ticks')
  const item = await ticks.update(
    { id: event.id },
    { add: { attempts: 1 }, set: { detailType: event['detail-type'] } },
  )
  const requestIds = [...(item.requestIds ?? []), context.awsRequestId]
  await ticks.update({ id: event.id }, { set: { requestIds } })
  if ((item.attempts ?? 0) < 3) throw new Error(`attempt ${item.attempts} fails`)
  return { ok: true }
}
