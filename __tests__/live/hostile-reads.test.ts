/**
 * Hostile KMS, STS and IAM responses around the reads: failures, odd pages, accounts and
 * the promised number of calls.
 */
import { describe, expect, test } from '@jest/globals'
import { InputError } from '../../src/inputs/errors.js'
import {
  ACCOUNT,
  decisions,
  jsonError,
  jsonResponse,
  KEY,
  KEY_ID,
  liveCheck,
  manifest,
  OTHER_ACCOUNT,
  ROLE,
  type ScriptedWorld,
  trustAccountPolicy,
  xmlError
} from './hostile-wire.js'

const KEYS = [{ arn: KEY, policy: trustAccountPolicy(), aliases: ['alias/app'] }]
const ONE = manifest([{ principal: ROLE, key: KEY }])

const implicitDeny = (params: Record<string, unknown>) => ({
  EvaluationResults: (params.ResourceArns as string[]).map((resource) => ({
    EvalActionName: 'kms:Decrypt',
    EvalResourceName: resource,
    EvalDecision: 'implicitDeny',
    MatchedStatements: [],
    MissingContextValues: []
  }))
})

/** Denies one operation with the error each protocol uses. */
function denied(operation: string, onlyIndex?: number): ScriptedWorld['override'] {
  return (call, index) => {
    if (call.operation !== operation || (onlyIndex !== undefined && index !== onlyIndex)) {
      return undefined
    }
    return operation.startsWith('kms:')
      ? jsonError(400, 'AccessDeniedException', `not authorized to perform ${operation}`)
      : xmlError(
          operation.startsWith('sts') ? 'sts' : 'iam',
          403,
          'AccessDenied',
          `not authorized to perform ${operation}`
        )
  }
}

/** Splits a list into two pages and returns `second()` for page 2. */
function twoPages(
  operation: string,
  member: string,
  first: object[],
  second: () => ReturnType<typeof jsonResponse>
) {
  return (call: { operation: string; params: Record<string, unknown> }) => {
    if (call.operation !== operation) return undefined
    if (call.params.Marker === undefined) {
      return jsonResponse({ [member]: first, Truncated: true, NextMarker: 'page-2' })
    }
    return second()
  }
}

