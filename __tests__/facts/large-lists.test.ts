import { describe, expect, it } from '@jest/globals'
import { appendAll } from '../../src/facts/append.js'
import { buildFacts } from '../../src/facts/build-facts.js'
import { ACCOUNT, authorizationDetails, keyObject } from './builders.js'

// More items than V8 accepts as arguments of one call on Node 20 (about 120,000).
const LARGE = 1_000_000

describe('appendAll', () => {
  it('appends more items than a spread call accepts', () => {
    const items = Array.from({ length: LARGE }, (_, index) => index)
    expect(() => [].push(...(items as never[]))).toThrow(RangeError)

    const target = [-1]
    expect(appendAll(target, items)).toBe(target)
    expect(target).toHaveLength(LARGE + 1)
    expect(target[LARGE]).toBe(LARGE - 1)
  })
})

describe('large fact files', () => {
  it('reads 200,000 roles', () => {
    const roles = Array.from({ length: 200_000 }, (_, index) => ({
      RoleName: `r${index}`,
      Arn: `arn:aws:iam::${ACCOUNT}:role/r${index}`
    }))
    const { facts } = buildFacts([{ source: 'iam.json', value: authorizationDetails({ roles }) }])
    expect(facts.iam[0].roles).toHaveLength(200_000)
  })

  it('reads 200,000 keys from one list', () => {
    const base = keyObject({ Policy: undefined, Grants: undefined })
    const metadata = base.KeyMetadata as Record<string, unknown>
    const keys = Array.from({ length: 200_000 }, (_, index) => ({
      KeyMetadata: {
        ...metadata,
        KeyId: `k${index}`,
        Arn: `arn:aws:kms:us-east-1:${ACCOUNT}:key/k${index}`
      }
    }))
    const { facts } = buildFacts([{ source: 'keys.json', value: keys }])
    expect(facts.keys).toHaveLength(200_000)
  })
})
