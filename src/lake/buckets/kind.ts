import { join } from 'node:path'
import { FaultsToken } from '../../faults/token.ts'
import { defineKind } from '../../kind/kind.ts'
import {
  AsyncInvokeToken,
  DestinationsToken,
  FunctionNamesToken,
  TopicPublisherToken,
} from '../../kind/tokens.ts'
import { StateStoreToken } from '../../storage/state/token.ts'
import { BucketNamesToken, BucketRegistryToken, BucketStoreToken } from '../tokens.ts'
import { createBucketBindings } from './bindings.ts'
import { BucketStore } from './bucket-store.ts'
import { bucketSchema } from './config.ts'
import { internalError, slowDown } from './errors.ts'
import { BucketNotifications } from './notifications.ts'
import { BucketRegistry } from './registry.ts'

/**
 * S3 buckets in the local lake, with object-created notifications to functions (invoked
 * asynchronously). Building sends the events a crash held back.
 */
export const bucketKind = defineKind({
  kind: 'bucket',
  section: 'buckets',
  noun: ['bucket', 'buckets'],
  title: 'S3 buckets',
  layout: 'named',
  schema: bucketSchema,
  synth: async () => (await import('./synth.ts')).bucketSynth,
  references: (b) =>
    b.notifications.map((n, i) => ({
      path: ['notifications', i, 'function'],
      kind: 'function',
      name: n.function,
      label: 'notification',
    })),
  dependsOn: ['function'],
  async build(ctx, buckets) {
    const asyncInvoke = ctx.need(AsyncInvokeToken)
    const state = ctx.need(StateStoreToken)
    // The declared buckets, and those created through the S3 API (kept in the state store).
    const declared = new Set(buckets.map((b) => b.name))
    const created = BucketRegistry.load(state)
    const faults = ctx.need(FaultsToken)
    const store = await BucketStore.open({
      root: join(ctx.dataDir, 'lake'),
      buckets: [...new Set([...declared, ...created.keys()])],
      clock: ctx.clock,
      logger: ctx.logger,
      writeFault: (bucket) => {
        const hit = faults.size > 0 ? faults.strike('bucket', bucket) : undefined
        return hit && (hit.effect === 'slow-down' ? slowDown() : internalError())
      },
    })
    // Queues and topics are looked up when used: a pipeline built without those kinds still runs.
    const destinations = ctx.later(DestinationsToken)
    const topics = ctx.later(TopicPublisherToken)
    const functionExists = ctx.later(FunctionNamesToken)
    const notifications = new BucketNotifications({
      buckets: Object.fromEntries(buckets.map(({ name, config }) => [name, config])),
      invokeAsync: (fn, event) => asyncInvoke.enqueue(fn, event),
      region: ctx.region,
      accountId: ctx.account,
      logger: ctx.logger,
      state,
      now: () => ctx.clock.now(),
      // Synchronous under the hood (one state-store write), so inside the event's transaction.
      send: {
        queue: (name, body) => destinations().send({ queue: name }, body),
        topic: (name, body, subject) => topics().publish(name, body, { subject }),
      },
      exists: (target) =>
        'function' in target ? functionExists()(target.function) : (destinations().has?.(target) ?? false),
    })
    const registry = new BucketRegistry(state, store, declared, created, () => ctx.clock.now(), notifications)
    ctx.serveBinding('bucket', createBucketBindings(store))
    ctx.offer(BucketStoreToken, store)
    ctx.offer(BucketRegistryToken, registry)
    ctx.offer(BucketNamesToken, { has: (name: string) => store.has(name) })
    const detach = notifications.attach(store)
    // Events of puts a crash interrupted after their objects appeared (at least once, as S3).
    const recovered = await notifications.recover(store)
    if (recovered > 0) ctx.logger.info(`sent ${recovered} S3 event(s) a crash had held back`)
    return { store, stop: detach }
  },
})
