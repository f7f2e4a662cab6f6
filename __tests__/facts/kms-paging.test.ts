import { describe, expect, it } from '@jest/globals'
import { buildFacts } from '../../src/facts/build-facts.js'
import { cliText, inputErrorOf, KEY_ARN, KEY_ID, keyObject, locationOf } from './builders.js'

const GRANT = {
  KeyId: KEY_ARN,
  GrantId: 'g1',
  Name: 'worker',
  CreationDate: '2024-01-01T00:00:00+00:00',
  GranteePrincipal: 'arn:aws:iam::111122223333:role/Worker',
  IssuingAccount: 'arn:aws:iam::111122223333:root',
  Operations: ['Decrypt']
}

function load(value: Record<string, unknown>) {
  const text = cliText(value)
  const { facts, warnings } = buildFacts([{ source: 'key.json', text }])
  return { key: facts.keys[0], warnings, text }
}

function errorFor(value: Record<string, unknown>, at: string) {
  const text = cliText(value)
  const error = inputErrorOf(() => buildFacts([{ source: 'key.json', text }]))
  expect(error.location).toEqual(locationOf(text, at, 'key.json'))
  return error.message
}

describe('paged list-grants output', () => {
  const partialCases: Array<[string, Record<string, unknown>, string, string]> = [
    [
      'NextToken in the output',
      { Grants: { Grants: [GRANT], NextToken: 'eyJ' } },
      'NextToken',
      '"eyJ"'
    ],
    [
      'NextMarker in the output',
      { Grants: { Grants: [GRANT], NextMarker: 'abc' } },
      'NextMarker',
      '"abc"'
    ],
    ['Truncated true', { Grants: { Grants: [GRANT], Truncated: true } }, 'Truncated', 'true'],
    ['Truncated "true"', { Grants: { Grants: [GRANT], Truncated: 'true' } }, 'Truncated', '"true"'],
    ['Truncated "TRUE"', { Grants: { Grants: [GRANT], Truncated: 'TRUE' } }, 'Truncated', '"TRUE"'],
    ['NextToken in the key object', { Grants: [GRANT], NextToken: 'eyJ' }, 'NextToken', '"eyJ"'],
    ['NextMarker in the key object', { Grants: [GRANT], NextMarker: 'abc' }, 'NextMarker', '"abc"'],
    [
      'Truncated in the key object beside a complete output',
      { Grants: { Grants: [GRANT], Truncated: false }, Truncated: true },
      'Truncated',
      'true'
    ]
  ]

  it.each(partialCases)('treats %s as unknown grants', (_name, overrides, member, value) => {
    const { key, warnings, text } = load(keyObject(overrides))
    expect(key.grants).toBeUndefined()
    expect(warnings).toHaveLength(1)
    expect(warnings[0].code).toBe('facts')
    expect(warnings[0].message).toContain(`one page of a longer list ("${member}"`)
    expect(warnings[0].message).toContain('list every page of "aws kms list-grants"')
    expect(warnings[0].location).toEqual(
      locationOf(text, `"${member}": ${value}`, 'key.json', member.length + 4)
    )
  })

  it('reads grants when Truncated is false in any spelling', () => {
    for (const truncated of [false, 'false', 'False']) {
      const { key, warnings } = load(
        keyObject({ Grants: { Grants: [GRANT], Truncated: truncated } })
      )
      expect(key.grants?.map((grant) => grant.grantId)).toEqual(['g1'])
      expect(warnings).toEqual([])
    }
  })

  it('rejects a Truncated that is not true or false', () => {
    const message = errorFor(keyObject({ Grants: { Grants: [GRANT], Truncated: 1 } }), '1\n')
    expect(message).toBe(
      `Truncated of the Grants output of key ${KEY_ARN} must be true or false, found 1`
    )
  })

  it('rejects a lowercase truncated in the output', () => {
    const message = errorFor(keyObject({ Grants: { Grants: [GRANT], truncated: true } }), 'true\n')
    expect(message).toBe(
      `member "truncated" of the Grants output of key ${KEY_ARN} must be spelled "Truncated"; member names are case-sensitive`
    )
  })

  it('rejects a lowercase truncated in the key object', () => {
    const message = errorFor(keyObject({ truncated: true }), 'true\n')
    expect(message).toContain('member "truncated" of key')
    expect(message).toContain('must be spelled "Truncated"')
  })

  it('rejects a lowercase member that would be read', () => {
    const message = errorFor(keyObject({ aliases: ['alias/app'] }), '[\n        "alias/app"')
    expect(message).toContain('member "aliases" of key')
    expect(message).toContain('must be spelled "Aliases"')
  })
})

