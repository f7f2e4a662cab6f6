import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { arnMatch, LITERAL_STAR, wildcardMatch } from '../../src/engine/wildcard.js'

/** Matches with a regular expression, as a reference for short inputs only. */
function referenceMatch(pattern: string, value: string): boolean {
  const source = Array.from(pattern)
    .map((character) =>
      character === '*'
        ? '.*'
        : character === '?'
          ? '.'
          : character.replace(/[\\^$.|+()[\]{}]/g, '\\$&')
    )
    .join('')
  return new RegExp(`^${source}$`, 's').test(value)
}

describe('wildcardMatch', () => {
  it.each([
    ['*', '', true],
    ['a*', 'abc', true],
    ['a?c', 'abc', true],
    ['a?c', 'ac', false],
    ['*b', 'aab', true],
    ['kms:Get*', 'kms:GetKeyPolicy', true],
    ['kms:Get*', 'kms:Decrypt', false],
    ['a*b*c', 'axxbyyc', true],
    ['a*b*c', 'axxbyy', false]
  ])('matches %s against %s', (pattern, value, expected) => {
    expect(wildcardMatch(pattern, value)).toBe(expected)
  })

  it('ignores case when asked', () => {
    expect(wildcardMatch('KMS:decrypt', 'kms:Decrypt', true)).toBe(true)
    expect(wildcardMatch('KMS:decrypt', 'kms:Decrypt')).toBe(false)
  })

  it('reads the literal-star marker literally', () => {
    expect(wildcardMatch(`a${LITERAL_STAR}b`, 'a*b')).toBe(true)
    expect(wildcardMatch(`a${LITERAL_STAR}b`, 'aXb')).toBe(false)
  })

  it('agrees with a regular-expression matcher', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'b', '*', '?', ':'), maxLength: 12 })
    fc.assert(
      fc.property(
        text,
        fc.string({ unit: fc.constantFrom('a', 'b', ':'), maxLength: 12 }),
        (pattern, value) => {
          expect(wildcardMatch(pattern, value)).toBe(referenceMatch(pattern, value))
        }
      ),
      { numRuns: 2000 }
    )
  })

  // A backtracking regular expression takes exponential time here and hits Jest's timeout.
  it('ends on patterns that make regular expressions backtrack', () => {
    const pattern = `${'*a'.repeat(40)}*b`
    expect(wildcardMatch(pattern, 'a'.repeat(5000))).toBe(false)
  })
})

describe('arnMatch', () => {
  it('matches each ARN part on its own', () => {
    expect(
      arnMatch('arn:aws:kms:*:111122223333:key/*', 'arn:aws:kms:us-east-1:111122223333:key/abc')
    ).toBe(true)
    expect(
      arnMatch('arn:aws:kms:*:111122223333:key/*', 'arn:aws:kms:us-east-1:444455556666:key/abc')
    ).toBe(false)
  })
})
