import { defineOperation } from '../../operation.ts'
import { decodeToken, encodeToken } from '../next-token.ts'
import { creationTimestamp, STREAM_NAME, streamModeDetails } from '../shapes.ts'

export const listStreams = defineOperation({
  name: 'ListStreams',
  spec: {
    Limit: { type: 'Integer', greaterThanOrEqual: 1, lessThanOrEqual: 10000 },
    ExclusiveStartStreamName: STREAM_NAME,
    NextToken: { type: 'String', lengthGreaterThanOrEqual: 1, lengthLessThanOrEqual: 1048576 },
  },
  handle(input, { engine }) {
    // AWS returns at most 100 streams per call whatever Limit says.
    const limit = Math.min(input.Limit ?? 100, 100)
    let after = input.ExclusiveStartStreamName
    if (input.NextToken !== undefined) after = decodeToken(engine, 'ListStreams', input.NextToken).after
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
})