describe('unknown members of kms outputs', () => {
  it('warns about a member of the list-grants output', () => {
    const { key, warnings, text } = load(
      keyObject({ Grants: { Grants: [GRANT], Truncated: false, ResponseMetadata: {} } })
    )
    expect(key.grants).toHaveLength(1)
    expect(warnings).toEqual([
      {
        code: 'facts',
        message: `the Grants output of key ${KEY_ARN}: member "ResponseMetadata" is not used; expected only Grants, Truncated, NextMarker, NextToken`,
        location: locationOf(text, '{}', 'key.json')
      }
    ])
  })

  it('warns about a member of a grant', () => {
    const { warnings, text } = load(keyObject({ Grants: [{ ...GRANT, Comment: 'x' }] }))
    expect(warnings).toEqual([
      {
        code: 'facts',
        message: expect.stringContaining(
          `grant g1 of key ${KEY_ARN}: member "Comment" is not used`
        ),
        location: locationOf(text, '"x"', 'key.json')
      }
    ])
  })

  it('rejects a lowercase grant member', () => {
    const grant = { ...GRANT, constraints: { EncryptionContextSubset: { app: 'a' } } }
    const message = errorFor(
      keyObject({ Grants: [grant] }),
      '{\n                "EncryptionContextSubset"'
    )
    expect(message).toContain('member "constraints" of grant g1')
    expect(message).toContain('must be spelled "Constraints"')
  })

  it('warns about a member of the get-key-policy output', () => {
    const policy = { Policy: '{"Statement": []}', PolicyName: 'default', Extra: 1 }
    const { warnings } = load(keyObject({ Policy: policy }))
    expect(warnings.map((warning) => warning.message)).toEqual([
      `the get-key-policy output of key ${KEY_ARN}: member "Extra" is not used; expected only Policy, PolicyName`
    ])
  })

  it('rejects a grant whose KeyId names another key', () => {
    const other = 'arn:aws:kms:us-east-1:111122223333:key/other'
    const message = errorFor(keyObject({ Grants: [{ ...GRANT, KeyId: other }] }), `"${other}"`)
    expect(message).toBe(
      `KeyId of grant g1 is "${other}", but the grant is listed under key ${KEY_ARN}; put the grants of each key in its own key object`
    )
  })

  it('accepts a grant KeyId given as the key ID', () => {
    expect(load(keyObject({ Grants: [{ ...GRANT, KeyId: KEY_ID }] })).key.grants).toHaveLength(1)
  })
})

describe('paged alias and tag output', () => {
  it('rejects a partial list-aliases output', () => {
    const value = keyObject({ Aliases: { Aliases: ['alias/app'], NextMarker: 'm' } })
    const message = errorFor(value, '"m"')
    expect(message).toBe(
      `the Aliases of key ${KEY_ARN} are one page of a longer list ("NextMarker" is present), and a missing entry could change a result; list every page of "aws kms list-aliases", which the AWS CLI does unless you pass --max-items or --no-paginate`
    )
  })

  it('rejects a truncated list-resource-tags output', () => {
    const value = keyObject({ Tags: { Tags: [], Truncated: true } })
    expect(errorFor(value, 'true\n')).toContain(
      'the Tags of key arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab are one page of a longer list ("Truncated" is true)'
    )
  })

  it('rejects a lowercase tag member', () => {
    const value = keyObject({ Tags: [{ TagKey: 'team', tagValue: 'payments' }] })
    expect(errorFor(value, '"payments"')).toContain('must be spelled "TagValue"')
  })
})
