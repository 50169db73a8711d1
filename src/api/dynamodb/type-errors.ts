import type { FieldSpec } from '../spec.ts'
import { isCanonicalBase64, type TypeDialect } from '../validation.ts'

/** The Java package of DynamoDB's request shapes, as its deserializer names them. */
const SHAPES = 'com.amazonaws.dynamodb.v20120810'

/**
 * What Java's reflection says when DynamoDB's deserializer meets a scalar where a generic
 * collection nested in another one (`List<Map<String, AttributeValue>>`) was expected: AWS
 * answers with the cast failure itself (recorded in 2023).
 */
const PARAMETERIZED_CAST =
  "class sun.reflect.generics.reflectiveObjects.ParameterizedTypeImpl cannot be cast to class java.lang.Class (sun.reflect.generics.reflectiveObjects.ParameterizedTypeImpl and java.lang.Class are in module java.base of loader 'bootstrap')"

const OBJECT_NOT_EXPECTED = 'Start of structure or map found where not expected'

/** The Java type a member is read into, as the deserializer prints it. */
function javaType(spec: FieldSpec): string {
  switch (spec.type) {
    case 'String':
    case 'Boolean':
    case 'Integer':
    case 'Long':
      return `java.lang.${spec.type}`
    case 'Blob':
      return 'java.nio.ByteBuffer'
    case 'Timestamp':
      return 'java.util.Date'
    case 'List':
      return `java.util.List<${javaType(spec.children)}>`
    case 'Map':
      return `java.util.Map<java.lang.String, ${javaType(spec.children)}>`
    case 'Structure':
      return `${SHAPES}.${spec.shape ?? 'Structure'}`
  }
}

/** The deserializer's name for a JSON scalar token (`TRUE_VALUE`, `DECIMAL_VALUE`, ...). */
function token(val: unknown): string {
  if (typeof val === 'boolean') return val ? 'TRUE_VALUE' : 'FALSE_VALUE'
  if (typeof val === 'string') return 'STRING_VALUE'
  if (typeof val === 'bigint' || Number.isInteger(val)) return 'NUMBER_VALUE'
  return 'DECIMAL_VALUE'
}

const isScalar = (val: unknown) => typeof val !== 'object' || val === null

/**
 * DynamoDB's wording (its current, Jackson-based deserializer), as recorded from AWS in 2023 by
 * dynalite's test suite. Where a structure or collection sits decides the words: a structure in a
 * field given a scalar is an "Unexpected field type", one in a list or map an "Unexpected value
 * type in payload", and a collection inside a collection fails a reflective cast.
 */
export const DYNAMODB_TYPE_DIALECT: TypeDialect = {
  mismatch(val, spec, element) {
    switch (spec.type) {
      case 'Blob':
        if (isScalar(val)) return 'only base-64-encoded strings are convertible to bytes'
        if (Array.isArray(val)) return `Unrecognized collection type class ${javaType(spec)}`
        return OBJECT_NOT_EXPECTED
      case 'List':
        if (isScalar(val)) return element ? PARAMETERIZED_CAST : 'Unexpected field type'
        return OBJECT_NOT_EXPECTED
      case 'Map':
        if (isScalar(val)) return element ? PARAMETERIZED_CAST : 'Unexpected field type'
        return `Unrecognized collection type ${javaType(spec)}`
      case 'Structure':
        if (isScalar(val)) return element ? 'Unexpected value type in payload' : 'Unexpected field type'
        return `Unrecognized collection type class ${javaType(spec)}`
      default:
        if (Array.isArray(val)) return `Unrecognized collection type class ${javaType(spec)}`
        if (!isScalar(val)) return OBJECT_NOT_EXPECTED
        // A Boolean given a string it cannot read fails in the parser, before any conversion.
        if (spec.type === 'Boolean' && typeof val === 'string') return 'Unexpected token received from parser'
        return `${token(val)} cannot be converted to ${spec.type}`
    }
  },
  booleanFromString(val) {
    const upper = val.toUpperCase()
    if (upper === 'TRUE' || upper === '1' || upper === 'YES') return true
    if (upper === 'FALSE' || upper === '0' || upper === 'NO') return false
    return undefined
  },
  base64Error(s) {
    if (s.length % 4) return `Base64 encoded length is expected a multiple of 4 bytes but found: ${s.length}`
    // AWS names the last character for any text that does not decode and re-encode to itself.
    if (!isCanonicalBase64(s)) return 'Invalid last non-pad Base64 character dectected'
    return undefined
  },
  unreadableBody: undefined,
}
