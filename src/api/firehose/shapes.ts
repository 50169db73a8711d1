import type { DeliveryService } from '../../delivery/types.ts'
import { AwsError } from '../errors.ts'
import type { OperationContext } from '../operation.ts'
import type { FieldSpec } from '../spec.ts'

/**
 * Field specs and errors shared by the Firehose operations. Constraints are Firehose's own model
 * (service-2.json, 2015-08-04): names are 1-64 characters, unlike Kinesis's 128.
 */
export const DELIVERY_STREAM_NAME = {
  type: 'String',
  regex: '[a-zA-Z0-9_.-]+',
  lengthGreaterThanOrEqual: 1,
  lengthLessThanOrEqual: 64,
} as const satisfies FieldSpec

export const DELIVERY_STREAM_TYPES = [
  'DirectPut',
  'KinesisStreamAsSource',
  'MSKAsSource',
  'DatabaseAsSource',
] as const

export const DELIVERY_STREAM_TYPE = {
  type: 'String',
  enum: DELIVERY_STREAM_TYPES,
} as const satisfies FieldSpec

/**
 * PutRecord / PutRecordBatch limits (https://docs.aws.amazon.com/firehose/latest/dev/limits.html):
 * 1,000 KiB per record before base64, 500 records and 4 MiB per batch. None can be raised.
 */
export const MAX_RECORD_BYTES = 1_024_000
export const MAX_BATCH_RECORDS = 500
export const MAX_BATCH_BYTES = 4 * 1024 * 1024

/** The delivery runtime behind the API; the server only registers Firehose when it has one. */
export function deliveryOf(ctx: OperationContext): DeliveryService {
  if (!ctx.delivery) throw new Error('Firehose operation dispatched without a delivery service')
  return ctx.delivery
}

export function deliveryStreamArn(ctx: OperationContext, name: string): string {
  return `arn:aws:firehose:${ctx.engine.region}:${ctx.engine.account}:deliverystream/${name}`
}

/** Firehose's wire errors, worded as the service words them (see docs/firehose-api.md). */
export const firehoseErrors = {
  notFound: (name: string, account: string) =>
    new AwsError('ResourceNotFoundException', `Firehose ${name} under account ${account} not found.`),
  exists: (name: string, account: string) =>
    new AwsError('ResourceInUseException', `Firehose ${name} under accountId ${account} already exists`),
  inUse: (message: string) => new AwsError('ResourceInUseException', message),
  invalidArgument: (message: string) => new AwsError('InvalidArgumentException', message),
  limitExceeded: (message: string) => new AwsError('LimitExceededException', message),
}
