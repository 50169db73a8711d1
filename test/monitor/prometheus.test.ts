import { describe, expect, it } from 'vitest'
import { MetricStore } from '../../src/monitor/metric-store.ts'
import { PrometheusExporter, snakeCase } from '../../src/monitor/prometheus.ts'
import { ManualClock } from '../../src/util/clock.ts'

describe('Prometheus exposition', () => {
  it('exports counters, gauges and sums with snake_case names and labels', async () => {
    const clock = new ManualClock()
    const store = new MetricStore({ clock })
    const t = clock.now()
    const lambda = { namespace: 'AWS/Lambda', dimensions: { FunctionName: 'processor' }, timestamp: t }
    store.record({ ...lambda, name: 'Invocations', value: 1, unit: 'Count' })
    store.record({ ...lambda, name: 'Invocations', value: 1, unit: 'Count' })
    store.record({ ...lambda, name: 'Duration', value: 12.5, unit: 'Milliseconds' })
    store.record({ ...lambda, name: 'IteratorAge', value: 900, unit: 'Milliseconds' })
    store.record({ ...lambda, name: 'IteratorAge', value: 300, unit: 'Milliseconds' })
    store.record({
      namespace: 'AWS/SQS',
      name: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: 'dlq' },
      value: 2,
      unit: 'Count',
      timestamp: t,
    })
    store.record({
      namespace: 'AWS/Firehose',
      name: 'DeliveryToS3.Records',
      dimensions: { DeliveryStreamName: 'lake' },
      value: 500,
      unit: 'Count',
      timestamp: t,
    })
    const { contentType, body } = await new PrometheusExporter(store, { defaultMetrics: false }).render()
    expect(contentType).toContain('text/plain')
    expect(body).toMatchInlineSnapshot(`
      "# HELP tributary_aws_firehose_delivery_to_s3_records_total CloudWatch AWS/Firehose DeliveryToS3.Records (sum)
      # TYPE tributary_aws_firehose_delivery_to_s3_records_total counter
      tributary_aws_firehose_delivery_to_s3_records_total{delivery_stream_name="lake"} 500

      # HELP tributary_aws_lambda_duration_milliseconds_sum CloudWatch AWS/Lambda Duration (sum of values)
      # TYPE tributary_aws_lambda_duration_milliseconds_sum counter
      tributary_aws_lambda_duration_milliseconds_sum{function_name="processor"} 12.5

      # HELP tributary_aws_lambda_duration_milliseconds_count CloudWatch AWS/Lambda Duration (samples)
      # TYPE tributary_aws_lambda_duration_milliseconds_count counter
      tributary_aws_lambda_duration_milliseconds_count{function_name="processor"} 1

      # HELP tributary_aws_lambda_invocations_total CloudWatch AWS/Lambda Invocations (sum)
      # TYPE tributary_aws_lambda_invocations_total counter
      tributary_aws_lambda_invocations_total{function_name="processor"} 2

      # HELP tributary_aws_lambda_iterator_age_milliseconds CloudWatch AWS/Lambda IteratorAge (latest value)
      # TYPE tributary_aws_lambda_iterator_age_milliseconds gauge
      tributary_aws_lambda_iterator_age_milliseconds{function_name="processor"} 300

      # HELP tributary_aws_sqs_approximate_number_of_messages_visible CloudWatch AWS/SQS ApproximateNumberOfMessagesVisible (latest value)
      # TYPE tributary_aws_sqs_approximate_number_of_messages_visible gauge
      tributary_aws_sqs_approximate_number_of_messages_visible{queue_name="dlq"} 2
      "
    `)
  })

  it('includes process default metrics', async () => {
    const { body } = await new PrometheusExporter(new MetricStore()).render()
    expect(body).toContain('process_cpu_user_seconds_total')
  })

  it.each([
    ['AWS/Lambda', 'aws_lambda'],
    ['DeliveryToS3.DataFreshness', 'delivery_to_s3_data_freshness'],
    ['EventSourceMappingUUID', 'event_source_mapping_uuid'],
    ['GetRecords.IteratorAgeMilliseconds', 'get_records_iterator_age_milliseconds'],
  ])('%s → %s', (input, output) => {
    expect(snakeCase(input)).toBe(output)
  })
})
