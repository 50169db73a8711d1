/**
 * SNS subscription filter policies: checked as SNS checks them when set, applied on publish with
 * SNS's matching rules. https://docs.aws.amazon.com/sns/latest/dg/sns-subscription-filter-policies.html
 */

/** Which part of a message a filter policy looks at (the subscription's FilterPolicyScope). */
export type FilterPolicyScope = 'MessageAttributes' | 'MessageBody'

export const FILTER_POLICY_SCOPES: readonly FilterPolicyScope[] = ['MessageAttributes', 'MessageBody']

/** A message attribute as filters see it: its SNS type and value (`String.Array`: a JSON array). */
export interface TypedAttribute {
  /**
   * `String`, `Number`, `Binary` (its value is its bytes in base64, as every wire form carries
   * them) or `String.Array`; the first three may carry a custom label (`Number.int`, `Binary.gif`).
   */
  type: string
  value: string
}

/** What an attribute type behaves as: `String.Array`, or the type without its custom label. */
export function baseType(type: string): 'String' | 'Number' | 'Binary' | 'String.Array' | undefined {
  if (type === 'String.Array') return type
  const prefix = type.split('.', 1)[0]
  return prefix === 'String' || prefix === 'Number' || prefix === 'Binary' ? prefix : undefined
}

/** SNS's limits on a policy. https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html */
export const FILTER_POLICY_LIMITS = { keys: 5, combinations: 150 } as const