describe('failed reads never allow', () => {
  test.each([['kms:GetKeyPolicy'], ['iam:SimulatePrincipalPolicy'], ['kms:DescribeKey']])(
    'AccessDenied on %s gives unknown',
    async (operation) => {
      const { report } = await liveCheck({ keys: KEYS, override: denied(operation) }, ONE)
      expect(decisions(report)).toEqual(['unknown'])
    }
  )

  test('AccessDenied on ListAliases for a key named by alias gives unknown', async () => {
    const { report } = await liveCheck(
      { keys: KEYS, override: denied('kms:ListAliases') },
      manifest([{ principal: ROLE, key: 'alias/app' }])
    )
    expect(decisions(report)).toEqual(['unknown'])
  })

  test('AccessDenied on GetRole for a session gives unknown', async () => {
    const { report } = await liveCheck(
      { keys: KEYS, override: denied('iam:GetRole') },
      manifest([{ principal: `arn:aws:sts::${ACCOUNT}:assumed-role/App/s1`, key: KEY }])
    )
    expect(decisions(report)).toEqual(['unknown'])
  })

  test('grants page 2 server error is unknown', async () => {
    const { report } = await liveCheck(
      {
        keys: [{ arn: KEY, policy: { Version: '2012-10-17', Statement: [] } }],
        simulate: implicitDeny,
        override: twoPages('kms:ListGrants', 'Grants', [], () =>
          jsonError(500, 'KMSInternalException', 'internal')
        )
      },
      manifest([{ principal: ROLE, key: KEY, expect: 'deny' }])
    )
    expect(decisions(report)).toEqual(['unknown'])
  })

  test('AccessDenied on page 2 of the simulation gives unknown', async () => {
    const { report } = await liveCheck(
      {
        keys: KEYS,
        simulate: (_params, index) =>
          index === 0
            ? { EvaluationResults: [], IsTruncated: true, Marker: 'm2' }
            : { EvaluationResults: [] },
        override: denied('iam:SimulatePrincipalPolicy', 1)
      },
      ONE
    )
    expect(decisions(report)).toEqual(['unknown'])
  })

  test('throttling on GetKeyPolicy is retried and the check completes', async () => {
    const { report, aws } = await liveCheck(
      {
        keys: KEYS,
        override: (call, index) =>
          call.operation === 'kms:GetKeyPolicy' && index < 2
            ? jsonError(400, 'ThrottlingException', 'Rate exceeded')
            : undefined
      },
      ONE
    )
    expect(decisions(report)).toEqual(['allowed'])
    expect(aws.count('kms:GetKeyPolicy')).toBe(3)
  })

  test('a KMS answer that is not JSON gives unknown, not a crash', async () => {
    const { report } = await liveCheck(
      {
        keys: KEYS,
        override: (call) =>
          call.operation === 'kms:GetKeyPolicy'
            ? {
                status: 200,
                headers: { 'content-type': 'application/x-amz-json-1.1' },
                body: '{"Policy": '
              }
            : undefined
      },
      ONE
    )
    expect(decisions(report)).toEqual(['unknown'])
  })

  test('AccessDenied on ListGrants still allows through the key policy, since grants only add', async () => {
    const { report } = await liveCheck({ keys: KEYS, override: denied('kms:ListGrants') }, ONE)
    expect(decisions(report)).toEqual(['allowed'])
  })

  test('GetCallerIdentity denied is an input error, not a stack trace', async () => {
    await expect(
      liveCheck({ keys: KEYS, override: denied('sts:GetCallerIdentity') }, ONE)
    ).rejects.toBeInstanceOf(InputError)
  })

  test('AssumeRole denied leaves the other account unknown', async () => {
    const remoteKey = `arn:aws:kms:us-east-1:${OTHER_ACCOUNT}:key/${KEY_ID}`
    const { report, aws } = await liveCheck(
      {
        keys: [{ arn: remoteKey, policy: trustAccountPolicy(OTHER_ACCOUNT) }],
        override: denied('sts:AssumeRole')
      },
      manifest([
        { principal: ROLE, key: remoteKey },
        { principal: `arn:aws:iam::${OTHER_ACCOUNT}:role/R`, key: remoteKey }
      ]),
      {},
      { [OTHER_ACCOUNT]: `arn:aws:iam::${OTHER_ACCOUNT}:role/reader` }
    )
    expect(decisions(report)).toEqual(['unknown', 'unknown'])
    expect(aws.count('sts:AssumeRole')).toBe(1)
  })

  test('a principal in an unmapped account is unknown and assumes nothing', async () => {
    const { report, aws } = await liveCheck(
      { keys: KEYS },
      manifest([{ principal: 'arn:aws:iam::777788889999:role/Far', key: KEY }])
    )
    expect(decisions(report)).toEqual(['unknown'])
    expect(aws.count('sts:AssumeRole')).toBe(0)
    expect(aws.count('iam:SimulatePrincipalPolicy')).toBe(0)
  })

  test('a manifest role in the wrong account is an input error', async () => {
    await expect(
      liveCheck(
        { keys: KEYS },
        manifest(
          [{ principal: ROLE, key: KEY }],
          `live:\n  accounts:\n    "${OTHER_ACCOUNT}": arn:aws:iam::777788889999:role/reader`
        )
      )
    ).rejects.toBeInstanceOf(InputError)
  })

  test('a bare key ID with no Region anywhere is an input error', async () => {
    const text = manifest([{ principal: ROLE, key: KEY_ID }]).replace('  region: us-east-1\n', '')
    await expect(liveCheck({ keys: KEYS }, text)).rejects.toBeInstanceOf(InputError)
  })
})

describe('call counts', () => {
  test('one simulation per principal, one DescribeKey per reference, one policy read per key', async () => {
    const principals = Array.from(
      { length: 60 },
      (_, index) => `arn:aws:iam::${ACCOUNT}:role/R${index}`
    )
    const { report, aws } = await liveCheck(
      { keys: KEYS },
      manifest([
        ...principals.map((principal) => ({ principal, key: KEY })),
        ...principals.map((principal) => ({ principal, key: KEY_ID, actions: ['kms:Encrypt'] }))
      ])
    )
    expect(report.results).toHaveLength(120)
    expect(aws.count('iam:SimulatePrincipalPolicy')).toBe(60)
    expect(aws.count('kms:DescribeKey')).toBe(2)
    expect(aws.count('kms:GetKeyPolicy')).toBe(1)
    expect(aws.count('kms:ListGrants')).toBe(1)
    expect(aws.count('sts:GetCallerIdentity')).toBe(1)
    expect(decisions(report).every((decision) => decision === 'allowed')).toBe(true)
  })

  test('a role named by ARN and by a session is read once', async () => {
    const { report, aws } = await liveCheck(
      {
        keys: KEYS,
        roles: {
          App: {
            Arn: `arn:aws:iam::${ACCOUNT}:role/team/App`,
            Path: '/team/',
            RoleId: 'AROAAPPXXXXXXXXXXXXXX'
          }
        }
      },
      manifest([
        { principal: `arn:aws:iam::${ACCOUNT}:role/team/App`, key: KEY },
        { principal: `arn:aws:sts::${ACCOUNT}:assumed-role/App/s1`, key: KEY }
      ])
    )
    expect(decisions(report)).toEqual(['allowed', 'allowed'])
    expect(aws.count('iam:SimulatePrincipalPolicy')).toBe(1)
  })

  test('session simulated as role with path', async () => {
    const pathArn = `arn:aws:iam::${ACCOUNT}:role/team/App`
    const { report, aws } = await liveCheck(
      {
        keys: KEYS,
        roles: { App: { Arn: pathArn, Path: '/team/', RoleId: 'AROAAPPXXXXXXXXXXXXXX' } }
      },
      manifest([{ principal: `arn:aws:sts::${ACCOUNT}:assumed-role/App/s1`, key: KEY }])
    )
    expect(decisions(report)).toEqual(['allowed'])
    const simulate = aws.calls.find((call) => call.operation === 'iam:SimulatePrincipalPolicy')
    expect(simulate?.params.PolicySourceArn).toBe(pathArn)
  })

  test('the same principal with two contexts is simulated twice', async () => {
    const { aws } = await liveCheck(
      { keys: KEYS },
      manifest([
        { principal: ROLE, key: KEY, context: { 'kms:EncryptionContext:a': '1' } },
        { principal: ROLE, key: KEY, context: { 'kms:EncryptionContext:a': '2' } }
      ])
    )
    expect(aws.count('iam:SimulatePrincipalPolicy')).toBe(2)
  })

  test('one AssumeRole for an account however many reads it serves', async () => {
    const remoteKey = `arn:aws:kms:us-east-1:${OTHER_ACCOUNT}:key/${KEY_ID}`
    const remoteKey2 = `arn:aws:kms:us-east-1:${OTHER_ACCOUNT}:key/2222aaaa-0000-0000-0000-000000000002`
    const { aws } = await liveCheck(
      {
        keys: [
          { arn: remoteKey, policy: trustAccountPolicy(OTHER_ACCOUNT) },
          { arn: remoteKey2, policy: trustAccountPolicy(OTHER_ACCOUNT) }
        ]
      },
      manifest([
        { principal: `arn:aws:iam::${OTHER_ACCOUNT}:role/A`, key: remoteKey },
        { principal: `arn:aws:iam::${OTHER_ACCOUNT}:role/B`, key: remoteKey2 }
      ]),
      {},
      { [OTHER_ACCOUNT]: `arn:aws:iam::${OTHER_ACCOUNT}:role/reader` }
    )
    expect(aws.count('sts:AssumeRole')).toBe(1)
  })
})

