import { describe, expect, it } from '@jest/globals'
import { buildFacts } from '../../src/facts/build-facts.js'
import {
  cliText,
  inputErrorOf,
  locationBefore,
  locationOf,
  policyDocument,
  statement
} from './builders.js'

const FULL_ACCESS = {
  Policy: {
    PolicySummary: {
      Id: 'p-FullAWSAccess',
      Arn: 'arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess',
      Name: 'FullAWSAccess',
      Description: 'Allows access to every operation',
      Type: 'SERVICE_CONTROL_POLICY',
      AwsManaged: true
    },
    Content: JSON.stringify(policyDocument({ Effect: 'Allow', Action: '*', Resource: '*' }))
  },
  Targets: ['r-ab12', { TargetId: '111122223333', Arn: 'arn:x', Name: 'prod', Type: 'ACCOUNT' }]
}

const DENY_KMS = {
  Policy: {
    PolicySummary: {
      Id: 'p-denykms1',
      Arn: 'arn:aws:organizations::999999999999:policy/o-a1b2c3d4e5/resource_control_policy/p-denykms1',
      Name: 'DenyExternalKms',
      Type: 'RESOURCE_CONTROL_POLICY',
      AwsManaged: false
    },
    Content: policyDocument(
      statement({ Sid: 'DenyOutside', Effect: 'Deny', Principal: '*', Action: 'kms:*' })
    )
  },
  Targets: ['ou-ab12-11111111']
}

const TAG_POLICY = {
  Policy: {
    PolicySummary: { Id: 'p-tag1', Name: 'Tags', Type: 'TAG_POLICY', AwsManaged: false },
    Content: '{"tags": {}}'
  },
  Targets: ['r-ab12']
}

const ORGANIZATION = {
  Organization: {
    Id: 'o-a1b2c3d4e5',
    Arn: 'arn:aws:organizations::999999999999:organization/o-a1b2c3d4e5',
    FeatureSet: 'ALL',
    MasterAccountId: '999999999999'
  },
  Accounts: [
    { Id: '444455556666', Parents: ['r-ab12'] },
    {
      Id: '111122223333',
      Parents: [
        { Id: 'r-ab12', Type: 'ROOT' },
        { Id: 'ou-ab12-11111111', Type: 'ORGANIZATIONAL_UNIT' }
      ]
    }
  ],
  Policies: [FULL_ACCESS, DENY_KMS, TAG_POLICY]
}

describe('organizations document', () => {
  const text = cliText(ORGANIZATION)
  const { facts, warnings } = buildFacts([{ source: 'org.json', text }])
  const [organization] = facts.organizations

  it('reads the organization and accounts', () => {
    expect(organization).toMatchObject({
      organizationId: 'o-a1b2c3d4e5',
      managementAccountId: '999999999999',
      source: 'org.json',
      accounts: [
        { accountId: '111122223333', parents: ['r-ab12', 'ou-ab12-11111111'] },
        { accountId: '444455556666', parents: ['r-ab12'] }
      ]
    })
  })

  it('reads SCPs and RCPs with their targets', () => {
    expect(
      organization.policies.map(({ type, policy, targets }) => [
        type,
        policy.name,
        policy.kind,
        targets
      ])
    ).toEqual([
      ['rcp', 'DenyExternalKms', 'rcp', ['ou-ab12-11111111']],
      ['scp', 'FullAWSAccess', 'scp', ['111122223333', 'r-ab12']]
    ])
    expect(organization.policies[1].policy).toMatchObject({
      arn: 'arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess',
      accountId: '999999999999'
    })
  })

  it('locates statements of a policy object', () => {
    expect(organization.policies[0].policy.statements[0].location).toEqual(
      locationBefore(text, '"Sid": "DenyOutside"', 'org.json')
    )
  })

  it('skips other policy types with a warning', () => {
    expect(warnings).toEqual([
      {
        code: 'facts',
        message:
          'policy Tags (p-tag1) has type TAG_POLICY, which does not affect KMS access, so it is skipped',
        location: locationOf(text, '"TAG_POLICY"', 'org.json')
      }
    ])
  })

  it('is not taken for IAM details', () => {
    const policiesOnly = { Policies: [FULL_ACCESS] }
    expect(
      buildFacts([{ source: 'p.json', value: policiesOnly }]).facts.organizations[0].policies
    ).toHaveLength(1)
  })
})

