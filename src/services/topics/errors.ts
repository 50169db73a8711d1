/**
 * The SNS error codes the topic service raises, with SNS's wording. As with queues, `name` is the
 * code, so handler code publishing through a binding sees what an AWS SDK v3 client would.
 */
export type TopicErrorCode =
  | 'NotFoundException'
  | 'InvalidParameterException'
  | 'InvalidParameterValueException'
  | 'ResourceNotFoundException'
  | 'TagLimitExceededException'

export class TopicError extends Error {
  override readonly name: TopicErrorCode

  constructor(
    readonly code: TopicErrorCode,
    message: string,
  ) {
    super(message)
    this.name = code
  }
}

export const topicNotFound = () => new TopicError('NotFoundException', 'Topic does not exist')

export const invalidTopicParameter = (what: string) =>
  new TopicError('InvalidParameterException', `Invalid parameter: ${what}`)

/** SNS's InvalidParameterValueException (`ParameterValueInvalid` on the query protocol): the message is SNS's own. */
export const invalidTopicParameterValue = (message: string) =>
  new TopicError('InvalidParameterValueException', message)
