/**
 * `tributary synth` of search indexes (an OpenSearch domain holding them, a custom resource
 * creating them with their mappings) and analytics (a Managed Service for Apache Flink Studio
 * notebook per analytics resource, its role, its SQL pointed at the deployed resources in an SSM
 * parameter), cdk-nag's AwsSolutions pack and CloudFormation's template validation passing.
 */

import { join } from 'node:path'
import { type CfnElement, Stack } from 'aws-cdk-lib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  CONNECTOR_ARTIFACTS,
  DYNAMODB_SINK_ACTIONS,
  KINESIS_SOURCE_ACTIONS,
  S3_SINK_ACTIONS,
} from '../../src/analytics/synth.ts'
import { BINDING_ACTIONS } from '../../src/bindings/aws-env.ts'
import type { Synthesized } from '../../src/deploy/app.ts'
import { DOMAIN_DEFAULTS } from '../../src/search/synth.ts'
import { startPipeline } from '../../src/testing/index.ts'
import { resourcesOfType, synth } from './synth-helpers.ts'

const SQL = `-- rides per zone per minute
CREATE TABLE rides (zone STRING, fare DOUBLE, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)
WITH ('connector' = 'kinesis', 'stream' = 'rides', 'scan.stream.initpos' = 'LATEST', 'format' = 'json');
CREATE TABLE per_zone (zone STRING, window_start TIMESTAMP(3), rides BIGINT)
WITH ('connector' = 'dynamodb', 'table-name' = 'zone-stats', 'aws.region' = 'us-east-1');
CREATE TABLE busy (zone STRING, window_start TIMESTAMP(3), rides BIGINT)
WITH ('connector' = 'filesystem', 'path' = 's3://lake/busy/', 'format' = 'json');
CREATE TABLE zone_docs (zone STRING, window_start TIMESTAMP(3), rides BIGINT,
  PRIMARY KEY (zone, window_start) NOT ENFORCED)
WITH ('connector' = 'elasticsearch-7', 'hosts' = 'http://127.0.0.1:4567',
  'connection.path-prefix' = '/_opensearch', 'index' = 'rides');
INSERT INTO zone_docs
SELECT zone, window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE rides, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
GROUP BY window_start, window_end, zone;
INSERT INTO per_zone
SELECT zone, window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE rides, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
GROUP BY window_start, window_end, zone;
INSERT INTO busy
SELECT zone, window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE rides, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
GROUP BY window_start, window_end, zone HAVING COUNT(*) > 10;`

const PIPELINE = {
  name: 'rides',
  streams: { rides: { shardCount: 1 } },
  tables: { 'zone-stats': { partitionKey: 'zone', sortKey: 'window_start' } },
  buckets: { lake: {} },
  queues: { late: {} },
  searchIndexes: {
    rides: {
      mappings: { dynamic: 'strict', properties: { zone: { type: 'keyword' }, fare: { type: 'double' } } },
    },
    notes: {},
  },
  analytics: {
    zones: { sql: SQL, idleTimeoutMs: 5000, maxBatchRecords: 500, lateRecords: { queue: 'late' } },
  },
  // A function with an OpenSearch client: writes one index, reads the other.
  functions: {
    indexer: {
      handler: 'functions/handler.handler',
      writes: [{ index: 'rides' }],
      reads: [{ index: 'notes' }],
    },
  },
}

type Resource = { Type: string; Properties: Record<string, unknown> }
let out: Synthesized
let resources: Record<string, Resource>

/** The logical id of a construct of the stack (its default child's, for an L2). */
function id(constructId: string): string {
  const construct = out.stack.node.findChild(constructId)
  return Stack.of(construct).getLogicalId((construct.node.defaultChild ?? construct) as CfnElement)
}
const props = (constructId: string) => resources[id(constructId)]!.Properties
/** A role's policy statements (from its DefaultPolicy). */
function statements(roleConstructId: string): { Action: string | string[]; Resource: unknown }[] {
  const role = id(roleConstructId)
  return resourcesOfType(out.template, 'AWS::IAM::Policy')
    .filter((p) => JSON.stringify(p.Properties!.Roles) === JSON.stringify([{ Ref: role }]))
    .flatMap((p) => (p.Properties!.PolicyDocument as { Statement: never[] }).Statement)
}
const actions = (s: { Action: string | string[] }) => [s.Action].flat()
const arn = (constructId: string) => ({ 'Fn::GetAtt': [id(constructId), 'Arn'] })

