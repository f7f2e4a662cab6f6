import { describe, expect, it } from '@jest/globals'
import { buildFacts } from '../../src/facts/build-facts.js'
import { cliText, inputErrorOf, locationOf, policyDocument } from './builders.js'

const ORGANIZATION = {
  Id: 'o-a1b2c3d4e5',
  Arn: 'arn:aws:organizations::999999999999:organization/o-a1b2c3d4e5',
  MasterAccountId: '999999999999'
}
const MEMBER = { Id: '111122223333', Parents: ['r-ab12'] }

function scp(type: string) {
  return {
    Policy: {
      PolicySummary: { Id: 'p-deny1', Name: 'DenyKms', Type: type, AwsManaged: false },
      Content: JSON.stringify(policyDocument({ Effect: 'Deny', Action: 'kms:*', Resource: '*' }))
    },
    Targets: ['r-ab12']
  }
}

function load(value: Record<string, unknown>) {
  const text = cliText(value)
  return { ...buildFacts([{ source: 'org.json', text }]), text }
}

function errorFor(value: unknown, at: string, shift = 0) {
  const text = cliText(value)
  const error = inputErrorOf(() => buildFacts([{ source: 'org.json', text }]))
  expect(error.location).toEqual(locationOf(text, at, 'org.json', shift))
  return error.message
}

describe('organizations external accounts', () => {
  it('reads ExternalAccounts sorted and without duplicates', () => {
    const { facts, warnings } = load({
      Organization: ORGANIZATION,
      Accounts: [MEMBER],
      ExternalAccounts: ['777788889999', '444455556666', '777788889999']
    })
    expect(facts.organizations[0].externalAccounts).toEqual(['444455556666', '777788889999'])
    expect(warnings).toEqual([])
  })

  it('gives an empty list when ExternalAccounts is absent', () => {
    const { facts } = load({ Organization: ORGANIZATION, Accounts: [MEMBER] })
    expect(facts.organizations[0].externalAccounts).toEqual([])
  })

  it('recognises a file with only ExternalAccounts', () => {
    const { facts, warnings } = load({ ExternalAccounts: ['444455556666'] })
    expect(facts.organizations[0]).toMatchObject({
      accounts: [],
      externalAccounts: ['444455556666']
    })
    expect(warnings).toEqual([])
  })

  it('warns when no account is listed', () => {
    const { facts, warnings } = load({
      Organization: ORGANIZATION,
      Policies: [scp('SERVICE_CONTROL_POLICY')]
    })
    expect(facts.organizations[0].accounts).toEqual([])
    expect(warnings).toEqual([
      {
        code: 'facts',
        message:
          'the Organizations facts in org.json list no account (neither Accounts nor ExternalAccounts), so SCP and RCP results will be unknown for every account; list member accounts with their parents under Accounts, and other accounts under ExternalAccounts'
      }
    ])
  })

  it('does not warn when a merged document lists the accounts', () => {
    const { warnings } = buildFacts([
      { source: 'a.json', value: { Organization: ORGANIZATION, Accounts: [MEMBER] } },
      {
        source: 'b.json',
        value: { Organization: ORGANIZATION, Policies: [scp('SERVICE_CONTROL_POLICY')] }
      }
    ])
    expect(warnings).toEqual([])
  })

  it('rejects an account in both lists', () => {
    const value = {
      Organization: ORGANIZATION,
      Accounts: [MEMBER],
      ExternalAccounts: ['111122223333']
    }
    expect(errorFor(value, '"111122223333"\n')).toBe(
      'account 111122223333 is listed in both Accounts and ExternalAccounts; an account is either in the organization or outside it, so keep it in one list'
    )
  })

  it('rejects an account listed twice with different parents', () => {
    const value = { Accounts: [MEMBER, { Id: '111122223333', Parents: ['r-zz99'] }] }
    expect(
      errorFor(
        value,
        '{\n            "Id": "111122223333",\n            "Parents": [\n                "r-zz99"'
      )
    ).toBe(
      'account 111122223333 is listed twice in Accounts with different parents (r-ab12 and r-zz99); keep the current one'
    )
  })

  it('keeps one of two identical account entries', () => {
    const { facts } = load({ Organization: ORGANIZATION, Accounts: [MEMBER, MEMBER] })
    expect(facts.organizations[0].accounts).toEqual([
      { accountId: '111122223333', parents: ['r-ab12'] }
    ])
  })

  it('rejects an external account that is not 12 digits', () => {
    expect(errorFor({ ExternalAccounts: ['4444'] }, '"4444"')).toBe(
      'entry 1 of ExternalAccounts must be a 12-digit account ID, found "4444"'
    )
  })

  it('rejects the management account as external', () => {
    const value = { Organization: ORGANIZATION, ExternalAccounts: ['999999999999'] }
    expect(errorFor(value, '        "999999999999"', 8)).toContain(
      'account 999999999999 is the management account (Organization.MasterAccountId)'
    )
  })
})