describe('organizations merging', () => {
  it('merges documents of one organization', () => {
    const accounts = { Organization: ORGANIZATION.Organization, Accounts: ORGANIZATION.Accounts }
    const policies = { Organization: ORGANIZATION.Organization, Policies: [DENY_KMS] }
    const { facts } = buildFacts([
      { source: 'b.json', value: policies },
      { source: 'a.json', value: accounts }
    ])
    expect(facts.organizations).toHaveLength(1)
    expect(facts.organizations[0].accounts).toHaveLength(2)
    expect(facts.organizations[0].policies).toHaveLength(1)
    expect(facts.organizations[0].source).toBe('a.json, b.json')
  })

  it('rejects an account with two parent chains', () => {
    const one = {
      Organization: ORGANIZATION.Organization,
      Accounts: [{ Id: '111122223333', Parents: ['r-ab12'] }]
    }
    const two = {
      Organization: ORGANIZATION.Organization,
      Accounts: [{ Id: '111122223333', Parents: ['r-ab12', 'ou-ab12-11111111'] }]
    }
    const error = inputErrorOf(() =>
      buildFacts([
        { source: 'one.json', value: one },
        { source: 'two.json', value: two }
      ])
    )
    expect(error.message).toBe(
      'account 111122223333 is defined differently in one.json and two.json; keep one version of it'
    )
  })
})

describe('organizations errors', () => {
  function errorFor(value: unknown, at: string) {
    const text = cliText(value)
    const error = inputErrorOf(() => buildFacts([{ source: 'org.json', text }]))
    expect(error.location).toEqual(locationOf(text, at, 'org.json'))
    return error.message
  }

  it('rejects parents that do not start at the root', () => {
    const value = { Accounts: [{ Id: '111122223333', Parents: ['ou-ab12-11111111', 'r-ab12'] }] }
    expect(errorFor(value, '"ou-ab12-11111111"')).toContain(
      'parent 1 of account 111122223333 must be the root ID'
    )
  })

  it('rejects an account without parents', () => {
    expect(errorFor({ Accounts: [{ Id: '111122223333' }] }, '{\n            "Id"')).toContain(
      'Parents of account 111122223333'
    )
  })

  it('rejects an account ID that is not 12 digits', () => {
    expect(errorFor({ Accounts: [{ Id: '1234', Parents: ['r-ab12'] }] }, '"1234"')).toContain(
      '12-digit account ID'
    )
  })

  it('rejects a bad target', () => {
    const value = { Policies: [{ ...FULL_ACCESS, Targets: ['prod'] }] }
    expect(errorFor(value, '"prod"')).toContain('target 1 of SCP FullAWSAccess (p-FullAWSAccess)')
  })

  it('rejects a policy without Content', () => {
    const value = {
      Policies: [{ Policy: { PolicySummary: FULL_ACCESS.Policy.PolicySummary }, Targets: [] }]
    }
    expect(errorFor(value, '{\n                "PolicySummary"')).toContain('has no Content')
  })

  it('rejects malformed policy content at its place in the string', () => {
    const value = {
      Policies: [
        {
          ...FULL_ACCESS,
          Policy: {
            ...FULL_ACCESS.Policy,
            Content: '{"Statement": [{"Effect": "Alow", "Action": "*"}]}'
          }
        }
      ]
    }
    const text = cliText(value)
    const error = inputErrorOf(() => buildFacts([{ source: 'org.json', text }]))
    expect(error.message).toContain(
      'Effect in statement 1 of SCP FullAWSAccess (p-FullAWSAccess) must be "Allow" or "Deny"'
    )
    expect(error.location).toEqual(locationOf(text, '\\"Alow', 'org.json'))
  })
})
