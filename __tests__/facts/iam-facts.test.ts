import { describe, expect, it } from '@jest/globals'
import { buildFacts } from '../../src/facts/build-facts.js'
import {
  ACCOUNT,
  authorizationDetails,
  cliText,
  group,
  inputErrorOf,
  locationBefore,
  locationOf,
  managedPolicy,
  OTHER_ACCOUNT,
  policyDocument,
  role,
  statement,
  user
} from './builders.js'

const READ_ONLY = 'arn:aws:iam::aws:policy/ReadOnlyAccess'
const APP_POLICY = `arn:aws:iam::${ACCOUNT}:policy/AppKms`
const BOUNDARY = `arn:aws:iam::${ACCOUNT}:policy/Boundary`
const KEY_STATEMENT = statement({
  Sid: 'UseKey',
  Resource: `arn:aws:kms:us-east-1:${ACCOUNT}:key/k`
})

const DETAILS = authorizationDetails({
  roles: [
    role('App', {
      Path: '/service/',
      RolePolicyList: [
        { PolicyName: 'inline-object', PolicyDocument: policyDocument(KEY_STATEMENT) }
      ],
      AttachedManagedPolicies: [
        { PolicyName: 'AppKms', PolicyArn: APP_POLICY },
        { PolicyName: 'ReadOnlyAccess', PolicyArn: READ_ONLY }
      ],
      PermissionsBoundary: { PermissionsBoundaryType: 'Policy', PermissionsBoundaryArn: BOUNDARY },
      Tags: [{ Key: 'team', Value: 'payments' }]
    }),
    role('Encoded', {
      RolePolicyList: [
        {
          PolicyName: 'inline-string',
          PolicyDocument: JSON.stringify(policyDocument(KEY_STATEMENT))
        },
        {
          PolicyName: 'inline-url',
          PolicyDocument: encodeURIComponent(JSON.stringify(policyDocument(KEY_STATEMENT)))
        }
      ]
    })
  ],
  users: [
    user('alice', {
      GroupList: ['Developers', 'Ghosts'],
      UserPolicyList: [
        { PolicyName: 'alice-inline', PolicyDocument: policyDocument(statement({ Sid: 'Alice' })) }
      ],
      AttachedManagedPolicies: [{ PolicyName: 'AppKms', PolicyArn: APP_POLICY }]
    })
  ],
  groups: [
    group('Developers', {
      GroupPolicyList: [
        { PolicyName: 'dev-inline', PolicyDocument: policyDocument(statement({ Sid: 'Dev' })) }
      ],
      AttachedManagedPolicies: [{ PolicyName: 'AppKms', PolicyArn: APP_POLICY }]
    }),
    group('Empty')
  ],
  policies: [
    managedPolicy(APP_POLICY, policyDocument(statement({ Sid: 'Managed' })), 'v3'),
    managedPolicy(BOUNDARY, policyDocument(statement({ Sid: 'Bound', Action: 'kms:*' })))
  ]
})

const AWS_MANAGED = authorizationDetails({
  policies: [
    managedPolicy(
      READ_ONLY,
      policyDocument(statement({ Sid: 'ReadOnly', Action: 'kms:Describe*' })),
      'v120'
    )
  ]
})

