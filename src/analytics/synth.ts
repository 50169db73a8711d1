import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb'
import type * as iam from 'aws-cdk-lib/aws-iam'
import type { IStream } from 'aws-cdk-lib/aws-kinesis'
import type { Bucket, IBucket } from 'aws-cdk-lib/aws-s3'
import type { IConstruct } from 'constructs'
import { cdk } from '../kind/cdk-synth.ts'
import type { SynthContext, SynthFace } from '../kind/synth.ts'
import { acknowledgeObjectWildcard } from '../lake/buckets/synth.ts'
import { glueDatabaseName } from '../query/synth.ts'
import { type AnalyticsConfig, sqlText } from './config.ts'
import { applyEdits, type SqlEdit, sqlString, type TableWith, tablesWith } from './deployed-sql.ts'
import { analyzeProgram } from './sql/program.ts'

const { Stack } = cdk
const { PolicyStatement, Role, ServicePrincipal } = cdk.aws_iam
const { CfnApplication, CfnApplicationCloudWatchLoggingOption } = cdk.aws_kinesisanalyticsv2
const { LogGroup, LogStream, RetentionDays } = cdk.aws_logs
const { CfnDatabase } = cdk.aws_glue
const { ParameterTier, StringParameter } = cdk.aws_ssm

/**
 * Managed Service for Apache Flink Studio's runtime: Apache Zeppelin 0.10 on Flink 1.15
 * (https://docs.aws.amazon.com/managed-flink/latest/java/how-notebook.html).
 */
export const STUDIO_RUNTIME = 'ZEPPELIN-FLINK-3_0'

/**
 * Flink 1.15's SQL connectors as custom artifacts from Maven, for the connectors the SQL's tables
 * name (versions as https://docs.aws.amazon.com/managed-flink/latest/java/how-flink-connectors.html
 * lists them for 1.15). A notebook created through the API, as CloudFormation creates it, has no
 * connector of its own, not even Kinesis (the console adds that one;
 * https://docs.aws.amazon.com/managed-flink/latest/java/how-zeppelin-connectors.html); the
 * `filesystem` connector and the S3 file system are Flink's own.
 */
export const CONNECTOR_ARTIFACTS: Readonly<
  Record<string, { groupId: string; artifactId: string; version: string }>
> = {
  kinesis: { groupId: 'org.apache.flink', artifactId: 'flink-sql-connector-kinesis', version: '1.15.4' },
  dynamodb: {
    groupId: 'org.apache.flink',
    artifactId: 'flink-sql-connector-dynamodb',
    version: '3.0.0-1.15',
  },
  'elasticsearch-7': {
    groupId: 'org.apache.flink',
    artifactId: 'flink-sql-connector-elasticsearch7',
    version: '1.15.4',
  },
  'elasticsearch-6': {
    groupId: 'org.apache.flink',
    artifactId: 'flink-sql-connector-elasticsearch6',
    version: '1.15.4',
  },
}

/** What Flink's Kinesis source calls (polling: no enhanced fan-out consumer is registered). */
export const KINESIS_SOURCE_ACTIONS = [
  'kinesis:DescribeStream',
  'kinesis:DescribeStreamSummary',
  'kinesis:GetShardIterator',
  'kinesis:GetRecords',
  'kinesis:ListShards',
]
/** What Flink's Kinesis sink calls. */
export const KINESIS_SINK_ACTIONS = ['kinesis:PutRecord', 'kinesis:PutRecords', 'kinesis:ListShards']
/** What Flink's DynamoDB sink calls (it batches). */
export const DYNAMODB_SINK_ACTIONS = ['dynamodb:BatchWriteItem', 'dynamodb:DescribeTable']
/** What Flink's S3 file system calls to write part files (multipart uploads) and roll them. */
export const S3_SINK_ACTIONS = {
  bucket: ['s3:ListBucket', 's3:ListBucketMultipartUploads'],
  objects: [
    's3:GetObject',
    's3:PutObject',
    's3:DeleteObject',
    's3:AbortMultipartUpload',
    's3:ListMultipartUploadParts',
  ],
}
/** What Studio does with its Glue database: `CREATE TABLE` statements are stored there. */
export const GLUE_CATALOG_ACTIONS = [
  'glue:GetDatabase',
  'glue:GetDatabases',
  'glue:GetTable',
  'glue:GetTables',
  'glue:CreateTable',
  'glue:UpdateTable',
  'glue:DeleteTable',
  'glue:GetPartitions',
  'glue:GetUserDefinedFunction',
  'glue:GetUserDefinedFunctions',
]

