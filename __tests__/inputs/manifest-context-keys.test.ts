import { describe, expect, test } from '@jest/globals'
import { explainDerivedContextKey } from '../../src/inputs/manifest-context-keys.js'

const DERIVED_KEYS = [
  'aws:PrincipalArn',
  'aws:PrincipalAccount',
  'aws:PrincipalType',
  'aws:PrincipalIsAWSService',
  'aws:PrincipalServiceName',
  'aws:PrincipalOrgID',
  'aws:PrincipalOrgPaths',
  'aws:PrincipalTag/team',
  'aws:PrincipalTag/cost-center',
  'aws:userid',
  'aws:username',
  'aws:ResourceAccount',
  'aws:ResourceTag/env',
  'aws:ResourceOrgID',
  'aws:ResourceOrgPaths',
  'aws:RequestedRegion',
  'aws:SecureTransport',
  'kms:CallerAccount',
  'kms:KeySpec',
  'kms:KeyUsage',
  'kms:KeyOrigin',
  'kms:KeyManager',
  'kms:MultiRegion',
  'kms:MultiRegionKeyType',
  'kms:ResourceAliases',
  'kms:RequestAlias',
  'kms:EncryptionContextKeys'
]

const CALLER_KEYS = [
  'kms:ViaService',
  'kms:EncryptionContext:Department',
  'kms:EncryptionContext:aws:PrincipalArn',
  'kms:GrantIsForAWSResource',
  'kms:EncryptionAlgorithm',
  'aws:SourceIp',
  'aws:SourceVpce',
  'aws:SourceVpc',
  'aws:CurrentTime',
  'aws:EpochTime',
  'aws:MultiFactorAuthPresent',
  'aws:ViaAWSService',
  'aws:CalledVia',
  'aws:SourceArn',
  'aws:SourceAccount',
  'aws:RequestTag/env',
  'aws:TagKeys',
  'aws:PrincipalArnLike',
  'kms:CallerAccountId'
]

describe('explainDerivedContextKey', () => {
  test.each(DERIVED_KEYS)('rejects %s', (key) => {
    expect(explainDerivedContextKey(key)).toMatch(
      new RegExp(`^condition key \`${key}\` cannot be set in \`context\`: AWS derives it from `)
    )
  })

  test.each(DERIVED_KEYS.map((key) => key.toUpperCase()))('rejects %s in upper case', (key) => {
    expect(explainDerivedContextKey(key)).toContain(`condition key \`${key}\` cannot be set`)
  })

  test.each(CALLER_KEYS)('accepts %s', (key) => {
    expect(explainDerivedContextKey(key)).toBeUndefined()
  })

  test('principal keys name the principal', () => {
    expect(explainDerivedContextKey('aws:PrincipalArn')).toBe(
      'condition key `aws:PrincipalArn` cannot be set in `context`: AWS derives it from the principal, so no request can set it; the tool uses the `principal` ARN (the role ARN for an assumed-role session)'
    )
  })

  test('key metadata keys name the facts', () => {
    expect(explainDerivedContextKey('kms:KeySpec')).toBe(
      'condition key `kms:KeySpec` cannot be set in `context`: AWS derives it from the key, so no request can set it; the tool uses the key metadata in the KMS facts'
    )
  })

  test('organization keys name the facts', () => {
    expect(explainDerivedContextKey('aws:ResourceOrgPaths')).toBe(
      "condition key `aws:ResourceOrgPaths` cannot be set in `context`: AWS derives it from the key, so no request can set it; the tool uses the organization in the Organizations facts that contains the key's account"
    )
  })

  test('request alias says how to test it', () => {
    expect(explainDerivedContextKey('kms:requestalias')).toContain(
      'name the key by its alias (alias/NAME or an alias ARN in `key`) to test kms:RequestAlias'
    )
  })

  test('encryption context keys point to the pairs', () => {
    expect(explainDerivedContextKey('kms:EncryptionContextKeys')).toContain(
      'the tool builds it from the `kms:EncryptionContext:NAME` entries, so set those instead'
    )
  })
})
