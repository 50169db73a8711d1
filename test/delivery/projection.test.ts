// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${key}` is the syntax of Athena's storage.location.template, not a template.
/**
 * Athena partition projection derived from the deliveries that write a catalog table: the Glue
 * table parameters synth sets, or the note saying why there are none.
 */
import { describe, expect, it } from 'vitest'
import { type DeliveryConfig, deliverySchema } from '../../src/delivery/config.ts'
import { partitionProjection } from '../../src/delivery/projection.ts'
import { type CatalogTableConfig, catalogTableSchema } from '../../src/query/config.ts'

const LOCATION = 's3://lake/events/'

function table(partitionKeys: { name: string; type: string }[], extra: object = {}): CatalogTableConfig {
  return catalogTableSchema.parse({
    bucket: 'lake',
    prefix: 'events/',
    format: 'json',
    columns: [{ name: 'id', type: 'string' }],
    partitionKeys,
    ...extra,
  })
}

function delivery(prefix: string, extra: object = {}): DeliveryConfig {
  return deliverySchema.parse({ bucket: 'lake', prefix, errorOutputPrefix: 'errors/', ...extra })
}

const project = (t: CatalogTableConfig, deliveries: Record<string, DeliveryConfig>) =>
  partitionProjection('events', t, LOCATION, deliveries)