/** SSM's limits on a parameter's value: standard 4 KB, advanced 8 KB. */
const STANDARD_PARAMETER_BYTES = 4096
const ADVANCED_PARAMETER_BYTES = 8192
/** What a deploy-time name (a token in the text) may take at most: a Kinesis stream name, 128. */
const NAME_BYTES = 256

/** The Glue database the Studio notebooks keep their tables in (apart from the lake's catalog). */
export function studioDatabaseName(pipeline: string): string {
  return `${glueDatabaseName(pipeline)}_flink`
}

/**
 * Analytics become Managed Service for Apache Flink Studio notebooks, running the original Flink
 * SQL: one notebook per analytics resource, with its own role (read its source streams, write its
 * sinks, its log group, its Glue database), the connectors its tables name, and the SQL —
 * rewritten only where a connector names a local resource (`'stream'`, `'table-name'`, `'path'`,
 * `'hosts'`, `'aws.region'`) — in an SSM parameter. Starting the notebook and running the SQL in
 * it is the user's: CloudFormation cannot put a note into a notebook (docs/deploy.md).
 */
export const analyticsSynth: SynthFace<AnalyticsConfig> = {
  localOnly: [
    {
      path: 'maxBatchRecords',
      why: 'Flink processes records one at a time, not in micro-batches',
      isSet: (c) => c.maxBatchRecords !== 10_000,
    },
    {
      path: 'lateRecords',
      why: 'Flink drops late records, counting them in the numLateRecordsDropped metric',
      isSet: (c) => c.lateRecords !== undefined,
    },
  ],
  synth(ctx, resources) {
    for (const { name, config } of resources) synthNotebook(ctx, name, config)
  },
}