describe('authorization details', () => {
  const text = cliText(DETAILS)
  const { facts, warnings } = buildFacts([
    { source: 'iam/account.json', text },
    { source: 'iam/aws-managed.json', value: AWS_MANAGED }
  ])
  const [account] = facts.iam
  const app = account.roles.find((entry) => entry.name === 'App')
  const alice = account.users[0]

  it('takes the account from the ARNs', () => {
    expect(facts.iam.map((entry) => entry.accountId)).toEqual([ACCOUNT])
    expect(account.source).toBe('iam/account.json')
    expect(account.groups).toEqual(['Developers', 'Empty'])
  })

  it('reads role identity, path, tags and location', () => {
    expect(app).toMatchObject({
      kind: 'role',
      arn: `arn:aws:iam::${ACCOUNT}:role/App`,
      name: 'App',
      path: '/service/',
      id: 'AROAAPPXXXXXXXXXXXXXX',
      accountId: ACCOUNT,
      tags: { team: 'payments' },
      location: locationBefore(text, '"RoleName": "App"', 'iam/account.json')
    })
  })

  it('resolves inline and attached managed policies across files', () => {
    expect(app?.policies.map((policy) => [policy.name, policy.arn])).toEqual([
      ['inline-object', undefined],
      ['AppKms', APP_POLICY],
      ['ReadOnlyAccess', READ_ONLY]
    ])
    expect(app?.policies[2].statements[0].sid).toBe('ReadOnly')
    expect(app?.missingPolicies).toEqual([])
  })

  it('uses the default version of a managed policy', () => {
    expect(app?.policies[1].statements.map((entry) => entry.sid)).toEqual(['Managed'])
    expect(app?.policies[1]).toMatchObject({ kind: 'identity', accountId: ACCOUNT })
  })

  it('resolves the permissions boundary', () => {
    expect(app?.permissionsBoundary?.arn).toBe(BOUNDARY)
    expect(app?.permissionsBoundary?.policy).toMatchObject({
      kind: 'permissions-boundary',
      arn: BOUNDARY
    })
    expect(app?.permissionsBoundary?.policy?.statements[0].sid).toBe('Bound')
  })

  it('locates inline statements in the file', () => {
    expect(app?.policies[0].statements[0].location).toEqual(
      locationBefore(text, '"Sid": "UseKey"', 'iam/account.json')
    )
  })

  it('reads string and URL-encoded policy documents', () => {
    const encoded = account.roles.find((entry) => entry.name === 'Encoded')
    expect(encoded?.policies.map((policy) => policy.statements[0].sid)).toEqual([
      'UseKey',
      'UseKey'
    ])
    expect(encoded?.policies[1].statements[0].location).toEqual(
      locationBefore(text, '%22Sid%22%3A%22UseKey', 'iam/account.json', '%7B')
    )
  })

  it('adds group policies to users once each', () => {
    expect(alice.groups).toEqual(['Developers', 'Ghosts'])
    expect(alice.policies.map((policy) => policy.name)).toEqual([
      'alice-inline',
      'AppKms',
      'dev-inline'
    ])
  })

  it('marks a group that no file defines as missing', () => {
    expect(alice.missingPolicies).toEqual([`arn:aws:iam::${ACCOUNT}:group/Ghosts`])
    expect(warnings).toContainEqual({
      code: 'facts',
      message: `group arn:aws:iam::${ACCOUNT}:group/Ghosts applies to arn:aws:iam::${ACCOUNT}:user/alice, but no authorization-details file defines it; results for these principals are unknown`
    })
  })

  it('sorts roles by ARN', () => {
    expect(account.roles.map((entry) => entry.name)).toEqual(['App', 'Encoded'])
  })
})

describe('missing managed policies', () => {
  const { facts, warnings } = buildFacts([{ source: 'account.json', value: DETAILS }])
  const app = facts.iam[0].roles.find((entry) => entry.name === 'App')

  it('lists attached policies whose documents are absent', () => {
    expect(app?.missingPolicies).toEqual([READ_ONLY])
    expect(app?.policies.map((policy) => policy.name)).toEqual(['inline-object', 'AppKms'])
  })

  it('warns once per missing policy', () => {
    expect(warnings.filter((warning) => warning.message.includes(READ_ONLY))).toEqual([
      {
        code: 'facts',
        message: `managed policy ${READ_ONLY} applies to arn:aws:iam::${ACCOUNT}:role/App, but its document is in no fact file; results for these principals are unknown`
      }
    ])
  })

  it('keeps a boundary without its document as an ARN', () => {
    const details = authorizationDetails({
      roles: [role('Bounded', { PermissionsBoundary: { PermissionsBoundaryArn: BOUNDARY } })]
    })
    const [bounded] = buildFacts([{ source: 'a.json', value: details }]).facts.iam[0].roles
    expect(bounded.permissionsBoundary).toEqual({ arn: BOUNDARY })
  })

  it('warns about a managed policy without a default version', () => {
    const entry = { ...managedPolicy(APP_POLICY, {}), PolicyVersionList: [] }
    const result = buildFacts([
      { source: 'a.json', value: authorizationDetails({ policies: [entry], roles: [role('R')] }) }
    ])
    expect(result.warnings[0].message).toContain(
      `managed policy ${APP_POLICY} has no default version document in a.json`
    )
  })
})

