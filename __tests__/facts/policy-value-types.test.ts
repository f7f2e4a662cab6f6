import { describe, expect, it } from '@jest/globals'
import { buildFacts } from '../../src/facts/build-facts.js'
import {
  authorizationDetails,
  cliText,
  inputErrorOf,
  KEY_ARN,
  keyObject,
  locationOf,
  managedPolicy,
  role
} from './builders.js'

const WRONG_TYPES: Array<[string, unknown, string]> = [
  ['a number', 0, '0'],
  ['a boolean', false, 'false'],
  ['a list', [], '[]']
]

/** Expects an `InputError` located at the value of `member`, the last one in the text. */
function expectLocatedError(value: unknown, member: string, written: string) {
  const text = cliText(value)
  const error = inputErrorOf(() => buildFacts([{ source: 'facts.json', text }]))
  const needle = `"${member}": ${written}`
  const offset = text.lastIndexOf(needle) + member.length + 4
  const before = text.slice(0, offset).split('\n')
  expect(error.location).toEqual({
    file: 'facts.json',
    line: before.length,
    column: before[before.length - 1].length + 1
  })
  expect(error.message).toContain(
    `must be a policy document: a JSON object with a Statement element, or that object as a JSON string, found ${written}`
  )
  return error.message
}

describe('policy documents of the wrong type', () => {
  it.each(WRONG_TYPES)('locates a key policy given as %s', (_name, policy, written) => {
    const message = expectLocatedError(keyObject({ Policy: policy }), 'Policy', written)
    expect(message).toMatch(new RegExp(`^key policy of ${KEY_ARN.replaceAll('/', '\\/')} must`))
  })

  it.each(WRONG_TYPES)('locates an inline policy given as %s', (_name, document, written) => {
    const value = authorizationDetails({
      roles: [role('App', { RolePolicyList: [{ PolicyName: 'inline', PolicyDocument: document }] })]
    })
    expectLocatedError(value, 'PolicyDocument', written)
  })

  it('locates an inline policy given as null', () => {
    const value = authorizationDetails({
      roles: [role('App', { RolePolicyList: [{ PolicyName: 'inline', PolicyDocument: null }] })]
    })
    expectLocatedError(value, 'PolicyDocument', 'null')
  })

  it.each(WRONG_TYPES)(
    'locates a managed policy version given as %s',
    (_name, document, written) => {
      const arn = 'arn:aws:iam::111122223333:policy/App'
      const value = authorizationDetails({
        roles: [role('App')],
        policies: [managedPolicy(arn, document)]
      })
      expectLocatedError(value, 'Document', written)
    }
  )

  it.each([...WRONG_TYPES, ['null', null, 'null'] as [string, unknown, string]])(
    'locates SCP content given as %s',
    (_name, content, written) => {
      const value = {
        Policies: [
          {
            Policy: {
              PolicySummary: { Id: 'p-1', Name: 'Deny', Type: 'SERVICE_CONTROL_POLICY' },
              Content: content
            },
            Targets: []
          }
        ]
      }
      expectLocatedError(value, 'Content', written)
    }
  )

  it('names the source of a bare value without positions', () => {
    const error = inputErrorOf(() =>
      buildFacts([{ source: 'case#1', value: keyObject({ Policy: 7 }) }])
    )
    expect(error.location).toBeUndefined()
    expect(error.message).toMatch(/^case#1: key policy of .* found 7$/)
  })

  it('still locates a string policy that holds a number', () => {
    const text = cliText(keyObject({ Policy: '0' }))
    const error = inputErrorOf(() => buildFacts([{ source: 'k.json', text }]))
    expect(error.location).toEqual(locationOf(text, '"0"', 'k.json', 1))
  })
})
