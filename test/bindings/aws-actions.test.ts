/** What a deployment grants a function for the resources it declares covers what the AWS transport calls. */
import { describe, expect, it } from 'vitest'
import { BINDING_ACTIONS } from '../../src/bindings/aws-env.ts'
import { BUCKET_ACTIONS } from '../../src/lake/buckets/synth.ts'
import { TABLE_ACTIONS } from '../../src/services/tables/synth.ts'

describe('IAM actions of the bindings on AWS', () => {
  it.each(['read', 'write'] as const)('tables, %s: granted = called', (access) => {
    expect([...TABLE_ACTIONS[access]].sort()).toEqual([...BINDING_ACTIONS.table[access]].sort())
  })

  it.each(['read', 'write'] as const)('buckets, %s: granted = called', (access) => {
    const granted = [...BUCKET_ACTIONS[access].bucket, ...BUCKET_ACTIONS[access].objects]
    expect(granted.sort()).toEqual([...BINDING_ACTIONS.bucket[access]].sort())
  })
})