describe('tributary synth: search indexes and analytics', () => {
  beforeAll(async () => {
    out = await synth(PIPELINE)
    resources = out.template.Resources as Record<string, Resource>
  }, 300_000)
  afterAll(() => out?.dispose())

  it('makes one small, encrypted OpenSearch domain for all indexes, reached by SigV4 only', () => {
    const domains = resourcesOfType(out.template, 'AWS::OpenSearchService::Domain')
    expect(domains).toHaveLength(1)
    expect(domains[0]!.Properties).toMatchObject({
      EngineVersion: DOMAIN_DEFAULTS.engineVersion,
      ClusterConfig: { InstanceType: 't3.small.search', InstanceCount: 1, DedicatedMasterEnabled: false },
      EBSOptions: { EBSEnabled: true, VolumeType: 'gp3', VolumeSize: 10 },
      EncryptionAtRestOptions: { Enabled: true },
      NodeToNodeEncryptionOptions: { Enabled: true },
      DomainEndpointOptions: { EnforceHTTPS: true, TLSSecurityPolicy: 'Policy-Min-TLS-1-2-2019-07' },
      LogPublishingOptions: {
        SEARCH_SLOW_LOGS: { Enabled: true },
        INDEX_SLOW_LOGS: { Enabled: true },
        ES_APPLICATION_LOGS: { Enabled: true },
      },
    })
    // The account's principals (as far as IAM allows them), never anonymous.
    const policy = JSON.stringify(domains[0]!.Properties!.AccessPolicies)
    expect(policy).toContain(':root')
    expect(policy).not.toMatch(/"AWS":"\*"|"Principal":"\*"/)
  })

  it('creates each index with its declared mapping through the custom resource', () => {
    const [indexes] = resourcesOfType(out.template, 'Custom::TributarySearchIndexes')
    expect(indexes!.Properties).toMatchObject({
      ServiceToken: arn('index-provider'),
      Endpoint: { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [id('index-domain'), 'DomainEndpoint'] }]] },
    })
    expect(JSON.parse(indexes!.Properties!.Indexes as string)).toEqual([
      {
        name: 'rides',
        mappings: { dynamic: 'strict', properties: { zone: { type: 'keyword' }, fare: { type: 'double' } } },
      },
      { name: 'notes' },
    ])
    // Its role may create and map the declared indexes, nothing else of the domain.
    const es = statements('index-provider-role').filter((s) => actions(s).some((a) => a.startsWith('es:')))
    expect(es).toHaveLength(1)
    expect(actions(es[0]!)).toEqual(['es:ESHttpHead', 'es:ESHttpPut'])
    expect(JSON.stringify(es[0]!.Resource)).toMatch(
      /\/rides".*\/rides\/_mapping".*\/notes".*\/notes\/_mapping"/,
    )
  })

  it("bundles the custom resource into one self-contained module that creates the indexes (against tributary dev's OpenSearch API)", async () => {
    const fn = resources[id('index-provider')]!
    const key = (fn.Properties.Code as { S3Key: string }).S3Key.replace(/\.zip$/, '')
    // The asset as `deploy` uploads it, imported from cdk.out: nothing it needs is left outside.
    const bundle = (await import(
      join(out.outDir, `asset.${key}`, 'index.mjs')
    )) as typeof import('../../src/search/index-provider.ts')
    const local = await startPipeline({ name: 'rides-local' } as never, { serve: true })
    try {
      process.env.AWS_ACCESS_KEY_ID ??= 'AKIDEXAMPLE'
      process.env.AWS_SECRET_ACCESS_KEY ??= 'secret'
      const [indexes] = resourcesOfType(out.template, 'Custom::TributarySearchIndexes')
      const endpoint = `${local.endpoint}/_opensearch`
      const created = await bundle.ensureIndexes(
        { Endpoint: endpoint, Indexes: indexes!.Properties!.Indexes as string },
        process.env,
      )
      expect(created).toEqual(['rides', 'notes'])
      const mapping = (await (await fetch(`${endpoint}/rides/_mapping`)).json()) as Record<string, unknown>
      expect(mapping).toMatchObject({
        rides: {
          mappings: {
            dynamic: 'strict',
            properties: { zone: { type: 'keyword' }, fare: { type: 'double' } },
          },
        },
      })
    } finally {
      await local.dispose()
    }
  })

  it("gives a function declaring { index } the domain's endpoint and es:ESHttp* on those indexes only", () => {
    const fn = resourcesOfType(out.template, 'AWS::Lambda::Function').find((f) =>
      JSON.stringify(f.Properties!.Environment ?? {}).includes('TRIBUTARY_INDEX_'),
    )!
    const variables = (fn.Properties!.Environment as { Variables: Record<string, unknown> }).Variables
    const endpoint = {
      'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [id('index-domain'), 'DomainEndpoint'] }]],
    }
    expect(variables.TRIBUTARY_INDEX_RIDES).toEqual(endpoint)
    expect(variables.TRIBUTARY_INDEX_NOTES).toEqual(endpoint)
    const role = (fn.Properties!.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0]
    const es = resourcesOfType(out.template, 'AWS::IAM::Policy')
      .filter((p) => JSON.stringify(p.Properties!.Roles) === JSON.stringify([{ Ref: role }]))
      .flatMap((p) => (p.Properties!.PolicyDocument as { Statement: never[] }).Statement)
      .filter((s: { Action: string | string[] }) => actions(s).some((a) => a.startsWith('es:')))
    const domain = arn('index-domain')
    const on = (index: string) => [
      { 'Fn::Join': ['', [domain, `/${index}`]] },
      { 'Fn::Join': ['', [domain, `/${index}/*`]] },
      { 'Fn::Join': ['', [domain, '/_bulk']] },
    ]
    expect(es.map((s: { Action: string | string[]; Resource: unknown }) => [actions(s), s.Resource])).toEqual(
      [
        [BINDING_ACTIONS.index.read, on('notes')],
        [BINDING_ACTIONS.index.write, on('rides')],
      ],
    )
  })

  it('makes a Studio notebook per analytics resource: Flink 1.15, its Glue database, the connectors its SQL names', () => {
    expect(props('analytics-zones')).toMatchObject({
      ApplicationMode: 'INTERACTIVE',
      RuntimeEnvironment: 'ZEPPELIN-FLINK-3_0',
      ServiceExecutionRole: arn('analytics-zones-role'),
      ApplicationConfiguration: {
        ZeppelinApplicationConfiguration: {
          CatalogConfiguration: {
            GlueDataCatalogConfiguration: {
              DatabaseARN: { 'Fn::Join': ['', expect.arrayContaining([':database/rides_flink'])] },
            },
          },
          CustomArtifactsConfiguration: [
            {
              ArtifactType: 'DEPENDENCY_JAR',
              MavenReference: {
                GroupId: 'org.apache.flink',
                ArtifactId: 'flink-sql-connector-kinesis',
                Version: '1.15.4',
              },
            },
            {
              ArtifactType: 'DEPENDENCY_JAR',
              MavenReference: {
                GroupId: CONNECTOR_ARTIFACTS.dynamodb!.groupId,
                ArtifactId: 'flink-sql-connector-dynamodb',
                Version: '3.0.0-1.15',
              },
            },
            {
              ArtifactType: 'DEPENDENCY_JAR',
              MavenReference: {
                GroupId: 'org.apache.flink',
                ArtifactId: 'flink-sql-connector-elasticsearch7',
                Version: '1.15.4',
              },
            },
          ],
        },
      },
    })
    expect(resourcesOfType(out.template, 'AWS::Glue::Database')[0]!.Properties).toMatchObject({
      DatabaseInput: { Name: 'rides_flink' },
    })
    expect(
      resourcesOfType(out.template, 'AWS::KinesisAnalyticsV2::ApplicationCloudWatchLoggingOption'),
    ).toHaveLength(1)
  })

  it("gives the notebook's role what Flink's connectors call on the SQL's source and sinks", () => {
    const all = statements('analytics-zones-role')
    const on = (resource: unknown) =>
      all.filter((s) => JSON.stringify(s.Resource).includes(JSON.stringify(resource))).flatMap(actions)
    expect(on(arn('stream-rides'))).toEqual(KINESIS_SOURCE_ACTIONS)
    expect(on(arn('table-zone-stats'))).toEqual(DYNAMODB_SINK_ACTIONS)
    expect(on(arn('bucket-lake'))).toEqual([...S3_SINK_ACTIONS.bucket, ...S3_SINK_ACTIONS.objects])
    // The search index's sink: its index, what is under it, and `_bulk` (which names it in the body).
    const domain = arn('index-domain')
    const es = all.filter((s) => actions(s).some((a) => a.startsWith('es:')))
    expect(es.map((s) => [actions(s), s.Resource])).toEqual([
      [
        BINDING_ACTIONS.index.write,
        [
          { 'Fn::Join': ['', [domain, '/rides']] },
          { 'Fn::Join': ['', [domain, '/rides/*']] },
          { 'Fn::Join': ['', [domain, '/_bulk']] },
        ],
      ],
    ])
    // Nothing may write the source stream, nothing reads the sinks.
    expect(all.flatMap(actions)).not.toContain('kinesis:PutRecords')
    expect(all.flatMap(actions)).not.toContain('dynamodb:GetItem')
  })

  it('stores the SQL with its connectors pointed at the deployed resources, otherwise as written', () => {
    const [parameter] = resourcesOfType(out.template, 'AWS::SSM::Parameter')
    expect(parameter!.Properties).toMatchObject({
      Name: '/tributary/rides/analytics/zones/sql',
      Type: 'String',
    })
    const [, parts] = (parameter!.Properties!.Value as { 'Fn::Join': [string, unknown[]] })['Fn::Join']
    const text = parts.map((p) => (typeof p === 'string' ? p : `<${JSON.stringify(p)}>`)).join('')
    const ref = (c: string) => `<${JSON.stringify({ Ref: id(c) })}>`
    expect(text).toBe(
      `SET 'table.exec.source.idle-timeout' = '5000 ms';\n${SQL}`
        .replace("'stream' = 'rides'", `'stream' = '${ref('stream-rides')}'`)
        .replace(
          "'format' = 'json');\nCREATE TABLE per_zone",
          `'format' = 'json', 'aws.region' = '<{"Ref":"AWS::Region"}>');\nCREATE TABLE per_zone`,
        )
        .replace(
          "'table-name' = 'zone-stats', 'aws.region' = 'us-east-1'",
          `'table-name' = '${ref('table-zone-stats')}', 'aws.region' = '<{"Ref":"AWS::Region"}>'`,
        )
        .replace("'path' = 's3://lake/busy/'", `'path' = 's3://${ref('bucket-lake')}/busy/'`)
        .replace(
          "'hosts' = 'http://127.0.0.1:4567',\n  'connection.path-prefix' = '/_opensearch', 'index'",
          `'hosts' = 'https://<${JSON.stringify({ 'Fn::GetAtt': [id('index-domain'), 'DomainEndpoint'] })}>:443', 'index'`,
        ),
    )
  })

  it('says what is local-only and what the user does, and prints the notebook and the parameter', () => {
    expect(out.warnings).toEqual(
      expect.arrayContaining([
        'analytics.zones.maxBatchRecords: local-only (Flink processes records one at a time, not in micro-batches), not deployed',
        'analytics.zones.lateRecords: local-only (Flink drops late records, counting them in the numLateRecordsDropped metric), not deployed',
        "analytics.zones.sql: table zone_docs: Flink's elasticsearch-7 connector does not sign its requests, and the domain takes only SigV4-signed ones: its writes are refused until the domain allows them (docs/deploy.md#search-indexes)",
        expect.stringMatching(
          /^analytics\.zones: a Managed Service for Apache Flink Studio notebook is deployed, not started: .*\/tributary\/rides\/analytics\/zones\/sql/,
        ),
      ]),
    )
    const outputs = Object.values(out.template.Outputs as Record<string, { Description: string }>).map(
      (o) => o.Description,
    )
    expect(outputs).toEqual(
      expect.arrayContaining([
        'analytics zones: Notebook',
        'analytics zones: SqlParameter',
        'index domain: Endpoint',
      ]),
    )
  })

  it('passes cdk-nag with every acknowledgement reasoned, and CloudFormation template validation', async () => {
    expect(out.nagReport.errors).toEqual([])
    for (const [rule, reason] of out.nagReport.acknowledged) expect(reason.length, rule).toBeGreaterThan(20)
    const validated = await synth(PIPELINE, false, true)
    try {
      expect(validated.warnings.filter((w) => w.startsWith('CloudFormation validation'))).toEqual([])
    } finally {
      validated.dispose()
    }
  }, 300_000)
})
