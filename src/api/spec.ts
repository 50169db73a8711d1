/**
 * Declarative request shapes in AWS's own constraint vocabulary, and the input type each one
 * describes. The key order of an operation's spec (and of each field's constraints) is the order
 * AWS reports violations in; `validation.ts` checks a request against a spec, `InputOf` is the
 * type of what comes out of those checks. One spec, both validator and type, as zod makes it.
 */
interface Common {
  notNull?: boolean
  /**
   * Refused, when missing, before any other constraint is checked, with "The parameter 'X' is
   * required but was not present in the request" (DynamoDB's table operations' TableName).
   */
  required?: boolean
}
export type FieldSpec =
  | (Common & {
      type: 'String'
      regex?: string
      lengthGreaterThanOrEqual?: number
      lengthLessThanOrEqual?: number
      enum?: readonly string[]
      /** Not null unless this sibling field is present (StreamName vs StreamARN). */
      notNullUnless?: string
    })
  | (Common & { type: 'Integer' | 'Long'; greaterThanOrEqual?: number; lessThanOrEqual?: number })
  | (Common & { type: 'Boolean' })
  | (Common & { type: 'Blob'; lengthLessThanOrEqual?: number })
  | (Common & { type: 'Timestamp' })
  | (Common & {
      type: 'List'
      children: FieldSpec
      lengthGreaterThanOrEqual?: number
      lengthLessThanOrEqual?: number
      /** How AWS prints a member in a `Value '[...]'` message (Java's toString of the element). */
      memberStr?: string
      childLengths?: readonly [number, number]
    })
  | (Common & {
      type: 'Map'
      children: FieldSpec
      lengthGreaterThanOrEqual?: number
      lengthLessThanOrEqual?: number
      childKeyLengths?: readonly [number, number]
      childValueLengths?: readonly [number, number]
      /** Check each value against `children` too (DynamoDB does; paths `<map>.<key>.member`). */
      checkValues?: boolean
    })
  | (Common & {
      type: 'Structure'
      children: OperationSpec
      /**
       * The Java class AWS's deserializer reads the structure into (DynamoDB's `AttributeValue`),
       * named in the messages of services whose type dialect names it (`dynamodb/type-errors.ts`).
       */
      shape?: string
    })

export type OperationSpec = Readonly<Record<string, FieldSpec>>

/** Flattens an intersection so editors show one object type. */
type Simplify<T> = { [K in keyof T]: T[K] } & {}

/**
 * The value a field holds once checked: what `checkTypes` converts it to (integers and longs to
 * numbers, timestamps to epoch seconds, blobs to base64 text) and `checkValidations` admits (a
 * string with an `enum` is one of its values). `Blob` is the type blobs take: base64 strings on
 * the generic path; a fast parser may hand on views of the body instead (`InputOf<S, Buffer>`).
 */
export type ValueOf<F extends FieldSpec, Blob = string> = F extends { type: 'String' }
  ? F extends { enum: readonly (infer E extends string)[] }
    ? E
    : string
  : F extends { type: 'Integer' | 'Long' | 'Timestamp' }
    ? number
    : F extends { type: 'Boolean' }
      ? boolean
      : F extends { type: 'Blob' }
        ? Blob
        : F extends { type: 'List'; children: infer C extends FieldSpec }
          ? ValueOf<C, Blob>[]
          : F extends { type: 'Map'; children: infer C extends FieldSpec }
            ? Record<string, ValueOf<C, Blob>>
            : F extends { type: 'Structure'; children: infer C extends OperationSpec }
              ? InputOf<C, Blob>
              : never

type RequiredKeys<S extends OperationSpec> = {
  [K in keyof S]: S[K] extends { notNull: true } | { required: true } ? K : never
}[keyof S]

/**
 * The input an operation's handler receives, derived from its spec: a member is required when
 * its spec says `notNull: true` (the validator refuses the request without it) and optional
 * otherwise (`notNullUnless` included: which of the pair is present is the handler's business).
 * The spec must keep its literal types (`as const satisfies FieldSpec`, or inline in
 * `defineOperation`): a spec widened to `FieldSpec` describes no particular input.
 *
 * Members of a list or map are typed as present; the validator does not refuse a null member
 * (`[null]`), which reaches the handler as `undefined`, as it always has.
 *
 * @example
 * const spec = { Name: { type: 'String', notNull: true }, Limit: { type: 'Integer' } } as const
 * type Input = InputOf<typeof spec> // { Name: string; Limit?: number }
 */
export type InputOf<S extends OperationSpec, Blob = string> = Simplify<
  { -readonly [K in RequiredKeys<S>]: ValueOf<S[K], Blob> } & {
    -readonly [K in Exclude<keyof S, RequiredKeys<S>>]?: ValueOf<S[K], Blob>
  }
>

/** The constraint names a field of this type may carry. */
type KnownKeys<F> = F extends { type: infer T } ? KeysOfType<FieldSpec, T> : never
type KeysOfType<M, T> = M extends { type: infer U } ? (T extends U ? keyof M : never) : never

/**
 * `S` with every constraint name its field type does not know mapped to `never`, nested specs
 * included: a spec inferred as a type parameter escapes TypeScript's excess-property check, and a
 * misspelt constraint would otherwise be silently ignored (and AWS's check with it).
 */
export type CheckedSpec<S> = {
  [K in keyof S]: CheckedField<S[K]>
}
type CheckedField<F> = {
  [K in keyof F]: K extends KnownKeys<F>
    ? K extends 'children'
      ? F extends { type: 'Structure' }
        ? CheckedSpec<F[K]>
        : CheckedField<F[K]>
      : F[K]
    : never
}
