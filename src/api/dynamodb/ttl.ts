/**
 * UpdateTimeToLive and DescribeTimeToLive: a table's time to live, kept by the table registry and
 * applied by the TTL sweep (src/services/tables/ttl-sweeper.ts). Changes take effect at once:
 * the status is ENABLED or DISABLED, never DynamoDB's ENABLING / DISABLING, and DynamoDB's limit
 * of one change per hour is not enforced.
 */
import { validationError } from '../errors.ts'
import { defineOperation } from '../operation.ts'
import { namedTableOf, TABLE_NAME, tableNameOf, wire } from './common.ts'

/** An empty name has DynamoDB's own message (below), not a length violation. */
const ATTRIBUTE_NAME = { type: 'String', notNull: true, lengthLessThanOrEqual: 255 } as const

export const updateTimeToLive = defineOperation({
  name: 'UpdateTimeToLive',
  spec: {
    TableName: { ...TABLE_NAME, required: true },
    TimeToLiveSpecification: {
      type: 'Structure',
      shape: 'TimeToLiveSpecification',
      notNull: true,
      children: { Enabled: { type: 'Boolean', notNull: true }, AttributeName: ATTRIBUTE_NAME },
    },
  },
  handle(input, ctx) {
    const { Enabled: enabled, AttributeName: attribute } = input.TimeToLiveSpecification
    if (attribute === '') throw validationError('TimeToLiveSpecification.AttributeName must be non empty')
    const name = tableNameOf(input.TableName)
    namedTableOf(ctx, name)
    const registry = ctx.pipeline!.tableRegistry()
    const current = registry.timeToLive(name)
    if (current !== undefined && current !== attribute)
      throw validationError(
        `TimeToLive is active on a different AttributeName: current AttributeName is ${current}`,
      )
    if (current !== undefined && enabled) throw validationError('TimeToLive is already enabled')
    if (current === undefined && !enabled) throw validationError('TimeToLive is already disabled')
    wire(() => registry.setTimeToLive(name, enabled ? attribute : undefined))
    return { TimeToLiveSpecification: { Enabled: enabled, AttributeName: attribute } }
  },
})

export const describeTimeToLive = defineOperation({
  name: 'DescribeTimeToLive',
  spec: { TableName: { ...TABLE_NAME, required: true } },
  handle(input, ctx) {
    const name = tableNameOf(input.TableName)
    namedTableOf(ctx, name)
    const attribute = ctx.pipeline!.tableRegistry().timeToLive(name)
    return {
      TimeToLiveDescription:
        attribute === undefined
          ? { TimeToLiveStatus: 'DISABLED' }
          : { TimeToLiveStatus: 'ENABLED', AttributeName: attribute },
    }
  },
})
