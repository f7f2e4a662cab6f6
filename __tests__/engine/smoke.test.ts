import { describe, expect, it } from '@jest/globals'
import { evaluateRequest } from '../../src/engine/evaluate.js'
import type { Facts, Policy, Statement } from '../../src/engine/model.js'

const ROLE = 'arn:aws:iam::111122223333:role/App'
const KEY = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'

function statement(partial: Partial<Statement>, index = 0): Statement {
  return { index, effect: 'Allow', conditions: [], resource: ['*'], ...partial }
}
function principals(aws: string[]) {
  return { wildcard: false, aws, service: [], federated: [], canonicalUser: [] }
}
function policy(kind: Policy['kind'], statements: Statement[]): Policy {
  return { kind, name: kind, statements, warnings: [] }
}
function facts(keyPolicy: Statement[], identity: Statement[]): Facts {
  return {
    iam: [
      {
        accountId: '111122223333',
        roles: [
          {
            kind: 'role',
            arn: ROLE,
            name: 'App',
            path: '/',
            accountId: '111122223333',
            policies: [policy('identity', identity)],
            missingPolicies: [],
            tags: {}
          }
        ],
        users: [],
        groups: [],
        source: 'x'
      }
    ],
    keys: [
      {
        arn: KEY,
        keyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
        accountId: '111122223333',
        region: 'us-east-1',
        partition: 'aws',
        metadata: {
          keyState: 'Enabled',
          keyUsage: 'ENCRYPT_DECRYPT',
          keySpec: 'SYMMETRIC_DEFAULT',
          keyManager: 'CUSTOMER'
        },
        policy: policy('key-policy', keyPolicy),
        grants: [],
        aliases: [],
        tags: {}
      }
    ],
    organizations: []
  }
}
const request = { principal: ROLE, action: 'kms:Decrypt', key: KEY, context: {}, partition: 'aws' }

describe('engine smoke', () => {
  it('denies when the key policy trusts nobody', () => {
    const result = evaluateRequest(
      request,
      facts([], [statement({ action: ['*'], resource: ['*'] })])
    )
    expect(result.decision).toBe('implicit-deny')
    expect(result.closedLocks).toEqual(['key-policy'])
  })
  it('allows root delegation plus IAM', () => {
    const result = evaluateRequest(
      request,
      facts(
        [
          statement({
            principal: principals(['arn:aws:iam::111122223333:root']),
            action: ['kms:*']
          })
        ],
        [statement({ action: ['kms:Decrypt'], resource: [KEY] })]
      )
    )
    expect(result.decision).toBe('allowed')
    expect(result.accessPaths).toEqual(['key-policy-trusts-account-and-iam-allows'])
  })
  it('names iam when delegation lacks IAM', () => {
    const result = evaluateRequest(
      request,
      facts(
        [
          statement({
            principal: principals(['arn:aws:iam::111122223333:root']),
            action: ['kms:*']
          })
        ],
        []
      )
    )
    expect(result.decision).toBe('implicit-deny')
    expect(result.closedLocks).toEqual(['iam'])
  })
  it('allows a role named in the key policy with no IAM', () => {
    const result = evaluateRequest(
      request,
      facts([statement({ principal: principals([ROLE]), action: ['kms:Decrypt'] })], [])
    )
    expect(result.decision).toBe('allowed')
    expect(result.locks.find((l) => l.lock === 'iam')?.status).toBe('not-applicable')
  })
})
