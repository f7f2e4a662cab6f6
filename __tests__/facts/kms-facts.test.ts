import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from '@jest/globals'
import { buildFacts } from '../../src/facts/build-facts.js'
import {
  ACCOUNT,
  cliText,
  inputErrorOf,
  KEY_ARN,
  KEY_ID,
  keyObject,
  locationBefore,
  locationOf,
  policyDocument,
  ROOT_STATEMENT
} from './builders.js'

const FIXTURES = path.join(import.meta.dirname, 'fixtures')

function fixture(name: string): string {
  return readFileSync(path.join(FIXTURES, name), 'utf8')
}

function keyFrom(value: unknown) {
  const { facts } = buildFacts([{ source: 'key.json', value }])
  expect(facts.keys).toHaveLength(1)
  return facts.keys[0]
}

function keyFromText(value: unknown) {
  const text = cliText(value)
  const { facts, warnings } = buildFacts([{ source: 'key.json', text }])
  return { key: facts.keys[0], warnings, text }
}

describe('key object fixture with a string policy', () => {
  const text = fixture('key-with-string-policy.json')
  const { facts, warnings, sources } = buildFacts([{ source: 'fixtures/key.json', text }])
  const [key] = facts.keys

  it('reads the identity from the key ARN', () => {
    expect(key).toMatchObject({
      arn: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      keyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
      accountId: ACCOUNT,
      region: 'eu-west-1',
      partition: 'aws',
      location: { file: 'fixtures/key.json', line: 1, column: 1 }
    })
    expect(sources).toEqual(['fixtures/key.json'])
    expect(warnings).toEqual([])
  })

  it('reads the metadata', () => {
    expect(key.metadata).toEqual({
      keyState: 'Enabled',
      enabled: true,
      keyUsage: 'ENCRYPT_DECRYPT',
      keyManager: 'CUSTOMER',
      keySpec: 'SYMMETRIC_DEFAULT',
      origin: 'AWS_KMS',
      multiRegion: false
    })
  })

  it('locates statements inside the policy string', () => {
    expect(key.policy?.location).toEqual({ file: 'fixtures/key.json', line: 14, column: 14 })
    expect(key.policy?.statements.map((statement) => statement.location)).toEqual([
      { file: 'fixtures/key.json', line: 14, column: 101 },
      { file: 'fixtures/key.json', line: 14, column: 324 }
    ])
  })

  it('decodes escapes inside the policy string', () => {
    expect(key.policy?.statements[1].sid).toBe('App decrypt "quoted" / é')
    expect(key.policy?.accountId).toBe(ACCOUNT)
    expect(key.policy?.name).toBe('default')
  })

  it('reads the grants', () => {
    expect(key.grants).toEqual([
      {
        grantId: '0c237476b39f8bc44e45212e08498fbe3151305030726c0590dd8d3e9f3d6a60',
        name: 'app-grant',
        granteePrincipal: 'arn:aws:iam::111122223333:role/Worker',
        retiringPrincipal: 'arn:aws:iam::111122223333:role/Admin',
        issuingAccount: 'arn:aws:iam::111122223333:root',
        operations: ['Decrypt', 'GenerateDataKey'],
        encryptionContextSubset: { app: 'billing' },
        location: { file: 'fixtures/key.json', line: 17, column: 5 }
      }
    ])
  })
})

describe('key list fixture with an object policy', () => {
  const { facts } = buildFacts([
    { source: 'keys.json', text: fixture('key-with-object-policy.json') }
  ])
  const [key] = facts.keys

  it('reads the older key spec and multi-Region type', () => {
    expect(key.metadata).toMatchObject({
      keySpec: 'RSA_2048',
      multiRegion: true,
      multiRegionKeyType: 'PRIMARY',
      enabled: false
    })
  })

  it('locates the single statement', () => {
    expect(key.location).toEqual({ file: 'keys.json', line: 2, column: 3 })
    expect(key.policy?.statements[0].location).toEqual({ file: 'keys.json', line: 18, column: 20 })
  })

  it('normalises a bare account principal', () => {
    expect(key.policy?.statements[0].principal?.aws).toEqual(['arn:aws:iam::444455556666:root'])
  })

  it('reads aliases from the whole list-aliases output', () => {
    expect(key.aliases).toEqual(['alias/signer'])
  })

  it('reads tags from the whole list-resource-tags output', () => {
    expect(key.tags).toEqual({ team: 'payments' })
  })

  it('leaves grants unknown when absent', () => {
    expect(key.grants).toBeUndefined()
  })
})

