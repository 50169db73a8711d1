import { describe, expect, it } from 'vitest'
import { tableSchema } from '../../../src/services/tables/definition.ts'
import { TableService } from '../../../src/services/tables/index.ts'
import { tableDefinition } from '../../../src/services/tables/kind.ts'
import { openStore } from './helpers.ts'

describe('declared tables: attributeTypes and indexes', () => {
  it('turns the definition into the table service’s key schema and indexes', () => {
    const config = tableSchema.parse({
      partitionKey: 'id',
      sortKey: 'at',
      attributeTypes: { id: 'S', at: 'N', kind: 'S' },
      indexes: {
        byKind: { partitionKey: 'kind', projection: { include: ['note'] } },
        byAt: { type: 'local', sortKey: 'kind', projection: 'KEYS_ONLY' },
      },
    })
    expect(tableDefinition(config)).toEqual({
      partitionKey: 'id',
      sortKey: 'at',
      attributeTypes: { id: 'S', at: 'N', kind: 'S' },
      secondaryIndexes: [
        {
          name: 'byKind',
          global: true,
          partitionKey: 'kind',
          projection: { type: 'INCLUDE', nonKeyAttributes: ['note'] },
        },
        {
          name: 'byAt',
          global: false,
          partitionKey: 'id',
          sortKey: 'kind',
          projection: { type: 'KEYS_ONLY' },
        },
      ],
    })
  })

  it.each([
    [{ indexes: { byKind: { projection: 'ALL' } } }, 'a global index needs a partitionKey'],
    [{ indexes: { byKind: { type: 'local' } } }, 'a local index needs a sortKey'],
    [
      { indexes: { byKind: { type: 'local', partitionKey: 'x', sortKey: 'y' } } },
      "a local index uses the table's partition key",
    ],
    [{ indexes: { ab: { partitionKey: 'x' } } }, 'Invalid string'],
    [{ attributeTypes: { id: 'BOOL' } }, 'Invalid option'],
  ])('refuses %j', (extra, message) => {
    const result = tableSchema.safeParse({ partitionKey: 'id', ...extra })
    expect(result.success).toBe(false)
    expect(JSON.stringify(result.error?.issues)).toContain(message)
  })

  it('refuses a local index on a table without a sort key when the table opens', async () => {
    const { store } = await openStore()
    expect(
      () =>
        new TableService(store, 'events', {
          partitionKey: 'id',
          secondaryIndexes: [
            { name: 'byAt', global: false, partitionKey: 'id', sortKey: 'at', projection: { type: 'ALL' } },
          ],
        }),
    ).toThrow("table 'events': local index 'byAt' needs the table to have a sortKey")
  })
})