function synthNotebook(ctx: SynthContext, name: string, config: AnalyticsConfig): void {
  const stack = Stack.of(ctx.stack)
  const sql = sqlText(config, ctx.dir)
  const database = studioDatabase(ctx)
  const logGroup = new LogGroup(ctx.stack, ctx.id('analytics', name, 'logs'), {
    retention: RetentionDays.ONE_MONTH,
  })
  const logStream = new LogStream(ctx.stack, ctx.id('analytics', name, 'log-stream'), {
    logGroup,
    logStreamName: 'notebook',
  })
  const role = new Role(ctx.stack, ctx.id('analytics', name, 'role'), {
    assumedBy: new ServicePrincipal('kinesisanalytics.amazonaws.com'),
    description: `Tributary analytics ${name}: its source streams, its sinks, its log group, its Glue database`,
  })
  const logStreamArn = stack.formatArn({
    service: 'logs',
    resource: 'log-group',
    resourceName: `${logGroup.logGroupName}:log-stream:${logStream.logStreamName}`,
    arnFormat: cdk.ArnFormat.COLON_RESOURCE_NAME,
  })
  role.addToPolicy(new PolicyStatement({ actions: ['logs:PutLogEvents'], resources: [logStreamArn] }))
  role.addToPolicy(
    new PolicyStatement({ actions: ['logs:DescribeLogStreams'], resources: [logGroup.logGroupArn] }),
  )
  const dbName = studioDatabaseName(ctx.pipeline)
  const glue = (resource: string) => stack.formatArn({ service: 'glue', resource, resourceName: undefined })
  role.addToPolicy(
    new PolicyStatement({
      actions: GLUE_CATALOG_ACTIONS,
      resources: [
        glue('catalog'),
        stack.formatArn({ service: 'glue', resource: 'database', resourceName: dbName }),
        stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${dbName}/*` }),
        stack.formatArn({ service: 'glue', resource: 'userDefinedFunction', resourceName: `${dbName}/*` }),
      ],
    }),
  )
  for (const what of ['table', 'userDefinedFunction'])
    ctx.acknowledge(
      role,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:${what}/${dbName}/*]`,
      `Studio stores the notebook's CREATE TABLE statements (and functions) in Glue database ${dbName}, named by the SQL at run time`,
    )
  const tables = tablesWith(sql)
  const connectors = new Set(tables.map((t) => t.connector ?? ''))
  const app = new CfnApplication(ctx.stack, ctx.id('analytics', name), {
    applicationMode: 'INTERACTIVE',
    runtimeEnvironment: STUDIO_RUNTIME,
    serviceExecutionRole: role.roleArn,
    applicationDescription: `Tributary pipeline ${ctx.pipeline}: analytics ${name} (Flink SQL in SSM ${parameterName(ctx, name)})`,
    applicationConfiguration: {
      flinkApplicationConfiguration: {
        parallelismConfiguration: {
          configurationType: 'CUSTOM',
          parallelism: 1,
          parallelismPerKpu: 1,
          autoScalingEnabled: false,
        },
      },
      zeppelinApplicationConfiguration: {
        catalogConfiguration: {
          glueDataCatalogConfiguration: {
            databaseArn: stack.formatArn({ service: 'glue', resource: 'database', resourceName: dbName }),
          },
        },
        monitoringConfiguration: { logLevel: 'INFO' },
        customArtifactsConfiguration: Object.entries(CONNECTOR_ARTIFACTS)
          .filter(([connector]) => connectors.has(connector))
          .map(([, mavenReference]) => ({ artifactType: 'DEPENDENCY_JAR', mavenReference })),
      },
    },
  })
  app.node.addDependency(database, role)
  new CfnApplicationCloudWatchLoggingOption(ctx.stack, ctx.id('analytics', name, 'logging'), {
    applicationName: app.ref,
    cloudWatchLoggingOption: { logStreamArn },
  })
  // The sinks and sources may be synthesized after the analytics (search indexes are).
  ctx.defer(() => {
    const deployed = deployedSql(ctx, name, config, sql, tables, role)
    const estimate = Buffer.byteLength(deployed.text) + deployed.names * NAME_BYTES
    if (estimate > ADVANCED_PARAMETER_BYTES) {
      ctx.warn(
        `analytics.${name}.sql: too long for an SSM parameter (${estimate} bytes with the deployed names): ` +
          'not stored; rewrite its connector options by hand (docs/deploy.md#analytics)',
      )
    } else {
      new StringParameter(ctx.stack, ctx.id('analytics', name, 'sql'), {
        parameterName: parameterName(ctx, name),
        description: `Tributary analytics ${name}: the Flink SQL to run in notebook ${ctx.pipeline}`,
        stringValue: deployed.text,
        tier: estimate > STANDARD_PARAMETER_BYTES ? ParameterTier.ADVANCED : ParameterTier.STANDARD,
      })
    }
    ctx.output('analytics', name, 'Notebook', app.ref)
    ctx.output('analytics', name, 'SqlParameter', parameterName(ctx, name))
    ctx.warn(
      `analytics.${name}: a Managed Service for Apache Flink Studio notebook is deployed, not started: ` +
        `run it, open it in Apache Zeppelin and run the SQL of SSM parameter ${parameterName(ctx, name)} ` +
        'in one %flink.ssql(runAsOne=true) paragraph (docs/deploy.md#analytics)',
    )
  })
  ctx.add('analytics', name, { construct: app, physicalName: app.ref })
}

/** `/tributary/<pipeline>/analytics/<name>/sql`. */
function parameterName(ctx: SynthContext, name: string): string {
  return `/tributary/${ctx.pipeline}/analytics/${name}/sql`
}

/** The notebooks' Glue database, made once. */
function studioDatabase(ctx: SynthContext): IConstruct {
  const id = 'analytics-database'
  const existing = ctx.stack.node.tryFindChild(id)
  if (existing) return existing
  return new CfnDatabase(ctx.stack, id, {
    catalogId: Stack.of(ctx.stack).account,
    databaseInput: {
      name: studioDatabaseName(ctx.pipeline),
      description: `Tributary pipeline ${ctx.pipeline}: the Flink tables of its analytics notebooks`,
    },
  })
}

/**
 * The SQL as it runs on AWS, its tables' connectors pointed at the deployed resources, and the
 * grants each table needs on the notebook's role; `idleTimeoutMs` becomes Flink's own setting.
 */
function deployedSql(
  ctx: SynthContext,
  name: string,
  config: AnalyticsConfig,
  sql: string,
  tables: readonly TableWith[],
  role: iam.Role,
): { text: string; names: number } {
  const stack = Stack.of(ctx.stack)
  const program = analyzeProgram(sql)
  const sources = new Set(
    program.queries.flatMap((q) => [q.source.name, ...(q.join ? [q.join.table.name] : [])]),
  )
  const edits: SqlEdit[] = []
  let names = 0
  const set = (table: TableWith, key: string, value: string) => {
    const option = table.options.find((o) => o.key === key)
    names++
    if (option) edits.push({ ...option.valueAt, text: sqlString(value) })
    else
      edits.push({
        start: table.appendAt,
        end: table.appendAt,
        text: `, ${sqlString(key)} = ${sqlString(value)}`,
      })
  }
  const grant = (actions: readonly string[], resources: string[]) =>
    role.addToPolicy(new PolicyStatement({ actions: [...actions], resources }))
  for (const table of tables) {
    const option = (key: string) => table.options.find((o) => o.key === key)?.value
    const where = `analytics.${name}.sql: table ${table.table}`
    switch (table.connector) {
      case 'kinesis': {
        const local = option('stream') ?? option('stream.arn')?.replace(/^.*:stream\//, '')
        if (local === undefined) break
        const stream = ctx.get<IStream>('stream', local).construct
        if (option('stream.arn') !== undefined) set(table, 'stream.arn', stream.streamArn)
        else set(table, 'stream', stream.streamName)
        set(table, 'aws.region', stack.region)
        grant(sources.has(table.table) ? KINESIS_SOURCE_ACTIONS : KINESIS_SINK_ACTIONS, [stream.streamArn])
        break
      }
      case 'dynamodb': {
        const local = option('table-name')
        if (local === undefined) break
        const target = ctx.get('table', local)
        set(table, 'table-name', target.bindingValue!)
        set(table, 'aws.region', stack.region)
        if (sources.has(table.table))
          ctx.warn(`${where}: Flink's DynamoDB connector only writes; a lookup join of it fails on AWS`)
        grant(DYNAMODB_SINK_ACTIONS, [(target.construct as TableV2).tableArn])
        break
      }
      case 'filesystem': {
        const m = /^s3a?:\/\/([^/]+)\/?(.*)$/.exec(option('path') ?? '')
        if (!m) break
        const bucket = ctx.get<IBucket>('bucket', m[1]!).construct
        set(table, 'path', `s3://${bucket.bucketName}/${m[2]}`)
        grant(S3_SINK_ACTIONS.bucket, [bucket.bucketArn])
        grant(S3_SINK_ACTIONS.objects, [`${bucket.bucketArn}/*`])
        acknowledgeObjectWildcard(
          ctx,
          role,
          bucket as Bucket,
          `Flink's S3 sink writes part files under the path of table ${table.table} among`,
        )
        break
      }
      case 'elasticsearch-7':
      case 'elasticsearch-6':
      case 'opensearch': {
        const index = option('index')
        if (index === undefined) break
        const target = ctx.get('index', index)
        set(table, 'hosts', `${target.bindingValue}:443`)
        // The local API's `/_opensearch` prefix: a domain serves the API at its root.
        const prefix = table.options.find((o) => o.key === 'connection.path-prefix')
        if (prefix) edits.push({ ...prefix.pairAt, text: '' })
        target.grant?.(role, 'write')
        if (table.connector === 'opensearch')
          ctx.warn(`${where}: Flink 1.15 (Studio) has no opensearch connector: use elasticsearch-7 on AWS`)
        ctx.warn(
          `${where}: Flink's ${table.connector} connector does not sign its requests, and the domain takes only ` +
            'SigV4-signed ones: its writes are refused until the domain allows them (docs/deploy.md#search-indexes)',
        )
        break
      }
      case 'sns':
        ctx.warn(`${where}: Flink has no SNS connector: the INSERT INTO ${table.table} fails on AWS`)
        break
      default:
        // print, blackhole, datagen: nothing deployed to point at.
        break
    }
  }
  const idle = `SET 'table.exec.source.idle-timeout' = '${config.idleTimeoutMs} ms';\n`
  return { text: idle + applyEdits(sql, edits), names }
}
