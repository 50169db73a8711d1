import type { Changes, Condition, SortKeyCondition } from '../types.ts'
import { invalid } from './errors.ts'

/*
 * The bindings' conditions and changes are data; DynamoDB takes expression strings. Every name
 * goes through a `#n` placeholder (so `a.b` stays one attribute called "a.b", as the local
 * bindings read it, and reserved words need no care) and every value through a `:v` one.
 */

/** Placeholders collected while expressions are written: the request's names and values. */
export class Placeholders {
  readonly names: Record<string, string> = {}
  readonly values: Record<string, unknown> = {}
  readonly #byName = new Map<string, string>()

  name(attribute: string): string {
    let p = this.#byName.get(attribute)
    if (!p) {
      p = `#n${this.#byName.size}`
      this.#byName.set(attribute, p)
      this.names[p] = attribute
    }
    return p
  }

  value(v: unknown): string {
    const p = `:v${Object.keys(this.values).length}`
    this.values[p] = v
    return p
  }

  /** The request's ExpressionAttributeNames / Values, left out when empty (DynamoDB rejects `{}`). */
  request(): {
    ExpressionAttributeNames?: Record<string, string>
    ExpressionAttributeValues?: Record<string, unknown>
  } {
    return {
      ...(Object.keys(this.names).length ? { ExpressionAttributeNames: this.names } : {}),
      ...(Object.keys(this.values).length ? { ExpressionAttributeValues: this.values } : {}),
    }
  }
}

const CONDITION_PARTS = new Set(['exists', 'attributeExists', 'attributeNotExists', 'equals'])

/**
 * A ConditionExpression for a condition. `exists` is about the whole item: an item that exists
 * has its key attributes, one that does not has no attribute at all, so it is written over
 * `itemAttributes` (the key's names for update and delete; for put, every attribute of the new
 * item, since its key attributes are among them and the key schema is not known here).
 */
export function conditionExpression(
  condition: Condition | undefined,
  itemAttributes: readonly string[],
  p: Placeholders,
): string | undefined {
  if (condition === undefined) return undefined
  if (condition === null || typeof condition !== 'object' || Array.isArray(condition)) {
    throw invalid('ValidationException', 'Invalid ConditionExpression: expected an object')
  }
  for (const part of Object.keys(condition)) {
    if (!CONDITION_PARTS.has(part)) {
      throw invalid(
        'ValidationException',
        `Invalid ConditionExpression: unknown condition '${part}' ` +
          '(use exists, attributeExists, attributeNotExists or equals)',
      )
    }
  }
  const parts: string[] = []
  if (condition.exists === true) {
    parts.push(`(${itemAttributes.map((a) => `attribute_exists(${p.name(a)})`).join(' OR ')})`)
  } else if (condition.exists === false) {
    parts.push(...itemAttributes.map((a) => `attribute_not_exists(${p.name(a)})`))
  }
  for (const a of condition.attributeExists ?? []) parts.push(`attribute_exists(${p.name(a)})`)
  for (const a of condition.attributeNotExists ?? []) parts.push(`attribute_not_exists(${p.name(a)})`)
  for (const [a, v] of Object.entries(condition.equals ?? {})) parts.push(`${p.name(a)} = ${p.value(v)}`)
  return parts.length ? parts.join(' AND ') : undefined
}

const CLAUSES = new Set(['set', 'add', 'remove'])

/** An UpdateExpression for `changes` (SET / ADD / REMOVE), or undefined for none. */
export function updateExpression(changes: Changes | undefined, p: Placeholders): string | undefined {
  if (changes === undefined) return undefined
  if (changes === null || typeof changes !== 'object' || Array.isArray(changes)) {
    throw invalid('ValidationException', 'Invalid UpdateExpression: expected an object')
  }
  for (const clause of Object.keys(changes)) {
    if (!CLAUSES.has(clause)) {
      throw invalid(
        'ValidationException',
        `Invalid UpdateExpression: unknown clause '${clause}' (use set, add or remove)`,
      )
    }
  }
  const clauses: string[] = []
  const set = Object.entries(changes.set ?? {})
  if (set.length) clauses.push(`SET ${set.map(([a, v]) => `${p.name(a)} = ${p.value(v)}`).join(', ')}`)
  const add = Object.entries(changes.add ?? {})
  if (add.length) clauses.push(`ADD ${add.map(([a, v]) => `${p.name(a)} ${p.value(v)}`).join(', ')}`)
  const remove = changes.remove ?? []
  if (remove.length) clauses.push(`REMOVE ${remove.map((a) => p.name(a)).join(', ')}`)
  return clauses.length ? clauses.join(' ') : undefined
}

type SortOperator = (name: string, operand: unknown, p: Placeholders) => string

const compare =
  (op: string): SortOperator =>
  (n, operand, p) =>
    `${n} ${op} ${p.value(operand)}`

/** Each sort key condition of the bindings as its KeyConditionExpression. */
const SORT_OPERATORS: Readonly<Record<string, SortOperator>> = {
  equals: compare('='),
  lessThan: compare('<'),
  lessThanOrEqual: compare('<='),
  greaterThan: compare('>'),
  greaterThanOrEqual: compare('>='),
  between: (n, operand, p) => {
    const [low, high] = operand as [unknown, unknown]
    return `${n} BETWEEN ${p.value(low)} AND ${p.value(high)}`
  },
  beginsWith: (n, operand, p) => `begins_with(${n}, ${p.value(operand)})`,
}

/** The sort key part of a KeyConditionExpression. */
export function sortKeyExpression(attribute: string, condition: SortKeyCondition, p: Placeholders): string {
  const entries = Object.entries(condition ?? {})
  const op =
    entries.length === 1 && Object.hasOwn(SORT_OPERATORS, entries[0]![0]) ? entries[0]![0] : undefined
  if (!op) {
    throw invalid(
      'ValidationException',
      `Invalid sort key condition: use one of ${Object.keys(SORT_OPERATORS).join(', ')}`,
    )
  }
  return SORT_OPERATORS[op]!(p.name(attribute), entries[0]![1], p)
}
