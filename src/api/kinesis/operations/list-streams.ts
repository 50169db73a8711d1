import type { Operation } from '../operation.ts'
import { creationTimestamp, STREAM_NAME, streamModeDetails } from '../shapes.ts'
import { decodeToken, encodeToken } from './next-token.ts'

export const listStreams: Operation = {
  name: 'ListStreams',
  spec: {
    Limit: { type: 'Integer', greaterThanOrEqual: 1, lessThanOrEqual: 10000 },
    ExclusiveStartStreamName: STREAM_NAME,
    NextToken: { type: 'String', lengthGreaterThanOrEqual: 1, lengthLessThanOrEqual: 1048576 },
  },
  handle(input, { engine }) {
    // AWS returns at most 100 streams per call whatever Limit says.
    const limit = Math.min((input.Limit as number | undefined) ?? 100, 100)
    let after = input.ExclusiveStartStreamName as string | undefined
    if (input.NextToken !== undefined)
      after = decodeToken(engine, 'ListStreams', input.NextToken as string).after
    const streams = engine.streams().filter((s) => after === undefined || s.state.name > after)
    const page = streams.slice(0, limit)
    const more = streams.length > limit
    return {
      StreamNames: page.map((s) => s.state.name),
      HasMoreStreams: more,
      ...(more && {
        NextToken: encodeToken(engine, 'ListStreams', { after: page[page.length - 1]!.state.name }),
      }),
      StreamSummaries: page.map((s) => ({
        StreamName: s.state.name,
        StreamARN: engine.arn(s.state.name),
        StreamStatus: s.state.status,
        StreamModeDetails: streamModeDetails(s),
        StreamCreationTimestamp: creationTimestamp(s),
      })),
    }
  },
}
