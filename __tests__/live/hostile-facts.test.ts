/**
 * Live reads combined with fact files: what AWS returns must win over a file that disagrees.
 */
import { describe, expect, test } from '@jest/globals'
import {
  ACCOUNT,
  decisions,
  jsonError,
  KEY,
  keyMetadata,
  liveCheck,
  manifest,
  ROLE,
  trustAccountPolicy
} from './hostile-wire.js'

const KEYS = [{ arn: KEY, policy: trustAccountPolicy() }]

/** A saved simulation that allows kms:Decrypt on KEY for ROLE with an empty context. */
const STALE_SIMULATION = {
  PolicySourceArn: ROLE,
  Context: {},
  EvaluationResults: [
    {
      EvalActionName: 'kms:Decrypt',
      EvalResourceName: KEY,
      EvalDecision: 'allowed',
      MatchedStatements: [{ SourcePolicyId: 'old-policy', SourcePolicyType: 'role' }],
      MissingContextValues: []
    }
  ]
}

/** The key as a file exported it, with a policy that names the role. */
const FILE_KEY = {
  KeyMetadata: keyMetadata({ arn: KEY, policy: {} }),
  Policy: {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'App',
        Effect: 'Allow',
        Principal: { AWS: ROLE },
        Action: 'kms:Decrypt',
        Resource: '*'
      }
    ]
  },
  Grants: []
}

/** Authorization details with ROLE allowed kms:Decrypt on every key. */
const FILE_IAM = {
  RoleDetailList: [
    {
      RoleName: 'App',
      Path: '/',
      RoleId: 'AROAAPPXXXXXXXXXXXXXX',
      Arn: ROLE,
      RolePolicyList: [
        {
          PolicyName: 'use-keys',
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' }]
          }
        }
      ],
      AttachedManagedPolicies: []
    }
  ],
  UserDetailList: [],
  GroupDetailList: [],
  Policies: []
}

const implicitDeny = () => ({
  EvaluationResults: [
    {
      EvalActionName: 'kms:Decrypt',
      EvalResourceName: KEY,
      EvalDecision: 'implicitDeny',
      MatchedStatements: [],
      MissingContextValues: []
    }
  ]
})

const withFacts = (...files: string[]) =>
  manifest([{ principal: ROLE, key: KEY }], `facts: [${files.join(', ')}]`)

describe('what holds', () => {
  test('a key read live replaces the same key from a file', async () => {
    const { report } = await liveCheck(
      { keys: KEYS, simulate: implicitDeny },
      withFacts('key.json'),
      { 'key.json': FILE_KEY }
    )
    // The file's policy names the role; the live policy only trusts the account.
    expect(decisions(report)).toEqual(['implicit-deny'])
  })

  test('a role the simulator denies is not allowed by its file policies', async () => {
    const { report } = await liveCheck(
      { keys: KEYS, simulate: implicitDeny },
      withFacts('iam.json'),
      { 'iam.json': FILE_IAM }
    )
    expect(decisions(report)).toEqual(['implicit-deny'])
  })

  test('a key AWS does not have gives implicit-deny without a file', async () => {
    const { report } = await liveCheck({ keys: [] }, manifest([{ principal: ROLE, key: KEY }]))
    expect(decisions(report)).toEqual(['implicit-deny'])
  })
})

describe('findings', () => {
  test('a live simulation wins over a saved simulation of the same principal', async () => {
    const { report } = await liveCheck(
      { keys: KEYS, simulate: implicitDeny },
      withFacts('simulation.json'),
      { 'simulation.json': STALE_SIMULATION }
    )
    expect(decisions(report)).toEqual(['implicit-deny'])
  })

  test('key missing in AWS beats file key', async () => {
    const { report } = await liveCheck({ keys: [] }, withFacts('key.json', 'iam.json'), {
      'key.json': FILE_KEY,
      'iam.json': FILE_IAM
    })
    expect(decisions(report)).toEqual(['implicit-deny'])
  })

  test('undescribable key beats file key', async () => {
    const { report } = await liveCheck(
      {
        keys: KEYS,
        override: ({ operation }) =>
          operation === 'kms:DescribeKey'
            ? jsonError(400, 'AccessDeniedException', 'not authorized to perform kms:DescribeKey')
            : undefined
      },
      withFacts('key.json'),
      { 'key.json': FILE_KEY }
    )
    expect(decisions(report)).toEqual(['unknown'])
  })

  test('missing role session beats file role', async () => {
    const { report } = await liveCheck(
      { keys: [{ arn: KEY, policy: FILE_KEY.Policy }], roles: {} },
      manifest(
        [{ principal: `arn:aws:sts::${ACCOUNT}:assumed-role/App/session`, key: KEY }],
        'facts: [iam.json]'
      ),
      { 'iam.json': FILE_IAM }
    )
    expect(decisions(report)).not.toEqual(['allowed'])
  })
})
