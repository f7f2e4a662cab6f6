/**
 * Orphaned principals: AWS keeps a deleted role's or user's unique ID (AROA…, AIDA…) in a
 * key policy in place of its ARN (IAM User Guide, AWS JSON policy elements: Principal). A
 * unique ID that no role or user in the IAM facts has is reported as `orphaned-principal`.
 */
import { describe, expect, it } from '@jest/globals'
import { findOrphanedPrincipals } from '../../src/engine/orphaned-principals.js'
import { buildFacts } from '../../src/facts/build-facts.js'

const ACCOUNT = '111122223333'
const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab'
const KEY_ARN = `arn:aws:kms:us-east-1:${ACCOUNT}:key/${KEY_ID}`
const CURRENT_ROLE_ID = 'AROA3XFRBF535APPROLE1'
const CURRENT_USER_ID = 'AIDA3XFRBF535DANA0001'

const iamDocument = {
  UserDetailList: [
    {
      Path: '/',
      UserName: 'dana',
      UserId: CURRENT_USER_ID,
      Arn: `arn:aws:iam::${ACCOUNT}:user/dana`,
      GroupList: [],
      UserPolicyList: [],
      AttachedManagedPolicies: [],
      Tags: []
    }
  ],
  GroupDetailList: [],
  RoleDetailList: [
    {
      Path: '/',
      RoleName: 'App',
      RoleId: CURRENT_ROLE_ID,
      Arn: `arn:aws:iam::${ACCOUNT}:role/App`,
      RolePolicyList: [],
      AttachedManagedPolicies: [],
      Tags: []
    }
  ],
  Policies: []
}

/** Builds a key document with one Allow statement (Sid `S0`, `S1`, …) per principal. */
function keyDocument(principals: string[]) {
  return {
    KeyMetadata: {
      AWSAccountId: ACCOUNT,
      KeyId: KEY_ID,
      Arn: KEY_ARN,
      KeyState: 'Enabled',
      KeyUsage: 'ENCRYPT_DECRYPT',
      KeySpec: 'SYMMETRIC_DEFAULT',
      KeyManager: 'CUSTOMER'
    },
    Policy: {
      Version: '2012-10-17',
      Statement: principals.map((principal, index) => ({
        Sid: `S${index}`,
        Effect: 'Allow',
        Principal: { AWS: principal },
        Action: 'kms:Decrypt',
        Resource: '*'
      }))
    },
    Grants: []
  }
}

function warningsFor(principals: string[]) {
  const { facts } = buildFacts([
    { source: 'iam.json', value: iamDocument },
    { source: 'key.json', text: JSON.stringify(keyDocument(principals), null, 2) }
  ])
  return findOrphanedPrincipals(facts)
}

describe('findOrphanedPrincipals', () => {
  it('reports a role ID that matches no role', () => {
    const warnings = warningsFor(['AROA3XFRBF535DELETED1'])

    expect(warnings).toHaveLength(1)
    expect(warnings[0].code).toBe('orphaned-principal')
    expect(warnings[0].statementIndex).toBe(0)
    expect(warnings[0].message).toContain('AROA3XFRBF535DELETED1')
    expect(warnings[0].message).toContain('role unique ID')
    expect(warnings[0].message).toContain('statement S0')
    expect(warnings[0].location?.file).toBe('key.json')
  })

  it('reports a user ID that matches no user', () => {
    const warnings = warningsFor(['AIDA3XFRBF535GONE0001'])

    expect(warnings).toHaveLength(1)
    expect(warnings[0].code).toBe('orphaned-principal')
    expect(warnings[0].message).toContain('user unique ID')
  })

  it('ignores the IDs of current roles and users', () => {
    expect(warningsFor([CURRENT_ROLE_ID, CURRENT_USER_ID])).toEqual([])
  })

  it('ignores principal ARNs', () => {
    expect(
      warningsFor([`arn:aws:iam::${ACCOUNT}:role/App`, `arn:aws:iam::${ACCOUNT}:root`])
    ).toEqual([])
  })

  it('reports only the orphaned statement', () => {
    const warnings = warningsFor([CURRENT_ROLE_ID, 'AROA3XFRBF535DELETED1'])

    expect(warnings.map((warning) => warning.statementIndex)).toEqual([1])
  })
})