describe('partition projection from a delivery prefix', () => {
  it('projects year/month/day/hour integer keys as zero-padded integer ranges', () => {
    const int = (name: string) => ({ name, type: 'int' })
    const out = project(table([int('year'), int('month'), int('day'), int('hour')]), {
      d: delivery(
        'events/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/',
      ),
    })
    expect(out).toEqual({
      parameters: {
        'projection.enabled': 'true',
        'projection.year.type': 'integer',
        'projection.year.range': '2020,2099',
        'projection.month.type': 'integer',
        'projection.month.range': '1,12',
        'projection.month.digits': '2',
        'projection.day.type': 'integer',
        'projection.day.range': '1,31',
        'projection.day.digits': '2',
        'projection.hour.type': 'integer',
        'projection.hour.range': '0,23',
        'projection.hour.digits': '2',
        'storage.location.template': 's3://lake/events/year=${year}/month=${month}/day=${day}/hour=${hour}/',
      },
      notes: [],
    })
  })

  it('projects dynamic partition keys as injected (queries name them) and a date key from NOW back', () => {
    const out = project(
      table([
        { name: 'site', type: 'string' },
        { name: 'event_type', type: 'string' },
        { name: 'dt', type: 'date' },
      ]),
      {
        d: delivery(
          'events/site=!{partitionKeyFromLambda:site}/event_type=!{partitionKeyFromQuery:type}/dt=!{timestamp:yyyy-MM-dd}/',
          {
            bufferingHints: { sizeInMBs: 64 },
            dynamicPartitioning: { enabled: true, metadataExtraction: { queries: { type: '.type' } } },
          },
        ),
      },
    )
    expect(out.parameters).toEqual({
      'projection.enabled': 'true',
      'projection.site.type': 'injected',
      'projection.event_type.type': 'injected',
      'projection.dt.type': 'date',
      'projection.dt.format': 'yyyy-MM-dd',
      'projection.dt.range': '2020-01-01,NOW',
      'projection.dt.interval': '1',
      'projection.dt.interval.unit': 'DAYS',
      'storage.location.template': 's3://lake/events/site=${site}/event_type=${event_type}/dt=${dt}/',
    })
    expect(out.notes).toEqual([
      "catalog.events.partitionKeys: site, event_type projected as 'injected' (the records give the values): Athena queries of events must name them (WHERE site = '...')",
    ])
  })

  it.each([
    ['yyyy/MM/dd/HH', 'yyyy/MM/dd/HH', '2020/01/01/00', 'HOURS'],
    ["yyyy-MM-dd'T'HH", "yyyy-MM-dd'T'HH", '2020-01-01T00', 'HOURS'],
    ['yyyy-MM', 'yyyy-MM', '2020-01', 'MONTHS'],
    ['yyyy', 'yyyy', '2020', 'YEARS'],
  ])('projects a string key written as !{timestamp:%s} as a date', (pattern, format, start, unit) => {
    const out = project(table([{ name: 'at', type: 'string' }]), {
      d: delivery(`events/at=!{timestamp:${pattern}}/`),
    })
    expect(out.parameters).toMatchObject({
      'projection.at.type': 'date',
      'projection.at.format': format,
      'projection.at.range': `${start},NOW`,
      'projection.at.interval.unit': unit,
      'storage.location.template': 's3://lake/events/at=${at}/',
    })
  })

  it('projects a literal value as a one-value enum, and allows object-name text after the keys', () => {
    const out = project(table([{ name: 'source', type: 'string' }]), {
      d: delivery('events/source=web/part-!{timestamp:HH}'),
    })
    expect(out.parameters).toMatchObject({
      'projection.source.type': 'enum',
      'projection.source.values': 'web',
    })
  })

  it('projects a Parquet table from the delivery converting into it only', () => {
    const parquet = table([{ name: 'day', type: 'string' }], { format: 'parquet' })
    const writes = delivery('events/day=!{timestamp:yyyy-MM-dd}/', {
      bufferingHints: { sizeInMBs: 64 },
      format: { parquet: { table: 'events' } },
    })
    expect(project(parquet, { d: writes }).parameters?.['projection.day.type']).toBe('date')
    // JSON records under the prefix are not this Parquet table's files.
    expect(project(parquet, { d: delivery('events/day=!{timestamp:yyyy-MM-dd}/') })).toEqual({ notes: [] })
  })

  it('leaves a table no delivery writes to the catalog face (which warns)', () => {
    const t = table([{ name: 'day', type: 'string' }])
    expect(project(t, { other: delivery('elsewhere/day=!{timestamp:yyyy-MM-dd}/') })).toEqual({ notes: [] })
    expect(project(t, { other: delivery('events/x=!{timestamp:yyyy}/', { bucket: 'other' }) })).toEqual({
      notes: [],
    })
  })

  it('has nothing to project for a table without partition keys', () => {
    expect(project(table([]), { d: delivery('events/') })).toEqual({ notes: [] })
  })

  const notProjected = (why: string) =>
    `catalog.events.partitionKeys: deliveries.d.prefix ${why}, so they are not projected: Athena sees a partition once it is added (MSCK REPAIR TABLE events)`

  it.each([
    [
      'a prefix without expressions (Firehose appends yyyy/MM/dd/HH/)',
      [{ name: 'day', type: 'string' }],
      'events/',
      'does not write partition key day as directory 1 (day=.../)',
    ],
    [
      'keys in another order',
      [
        { name: 'a', type: 'string' },
        { name: 'b', type: 'string' },
      ],
      'events/b=!{timestamp:yyyy}/a=!{timestamp:MM}/',
      'does not write partition key a as directory 1 (a=.../)',
    ],
    [
      'a directory after the keys',
      [{ name: 'day', type: 'string' }],
      'events/day=!{timestamp:yyyy-MM-dd}/more/',
      'does not end in the 1 key=value/ directories of its partition keys',
    ],
    [
      'an integer key of two fields',
      [{ name: 'ym', type: 'int' }],
      'events/ym=!{timestamp:yyyyMM}/',
      'writes integer key ym as more than one timestamp field (yyyyMM)',
    ],
    [
      'a two-digit year',
      [{ name: 'year', type: 'int' }],
      'events/year=!{timestamp:yy}/',
      'writes year year with two digits (yy)',
    ],
    [
      'a timestamp key',
      [{ name: 'at', type: 'timestamp' }],
      'events/at=!{timestamp:yyyy-MM-dd}/',
      'writes at (timestamp) as yyyy-MM-dd: projected dates are string keys, or date keys as yyyy-MM-dd',
    ],
    [
      'a value mixing expressions',
      [{ name: 'r', type: 'string' }],
      'events/r=!{firehose:random-string}-!{timestamp:HH}/',
      'writes r as something partition projection cannot describe',
    ],
    [
      'a week-based field',
      [{ name: 'w', type: 'string' }],
      'events/w=!{timestamp:ww}/',
      'writes w with timestamp fields other than y M d H m',
    ],
  ])('does not project %s, saying why', (_what, keys, prefix, why) => {
    expect(project(table(keys), { d: delivery(prefix) })).toEqual({ notes: [notProjected(why)] })
  })

  it('does not project two deliveries writing the partitions differently', () => {
    const t = table([{ name: 'day', type: 'string' }])
    const out = project(t, {
      a: delivery('events/day=!{timestamp:yyyy-MM-dd}/'),
      b: delivery('events/day=!{timestamp:yyyy/MM/dd}/'),
    })
    expect(out).toEqual({
      notes: [
        'catalog.events.partitionKeys: deliveries.a and deliveries.b write its partitions differently, so they are not projected: Athena sees a partition once it is added (MSCK REPAIR TABLE events)',
      ],
    })
  })
})
