import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { CfnElement } from 'aws-cdk-lib'
import type * as opensearch from 'aws-cdk-lib/aws-opensearchservice'
import { Construct } from 'constructs'
import { buildSync } from 'esbuild'
import { BINDING_ACTIONS } from '../bindings/aws-env.ts'
import { cdk } from '../kind/cdk-synth.ts'
import type { SynthContext, SynthFace } from '../kind/synth.ts'
import type { SearchIndexConfig } from './config.ts'
import type { IndexSpec } from './index-provider.ts'

const { CustomResource, Duration, Stack } = cdk
const { PolicyStatement, Role, ServicePrincipal } = cdk.aws_iam
const { Code, Function: LambdaFunction, Runtime } = cdk.aws_lambda
const { CfnResourcePolicy, LogGroup, RetentionDays } = cdk.aws_logs
const { CfnDomain } = cdk.aws_opensearchservice

/**
 * The domain's size: one `t3.small.search` data node (2 vCPU, 2 GiB) with 10 GiB of gp3, about
 * US$ 27 a month in us-east-1 — the smallest domain that takes encryption at rest. An OpenSearch
 * Serverless collection starts at 1 OCU (0.5 indexing + 0.5 search, redundancy off) whether used
 * or not, about US$ 175 a month, for "one pipeline, a few indexes" (docs/deploy.md).
 */
export const DOMAIN_DEFAULTS = {
  engineVersion: 'OpenSearch_2.19',
  instanceType: 't3.small.search',
  instanceCount: 1,
  volumeGiB: 10,
} as const

/**
 * Search indexes become one OpenSearch Service domain per pipeline holding them all, and a custom
 * resource (a small Lambda function signing its requests with SigV4) that creates each index with
 * its declared mapping, adding fields on later deploys. Every request must be signed by a
 * principal of the account whose IAM policy allows it: the domain's access policy delegates to
 * IAM, and the writers (analytics sinks, functions declaring `{ index }` in `writes`) and readers
 * are granted `es:ESHttp*` on their indexes only (`BINDING_ACTIONS.index`).
 */
export const searchIndexSynth: SynthFace<SearchIndexConfig> = {
  localOnly: [
    { path: 'timeField', why: "the dashboard's Explore tab only", isSet: (c) => c.timeField !== undefined },
  ],
  synth(ctx, indexes) {
    const domain = synthDomain(ctx)
    const endpoint = `https://${domain.attrDomainEndpoint}`
    const indexArn = (name: string) => `${domain.attrArn}/${name}`
    for (const { name } of indexes)
      ctx.add('index', name, {
        construct: domain,
        physicalName: name,
        bindingValue: endpoint,
        grant: (grantee, access) => {
          grantee.grantPrincipal.addToPrincipalPolicy(
            new PolicyStatement({
              actions: [...BINDING_ACTIONS.index[access]],
              // The index and what is under it (`trips/_doc/1`); `_bulk` at the root names its indexes in the body.
              resources: [indexArn(name), `${indexArn(name)}/*`, `${domain.attrArn}/_bulk`],
            }),
          )
          // The statement lands on the grantee's role (a function's own role, or the role given).
          const holder = (grantee as { role?: unknown }).role ?? grantee
          if (Construct.isConstruct(holder))
            ctx.acknowledge(
              holder,
              `AwsSolutions-IAM5[Resource::<${Stack.of(domain).getLogicalId(domain as CfnElement)}.Arn>/${name}/*]`,
              `the documents and APIs of search index ${name}, which OpenSearch names only as <index ARN>/*`,
            )
        },
      })
    createIndexes(ctx, domain, endpoint, indexes)
    ctx.output('index', 'domain', 'Endpoint', endpoint)
    ctx.output('index', 'domain', 'Arn', domain.attrArn)
  },
}

