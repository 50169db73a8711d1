import { invalidParameter, validation } from './errors.ts'
import { isKeyAttribute, type Key, type TableDefinition } from './keys.ts'
import {
  addNumbers,
  checkNumber,
  deepEqual,
  type Item,
  isPlainObject,
  type JsonValue,
  normalizeValue,
  setAttribute,
} from './values.ts'

/*
 * Conditions and update changes arrive as data (the bindings API), not as DynamoDB expression
 * strings. Attribute names are top-level names taken literally, as `#name` placeholders make
 * them in an expression: `a.b` is one attribute called "a.b", never a nested path.
 */

export interface ParsedCondition {
  exists: boolean | undefined
  attributeExists: string[]
  attributeNotExists: string[]
  equals: Array<[string, JsonValue]>
}

const CONDITION_PARTS = new Set(['exists', 'attributeExists', 'attributeNotExists', 'equals'])

function attributeNames(value: unknown, what: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v !== '')) {
    throw validation(`Invalid ${what}: expected a list of attribute names`)
  }
  return value as string[]
}

/** Validates a condition (before anything is read), or returns undefined when there is none. */
export function parseCondition(condition: unknown): ParsedCondition | undefined {
  if (condition === undefined) return undefined
  if (!isPlainObject(condition)) throw validation('Invalid ConditionExpression: expected an object')
  for (const part of Object.keys(condition)) {
    if (!CONDITION_PARTS.has(part)) {
      throw validation(
        `Invalid ConditionExpression: unknown condition '${part}' ` +
          '(use exists, attributeExists, attributeNotExists or equals)',
      )
    }
  }
  const { exists, attributeExists = [], attributeNotExists = [], equals = {} } = condition
  if (exists !== undefined && typeof exists !== 'boolean') {
    throw validation('Invalid ConditionExpression: exists must be true or false')
  }
  if (!isPlainObject(equals)) {
    throw validation('Invalid ConditionExpression: equals must map attribute names to values')
  }
  return {
    exists,
    attributeExists: attributeNames(attributeExists, 'ConditionExpression: attributeExists'),
    attributeNotExists: attributeNames(attributeNotExists, 'ConditionExpression: attributeNotExists'),
    equals: Object.entries(equals).map(([name, value]): [string, JsonValue] => {
      if (name === '' || value === undefined) {
        throw validation(`Invalid ConditionExpression: equals.${name} needs a name and a value`)
      }
      return [name, normalizeValue(value, `equals.${name}`)]
    }),
  }
}

/** Whether every given part of the condition holds for the item as stored now. */
export function conditionHolds(condition: ParsedCondition | undefined, current: Item | undefined): boolean {
  if (!condition) return true
  if (condition.exists !== undefined && condition.exists !== (current !== undefined)) return false
  const has = (name: string) => current !== undefined && Object.hasOwn(current, name)
  if (!condition.attributeExists.every(has)) return false
  if (condition.attributeNotExists.some(has)) return false
  return condition.equals.every(([name, value]) => has(name) && deepEqual(current![name], value))
}

export interface ParsedChanges {
  set: Array<[string, JsonValue]>
  add: Array<[string, number]>
  remove: string[]
}

const CLAUSES = new Set(['set', 'add', 'remove'])

/** DynamoDB's long type names, as its "Incorrect operand type" message spells them. */
function operandType(value: unknown): string {
  if (typeof value === 'string') return 'STRING'
  if (typeof value === 'boolean') return 'BOOLEAN'
  if (value === null) return 'NULL'
  if (Array.isArray(value)) return 'LIST'
  return isPlainObject(value) ? 'MAP' : typeof value
}

/** Validates `update` changes: the checks DynamoDB makes on an update expression. */
export function parseChanges(def: TableDefinition, changes: unknown): ParsedChanges {
  if (changes === undefined) return { set: [], add: [], remove: [] }
  if (!isPlainObject(changes)) throw validation('Invalid UpdateExpression: expected an object')
  for (const clause of Object.keys(changes)) {
    if (!CLAUSES.has(clause)) {
      throw validation(`Invalid UpdateExpression: unknown clause '${clause}' (use set, add or remove)`)
    }
  }
  const { set = {}, add = {}, remove = [] } = changes
  if (!isPlainObject(set))
    throw validation('Invalid UpdateExpression: set must map attribute names to values')
  if (!isPlainObject(add))
    throw validation('Invalid UpdateExpression: add must map attribute names to numbers')
  const removed = attributeNames(remove, 'UpdateExpression: remove')

  const seen = new Set<string>()
  for (const name of [...Object.keys(set), ...Object.keys(add), ...removed]) {
    if (name === '') throw validation('Invalid UpdateExpression: an attribute name may not be empty')
    if (isKeyAttribute(def, name)) {
      throw invalidParameter(`Cannot update attribute ${name}. This attribute is part of the key`)
    }
    if (seen.has(name)) {
      throw validation(
        'Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one ' +
          `of these paths; path one: [${name}], path two: [${name}]`,
      )
    }
    seen.add(name)
  }

  return {
    set: Object.entries(set).map(([name, value]): [string, JsonValue] => {
      if (value === undefined)
        throw invalidParameter(`set.${name} is undefined; use remove to delete an attribute`)
      return [name, normalizeValue(value, name)]
    }),
    add: Object.entries(add).map(([name, value]): [string, number] => {
      if (typeof value !== 'number') {
        throw validation(
          'Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, ' +
            `operand type: ${operandType(value)}`,
        )
      }
      checkNumber(value)
      return [name, value]
    }),
    remove: removed,
  }
}

/** The item after `changes`: the stored item, or just its key when there is none yet. */
export function applyChanges(key: Key, current: Item | undefined, changes: ParsedChanges): Item {
  const item: Item = current ? { ...current } : { ...key }
  for (const [name, value] of changes.set) setAttribute(item, name, value)
  for (const [name, increment] of changes.add) {
    const existing = item[name]
    if (existing === undefined) {
      setAttribute(item, name, increment === 0 ? 0 : increment)
    } else if (typeof existing === 'number') {
      setAttribute(item, name, addNumbers(existing, increment))
    } else {
      throw validation('An operand in the update expression has an incorrect data type')
    }
  }
  for (const name of changes.remove) delete item[name]
  return item
}