/** A policy SNS refuses; `message` is SNS's text without the `Invalid parameter:` prefix. */
export class FilterPolicyError extends Error {
  override readonly name = 'FilterPolicyError'
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
export type FilterPolicy = { [key: string]: Json }

const fail = (text: string): never => {
  throw new FilterPolicyError(`FilterPolicy: ${text}`)
}

/** Parses and checks a policy as SetSubscriptionAttributes / Subscribe do. */
export function parseFilterPolicy(text: string, scope: FilterPolicyScope): FilterPolicy {
  let policy: unknown
  try {
    policy = JSON.parse(text)
  } catch {
    return fail('failed to parse JSON.')
  }
  if (typeof policy !== 'object' || policy === null || Array.isArray(policy))
    return fail('Filter policy must be a JSON object')
  const top = policy as FilterPolicy
  if (Object.keys(top).length > FILTER_POLICY_LIMITS.keys) fail('Filter policy can not have more than 5 keys')
  const { rules, combinations } = collect(top, scope, 1, 1)
  if (combinations > FILTER_POLICY_LIMITS.combinations) fail('Filter policy is too complex')
  for (const list of rules) for (const rule of list) checkRule(rule)
  return top
}

/** The policy's lists of rules and its number of combinations, as SNS counts them. */
function collect(
  node: FilterPolicy,
  scope: FilterPolicyScope,
  depth: number,
  start: number,
): { rules: Json[][]; combinations: number } {
  const rules: Json[][] = []
  let combinations = start
  for (const [key, value] of Object.entries(node)) {
    if (Array.isArray(value)) {
      if (value.length === 0) fail('Empty arrays are not allowed')
      if (key === '$or') {
        let total = 0
        for (const branch of value) {
          if (typeof branch !== 'object' || branch === null || Array.isArray(branch))
            fail('"$or" must be an array of objects')
          const sub = collect(branch as FilterPolicy, scope, depth, combinations)
          rules.push(...sub.rules)
          total += sub.combinations
        }
        combinations = total
      } else {
        rules.push(value)
        combinations *= value.length * depth
      }
    } else if (typeof value === 'object' && value !== null) {
      if (scope === 'MessageAttributes')
        throw new FilterPolicyError(
          'Filter policy scope MessageAttributes does not support nested filter policy',
        )
      const sub = collect(value, scope, depth + 1, combinations)
      rules.push(...sub.rules)
      combinations = sub.combinations
    } else {
      fail(`"${key}" must be an object or an array`)
    }
  }
  return { rules, combinations }
}

const NUMERIC_OPERATORS = new Set(['<', '<=', '=', '>', '>='])

function checkRule(rule: Json): void {
  if (rule === null || typeof rule !== 'object') return
  if (Array.isArray(rule)) fail('Match value must be String, number, true, false, or null')
  const entries = Object.entries(rule as Record<string, Json>)
  if (entries.length !== 1) fail('Only one key allowed in match expression')
  const [operator, value] = entries[0]!
  switch (operator) {
    case 'prefix':
    case 'suffix':
    case 'equals-ignore-case':
      if (typeof value !== 'string') fail(`${operator} match pattern must be a string`)
      return
    case 'anything-but':
      if (Array.isArray(value)) {
        for (const v of value)
          if (v !== null && typeof v === 'object')
            fail('Match value must be String, number, true, false, or null')
        return
      }
      if (value !== null && typeof value === 'object') {
        for (const inner of Object.keys(value))
          if (inner !== 'prefix') fail(`Unsupported anything-but pattern: ${inner}`)
      }
      checkRule(value)
      return
    case 'exists':
      if (typeof value !== 'boolean') fail('exists match pattern must be either true or false.')
      return
    case 'numeric':
      checkNumeric(value)
      return
    default:
      fail(`Unrecognized match type ${operator}`)
  }
}

function checkNumeric(value: Json): void {
  const terms = Array.isArray(value) ? value : []
  if (terms.length === 0) fail('Invalid member in numeric match: ]')
  const [op, n, op2, n2, ...rest] = terms
  if (typeof op !== 'string') fail(`Invalid member in numeric match: ${JSON.stringify(op)}`)
  if (!NUMERIC_OPERATORS.has(op as string)) fail(`Unrecognized numeric range operator: ${op}`)
  if (typeof n !== 'number') fail(`Value of ${op === '=' ? 'equals' : op} must be numeric`)
  if (terms.length === 2) return
  if (op !== '>' && op !== '>=') fail('Too many elements in numeric expression')
  if (typeof op2 !== 'string') fail(`Bad value in numeric range: ${JSON.stringify(op2)}`)
  if (op2 !== '<' && op2 !== '<=') fail(`Bad numeric range operator: ${op2}`)
  if (typeof n2 !== 'number') fail(`Value of ${op2} must be numeric`)
  if ((n2 as number) <= (n as number)) fail('Bottom must be less than top')
  if (rest.length > 0) fail('Too many terms in numeric range expression')
}

/** A value a rule is matched against: a string, a number, a boolean or null (from a body). */
type Scalar = string | number | boolean | null

/**
 * Whether a message passes a policy. `attributes` for the MessageAttributes scope; `body` (the
 * message) for the MessageBody scope, where a message that is not a JSON object matches nothing.
 */
export function matchesFilterPolicy(
  policy: FilterPolicy,
  scope: FilterPolicyScope,
  attributes: Readonly<Record<string, TypedAttribute>>,
  body: string,
): boolean {
  if (scope === 'MessageAttributes') {
    // A message without attributes passes no policy, not even `{"exists": false}` (SNS's rule).
    if (Object.keys(attributes).length === 0) return false
    return matchNode(policy, (key) => {
      const attribute = attributes[key]
      // SNS compares policies with String, String.Array and Number attributes only.
      return attribute === undefined || baseType(attribute.type) === 'Binary'
        ? undefined
        : attributeValues(attribute)
    })
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch {
    return false
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return false
  return matchBody(policy, parsed as Record<string, unknown>)
}

/** The values an attribute offers to rules: an array's elements, a Number as a number. */
function attributeValues(attribute: TypedAttribute): Scalar[] {
  const type = baseType(attribute.type)
  if (type === 'Number') return [Number(attribute.value)]
  if (type === 'String.Array') {
    try {
      const array = JSON.parse(attribute.value) as unknown
      if (Array.isArray(array)) return array.filter((v) => v === null || typeof v !== 'object') as Scalar[]
    } catch {}
    return []
  }
  return [attribute.value]
}

/** Every key of a (flat) node matches; `$or` branches: any one does. */
function matchNode(node: FilterPolicy, lookup: (key: string) => Scalar[] | undefined): boolean {
  return Object.entries(node).every(([key, rules]) => {
    if (key === '$or' && Array.isArray(rules))
      return rules.some((branch) => matchNode(branch as FilterPolicy, lookup))
    return matchRules(rules as Json[], lookup(key))
  })
}

function matchBody(node: FilterPolicy, object: Record<string, unknown>): boolean {
  return Object.entries(node).every(([key, rules]) => {
    if (key === '$or' && Array.isArray(rules))
      return rules.some((branch) => matchBody(branch as FilterPolicy, object))
    const value = Object.hasOwn(object, key) ? object[key] : undefined
    if (!Array.isArray(rules)) {
      const nested = typeof value === 'object' && value !== null && !Array.isArray(value)
      return nested ? matchBody(rules as FilterPolicy, value as Record<string, unknown>) : false
    }
    if (value === undefined) return matchRules(rules, undefined)
    const values = (Array.isArray(value) ? value : [value]).filter(
      (v) => v === null || typeof v !== 'object',
    ) as Scalar[]
    return matchRules(rules, values)
  })
}

/** The rules of one key are ORed; `values` undefined: the key is absent. */
function matchRules(rules: readonly Json[], values: Scalar[] | undefined): boolean {
  return rules.some((rule) => {
    if (rule !== null && typeof rule === 'object' && !Array.isArray(rule) && 'exists' in rule)
      return rule.exists === (values !== undefined)
    if (values === undefined) return false
    if (rule !== null && typeof rule === 'object' && !Array.isArray(rule) && 'anything-but' in rule)
      return values.length > 0 && values.every((v) => !matchRule(rule['anything-but'] as Json, v))
    return values.some((v) => matchRule(rule, v))
  })
}

function matchRule(rule: Json, value: Scalar): boolean {
  if (Array.isArray(rule)) return rule.some((r) => matchRule(r, value))
  if (rule === null || typeof rule !== 'object') return equal(rule, value)
  const [operator, operand] = Object.entries(rule)[0]!
  switch (operator) {
    case 'prefix':
      return typeof value === 'string' && value.startsWith(operand as string)
    case 'suffix':
      return typeof value === 'string' && value.endsWith(operand as string)
    case 'equals-ignore-case':
      return typeof value === 'string' && value.toLowerCase() === (operand as string).toLowerCase()
    case 'numeric':
      return typeof value === 'number' && numericMatch(operand as Json[], value)
    default:
      return false
  }
}

function equal(rule: Scalar, value: Scalar): boolean {
  if (typeof rule === 'number') return typeof value === 'number' && rule === value
  return rule === value
}

function numericMatch(terms: readonly Json[], value: number): boolean {
  for (let i = 0; i + 1 < terms.length; i += 2) {
    const bound = terms[i + 1] as number
    const ok =
      terms[i] === '<'
        ? value < bound
        : terms[i] === '<='
          ? value <= bound
          : terms[i] === '='
            ? value === bound
            : terms[i] === '>'
              ? value > bound
              : value >= bound
    if (!ok) return false
  }
  return true
}