describe('IAM merging', () => {
  const first = authorizationDetails({ roles: [role('A'), role('Shared')] })
  const second = authorizationDetails({ roles: [role('B'), role('Shared')] })

  it('merges two files of one account', () => {
    const { facts } = buildFacts([
      { source: 'two.json', value: second },
      { source: 'one.json', value: first }
    ])
    expect(facts.iam).toHaveLength(1)
    expect(facts.iam[0].roles.map((entry) => entry.name)).toEqual(['A', 'B', 'Shared'])
    expect(facts.iam[0].source).toBe('one.json, two.json')
  })

  it('keeps accounts apart', () => {
    const other = authorizationDetails({ roles: [role('X', {}, OTHER_ACCOUNT)] })
    const { facts } = buildFacts([
      { source: 'b.json', value: other },
      { source: 'a.json', value: first }
    ])
    expect(facts.iam.map((entry) => entry.accountId)).toEqual([ACCOUNT, OTHER_ACCOUNT])
  })

  it('rejects one role defined differently', () => {
    const changed = authorizationDetails({
      roles: [role('Shared', { Tags: [{ Key: 'x', Value: 'y' }] })]
    })
    const text = cliText(changed)
    const error = inputErrorOf(() =>
      buildFacts([
        { source: 'one.json', value: first },
        { source: 'two.json', text }
      ])
    )
    expect(error.message).toBe(
      `role arn:aws:iam::${ACCOUNT}:role/Shared is defined differently in one.json and two.json; keep one version of it`
    )
    expect(error.location).toEqual(locationBefore(text, '"RoleName": "Shared"', 'two.json'))
  })

  it('rejects one user defined differently', () => {
    const error = inputErrorOf(() =>
      buildFacts([
        { source: 'one.json', value: authorizationDetails({ users: [user('bob')] }) },
        {
          source: 'two.json',
          value: authorizationDetails({ users: [user('bob', { Path: '/x/' })] })
        }
      ])
    )
    expect(error.message).toContain(
      `user arn:aws:iam::${ACCOUNT}:user/bob is defined differently in one.json and two.json`
    )
  })

  it('ignores fields that do not affect access', () => {
    const later = authorizationDetails({
      roles: [role('Shared', { RoleLastUsed: { LastUsedDate: '2025-01-01T00:00:00Z' } })]
    })
    expect(() =>
      buildFacts([
        { source: 'one.json', value: first },
        { source: 'two.json', value: later }
      ])
    ).not.toThrow()
  })

  it('uses the newer version of a managed policy', () => {
    const older = authorizationDetails({
      policies: [managedPolicy(READ_ONLY, policyDocument(statement({ Sid: 'Old' })), 'v9')]
    })
    const newer = authorizationDetails({
      policies: [managedPolicy(READ_ONLY, policyDocument(statement({ Sid: 'New' })), 'v10')]
    })
    const attached = authorizationDetails({
      roles: [
        role('R', {
          AttachedManagedPolicies: [{ PolicyName: 'ReadOnlyAccess', PolicyArn: READ_ONLY }]
        })
      ]
    })
    const { facts, warnings } = buildFacts([
      { source: 'a.json', value: newer },
      { source: 'b.json', value: older },
      { source: 'c.json', value: attached }
    ])
    expect(facts.iam[0].roles[0].policies[0].statements[0].sid).toBe('New')
    expect(warnings).toContainEqual({
      code: 'facts',
      message: `managed policy ${READ_ONLY} is v10 in a.json and v9 in b.json; using v10, the newer version`
    })
  })

  it('rejects two documents under one version', () => {
    const one = authorizationDetails({
      policies: [managedPolicy(READ_ONLY, policyDocument(statement({ Sid: 'A' })), 'v2')]
    })
    const two = authorizationDetails({
      policies: [managedPolicy(READ_ONLY, policyDocument(statement({ Sid: 'B' })), 'v2')]
    })
    const error = inputErrorOf(() =>
      buildFacts([
        { source: 'one.json', value: one },
        { source: 'two.json', value: two }
      ])
    )
    expect(error.message).toContain(
      `managed policy ${READ_ONLY} has different documents in one.json and two.json`
    )
  })
})