describe('key object variants', () => {
  it('accepts the whole get-key-policy output', () => {
    const policy = { Policy: JSON.stringify(policyDocument(ROOT_STATEMENT)), PolicyName: 'default' }
    expect(keyFrom(keyObject({ Policy: policy })).policy?.statements[0].sid).toBe('Root')
  })

  it('accepts the parsed policy object', () => {
    expect(
      keyFrom(keyObject({ Policy: policyDocument(ROOT_STATEMENT) })).policy?.statements
    ).toHaveLength(1)
  })

  it('accepts a URL-encoded policy', () => {
    const encoded = encodeURIComponent(JSON.stringify(policyDocument(ROOT_STATEMENT)))
    expect(keyFrom(keyObject({ Policy: encoded })).policy?.statements[0].sid).toBe('Root')
  })

  it('locates statements in a pretty-printed key object', () => {
    const { key, text } = keyFromText(keyObject({ Policy: policyDocument(ROOT_STATEMENT) }))
    expect(key.policy?.statements[0].location).toEqual(
      locationBefore(text, '"Sid": "Root"', 'key.json')
    )
  })

  it('leaves the policy unknown when absent or null', () => {
    expect(keyFrom(keyObject({ Policy: undefined })).policy).toBeUndefined()
    expect(keyFrom(keyObject({ Policy: null })).policy).toBeUndefined()
    expect(
      keyFrom(keyObject({ Policy: { PolicyName: 'default', Policy: null } })).policy
    ).toBeUndefined()
  })

  it('keeps an explicit empty grant list', () => {
    expect(keyFrom(keyObject({ Grants: [] })).grants).toEqual([])
  })

  it('accepts the whole list-grants output', () => {
    const grants = {
      Grants: [
        { GrantId: 'g1', GranteePrincipal: 'arn:aws:iam::1:role/R', Operations: ['kms:Decrypt'] }
      ],
      Truncated: false
    }
    expect(keyFrom(keyObject({ Grants: grants })).grants).toEqual([
      { grantId: 'g1', granteePrincipal: 'arn:aws:iam::1:role/R', operations: ['Decrypt'] }
    ])
  })

  it('reads grant constraints', () => {
    const grant = {
      GrantId: 'g1',
      GranteePrincipal: 'arn:aws:iam::1:role/R',
      Operations: ['Encrypt'],
      Constraints: { EncryptionContextEquals: { a: 'b' } }
    }
    expect(keyFrom(keyObject({ Grants: [grant] })).grants?.[0].encryptionContextEquals).toEqual({
      a: 'b'
    })
  })

  it('treats truncated grants as unknown', () => {
    const { key, warnings } = keyFromText(keyObject({ Grants: [], Truncated: true }))
    expect(key.grants).toBeUndefined()
    expect(warnings).toEqual([
      expect.objectContaining({
        code: 'facts',
        message: expect.stringContaining('one page of a longer list ("Truncated" is true)')
      })
    ])
    const wrapped = keyFromText(keyObject({ Grants: { Grants: [], Truncated: true } }))
    expect(wrapped.key.grants).toBeUndefined()
  })

  it('treats grants with an unmodelled constraint as unknown', () => {
    const grant = {
      GrantId: 'g1',
      GranteePrincipal: 'p',
      Operations: ['Decrypt'],
      Constraints: { SourceArn: 'arn:x' }
    }
    const { key, warnings } = keyFromText(keyObject({ Grants: [grant] }))
    expect(key.grants).toBeUndefined()
    expect(warnings[0].message).toContain('SourceArn')
  })

  it('accepts plain alias names and the whole list-aliases output', () => {
    expect(keyFrom(keyObject({ Aliases: ['alias/b', 'alias/a', 'alias/a'] })).aliases).toEqual([
      'alias/a',
      'alias/b'
    ])
    const output = {
      Aliases: [
        { AliasName: 'alias/app', TargetKeyId: KEY_ID },
        { AliasName: 'alias/arn', TargetKeyId: KEY_ARN }
      ]
    }
    expect(keyFrom(keyObject({ Aliases: output })).aliases).toEqual(['alias/app', 'alias/arn'])
    expect(keyFrom(keyObject({ Aliases: [{ AliasName: 'alias/entry' }] })).aliases).toEqual([
      'alias/entry'
    ])
  })

  it('accepts a tag list', () => {
    expect(
      keyFrom(
        keyObject({
          Tags: [
            { TagKey: 'a', TagValue: '1' },
            { TagKey: '__proto__', TagValue: '2' }
          ]
        })
      ).tags
    ).toEqual(
      Object.fromEntries([
        ['a', '1'],
        ['__proto__', '2']
      ])
    )
  })

  it('warns about members it does not use', () => {
    const { warnings, text } = keyFromText(keyObject({ Polcy: {} }))
    expect(warnings).toEqual([
      {
        code: 'facts',
        message: expect.stringContaining('"Polcy" is not used'),
        location: locationOf(text, '{}', 'key.json')
      }
    ])
  })

  it('reports key-policy warnings in the loaded facts', () => {
    const policy = policyDocument(ROOT_STATEMENT, {
      Sid: 'Bad',
      Effect: 'Allow',
      Principal: '*',
      Action: 'kms:Decrypt'
    })
    const { warnings } = keyFromText(keyObject({ Policy: JSON.stringify(policy) }))
    expect(warnings).toEqual([
      expect.objectContaining({
        code: 'statement-ignored',
        message: expect.stringContaining(`statement 2 ("Bad") of key policy of ${KEY_ARN}`)
      })
    ])
  })
})

