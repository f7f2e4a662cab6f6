/**
 * Hostile SimulatePrincipalPolicy responses: a live run must never report `allowed` when the
 * simulator's response, read whole, does not allow for certain.
 */
import { describe, expect, test } from '@jest/globals'
import {
  decisions,
  KEY,
  liveCheck,
  manifest,
  ROLE,
  type ScriptedWorld,
  type SimulationPage,
  trustAccountPolicy
} from './hostile-wire.js'

const KEYS = [{ arn: KEY, policy: trustAccountPolicy() }]
const ONE = manifest([{ principal: ROLE, key: KEY }])

function world(simulate: ScriptedWorld['simulate']): ScriptedWorld {
  return { keys: KEYS, simulate }
}

function resourceSpecific(
  actionLevel: Record<string, unknown>,
  resourceLevel: Record<string, unknown>
): SimulationPage {
  return {
    EvaluationResults: [
      {
        EvalActionName: 'kms:Decrypt',
        EvalResourceName: '*',
        EvalDecision: 'allowed',
        MatchedStatements: [],
        MissingContextValues: [],
        ...actionLevel,
        ResourceSpecificResults: [
          {
            EvalResourceName: KEY,
            EvalResourceDecision: 'allowed',
            MatchedStatements: [{ SourcePolicyId: 'use-keys', SourcePolicyType: 'role' }],
            MissingContextValues: [],
            ...resourceLevel
          }
        ]
      }
    ],
    IsTruncated: false
  }
}

const allowed = (extra: Record<string, unknown> = {}) => ({
  EvalActionName: 'kms:Decrypt',
  EvalResourceName: KEY,
  EvalDecision: 'allowed',
  MatchedStatements: [{ SourcePolicyId: 'use-keys', SourcePolicyType: 'role' }],
  MissingContextValues: [],
  ...extra
})