describe('organizations external accounts merging', () => {
  it('merges the external lists of one organization', () => {
    const { facts } = buildFacts([
      {
        source: 'a.json',
        value: {
          Organization: ORGANIZATION,
          Accounts: [MEMBER],
          ExternalAccounts: ['777788889999']
        }
      },
      {
        source: 'b.json',
        value: { Organization: ORGANIZATION, ExternalAccounts: ['444455556666'] }
      }
    ])
    expect(facts.organizations).toHaveLength(1)
    expect(facts.organizations[0].externalAccounts).toEqual(['444455556666', '777788889999'])
  })

  it('rejects a member listed external elsewhere', () => {
    const error = inputErrorOf(() =>
      buildFacts([
        {
          source: 'a.json',
          value: { Organization: ORGANIZATION, ExternalAccounts: ['111122223333'] }
        },
        { source: 'b.json', value: { Organization: ORGANIZATION, Accounts: [MEMBER] } }
      ])
    )
    expect(error.message).toBe(
      'account 111122223333 is in Accounts in b.json but in ExternalAccounts in a.json; an account is either in the organization or outside it, so keep it in one list'
    )
  })

  it('rejects an account that is a member of two organizations', () => {
    const other = { Id: 'o-zzzzzzzzzz', MasterAccountId: '888888888888' }
    const error = inputErrorOf(() =>
      buildFacts([
        { source: 'a.json', value: { Organization: ORGANIZATION, Accounts: [MEMBER] } },
        { source: 'b.json', value: { Organization: other, Accounts: [MEMBER] } }
      ])
    )
    expect(error.message).toBe(
      'account 111122223333 is a member of organization o-a1b2c3d4e5 in a.json and of organization o-zzzzzzzzzz in b.json; an account belongs to one organization, so remove the stale entry'
    )
  })
})

describe('organizations Organization member', () => {
  it('rejects Organization null', () => {
    expect(errorFor({ Organization: null, Accounts: [MEMBER] }, 'null')).toBe(
      'Organization must be an object, found null; expected the "Organization" object that "aws organizations describe-organization" prints, with Id and MasterAccountId, or no Organization member'
    )
  })

  it('rejects an empty Organization', () => {
    expect(errorFor({ Organization: {}, Accounts: [MEMBER] }, '{}')).toMatch(
      /^Organization is empty; expected/
    )
  })

  it('rejects an Organization without MasterAccountId', () => {
    const value = { Organization: { Id: 'o-a1b2c3d4e5' }, Accounts: [MEMBER] }
    expect(errorFor(value, '{\n        "Id"')).toBe(
      'MasterAccountId of Organization is missing: expected "MasterAccountId" with a string'
    )
  })

  it('rejects an organization ID of the wrong form', () => {
    const value = { Organization: { ...ORGANIZATION, Id: 'org-1' }, Accounts: [MEMBER] }
    expect(errorFor(value, '"org-1"')).toContain('Id of Organization must be an organization ID')
  })

  it('warns when no management account is named', () => {
    const { warnings } = load({ Accounts: [MEMBER] })
    expect(warnings).toEqual([
      expect.objectContaining({
        code: 'facts',
        message: expect.stringContaining(
          'name no management account (Organization.MasterAccountId)'
        )
      })
    ])
  })
})

describe('organizations policy types', () => {
  it('reads a lower-case SCP type', () => {
    const { facts, warnings } = load({
      Organization: ORGANIZATION,
      Accounts: [MEMBER],
      Policies: [scp('service_control_policy')]
    })
    expect(facts.organizations[0].policies.map((entry) => entry.type)).toEqual(['scp'])
    expect(warnings).toEqual([])
  })

  it('reads a mixed-case RCP type', () => {
    const { facts } = load({
      Organization: ORGANIZATION,
      Accounts: [MEMBER],
      Policies: [scp('Resource_Control_Policy')]
    })
    expect(facts.organizations[0].policies.map((entry) => entry.type)).toEqual(['rcp'])
  })

  it('rejects a misspelled control policy type', () => {
    const value = {
      Organization: ORGANIZATION,
      Accounts: [MEMBER],
      Policies: [scp('SERVICE CONTROL POLICY')]
    }
    expect(errorFor(value, '"SERVICE CONTROL POLICY"')).toBe(
      'Type of policy DenyKms (p-deny1) must be SERVICE_CONTROL_POLICY or RESOURCE_CONTROL_POLICY for a control policy, found "SERVICE CONTROL POLICY"'
    )
  })
})
