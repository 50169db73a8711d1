import { describe, expect, it } from 'vitest'
import { synth } from './synth-helpers.ts'

const readings = {
  bucket: 'lake',
  prefix: 'readings/',
  format: 'json',
  columns: [{ name: 'id', type: 'string' }],
  partitionKeys: [{ name: 'day', type: 'string' }],
}

/** Partitioned catalog tables whose partitions synth cannot project: one warning each, saying what to do. */
describe('tributary synth: catalog partitions it cannot project', () => {
  it('warns about a partitioned table no delivery writes, and one whose delivery writes another layout', async () => {
    const out = await synth(
      {
        buckets: { lake: {} },
        deliveries: { d: { bucket: 'lake', prefix: 'other/', errorOutputPrefix: 'errors/' } },
        catalog: {
          readings,
          flat: { ...readings, prefix: 'other/' },
        },
      },
      false,
    )
    try {
      type GlueTable = { Type: string; Properties: { TableInput: { Name: string; Parameters: object } } }
      const parameters = (name: string) =>
        Object.values(out.template.Resources as Record<string, GlueTable>).find(
          (r) => r.Type === 'AWS::Glue::Table' && r.Properties.TableInput.Name === name,
        )!.Properties.TableInput.Parameters
      expect(out.warnings).toEqual([
        'catalog.readings.partitionKeys: no delivery writes this table, so its partitions are not projected: Athena sees a partition once it is added (MSCK REPAIR TABLE readings)',
        'catalog.flat.partitionKeys: deliveries.d.prefix does not write partition key day as directory 1 (day=.../), so they are not projected: Athena sees a partition once it is added (MSCK REPAIR TABLE flat)',
      ])
      expect(parameters('readings')).toEqual({ classification: 'json', EXTERNAL: 'TRUE' })
      expect(parameters('flat')).toEqual({ classification: 'json', EXTERNAL: 'TRUE' })
    } finally {
      out.dispose()
    }
  }, 120_000)
})
