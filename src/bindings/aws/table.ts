import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import type { Changes, Condition, QueryOptions, TableKey } from '../types.ts'
import { invalid, physicalName, sdkCall } from './errors.ts'
import type { AwsCallContext, AwsMethods } from './service.ts'
import {
  conditionExpression,
  Placeholders,
  sortKeyExpression,
  updateExpression,
} from './table-expressions.ts'

type Item = Record<string, unknown>
type Marshalled = Record<string, AttributeValue>

interface Codec {
  marshall(item: Item): Marshalled
  unmarshall(item: Marshalled): Item
}

let codec: Promise<Codec> | undefined

/** util-dynamodb, loaded with the first table call; `undefined` members are dropped, as locally. */
function dynamoCodec(): Promise<Codec> {
  codec ??= import('@aws-sdk/util-dynamodb').then((m) => ({
    marshall: (item) => m.marshall(item, { removeUndefinedValues: true }),
    unmarshall: (item) => m.unmarshall(item),
  }))
  return codec
}

interface KeySchema {
  partitionKey: string
  sortKey?: string
}

/**
 * A table's key attribute names, read once per process with DescribeTable: a query names only
 * the key values (`partitionKey: 'd-1'`), DynamoDB's KeyConditionExpression needs the names.
 */
const schemas = new Map<string, Promise<KeySchema>>()

async function keySchema(ctx: AwsCallContext, TableName: string): Promise<KeySchema> {
  let schema = schemas.get(TableName)
  if (!schema) {
    schema = (async () => {
      const { DescribeTableCommand } = await import('@aws-sdk/client-dynamodb')
      const dynamodb = await ctx.clients.get('dynamodb')
      const out = await sdkCall(() => dynamodb.send(new DescribeTableCommand({ TableName })))
      const keys = out.Table?.KeySchema ?? []
      const partitionKey = keys.find((k) => k.KeyType === 'HASH')?.AttributeName ?? ''
      const sortKey = keys.find((k) => k.KeyType === 'RANGE')?.AttributeName
      return sortKey === undefined ? { partitionKey } : { partitionKey, sortKey }
    })()
    schema.catch(() => schemas.delete(TableName))
    schemas.set(TableName, schema)
  }
  return schema
}

function writeCondition(options: unknown): Condition | undefined {
  if (options === undefined || options === null) return undefined
  if (typeof options !== 'object' || Object.keys(options).some((k) => k !== 'condition')) {
    throw invalid('ValidationException', 'Invalid options: only { condition } is accepted')
  }
  return (options as { condition?: Condition }).condition
}

/** What every item call needs: the SDK module, the client, the codec and the table's name. */
async function open(ctx: AwsCallContext, name: string) {
  const TableName = physicalName('table', name, ctx.env)
  const [sdk, dynamodb, { marshall, unmarshall }] = await Promise.all([
    import('@aws-sdk/client-dynamodb'),
    ctx.clients.get('dynamodb'),
    dynamoCodec(),
  ])
  return { sdk, dynamodb, marshall, unmarshall, TableName }
}

/** The condition as a request's ConditionExpression (with its names and values), if any. */
function conditional(condition: Condition | undefined, attributes: string[], marshall: Codec['marshall']) {
  const p = new Placeholders()
  const ConditionExpression = conditionExpression(condition, attributes, p)
  return ConditionExpression ? { ConditionExpression, ...request(p, marshall) } : {}
}

function request(p: Placeholders, marshall: Codec['marshall']) {
  const { ExpressionAttributeNames, ExpressionAttributeValues } = p.request()
  return {
    ...(ExpressionAttributeNames ? { ExpressionAttributeNames } : {}),
    ...(ExpressionAttributeValues ? { ExpressionAttributeValues: marshall(ExpressionAttributeValues) } : {}),
  }
}

/**
 * `table(name)`: GetItem (strongly consistent, as the local table reads), PutItem, UpdateItem
 * with ReturnValues ALL_NEW, DeleteItem and Query, conditions and changes written as expressions.
 * A failed condition is DynamoDB's `ConditionalCheckFailedException`, as locally.
 */
export const tableMethods: AwsMethods = {
  async get(ctx, name, [key]) {
    const t = await open(ctx, name)
    const out = await sdkCall(() =>
      t.dynamodb.send(
        new t.sdk.GetItemCommand({
          TableName: t.TableName,
          Key: t.marshall(key as Item),
          ConsistentRead: true,
        }),
      ),
    )
    return out.Item ? t.unmarshall(out.Item) : undefined
  },

  async put(ctx, name, [item, options]) {
    const condition = writeCondition(options)
    const t = await open(ctx, name)
    const Item = t.marshall(item as Item)
    const attributes = Object.keys(Item)
    await sdkCall(() =>
      t.dynamodb.send(
        new t.sdk.PutItemCommand({
          TableName: t.TableName,
          Item,
          ...conditional(condition, attributes, t.marshall),
        }),
      ),
    )
  },

  async update(ctx, name, [key, changes, options]) {
    const condition = writeCondition(options)
    const t = await open(ctx, name)
    const p = new Placeholders()
    const UpdateExpression = updateExpression(changes as Changes | undefined, p)
    const ConditionExpression = conditionExpression(condition, Object.keys(key as TableKey), p)
    const out = await sdkCall(() =>
      t.dynamodb.send(
        new t.sdk.UpdateItemCommand({
          TableName: t.TableName,
          Key: t.marshall(key as Item),
          ...(UpdateExpression ? { UpdateExpression } : {}),
          ...(ConditionExpression ? { ConditionExpression } : {}),
          ...request(p, t.marshall),
          ReturnValues: 'ALL_NEW',
        }),
      ),
    )
    return t.unmarshall(out.Attributes ?? {})
  },

  async delete(ctx, name, [key, options]) {
    const condition = writeCondition(options)
    const t = await open(ctx, name)
    const attributes = Object.keys(key as TableKey)
    await sdkCall(() =>
      t.dynamodb.send(
        new t.sdk.DeleteItemCommand({
          TableName: t.TableName,
          Key: t.marshall(key as Item),
          ...conditional(condition, attributes, t.marshall),
        }),
      ),
    )
  },

  async query(ctx, name, [given]) {
    if (given === null || typeof given !== 'object' || Array.isArray(given)) {
      throw invalid('ValidationException', 'Invalid query: expected an options object')
    }
    const options = given as QueryOptions
    const t = await open(ctx, name)
    const schema = await keySchema(ctx, t.TableName)
    const p = new Placeholders()
    let KeyConditionExpression = `${p.name(schema.partitionKey)} = ${p.value(options.partitionKey)}`
    if (options.sortKey !== undefined) {
      if (schema.sortKey === undefined)
        throw invalid('ValidationException', 'Query key condition not supported')
      KeyConditionExpression += ` AND ${sortKeyExpression(schema.sortKey, options.sortKey, p)}`
    }
    const out = await sdkCall(() =>
      t.dynamodb.send(
        new t.sdk.QueryCommand({
          TableName: t.TableName,
          KeyConditionExpression,
          ...request(p, t.marshall),
          ConsistentRead: true,
          ...(options.limit === undefined ? {} : { Limit: options.limit }),
          ...(options.scanForward === false ? { ScanIndexForward: false } : {}),
          ...(options.startAfter === undefined ? {} : { ExclusiveStartKey: t.marshall(options.startAfter) }),
        }),
      ),
    )
    const items = (out.Items ?? []).map((i) => t.unmarshall(i))
    return out.LastEvaluatedKey ? { items, lastKey: t.unmarshall(out.LastEvaluatedKey) } : { items }
  },
}