describe('findings', () => {
  test('unparsable live key policy is unknown', async () => {
    const { report } = await liveCheck(
      {
        keys: KEYS,
        override: (call) =>
          call.operation === 'kms:GetKeyPolicy'
            ? jsonResponse({ Policy: '{"Statement": [', PolicyName: 'default' })
            : undefined
      },
      ONE
    )
    expect(decisions(report)).toEqual(['unknown'])
  })

  const DENY_RESTRICTED = trustAccountPolicy(ACCOUNT, [
    {
      Sid: 'NoRestricted',
      Effect: 'Deny',
      Principal: '*',
      Action: 'kms:Decrypt',
      Resource: '*',
      Condition: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/restricted' } }
    }
  ])

  test('an alias list truncated without a marker is not read as complete', async () => {
    const { report } = await liveCheck(
      {
        keys: [{ arn: KEY, policy: DENY_RESTRICTED }],
        override: (call) =>
          call.operation === 'kms:ListAliases'
            ? jsonResponse({
                Aliases: [{ AliasName: 'alias/app', TargetKeyId: KEY_ID }],
                Truncated: true
              })
            : undefined
      },
      ONE
    )
    expect(decisions(report)).toEqual(['unknown'])
  })

  test('a grant list truncated without a marker does not pass a deny expectation', async () => {
    const { report } = await liveCheck(
      {
        keys: [{ arn: KEY, policy: { Version: '2012-10-17', Statement: [] } }],
        simulate: implicitDeny,
        override: (call) =>
          call.operation === 'kms:ListGrants'
            ? jsonResponse({ Grants: [], Truncated: true })
            : undefined
      },
      manifest([{ principal: ROLE, key: KEY, expect: 'deny' }])
    )
    expect(decisions(report)).toEqual(['unknown'])
  })

  test('context keys that differ only in case are one context, simulated once', async () => {
    const { aws } = await liveCheck(
      { keys: KEYS },
      manifest([
        { principal: ROLE, key: KEY, context: { 'aws:SourceIp': '10.0.0.1' } },
        { principal: ROLE, key: KEY, context: { 'aws:sourceip': '10.0.0.1' } }
      ])
    )
    expect(aws.count('iam:SimulatePrincipalPolicy')).toBe(1)
  })

  test('a list whose markers never repeat nor end stops at a page limit', async () => {
    const { report, aws } = await liveCheck(
      {
        keys: KEYS,
        override: (call, index) =>
          call.operation === 'kms:ListGrants'
            ? jsonResponse(
                index < 3000
                  ? { Grants: [], Truncated: true, NextMarker: `m${index}` }
                  : { Grants: [], Truncated: false }
              )
            : undefined
      },
      ONE
    )
    expect(aws.count('kms:ListGrants')).toBeLessThanOrEqual(1000)
    // Grants only add access, so the key policy's allow remains without them.
    expect(decisions(report)).toEqual(['allowed'])
  }, 60_000)
})
