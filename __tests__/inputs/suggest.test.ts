import { describe, expect, test } from '@jest/globals'
import { closestMatch, didYouMean, editDistance } from '../../src/inputs/suggest.js'

describe('editDistance', () => {
  test.each([
    ['', '', 0],
    ['abc', '', 3],
    ['', 'abc', 3],
    ['action', 'actions', 1],
    ['kms:Decript', 'kms:Decrypt', 1],
    ['kms:Decrpyt', 'kms:Decrypt', 1],
    ['kitten', 'sitting', 3],
    ['Expect', 'expect', 1]
  ])('distance from %j to %j is %d', (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance)
    expect(editDistance(b, a)).toBe(distance)
  })
})

describe('closestMatch', () => {
  const fields = ['name', 'principal', 'key', 'actions', 'expect', 'context', 'region', 'account']

  test('finds a one-letter typo', () => {
    expect(closestMatch('action', fields)).toBe('actions')
  })

  test('ignores case', () => {
    expect(closestMatch('PRINCIPAL', fields)).toBe('principal')
  })

  test('rejects distant words', () => {
    expect(closestMatch('description', fields)).toBeUndefined()
  })

  test('allows one edit per three characters', () => {
    expect(closestMatch('prinicpl', fields)).toBe('principal')
    expect(closestMatch('ky', fields)).toBe('key')
    expect(closestMatch('xy', fields)).toBeUndefined()
  })

  test('returns undefined without candidates', () => {
    expect(closestMatch('key', [])).toBeUndefined()
  })
})

describe('didYouMean', () => {
  test('formats a suggestion', () => {
    expect(didYouMean('alow', ['allow', 'deny'])).toBe('; did you mean `allow`?')
  })

  test('returns an empty string without a match', () => {
    expect(didYouMean('permit', ['allow', 'deny'])).toBe('')
  })
})
