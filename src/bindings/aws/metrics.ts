import type { MetricUnit } from '../types.ts'
import { invalid, sdkCall } from './errors.ts'
import type { AwsMethods } from './service.ts'

/**
 * `metrics(namespace).put`: PutMetricData, one datapoint a call (CloudWatch validates; its
 * `InvalidParameterValue` is the local binding's error name too). A handler emitting many
 * datapoints per invocation is cheaper with the embedded metric format in its log lines.
 */
export const metricsMethods: AwsMethods = {
  async put(ctx, namespace, [name, value, options]) {
    const o = (options ?? {}) as {
      unit?: MetricUnit
      dimensions?: Record<string, string>
      timestamp?: number
    }
    // The SDK would send NaN or Infinity as a string, which CloudWatch refuses less clearly.
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw invalid(
        'InvalidParameterValue',
        `The value for metric '${String(name)}' must be a finite number.`,
      )
    }
    const { PutMetricDataCommand } = await import('@aws-sdk/client-cloudwatch')
    const cloudwatch = await ctx.clients.get('cloudwatch')
    await sdkCall(() =>
      cloudwatch.send(
        new PutMetricDataCommand({
          Namespace: namespace,
          MetricData: [
            {
              MetricName: name as string,
              Value: value as number,
              Unit: o.unit ?? 'None',
              Dimensions: Object.entries(o.dimensions ?? {}).map(([Name, Value]) => ({ Name, Value })),
              ...(o.timestamp === undefined ? {} : { Timestamp: new Date(o.timestamp) }),
            },
          ],
        }),
      ),
    )
    return undefined
  },
}
