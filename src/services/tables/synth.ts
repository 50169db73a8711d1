import { cdk } from '../../kind/cdk-synth.ts'
import type { SynthFace } from '../../kind/synth.ts'
import type { TableConfig } from './definition.ts'

const { Arn, Stack } = cdk
const { AttributeType, ProjectionType, TableV2 } = cdk.aws_dynamodb
const { PolicyStatement } = cdk.aws_iam

/** What the `table(name)` bindings call on AWS, by access. */
export const TABLE_ACTIONS = {
  // DescribeTable: `table().query` reads the key schema once per table (src/bindings/aws-env.ts, BINDING_ACTIONS).
  read: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:DescribeTable'],
  write: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
} as const

const TYPES = { S: AttributeType.STRING, N: AttributeType.NUMBER, B: AttributeType.BINARY } as const

/**
 * Tables become DynamoDB tables (on-demand capacity, kept when the stack is destroyed) with the
 * declared keys and indexes. DynamoDB needs a type for every key attribute: one missing from
 * `attributeTypes` is a string, with a warning.
 */
export const tableSynth: SynthFace<TableConfig> = {
  localOnly: [],
  synth(ctx, tables) {
    for (const { name, config } of tables) {
      const key = (attribute: string) => {
        const type = config.attributeTypes?.[attribute]
        if (type === undefined)
          ctx.warn(
            `tables.${name}.attributeTypes.${attribute}: not declared; the key attribute is a string (S) on AWS`,
          )
        return { name: attribute, type: TYPES[type ?? 'S'] }
      }
      const indexes = Object.entries(config.indexes ?? {})
      const projection = (p: (typeof indexes)[number][1]['projection']) =>
        p === 'ALL'
          ? { projectionType: ProjectionType.ALL }
          : p === 'KEYS_ONLY'
            ? { projectionType: ProjectionType.KEYS_ONLY }
            : { projectionType: ProjectionType.INCLUDE, nonKeyAttributes: p.include }
      const table = new TableV2(ctx.stack, ctx.id('table', name), {
        partitionKey: key(config.partitionKey),
        ...(config.sortKey !== undefined ? { sortKey: key(config.sortKey) } : {}),
        globalSecondaryIndexes: indexes
          .filter(([, i]) => i.type === 'global')
          .map(([indexName, i]) => ({
            indexName,
            partitionKey: key(i.partitionKey!),
            ...(i.sortKey !== undefined ? { sortKey: key(i.sortKey) } : {}),
            ...projection(i.projection),
          })),
        localSecondaryIndexes: indexes
          .filter(([, i]) => i.type === 'local')
          .map(([indexName, i]) => ({ indexName, sortKey: key(i.sortKey!), ...projection(i.projection) })),
        ...(config.timeToLiveAttribute !== undefined
          ? { timeToLiveAttribute: config.timeToLiveAttribute }
          : {}),
      })
      // Query on an index needs the index's ARN; each declared index is named, no wildcard.
      const indexArns = indexes.map(([indexName]) =>
        Arn.format(
          { service: 'dynamodb', resource: 'table', resourceName: `${table.tableName}/index/${indexName}` },
          Stack.of(table),
        ),
      )
      ctx.add('table', name, {
        construct: table,
        physicalName: table.tableName,
        bindingValue: table.tableName,
        grant: (grantee, access) => {
          const resources = access === 'read' ? [table.tableArn, ...indexArns] : [table.tableArn]
          grantee.grantPrincipal.addToPrincipalPolicy(
            new PolicyStatement({ actions: [...TABLE_ACTIONS[access]], resources }),
          )
        },
      })
      ctx.output('table', name, 'Name', table.tableName)
    }
  },
}