describe('key object errors', () => {
  function errorFor(value: Record<string, unknown>, at: string, shift = 0) {
    const text = cliText(value)
    const error = inputErrorOf(() => buildFacts([{ source: 'key.json', text }]))
    expect(error.location).toEqual(locationOf(text, at, 'key.json', shift))
    return error.message
  }

  it('rejects an ARN that is not a key ARN', () => {
    const value = keyObject({
      KeyMetadata: { Arn: 'arn:aws:kms:us-east-1:111122223333:alias/app' }
    })
    expect(errorFor(value, '"arn:aws:kms')).toContain('must be a key ARN')
  })

  it('rejects missing KeyMetadata.Arn', () => {
    const value = keyObject({ KeyMetadata: { KeyId: KEY_ID } })
    expect(errorFor(value, '{\n        "KeyId"')).toContain('Arn of KeyMetadata is missing')
  })

  it('rejects an AWSAccountId that differs from the ARN', () => {
    const value = keyObject({ KeyMetadata: { Arn: KEY_ARN, AWSAccountId: '444455556666' } })
    expect(errorFor(value, '"444455556666"')).toContain('does not match the account')
  })

  it('rejects a KeyId that differs from the ARN', () => {
    const value = keyObject({ KeyMetadata: { Arn: KEY_ARN, KeyId: 'other' } })
    expect(errorFor(value, '"other"')).toContain('does not match the key ID')
  })

  it('rejects a grant without a grantee', () => {
    const value = keyObject({ Grants: [{ GrantId: 'g1', Operations: ['Decrypt'] }] })
    expect(errorFor(value, '{\n            "GrantId"')).toContain('GranteePrincipal of grant g1')
  })

  it('rejects grants that are not a list', () => {
    expect(errorFor(keyObject({ Grants: 'none' }), '"none"')).toContain('Grants of key')
  })

  it('rejects an alias without the alias/ prefix', () => {
    expect(errorFor(keyObject({ Aliases: ['app'] }), '"app"')).toContain(
      'alias name such as "alias/app"'
    )
  })

  it('rejects a tag key given twice with different values', () => {
    const value = keyObject({
      Tags: [
        { TagKey: 'a', TagValue: '1' },
        { TagKey: 'a', TagValue: '2' }
      ]
    })
    expect(errorFor(value, '{\n            "TagKey": "a",\n            "TagValue": "2"')).toContain(
      'tag "a"'
    )
  })

  it('rejects a malformed key policy at its place in the string', () => {
    const policy = JSON.stringify({
      Statement: [{ Effect: 'Allow', Principal: '*', Action: 7, Resource: '*' }]
    })
    const value = keyObject({ Policy: policy })
    expect(errorFor(value, '7,', 0)).toContain(`Action in statement 1 of key policy of ${KEY_ARN}`)
  })

  it('rejects a list entry without KeyMetadata', () => {
    const text = cliText([keyObject(), { Policy: '{}' }])
    const error = inputErrorOf(() => buildFacts([{ source: 'keys.json', text }]))
    expect(error.message).toContain('entry 2 of the key list')
    expect(error.location).toEqual(locationOf(text, '{\n        "Policy": "{}"', 'keys.json'))
  })
})