describe('IAM account errors', () => {
  it('rejects ARNs of two accounts in one file', () => {
    const text = cliText(authorizationDetails({ roles: [role('A'), role('B', {}, OTHER_ACCOUNT)] }))
    const error = inputErrorOf(() => buildFacts([{ source: 'mixed.json', text }]))
    expect(error.message).toContain(`belongs to account ${OTHER_ACCOUNT}`)
    expect(error.message).toContain('one authorization-details file per account')
    expect(error.location).toEqual(
      locationOf(text, `"arn:aws:iam::${OTHER_ACCOUNT}:role/B"`, 'mixed.json')
    )
  })

  it('rejects a file without an account ARN', () => {
    const text = cliText({ RoleDetailList: [] })
    const error = inputErrorOf(() => buildFacts([{ source: 'empty.json', text }]))
    expect(error.message).toContain('no ARN with an account ID found')
    expect(error.location).toEqual({ file: 'empty.json', line: 1, column: 1 })
  })

  it('rejects a role without RoleName', () => {
    const text = cliText(authorizationDetails({ roles: [role('A', { RoleName: undefined })] }))
    const error = inputErrorOf(() => buildFacts([{ source: 'a.json', text }]))
    expect(error.message).toContain('RoleName of a RoleDetailList entry is missing')
    expect(error.location).toEqual(locationBefore(text, '"Path": "/"', 'a.json'))
  })

  it('rejects a malformed inline policy at its statement', () => {
    const bad = {
      PolicyName: 'bad',
      PolicyDocument: policyDocument(statement({ Effect: 'Maybe' }))
    }
    const text = cliText(authorizationDetails({ roles: [role('A', { RolePolicyList: [bad] })] }))
    const error = inputErrorOf(() => buildFacts([{ source: 'a.json', text }]))
    expect(error.message).toContain(
      `Effect in statement 1 of inline policy "bad" of role arn:aws:iam::${ACCOUNT}:role/A`
    )
    expect(error.location).toEqual(locationOf(text, '"Maybe"', 'a.json'))
  })

  it('surfaces identity-policy warnings', () => {
    const inline = {
      PolicyName: 'p',
      PolicyDocument: policyDocument(statement({ Principal: '*' }))
    }
    const { warnings } = buildFacts([
      {
        source: 'a.json',
        value: authorizationDetails({ roles: [role('A', { RolePolicyList: [inline] })] })
      }
    ])
    expect(warnings).toEqual([expect.objectContaining({ code: 'invalid-element' })])
  })
})

describe('truncated authorization details', () => {
  it('warns that the export is incomplete', () => {
    const document = {
      ...authorizationDetails({ roles: [role('App')] }),
      IsTruncated: true,
      Marker: 'next'
    }
    const { warnings } = buildFacts([{ source: 'iam.json', text: cliText(document) }])
    const truncation = warnings.find((warning) => warning.message.includes('IsTruncated'))

    expect(truncation?.code).toBe('facts')
    expect(truncation?.location).toEqual({ file: 'iam.json', line: 1, column: 1 })
  })
})
