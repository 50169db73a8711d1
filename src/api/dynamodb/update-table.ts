import type { IndexDefinition, KeyType } from '../../services/tables/keys.ts'
import { AwsError, validationError } from '../errors.ts'
import { defineOperation } from '../operation.ts'
import { namedTableOf, notFound, TABLE_NAME, tableNameOf, wire } from './common.ts'
import {
  GLOBAL_INDEXES,
  indexesOf,
  keyAttributes,
  ON_DEMAND_THROUGHPUT,
  THROUGHPUT,
  WARM_THROUGHPUT,
} from './table-indexes.ts'
import { ATTRIBUTE_DEFINITION, BILLING_MODE, tableDescription } from './tables.ts'

/** What an UpdateTable request may change: one at least, checked before the table is looked for. */
const UPDATES = [
  'ProvisionedThroughput',
  'BillingMode',
  'GlobalSecondaryIndexUpdates',
  'DeletionProtectionEnabled',
  'TableClass',
  'OnDemandThroughput',
  'WarmThroughput',
] as const
// DynamoDB's message as recorded in 2023; the members it lists predate TableClass and friends.
const NOTHING_TO_UPDATE =
  'At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required'

const INDEX_FIELDS = GLOBAL_INDEXES.children.children
const INDEX = INDEX_FIELDS.IndexName
const ATTRIBUTE_DEFINITIONS = { type: 'List', children: ATTRIBUTE_DEFINITION } as const

/**
 * UpdateTable: global secondary indexes created and deleted on a table created through the API
 * (one per request, as DynamoDB allows). Indexes are read from the items, so a new index is
 * ACTIVE at once with every item that has its keys. Billing and throughput settings are
 * accepted and change nothing.
 */
export const updateTable = defineOperation({
  name: 'UpdateTable',
  // Members in the order DynamoDB reports their violations (recorded from AWS); those newer than
  // the recordings last. A missing TableName is refused before anything else is checked.
  spec: {
    TableName: { ...TABLE_NAME, required: true },
    ProvisionedThroughput: THROUGHPUT,
    BillingMode: BILLING_MODE,
    GlobalSecondaryIndexUpdates: {
      type: 'List',
      children: {
        type: 'Structure',
        shape: 'GlobalSecondaryIndexUpdate',
        children: {
          Update: {
            type: 'Structure',
            shape: 'UpdateGlobalSecondaryIndexAction',
            children: { IndexName: INDEX, ProvisionedThroughput: THROUGHPUT },
          },
          Create: {
            type: 'Structure',
            shape: 'CreateGlobalSecondaryIndexAction',
            children: {
              Projection: INDEX_FIELDS.Projection,
              IndexName: INDEX,
              ProvisionedThroughput: INDEX_FIELDS.ProvisionedThroughput,
              KeySchema: INDEX_FIELDS.KeySchema,
              OnDemandThroughput: INDEX_FIELDS.OnDemandThroughput,
              WarmThroughput: INDEX_FIELDS.WarmThroughput,
            },
          },
          Delete: {
            type: 'Structure',
            shape: 'DeleteGlobalSecondaryIndexAction',
            children: { IndexName: INDEX },
          },
        },
      },
    },
    AttributeDefinitions: ATTRIBUTE_DEFINITIONS,
    DeletionProtectionEnabled: { type: 'Boolean' },
    TableClass: { type: 'String', enum: ['STANDARD', 'STANDARD_INFREQUENT_ACCESS'] },
    OnDemandThroughput: ON_DEMAND_THROUGHPUT,
    WarmThroughput: WARM_THROUGHPUT,
  },
  handle(input, ctx) {
    if (!UPDATES.some((member) => input[member] !== undefined)) throw validationError(NOTHING_TO_UPDATE)
    const name = tableNameOf(input.TableName)
    const table = namedTableOf(ctx, name)
    const updates = input.GlobalSecondaryIndexUpdates ?? []
    const changes = updates.filter((u) => u.Create !== undefined || u.Delete !== undefined)
    if (changes.length > 1) {
      throw new AwsError(
        'LimitExceededException',
        'Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table',
      )
    }
    const { secondaryIndexes = [], attributeTypes = {} } = table.definition
    let indexes: IndexDefinition[] = [...secondaryIndexes]
    const types: Record<string, KeyType> = { ...attributeTypes }
    for (const d of input.AttributeDefinitions ?? []) types[d.AttributeName] = d.AttributeType as KeyType
    const change = changes[0]
    if (change?.Create) {
      const create = change.Create
      if (indexes.some((i) => i.name === create.IndexName)) {
        throw validationError('Attempting to create an index which already exists')
      }
      const [created] = indexesOf(table.definition, Object.keys(types), {
        GlobalSecondaryIndexes: [create],
        BillingMode: input.BillingMode,
      })
      indexes.push(created!)
    } else if (change?.Delete) {
      const deleted = change.Delete.IndexName
      if (!indexes.some((i) => i.global && i.name === deleted)) throw notFound()
      indexes = indexes.filter((i) => i.name !== deleted)
    }
    for (const update of updates.filter((u) => u.Update !== undefined)) {
      if (!indexes.some((i) => i.global && i.name === update.Update!.IndexName)) throw notFound()
    }
    if (change) {
      // The key types kept are those of the keys still in use (DynamoDB drops the others).
      const used = keyAttributes(table.definition, indexes)
      const kept = Object.fromEntries(Object.entries(types).filter(([n]) => used.has(n)))
      wire(() => ctx.pipeline!.tableRegistry().updateIndexes(name, indexes, kept))
    }
    return { TableDescription: tableDescription(ctx, name, 'ACTIVE') }
  },
})
