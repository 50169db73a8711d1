/**
 * The closed set of DynamoDB error types a table raises. The `name` is DynamoDB's exception name,
 * so a handler that catches `err.name === 'ConditionalCheckFailedException'` behaves the same
 * locally (the binding host re-throws `name` and `message` in the worker) and on AWS.
 */
export type TableErrorName =
  | 'ValidationException'
  | 'ConditionalCheckFailedException'
  | 'ResourceNotFoundException'
  | 'ResourceInUseException'
  | 'UnknownOperationException'

export class TableError extends Error {
  override readonly name: TableErrorName

  constructor(name: TableErrorName, message: string) {
    super(message)
    this.name = name
  }
}

export const validation = (message: string) => new TableError('ValidationException', message)

export const conditionFailed = () =>
  new TableError('ConditionalCheckFailedException', 'The conditional request failed')

export const tableNotFound = () => new TableError('ResourceNotFoundException', 'Requested resource not found')

/** DynamoDB's wording for a key that lacks an attribute, has an extra one, or has the wrong type. */
export const KEY_MISMATCH = 'The provided key element does not match the schema'

/** One or more parameter values were invalid: ... (DynamoDB's prefix for item-level problems). */
export const invalidParameter = (detail: string) =>
  validation(`One or more parameter values were invalid: ${detail}`)

/**
 * A table definition that cannot be served: a bad key attribute name, or a key schema that differs
 * from the one the table's stored items were written with (DynamoDB cannot change a table's keys
 * either). Raised when the table is opened, before anything runs.
 */
export class TableConfigError extends Error {
  override readonly name = 'TableConfigError'
}
