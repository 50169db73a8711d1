/**
 * DynamoDB's update expressions applied: SET (with `+`, `-`, `if_not_exists`, `list_append`),
 * REMOVE, ADD (numbers and sets) and DELETE (from sets), every operand read from the item as
 * it was before the update.
 */
import {
  addNumbers,
  type Item,
  type JsonValue,
  makeSet,
  type SetValue,
  setHas,
  setType,
} from '../../services/tables/values.ts'
import { validationError } from '../errors.ts'
import { type Operand, type Path, resolvePath, type UpdateActions } from './expressions.ts'

const INVALID_PATH = 'The document path provided in the update expression is invalid for update'
const WRONG_TYPE = 'An operand in the update expression has an incorrect data type'

function updateOperandValue(operand: Operand, item: Item | undefined): JsonValue {
  switch (operand.kind) {
    case 'value':
      return operand.value
    case 'path': {
      const value = resolvePath(item, operand.path)
      if (value === undefined) {
        throw validationError(
          'The provided expression refers to an attribute that does not exist in the item',
        )
      }
      return value
    }
    case 'if_not_exists':
      return resolvePath(item, operand.path) ?? updateOperandValue(operand.fallback, item)
    case 'list_append': {
      const a = updateOperandValue(operand.a, item)
      const b = updateOperandValue(operand.b, item)
      if (!Array.isArray(a) || !Array.isArray(b)) throw validationError(WRONG_TYPE)
      return [...a, ...b]
    }
    case 'arith': {
      const a = updateOperandValue(operand.a, item)
      const b = updateOperandValue(operand.b, item)
      if (typeof a !== 'number' || typeof b !== 'number') throw validationError(WRONG_TYPE)
      return addNumbers(a, operand.op === '+' ? b : -b)
    }
    default:
      throw validationError(WRONG_TYPE)
  }
}

function clone<T extends JsonValue | Item>(value: T): T {
  return structuredClone(value)
}

function setPath(item: Item, path: Path, value: JsonValue): void {
  let parent: JsonValue = item
  for (let i = 0; i < path.length - 1; i++) {
    const next = resolvePath(parent as Item, [path[i]!])
    if (next === undefined || next === null || typeof next !== 'object') throw validationError(INVALID_PATH)
    parent = next
  }
  const last = path.at(-1)!
  if (parent instanceof Uint8Array || parent instanceof Set) throw validationError(INVALID_PATH)
  if (typeof last === 'number') {
    if (!Array.isArray(parent)) throw validationError(INVALID_PATH)
    if (last >= parent.length) parent.push(value)
    else parent[last] = value
  } else {
    if (Array.isArray(parent) || parent === null || typeof parent !== 'object')
      throw validationError(INVALID_PATH)
    Object.defineProperty(parent, last, { value, enumerable: true, writable: true, configurable: true })
  }
}

function removePath(item: Item, path: Path): void {
  const parent = path.length === 1 ? item : resolvePath(item, path.slice(0, -1))
  const last = path.at(-1)!
  if (parent === undefined || parent === null || typeof parent !== 'object') return
  if (parent instanceof Uint8Array || parent instanceof Set) return
  if (typeof last === 'number') {
    if (Array.isArray(parent) && last < parent.length) parent.splice(last, 1)
  } else if (!Array.isArray(parent)) {
    delete (parent as Record<string, JsonValue>)[last]
  }
}

function operandTypeName(value: JsonValue): string {
  if (typeof value === 'string') return 'STRING'
  if (typeof value === 'number') return 'NUMBER'
  if (typeof value === 'boolean') return 'BOOLEAN'
  if (value === null) return 'NULL'
  if (value instanceof Uint8Array) return 'BINARY'
  if (value instanceof Set) return setType(value)
  return Array.isArray(value) ? 'LIST' : 'MAP'
}

/** ADD of a set to a set (the union) or DELETE of a set from one (what remains; undefined if none). */
function combineSets(existing: SetValue, operand: SetValue, op: 'ADD' | 'DELETE'): SetValue | undefined {
  if (setType(existing) !== setType(operand)) throw validationError(WRONG_TYPE)
  const type = setType(existing)
  const a = [...(existing as Set<string | number | Uint8Array>)]
  const b = [...(operand as Set<string | number | Uint8Array>)]
  const result =
    op === 'ADD' ? [...a, ...b.filter((e) => !setHas(existing, e))] : a.filter((e) => !setHas(operand, e))
  return result.length === 0 ? undefined : makeSet(type, result)
}

/**
 * The item after the update (from the stored item, or from the key when there is none), and the
 * paths it changed. Every operand is read from the item as it was before the update.
 */
export function applyUpdate(current: Item | undefined, key: Item, actions: UpdateActions): Item {
  for (const { value } of actions.delete) {
    const v = updateOperandValue(value, current)
    if (!(v instanceof Set)) {
      throw validationError(
        `Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: ${operandTypeName(v)}`,
      )
    }
  }
  for (const { value } of actions.add) {
    const v = updateOperandValue(value, current)
    if (typeof v !== 'number' && !(v instanceof Set)) {
      throw validationError(
        `Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: ${operandTypeName(v)}`,
      )
    }
  }
  const sets = actions.set.map(({ path, value }) => ({ path, value: updateOperandValue(value, current) }))
  const adds = actions.add.map(({ path, value }) => {
    const existing = resolvePath(current, path)
    const operand = updateOperandValue(value, current) as number | SetValue
    if (existing === undefined) return { path, value: operand as JsonValue | undefined }
    if (typeof operand === 'number') {
      if (typeof existing !== 'number') throw validationError(WRONG_TYPE)
      return { path, value: addNumbers(existing, operand) }
    }
    if (!(existing instanceof Set)) throw validationError(WRONG_TYPE)
    return { path, value: combineSets(existing, operand, 'ADD') }
  })
  // DELETE from an absent attribute does nothing; a set left empty is removed.
  const deletes = actions.delete.flatMap(({ path, value }) => {
    const existing = resolvePath(current, path)
    if (existing === undefined) return []
    if (!(existing instanceof Set)) throw validationError(WRONG_TYPE)
    return [{ path, value: combineSets(existing, updateOperandValue(value, current) as SetValue, 'DELETE') }]
  })
  const next: Item = current ? clone(current) : { ...key }
  for (const { path, value } of [...sets, ...adds, ...deletes]) {
    if (value === undefined) removePath(next, path)
    else setPath(next, path, clone(value))
  }
  // Later list indexes first, so that removing one does not shift another.
  const removals = [...actions.remove].sort((a, b) => {
    const x = a.at(-1)
    const y = b.at(-1)
    return typeof x === 'number' && typeof y === 'number' ? y - x : 0
  })
  for (const path of removals) removePath(next, path)
  return next
}

/** The paths an update writes or removes, for ReturnValues UPDATED_OLD / UPDATED_NEW. */
export function updatedPaths(actions: UpdateActions): Path[] {
  return [
    ...actions.set.map((a) => a.path),
    ...actions.remove,
    ...actions.add.map((a) => a.path),
    ...actions.delete.map((a) => a.path),
  ]
}