function synthDomain(ctx: SynthContext): opensearch.CfnDomain {
  const stack = Stack.of(ctx.stack)
  const slowLogs = {
    SEARCH_SLOW_LOGS: new LogGroup(ctx.stack, 'index-domain-search-slow-logs', {
      retention: RetentionDays.ONE_MONTH,
    }),
    INDEX_SLOW_LOGS: new LogGroup(ctx.stack, 'index-domain-index-slow-logs', {
      retention: RetentionDays.ONE_MONTH,
    }),
    ES_APPLICATION_LOGS: new LogGroup(ctx.stack, 'index-domain-app-logs', {
      retention: RetentionDays.ONE_MONTH,
    }),
  }
  // OpenSearch writes its logs under a resource policy of CloudWatch Logs naming the groups.
  const logPolicy = new CfnResourcePolicy(ctx.stack, 'index-domain-log-policy', {
    policyName: `${stack.stackName}-opensearch-logs`,
    policyDocument: stack.toJsonString({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'es.amazonaws.com' },
          Action: ['logs:PutLogEvents', 'logs:CreateLogStream'],
          Resource: Object.values(slowLogs).map((g) => g.logGroupArn),
        },
      ],
    }),
  })
  const domain = new CfnDomain(ctx.stack, 'index-domain', {
    engineVersion: DOMAIN_DEFAULTS.engineVersion,
    clusterConfig: {
      instanceType: DOMAIN_DEFAULTS.instanceType,
      instanceCount: DOMAIN_DEFAULTS.instanceCount,
      dedicatedMasterEnabled: false,
      zoneAwarenessEnabled: false,
    },
    ebsOptions: { ebsEnabled: true, volumeType: 'gp3', volumeSize: DOMAIN_DEFAULTS.volumeGiB },
    encryptionAtRestOptions: { enabled: true },
    nodeToNodeEncryptionOptions: { enabled: true },
    domainEndpointOptions: { enforceHttps: true, tlsSecurityPolicy: 'Policy-Min-TLS-1-2-2019-07' },
    // The account's principals, as far as their IAM policies allow: every request is SigV4-signed.
    accessPolicies: {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:${stack.partition}:iam::${stack.account}:root` },
          Action: 'es:ESHttp*',
          Resource: `arn:${stack.partition}:es:${stack.region}:${stack.account}:domain/*/*`,
        },
      ],
    },
    logPublishingOptions: Object.fromEntries(
      Object.entries(slowLogs).map(([kind, group]) => [
        kind,
        { enabled: true, cloudWatchLogsLogGroupArn: group.logGroupArn },
      ]),
    ),
  })
  domain.node.addDependency(logPolicy)
  const why = 'one pipeline, a few indexes, paying little: a single t3.small.search node (docs/deploy.md)'
  ctx.acknowledge(
    domain,
    'AwsSolutions-OS1',
    `${why}; the public endpoint takes only SigV4-signed requests over TLS 1.2`,
  )
  ctx.acknowledge(
    domain,
    'AwsSolutions-OS3',
    'access is by IAM (SigV4) for the account’s principals, not by IP',
  )
  ctx.acknowledge(domain, 'AwsSolutions-OS4', `${why}: dedicated master nodes would triple its cost`)
  ctx.acknowledge(domain, 'AwsSolutions-OS7', `${why}: a second zone would double its cost`)
  return domain
}

/** The custom resource creating the indexes with their mappings (src/search/index-provider.ts). */
function createIndexes(
  ctx: SynthContext,
  domain: opensearch.CfnDomain,
  endpoint: string,
  indexes: ReadonlyArray<{ name: string; config: SearchIndexConfig }>,
): void {
  const outdir = join(ctx.buildDir, 'index-provider')
  mkdirSync(outdir, { recursive: true })
  buildSync({
    entryPoints: [join(import.meta.dirname, 'index-provider.ts')],
    outfile: join(outdir, 'index.mjs'),
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    logLevel: 'silent',
  })
  const logGroup = new LogGroup(ctx.stack, 'index-provider-logs', { retention: RetentionDays.ONE_MONTH })
  const role = new Role(ctx.stack, 'index-provider-role', {
    assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
    description: 'Tributary search indexes: creates the declared indexes with their mappings',
  })
  role.addToPolicy(
    new PolicyStatement({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logGroup.logGroupArn],
    }),
  )
  role.addToPolicy(
    new PolicyStatement({
      actions: ['es:ESHttpHead', 'es:ESHttpPut'],
      resources: indexes.flatMap(({ name }) => [
        `${domain.attrArn}/${name}`,
        `${domain.attrArn}/${name}/_mapping`,
      ]),
    }),
  )
  const fn = new LambdaFunction(ctx.stack, 'index-provider', {
    // The functions' default runtime too (test/deploy/parity.test.ts holds them equal).
    runtime: Runtime.NODEJS_LATEST,
    handler: 'index.handler',
    code: Code.fromAsset(outdir),
    timeout: Duration.minutes(2),
    memorySize: 256,
    role,
    logGroup,
    description: 'Tributary: creates the search indexes with their declared mappings',
  })
  ctx.acknowledge(
    fn,
    'AwsSolutions-L1',
    `the runtime functions default to (${Runtime.NODEJS_LATEST.name}, aws-cdk-lib's Runtime.NODEJS_LATEST)`,
  )
  const specs: IndexSpec[] = indexes.map(({ name, config }) => ({
    name,
    ...(config.mappings ? { mappings: config.mappings } : {}),
  }))
  const resource = new CustomResource(ctx.stack, 'index-indexes', {
    serviceToken: fn.functionArn,
    resourceType: 'Custom::TributarySearchIndexes',
    properties: { Endpoint: endpoint, Indexes: JSON.stringify(specs) },
    // The function always replies within its timeout; CloudFormation need not wait its default hour.
    serviceTimeout: Duration.minutes(5),
  })
  resource.node.addDependency(domain)
}
