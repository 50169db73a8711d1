/**
 * One sequence of binding calls covering every method, run once by a handler under the local
 * transport and once in the test process through the AWS transport; each outcome is normalized
 * to JSON (values that differ by nature, such as message ids and sequence numbers, to their type)
 * so the two runs compare with `toEqual`.
 */
import { bucket, metrics, queue, stream, table, topic } from 'tributary-pipeline/bindings'

export type Outcome = { ok: unknown } | { error: string; message: string }

const RANDOM = new Set(['messageId', 'sequenceNumber', 'nextContinuationToken'])

function normalize(value: unknown, key = ''): unknown {
  if (value instanceof Date) return 'Date'
  if (value instanceof Uint8Array) return { bytes: Buffer.from(value).toString('utf8') }
  if (RANDOM.has(key)) return typeof value
  if (Array.isArray(value)) return value.map((v) => normalize(v))
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalize(v, k)]))
  return value === undefined ? '(undefined)' : value
}

export async function scenario(): Promise<Array<[string, Outcome]>> {
  const out: Array<[string, Outcome]> = []
  const step = async (label: string, call: () => Promise<unknown>) => {
    try {
      out.push([label, { ok: normalize(await call()) }])
    } catch (error) {
      const e = error as Error
      out.push([label, { error: e.name, message: e.message }])
    }
  }
  const events = stream('events')
  await step('stream.put', () => events.put({ id: 1 }, { partitionKey: 'k' }))
  await step('stream.put bytes', () => events.put(new Uint8Array([104, 105]), { partitionKey: 'k' }))
  await step('stream.put no data', () => events.put(undefined as never, { partitionKey: 'k' }))
  await step('stream.putMany', () =>
    events.putMany([
      { data: 'a', partitionKey: 'k1' },
      { data: { b: 2 }, partitionKey: 'k2' },
    ]),
  )
  await step('stream.putMany none', () => events.putMany([]))

  const devices = table('devices')
  await step('table.get absent', () => devices.get({ id: 'd-1' }))
  await step('table.put', () => devices.put({ id: 'd-1', n: 1, tags: ['a'], meta: { x: 1 }, on: true }))
  await step('table.put exists:false on present', () =>
    devices.put({ id: 'd-1', n: 5 }, { condition: { exists: false } }),
  )
  await step('table.put exists:false on absent', () =>
    devices.put({ id: 'd-2', n: 0 }, { condition: { exists: false } }),
  )
  await step('table.put exists:true on absent', () =>
    devices.put({ id: 'd-9', n: 0 }, { condition: { exists: true } }),
  )
  await step('table.get', () => devices.get({ id: 'd-1' }))
  await step('table.update set/add/remove', () =>
    devices.update({ id: 'd-1' }, { add: { n: 2 }, set: { status: 'ok' }, remove: ['meta'] }),
  )
  await step('table.update creates', () => devices.update({ id: 'd-3' }, { add: { n: 1 } }))
  await step('table.update equals fails', () =>
    devices.update({ id: 'd-1' }, { set: { x: 1 } }, { condition: { equals: { status: 'bad' } } }),
  )
  await step('table.update exists + attributeExists', () =>
    devices.update(
      { id: 'd-1' },
      { set: { x: 1 } },
      { condition: { exists: true, attributeExists: ['status'] } },
    ),
  )
  await step('table.update exists:true on absent', () =>
    devices.update({ id: 'd-7' }, { set: { x: 1 } }, { condition: { exists: true } }),
  )
  await step('table.update unknown clause', () => devices.update({ id: 'd-1' }, { append: {} } as never))
  await step('table.delete attributeNotExists fails', () =>
    devices.delete({ id: 'd-2' }, { condition: { attributeNotExists: ['n'] } }),
  )
  await step('table.delete', () => devices.delete({ id: 'd-2' }))
  await step('table.delete absent', () => devices.delete({ id: 'nope' }))
  await step('table.delete exists:true on absent', () =>
    devices.delete({ id: 'nope' }, { condition: { exists: true } }),
  )
  await step('table.get after delete', () => devices.get({ id: 'd-2' }))

  const readings = table('readings')
  for (let at = 1; at <= 5; at++)
    await step(`readings.put ${at}`, () => readings.put({ device: 'd-1', at, v: at * 10 }))
  await step('table.query all', () => readings.query({ partitionKey: 'd-1' }))
  const first = await readings.query({ partitionKey: 'd-1', limit: 2 })
  await step('table.query page 1', async () => first)
  await step('table.query page 2', () =>
    readings.query({ partitionKey: 'd-1', limit: 2, startAfter: first.lastKey }),
  )
  await step('table.query full last page', () => readings.query({ partitionKey: 'd-1', limit: 5 }))
  await step('table.query between, descending', () =>
    readings.query({ partitionKey: 'd-1', sortKey: { between: [2, 4] }, scanForward: false }),
  )
  await step('table.query greaterThan', () =>
    readings.query({ partitionKey: 'd-1', sortKey: { greaterThan: 3 } }),
  )
  await step('table.query other partition', () => readings.query({ partitionKey: 'd-2' }))

  await step('queue.send object', () => queue('alerts').send({ a: 1 }))
  await step('queue.send text with attributes', () =>
    queue('alerts').send('text', { delaySeconds: 0, attributes: { kind: 'x' } }),
  )
  await step('queue.send delay too long', () => queue('alerts').send('late', { delaySeconds: 901 }))

  await step('topic.publish', () =>
    topic('alarms').publish('hello', { subject: 'S', attributes: { a: 'b' } }),
  )
  await step('topic.publish object', () => topic('alarms').publish({ level: 'high' }))

  const raw = bucket('raw')
  await step('bucket.put json', () => raw.put('a.json', { a: 1 }))
  await step('bucket.put text + metadata', () => raw.put('b.txt', 'hi', { metadata: { owner: 'me' } }))
  await step('bucket.put bytes', () => raw.put('dir/c.bin', new Uint8Array([1, 2, 3])))
  await step('bucket.put gzip', () =>
    raw.put('dir/d.gz', 'z', { contentType: 'text/csv', contentEncoding: 'gzip' }),
  )
  await step('bucket.get', () => raw.get('a.json'))
  await step('bucket.get encoded', () => raw.get('dir/d.gz'))
  await step('bucket.head', () => raw.head('b.txt'))
  await step('bucket.get missing', () => raw.get('missing'))
  await step('bucket.head missing', () => raw.head('missing'))
  await step('bucket.list', () => raw.list())
  await step('bucket.list delimiter', () => raw.list({ delimiter: '/' }))
  await step('bucket.list page', () => raw.list({ maxKeys: 1 }))
  await step('bucket.list prefix startAfter', () => raw.list({ prefix: 'dir/', startAfter: 'dir/c.bin' }))
  await step('bucket.delete', () => raw.delete('b.txt'))
  await step('bucket.delete missing', () => raw.delete('missing'))
  await step('bucket.list after delete', () => raw.list())

  await step('metrics.put', () =>
    metrics('Parity').put('Custom', 2, { unit: 'Count', dimensions: { D: 'x' } }),
  )
  await step('metrics.put not finite', () => metrics('Parity').put('Custom', Number.NaN))
  return out
}
