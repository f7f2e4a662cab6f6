/**
 * Invariants of the decision, checked with generated policies: allows only open, denies only
 * close, statement order does not matter, and neither does how the facts are split in files.
 */
import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import type { Evaluation } from '../../src/engine/decision.js'
import { evaluateRequest } from '../../src/engine/evaluate.js'
import { buildFacts } from '../../src/facts/build-facts.js'

const ACCOUNT = '111122223333'
const OTHER = '444455556666'
const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab'
const KEY_ARN = `arn:aws:kms:us-east-1:${ACCOUNT}:key/${KEY_ID}`
const ROLE = `arn:aws:iam::${ACCOUNT}:role/app/App`
const OTHER_ROLE = `arn:aws:iam::${OTHER}:role/Partner`

type Json = Record<string, unknown>

const principalArb = fc.constantFrom<unknown>(
  '*',
  { AWS: '*' },
  { AWS: `arn:aws:iam::${ACCOUNT}:root` },
  { AWS: ACCOUNT },
  { AWS: OTHER },
  { AWS: ROLE },
  { AWS: OTHER_ROLE },
  { AWS: `arn:aws:sts::${ACCOUNT}:assumed-role/App/build` },
  { AWS: `arn:aws:iam::${ACCOUNT}:role/Other` },
  { Service: 'logs.us-east-1.amazonaws.com' }
)
const actionArb = fc.constantFrom<unknown>(
  'kms:*',
  'kms:Decrypt',
  'kms:Encrypt',
  'kms:Describe*',
  ['kms:Decrypt', 'kms:GenerateDataKey*'],
  'kms:Get*'
)
const conditionArb = fc.constantFrom<unknown>(
  undefined,
  { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } },
  { StringEquals: { 'kms:CallerAccount': ACCOUNT } },
  { StringNotEquals: { 'aws:SourceVpce': 'vpce-1111' } },
  { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/app/*` } },
  { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
  { NotAnOperator: { 'kms:CallerAccount': ACCOUNT } }
)
const effectArb = fc.constantFrom('Allow', 'Deny')

function withCondition(statement: Json, condition: unknown): Json {
  return condition === undefined ? statement : { ...statement, Condition: condition }
}

const keyStatementArb = fc
  .record({
    effect: effectArb,
    principal: principalArb,
    action: actionArb,
    condition: conditionArb
  })
  .map(({ effect, principal, action, condition }) =>
    withCondition(
      { Effect: effect, Principal: principal, Action: action, Resource: '*' },
      condition
    )
  )

const identityStatementArb = fc
  .record({
    effect: effectArb,
    action: actionArb,
    resource: fc.constantFrom<unknown>(
      '*',
      KEY_ARN,
      `arn:aws:kms:us-east-1:${ACCOUNT}:key/*`,
      `arn:aws:kms:us-east-1:${ACCOUNT}:alias/app`
    ),
    condition: conditionArb
  })
  .map(({ effect, action, resource, condition }) =>
    withCondition({ Effect: effect, Action: action, Resource: resource }, condition)
  )

const contextArb = fc.constantFrom<Record<string, string>>(
  {},
  { 'kms:ViaService': 's3.us-east-1.amazonaws.com' },
  { 'aws:SourceVpce': 'vpce-1111' },
  { 'kms:GrantIsForAWSResource': 'true' }
)

interface Scenario {
  keyStatements: Json[]
  identityStatements: Json[]
  partnerStatements: Json[]
  principal: string
  action: string
  context: Record<string, string>
}

const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  keyStatements: fc.array(keyStatementArb, { maxLength: 5 }),
  identityStatements: fc.array(identityStatementArb, { maxLength: 4 }),
  partnerStatements: fc.array(identityStatementArb, { maxLength: 3 }),
  principal: fc.constantFrom(
    ROLE,
    `arn:aws:sts::${ACCOUNT}:assumed-role/App/build`,
    OTHER_ROLE,
    'logs.us-east-1.amazonaws.com',
    ACCOUNT
  ),
  action: fc.constantFrom('kms:Decrypt', 'kms:Encrypt', 'kms:DescribeKey', 'kms:CreateGrant'),
  context: contextArb
})

function role(account: string, arn: string, name: string, path: string, statements: Json[]): Json {
  return {
    RoleName: name,
    Path: path,
    RoleId: `AROA${name.toUpperCase().padEnd(17, 'X')}`,
    Arn: arn,
    RolePolicyList: [
      { PolicyName: 'inline', PolicyDocument: { Version: '2012-10-17', Statement: statements } }
    ],
    AttachedManagedPolicies: [],
    Tags: [{ Key: 'account', Value: account }]
  }
}

function documents(scenario: Scenario): Json[] {
  return [
    {
      KeyMetadata: {
        AWSAccountId: ACCOUNT,
        KeyId: KEY_ID,
        Arn: KEY_ARN,
        KeyState: 'Enabled',
        KeyUsage: 'ENCRYPT_DECRYPT',
        KeySpec: 'SYMMETRIC_DEFAULT',
        KeyManager: 'CUSTOMER'
      },
      Policy: { Version: '2012-10-17', Statement: scenario.keyStatements },
      Grants: [],
      Aliases: [{ AliasName: 'alias/app', TargetKeyId: KEY_ID }]
    },
    {
      RoleDetailList: [role(ACCOUNT, ROLE, 'App', '/app/', scenario.identityStatements)],
      UserDetailList: [],
      GroupDetailList: [],
      Policies: []
    },
    {
      RoleDetailList: [role(OTHER, OTHER_ROLE, 'Partner', '/', scenario.partnerStatements)],
      UserDetailList: [],
      GroupDetailList: [],
      Policies: []
    }
  ]
}

function evaluate(scenario: Scenario, docs = documents(scenario)): Evaluation {
  const { facts } = buildFacts(docs.map((value, index) => ({ source: `doc-${index}.json`, value })))
  return evaluateRequest(
    {
      principal: scenario.principal,
      action: scenario.action,
      key: KEY_ARN,
      context: scenario.context,
      region: 'us-east-1',
      partition: 'aws'
    },
    facts
  )
}

const RUNS = { numRuns: 300 }

describe('decision invariants', () => {
  it('adding an Allow never turns allowed into denied', () => {
    fc.assert(
      fc.property(
        scenarioArb,
        keyStatementArb,
        identityStatementArb,
        fc.boolean(),
        (scenario, keyAllow, identityAllow, toKeyPolicy) => {
          const before = evaluate(scenario)
          fc.pre(before.decision === 'allowed')
          const after = toKeyPolicy
            ? evaluate({
                ...scenario,
                keyStatements: [...scenario.keyStatements, { ...keyAllow, Effect: 'Allow' }]
              })
            : evaluate({
                ...scenario,
                identityStatements: [
                  ...scenario.identityStatements,
                  { ...identityAllow, Effect: 'Allow' }
                ]
              })
          expect(after.decision).toBe('allowed')
        }
      ),
      RUNS
    )
  })

  it('adding a Deny never turns denied into allowed', () => {
    fc.assert(
      fc.property(
        scenarioArb,
        keyStatementArb,
        identityStatementArb,
        fc.boolean(),
        (scenario, keyDeny, identityDeny, toKeyPolicy) => {
          const before = evaluate(scenario)
          fc.pre(before.decision === 'explicit-deny' || before.decision === 'implicit-deny')
          const after = toKeyPolicy
            ? evaluate({
                ...scenario,
                keyStatements: [...scenario.keyStatements, { ...keyDeny, Effect: 'Deny' }]
              })
            : evaluate({
                ...scenario,
                identityStatements: [
                  ...scenario.identityStatements,
                  { ...identityDeny, Effect: 'Deny' }
                ]
              })
          expect(after.decision).not.toBe('allowed')
        }
      ),
      RUNS
    )
  })

  it('reordering statements changes nothing', () => {
    fc.assert(
      fc.property(scenarioArb, fc.integer({ min: 0, max: 1000 }), (scenario, seed) => {
        const rotate = <T>(items: T[]) =>
          items.length === 0
            ? items
            : [...items.slice(seed % items.length), ...items.slice(0, seed % items.length)]
        const before = evaluate(scenario)
        const after = evaluate({
          ...scenario,
          keyStatements: rotate(scenario.keyStatements).reverse(),
          identityStatements: rotate(scenario.identityStatements).reverse()
        })
        expect([after.decision, after.closedLocks]).toEqual([before.decision, before.closedLocks])
      }),
      RUNS
    )
  })

  it('splitting facts across documents changes nothing', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        const [key, appAccount, partnerAccount] = documents(scenario)
        const helper = role(ACCOUNT, `arn:aws:iam::${ACCOUNT}:role/Helper`, 'Helper', '/', [])
        const appRoles = appAccount.RoleDetailList as Json[]
        const oneFile = evaluate(scenario, [
          key,
          { ...appAccount, RoleDetailList: [...appRoles, helper] },
          partnerAccount
        ])
        const split = evaluate(scenario, [
          partnerAccount,
          { ...appAccount, RoleDetailList: [helper] },
          key,
          { ...appAccount, RoleDetailList: appRoles }
        ])
        expect([split.decision, split.closedLocks]).toEqual([oneFile.decision, oneFile.closedLocks])
      }),
      RUNS
    )
  })

  it('never allows when a fact is missing', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        const [key, ...iam] = documents(scenario)
        const { Policy: _policy, ...keyWithoutPolicy } = key
        const withoutPolicy = evaluate(scenario, [keyWithoutPolicy, ...iam])
        expect(withoutPolicy.decision).not.toBe('allowed')
      }),
      RUNS
    )
  })
})