describe('what holds', () => {
  test('a plain allowed answer with a trusting key policy is allowed', async () => {
    const { report, aws } = await liveCheck(world(undefined), ONE)
    expect(decisions(report)).toEqual(['allowed'])
    expect(aws.count('iam:SimulatePrincipalPolicy')).toBe(1)
    expect(aws.count('kms:DescribeKey')).toBe(1)
    expect(aws.count('kms:GetKeyPolicy')).toBe(1)
    expect(aws.count('kms:ListGrants')).toBe(1)
    expect(aws.count('sts:GetCallerIdentity')).toBe(1)
  })

  test.each([['aws:SourceIp'], ['aws:CurrentTime'], ['aws:PrincipalOrgID'], ['AWS:SOURCEIP']])(
    'an allowed answer missing %s, which every request carries, is unknown',
    async (missing) => {
      const { report } = await liveCheck(
        world(() => ({ EvaluationResults: [allowed({ MissingContextValues: [missing] })] })),
        ONE
      )
      expect(decisions(report)).toEqual(['unknown'])
    }
  )

  test('an allowed answer missing an encryption context key the expectation gives is unknown', async () => {
    const { report } = await liveCheck(
      world(() => ({
        EvaluationResults: [allowed({ MissingContextValues: ['kms:EncryptionContext:dept'] })]
      })),
      manifest([{ principal: ROLE, key: KEY, context: { 'kms:EncryptionContext:Dept': 'x' } }])
    )
    expect(decisions(report)).toEqual(['unknown'])
  })

  test('an implicitDeny answer missing aws:SourceIp does not pass a deny expectation', async () => {
    const { report } = await liveCheck(
      world(() => ({
        EvaluationResults: [
          allowed({
            EvalDecision: 'implicitDeny',
            MatchedStatements: [],
            MissingContextValues: ['aws:SourceIp']
          })
        ]
      })),
      manifest([{ principal: ROLE, key: KEY, expect: 'deny' }])
    )
    expect(decisions(report)).toEqual(['unknown'])
    expect(report.passed).toBe(false)
  })

  test.each([
    ['empty EvaluationResults', { EvaluationResults: [] }],
    ['a result for another key', { EvaluationResults: [allowed({ EvalResourceName: `${KEY}0` })] }],
    [
      'a result for another action',
      { EvaluationResults: [allowed({ EvalActionName: 'kms:Encrypt' })] }
    ],
    ['a decision AWS does not use', { EvaluationResults: [allowed({ EvalDecision: 'Allowed' })] }],
    [
      'a result with no resource name',
      { EvaluationResults: [allowed({ EvalResourceName: undefined })] }
    ],
    ['a truncated page without a marker', { EvaluationResults: [], IsTruncated: true }]
  ])('%s gives unknown', async (_name, page) => {
    const { report } = await liveCheck(
      world(() => page as SimulationPage),
      ONE
    )
    expect(decisions(report)).toEqual(['unknown'])
  })

  test('a result whose action differs only in case is read', async () => {
    const { report } = await liveCheck(
      world(() => ({ EvaluationResults: [allowed({ EvalActionName: 'KMS:DECRYPT' })] })),
      ONE
    )
    expect(decisions(report)).toEqual(['allowed'])
  })

  test('explicitDeny with no matched statements is an explicit deny', async () => {
    const { report } = await liveCheck(
      world(() => ({
        EvaluationResults: [allowed({ EvalDecision: 'explicitDeny', MatchedStatements: [] })]
      })),
      ONE
    )
    expect(decisions(report)).toEqual(['explicit-deny'])
  })

  test('allowed with the SCPs closed is not allowed', async () => {
    const { report } = await liveCheck(
      world(() => ({
        EvaluationResults: [
          allowed({ OrganizationsDecisionDetail: { AllowedByOrganizations: false } })
        ]
      })),
      ONE
    )
    // The result contradicts itself, so none of it can be trusted.
    expect(decisions(report)).toEqual(['unknown'])
  })

  test('a marker that repeats ends the simulation with unknown', async () => {
    const { report, aws } = await liveCheck(
      world(() => ({ EvaluationResults: [], IsTruncated: true, Marker: 'same' })),
      ONE
    )
    expect(decisions(report)).toEqual(['unknown'])
    expect(aws.count('iam:SimulatePrincipalPolicy')).toBe(2)
  })

  test('resource-specific implicitDeny under an action-level allowed is not allowed', async () => {
    // The action-level decision must be the most restrictive of the resources' decisions,
    // so this result contradicts itself and is not used.
    const { report } = await liveCheck(
      world(() =>
        resourceSpecific({}, { EvalResourceDecision: 'implicitDeny', MatchedStatements: [] })
      ),
      ONE
    )
    expect(decisions(report)).toEqual(['unknown'])
  })

  test('resource-specific implicitDeny under an action-level implicitDeny is denied', async () => {
    const { report } = await liveCheck(
      world(() =>
        resourceSpecific(
          { EvalDecision: 'implicitDeny' },
          { EvalResourceDecision: 'implicitDeny', MatchedStatements: [] }
        )
      ),
      ONE
    )
    expect(decisions(report)).toEqual(['implicit-deny'])
  })
})

describe('findings', () => {
  test('a resource allowed under an action-level explicitDeny is not reported allowed', async () => {
    const { report } = await liveCheck(
      world(() => resourceSpecific({ EvalDecision: 'explicitDeny' }, {})),
      ONE
    )
    expect(decisions(report)).not.toEqual(['allowed'])
  })

  test('missing context values at the action level make a resource-specific allowed unknown', async () => {
    const { report } = await liveCheck(
      world(() => resourceSpecific({ MissingContextValues: ['aws:SourceIp'] }, {})),
      ONE
    )
    expect(decisions(report)).toEqual(['unknown'])
  })

  test('later duplicate explicitDeny is not hidden', async () => {
    const { report } = await liveCheck(
      world((_params, index) =>
        index === 0
          ? { EvaluationResults: [allowed()], IsTruncated: true, Marker: 'page-2' }
          : {
              EvaluationResults: [allowed({ EvalDecision: 'explicitDeny', MatchedStatements: [] })],
              IsTruncated: false
            }
      ),
      ONE
    )
    expect(decisions(report)).not.toEqual(['allowed'])
  })

  test('allowed with the permissions boundary not allowing is not reported allowed', async () => {
    const { report } = await liveCheck(
      world(() => ({
        EvaluationResults: [
          allowed({ PermissionsBoundaryDecisionDetail: { AllowedByPermissionsBoundary: false } })
        ]
      })),
      ONE
    )
    expect(decisions(report)).not.toEqual(['allowed'])
  })
})
