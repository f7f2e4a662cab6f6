/**
 * Bounds of the live reads: paging limits, call deadlines, contradicting simulator
 * answers, context grouping and the implicit context sent to the simulator.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { EvaluationResult } from '@aws-sdk/client-iam'
import { describe, expect, test } from '@jest/globals'
import pLimit from 'p-limit'
import type { RoleFact, UserFact } from '../../src/engine/model.js'
import { CALL_TIMED_OUT, type CallContext, callAws } from '../../src/facts/live/aws-call.js'
import { CallRecorder } from '../../src/facts/live/call-summary.js'
import { callTimeoutMs, LIVE_DEFAULTS } from '../../src/facts/live/clients.js'
import { confirmWithDryRun } from '../../src/facts/live/confirm-dry-run.js'
import { buildContextEntries, canonicalContext } from '../../src/facts/live/context-entries.js'
import { implicitContext } from '../../src/facts/live/implicit-context.js'
import { MAX_PAGES, readAllPages } from '../../src/facts/live/pages.js'
import { readLiveFacts } from '../../src/facts/live/read-live-facts.js'
import { readEvaluationResults } from '../../src/facts/live/simulate.js'
import type { Expectation } from '../../src/inputs/settings.js'
import {
  ACCOUNT,
  decisions,
  jsonResponse,
  KEY,
  keyMetadata,
  liveCheck,
  manifest,
  ROLE,
  type ScriptedWorld,
  startScriptedAws,
  trustAccountPolicy,
  useEndpoint
} from './hostile-wire.js'

function callContext(timeoutMs = 5000): CallContext {
  return { recorder: new CallRecorder(), limit: pLimit(4), callTimeoutMs: timeoutMs }
}

function expectation(overrides: Partial<Expectation> = {}): Expectation {
  return {
    name: 'app decrypts',
    principal: ROLE,
    key: KEY,
    actions: ['kms:Decrypt'],
    expect: 'allow',
    context: {},
    location: { file: 'kms-access.yml', line: 1, column: 1 },
    fieldLocations: {},
    ...overrides
  }
}

const DEFAULTS = { partition: 'aws', region: 'us-east-1' }
const OPTIONS = { accountRoles: {}, maxAttempts: 1, requestTimeoutMs: 1000 }

/** Runs readLiveFacts against a scripted world. */
async function readFacts(world: ScriptedWorld, expectations: Expectation[]) {
  const aws = await startScriptedAws(world)
  const restore = useEndpoint(aws.endpoint)
  try {
    const facts = await readLiveFacts(expectations, DEFAULTS, OPTIONS)
    return { facts, aws }
  } finally {
    restore()
    await aws.close()
  }
}

describe('readAllPages', () => {
  test('truncated page without a marker fails with MissingMarker', async () => {
    for (const next of [undefined, '']) {
      const result = await readAllPages(callContext(), 'kms:ListGrants', async () => ({
        items: [1],
        truncated: true,
        next
      }))
      expect(result.ok).toBe(false)
      if (!result.ok) expect(result.failure.code).toBe('MissingMarker')
    }
  })

  test('marker on the last page is ignored', async () => {
    const result = await readAllPages(callContext(), 'kms:ListGrants', async () => ({
      items: [1],
      truncated: false,
      next: 'stale'
    }))
    expect(result).toEqual({ ok: true, value: [1] })
  })

  test('list longer than the page limit fails with TooManyPages', async () => {
    let calls = 0
    const result = await readAllPages(callContext(), 'kms:ListGrants', async (marker) => {
      calls++
      return { items: [marker], truncated: true, next: `m${calls}` }
    })
    expect(calls).toBe(MAX_PAGES)
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.failure.code).toBe('TooManyPages')
  })

  test('list of exactly the page limit is complete', async () => {
    let calls = 0
    const result = await readAllPages(callContext(), 'kms:ListGrants', async () => {
      calls++
      return { items: [calls], truncated: calls < MAX_PAGES, next: `m${calls}` }
    })
    expect(result.ok).toBe(true)
    if (result.ok) expect(result.value).toHaveLength(MAX_PAGES)
  })
})

describe('paged reads in a live check', () => {
  test('grant list over the page limit does not pass a deny expectation', async () => {
    const { report, aws } = await liveCheck(
      {
        keys: [{ arn: KEY, policy: { Version: '2012-10-17', Statement: [] } }],
        simulate: (params) => ({
          EvaluationResults: [
            {
              EvalActionName: 'kms:Decrypt',
              EvalResourceName: (params.ResourceArns as string[])[0],
              EvalDecision: 'implicitDeny',
              MatchedStatements: [],
              MissingContextValues: []
            }
          ]
        }),
        override: (call, index) =>
          call.operation === 'kms:ListGrants'
            ? jsonResponse({ Grants: [], Truncated: true, NextMarker: `m${index}` })
            : undefined
      },
      manifest([{ principal: ROLE, key: KEY, expect: 'deny' }])
    )
    expect(aws.count('kms:ListGrants')).toBe(MAX_PAGES)
    expect(decisions(report)).toEqual(['unknown'])
  }, 60_000)

  test('tag list truncated without a marker leaves the tags out with a gap', async () => {
    const policy = trustAccountPolicy(ACCOUNT, [
      {
        Sid: 'TagDeny',
        Effect: 'Deny',
        Principal: '*',
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: { StringEquals: { 'aws:ResourceTag/stage': 'prod' } }
      }
    ])
    const { facts } = await readFacts(
      {
        keys: [{ arn: KEY, policy }],
        override: (call) =>
          call.operation === 'kms:ListResourceTags'
            ? jsonResponse({ Tags: [], Truncated: true })
            : undefined
      },
      [expectation()]
    )
    const document = facts.keyDocuments[0].value as Record<string, unknown>
    expect(document.Tags).toBeUndefined()
    expect(facts.gaps.map((gap) => gap.part)).toEqual(['tags'])
    expect(facts.gaps[0].reason).toContain('MissingMarker')
  })

  test('simulation truncated without a marker is a gap naming MissingMarker', async () => {
    const { facts } = await readFacts(
      {
        keys: [{ arn: KEY, policy: trustAccountPolicy() }],
        simulate: () => ({ EvaluationResults: [], IsTruncated: true })
      },
      [expectation()]
    )
    expect(facts.simulations).toEqual([])
    expect(facts.gaps.map((gap) => gap.part)).toEqual(['iam-simulation'])
    expect(facts.gaps[0].reason).toContain('MissingMarker')
  })
})

describe('call deadline', () => {
  test('deadline covers every attempt and the longest backoffs', () => {
    expect(callTimeoutMs(LIVE_DEFAULTS)).toBe(180_000)
    expect(callTimeoutMs({ maxAttempts: 1, requestTimeoutMs: 1000 })).toBe(2000)
    expect(callTimeoutMs({ maxAttempts: 3, requestTimeoutMs: 1000 })).toBe(46_000)
  })

  test('call that ignores its abort signal still ends with CallTimedOut', async () => {
    const context = callContext(100)
    let signal: AbortSignal | undefined
    const started = Date.now()
    const result = await callAws(context, 'kms:GetKeyPolicy', (abortSignal) => {
      signal = abortSignal
      return new Promise<{ $metadata?: { attempts?: number } }>(() => undefined)
    })
    expect(Date.now() - started).toBeLessThan(2000)
    expect(signal?.aborted).toBe(true)
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.failure.code).toBe(CALL_TIMED_OUT)
    expect(context.recorder.summary().operations).toEqual([
      expect.objectContaining({ operation: 'kms:GetKeyPolicy', calls: 1, failures: 1 })
    ])
  })

  test('dry run whose answer trickles in ends as not checked', async () => {
    const aws = await startScriptedAws({ keys: [{ arn: KEY, policy: trustAccountPolicy() }] })
    const slow = await trickleServer(aws.endpoint, 'TrentService.Decrypt', 200)
    const restore = useEndpoint(slow.endpoint)
    try {
      const started = Date.now()
      const { confirmations } = await confirmWithDryRun(
        [
          {
            index: 0,
            principal: ROLE,
            action: 'kms:Decrypt',
            keyArn: KEY,
            decision: 'allowed',
            context: {},
            keySpec: 'SYMMETRIC_DEFAULT'
          }
        ],
        OPTIONS
      )
      expect(Date.now() - started).toBeLessThan(8000)
      const confirmation = confirmations.get(0)
      expect(confirmation?.kms).toBe('not-checked')
      expect(confirmation?.detail).toContain(CALL_TIMED_OUT)
    } finally {
      restore()
      await slow.close()
      await aws.close()
    }
  }, 30_000)
})

/** Reads hand-written evaluation results, whose decisions may be strings AWS does not use. */
function readResults(evaluations: object[], actions: string[], keyArns: string[]) {
  return readEvaluationResults(evaluations as EvaluationResult[], actions, keyArns)
}

describe('readEvaluationResults', () => {
  const statement = { SourcePolicyId: 'use-keys', SourcePolicyType: 'role' }
  const perResource = (decision: string, extra: object = {}) => ({
    EvalActionName: 'kms:Decrypt',
    EvalResourceName: KEY,
    EvalDecision: decision,
    MatchedStatements: decision === 'allowed' ? [statement] : [],
    MissingContextValues: [],
    ...extra
  })

  test('identical duplicates collapse into one result', () => {
    const results = readResults(
      [perResource('allowed'), perResource('allowed')],
      ['kms:Decrypt'],
      [KEY]
    )
    expect(results.map((result) => result.decision)).toEqual(['allowed'])
  })

  test('conflicting duplicates give no result', () => {
    const results = readResults(
      [perResource('allowed'), perResource('implicitDeny')],
      ['kms:Decrypt'],
      [KEY]
    )
    expect(results).toEqual([])
  })

  test('duplicates that differ only in matched statements give no result', () => {
    const results = readResults(
      [perResource('allowed'), perResource('allowed', { MatchedStatements: [] })],
      ['kms:Decrypt'],
      [KEY]
    )
    expect(results).toEqual([])
  })

  const KEY_B = `${KEY.slice(0, -1)}2`
  const aggregate = (decision: string, resources: [string, string][], extra: object = {}) => ({
    EvalActionName: 'kms:Decrypt',
    EvalResourceName: '*',
    EvalDecision: decision,
    MatchedStatements: [],
    MissingContextValues: [],
    ...extra,
    ResourceSpecificResults: resources.map(([arn, resourceDecision]) => ({
      EvalResourceName: arn,
      EvalResourceDecision: resourceDecision,
      MatchedStatements: [],
      MissingContextValues: []
    }))
  })

  test('aggregate equal to the strictest resource decision is read per resource', () => {
    const results = readResults(
      [
        aggregate('explicitDeny', [
          [KEY, 'allowed'],
          [KEY_B, 'explicitDeny']
        ])
      ],
      ['kms:Decrypt'],
      [KEY, KEY_B]
    )
    expect(results.map((result) => `${result.resourceArn} ${result.decision}`)).toEqual([
      `${KEY} allowed`,
      `${KEY_B} explicitDeny`
    ])
  })

  test('aggregate explicitDeny over allowed resources gives no result', () => {
    const results = readResults(
      [
        aggregate('explicitDeny', [
          [KEY, 'allowed'],
          [KEY_B, 'allowed']
        ])
      ],
      ['kms:Decrypt'],
      [KEY, KEY_B]
    )
    expect(results).toEqual([])
  })

  test('aggregate with a decision AWS does not use gives no result', () => {
    const results = readResults([aggregate('Allowed', [[KEY, 'allowed']])], ['kms:Decrypt'], [KEY])
    expect(results).toEqual([])
  })

  test('aggregate missing context values join each resource', () => {
    const [result] = readResults(
      [aggregate('allowed', [[KEY, 'allowed']], { MissingContextValues: ['aws:SourceIp'] })],
      ['kms:Decrypt'],
      [KEY]
    )
    expect(result.missingContextValues).toEqual(['aws:SourceIp'])
  })
})

describe('simulation gaps', () => {
  test('gap says the simulator answer contradicts itself', async () => {
    const { facts } = await readFacts(
      {
        keys: [{ arn: KEY, policy: trustAccountPolicy() }],
        simulate: () => ({
          EvaluationResults: [
            {
              EvalActionName: 'kms:Decrypt',
              EvalResourceName: '*',
              EvalDecision: 'explicitDeny',
              MatchedStatements: [],
              MissingContextValues: [],
              ResourceSpecificResults: [
                { EvalResourceName: KEY, EvalResourceDecision: 'allowed', MatchedStatements: [] }
              ]
            }
          ]
        })
      },
      [expectation()]
    )
    expect(facts.simulations[0].results).toEqual([])
    expect(facts.gaps.map((gap) => gap.part)).toEqual(['iam-simulation'])
    expect(facts.gaps[0].reason).toContain('contradicts itself')
    expect(facts.gaps[0].reason).toContain('explicitDeny')
  })

  test('gap names conflicting answers across pages', async () => {
    const answer = (decision: string) => ({
      EvalActionName: 'kms:Decrypt',
      EvalResourceName: KEY,
      EvalDecision: decision,
      MatchedStatements: [],
      MissingContextValues: []
    })
    const { facts } = await readFacts(
      {
        keys: [{ arn: KEY, policy: trustAccountPolicy() }],
        simulate: (_params, index) =>
          index === 0
            ? { EvaluationResults: [answer('implicitDeny')], IsTruncated: true, Marker: 'p2' }
            : { EvaluationResults: [answer('explicitDeny')] }
      },
      [expectation()]
    )
    expect(facts.simulations[0].results).toEqual([])
    expect(facts.gaps[0].reason).toContain('2 different answers')
  })
})

describe('canonicalContext', () => {
  test('key names compare case-insensitively', () => {
    expect(canonicalContext({ 'aws:SourceIp': '10.0.0.1' })).toBe(
      canonicalContext({ 'AWS:SOURCEIP': ['10.0.0.1'] })
    )
  })

  test('key order does not matter', () => {
    expect(canonicalContext({ 'aws:SourceIp': '1', 'kms:ViaService': 'x' })).toBe(
      canonicalContext({ 'kms:viaservice': 'x', 'aws:sourceip': '1' })
    )
  })

  test('values stay case-sensitive', () => {
    expect(canonicalContext({ 'kms:EncryptionContext:dept': 'A' })).not.toBe(
      canonicalContext({ 'kms:EncryptionContext:dept': 'a' })
    )
  })
})

describe('implicit context', () => {
  const role: RoleFact = {
    kind: 'role',
    arn: ROLE,
    name: 'App',
    path: '/',
    accountId: ACCOUNT,
    policies: [],
    missingPolicies: [],
    tags: { team: 'payments' },
    tagsUnknown: true,
    identitySource: 'simulator'
  }
  const key = { KeyMetadata: keyMetadata({ arn: KEY, policy: {} }) }

  test('role request carries the values the engine sets', () => {
    expect(implicitContext(role, {}, 'kms:Decrypt', KEY, key)).toEqual({
      'aws:PrincipalArn': ROLE,
      'aws:PrincipalAccount': ACCOUNT,
      'kms:CallerAccount': ACCOUNT,
      'aws:PrincipalIsAWSService': 'false',
      'aws:PrincipalType': 'AssumedRole',
      'aws:SecureTransport': 'true',
      'aws:ViaAWSService': 'false',
      'aws:RequestedRegion': 'us-east-1',
      'aws:ResourceAccount': ACCOUNT,
      'kms:KeySpec': 'SYMMETRIC_DEFAULT',
      'kms:KeyUsage': 'ENCRYPT_DECRYPT',
      'kms:KeyOrigin': 'AWS_KMS',
      'kms:KeyManager': 'CUSTOMER',
      'kms:MultiRegion': 'false',
      'kms:EncryptionAlgorithm': 'SYMMETRIC_DEFAULT'
    })
  })

  test('encryption algorithm only for actions that carry it', () => {
    const generate = implicitContext(role, {}, 'kms:GenerateDataKey', KEY, key)
    expect(generate['kms:EncryptionAlgorithm']).toBeUndefined()
    const asymmetric = {
      KeyMetadata: { ...keyMetadata({ arn: KEY, policy: {} }), KeySpec: 'RSA_2048' }
    }
    const decrypt = implicitContext(role, {}, 'kms:Decrypt', KEY, asymmetric)
    expect(decrypt['kms:EncryptionAlgorithm']).toBeUndefined()
    expect(implicitContext(role, {}, 'kms:DeriveSharedSecret', KEY, key)).toMatchObject({
      'kms:KeyAgreementAlgorithm': 'ECDH'
    })
    expect(implicitContext(role, {}, 'kms:PutKeyPolicy', KEY, key)).toMatchObject({
      'kms:BypassPolicyLockoutSafetyCheck': 'false'
    })
  })

  test('values the engine marks unknown are not sent', () => {
    const values = implicitContext(role, {}, 'kms:Sign', KEY, key)
    for (const name of [
      'aws:SourceIp',
      'aws:CurrentTime',
      'aws:EpochTime',
      'aws:MultiFactorAuthPresent',
      'aws:TokenIssueTime',
      'aws:userid',
      'aws:PrincipalTag/team',
      'kms:SigningAlgorithm',
      'kms:ResourceAliases',
      'kms:RequestAlias'
    ]) {
      expect(values[name]).toBeUndefined()
    }
  })

  test('read tags, aliases and user details are sent', () => {
    const user: UserFact = {
      ...role,
      kind: 'user',
      arn: `arn:aws:iam::${ACCOUNT}:user/alice`,
      name: 'alice',
      groups: [],
      id: 'AIDAALICEXXXXXXXXXXX',
      tagsUnknown: false
    }
    const read = {
      ...key,
      Aliases: [{ AliasName: 'alias/app' }],
      Tags: [{ TagKey: 'stage', TagValue: 'prod' }]
    }
    expect(implicitContext(user, {}, 'kms:Decrypt', KEY, read)).toMatchObject({
      'aws:PrincipalType': 'User',
      'aws:username': 'alice',
      'aws:userid': 'AIDAALICEXXXXXXXXXXX',
      'aws:PrincipalTag/team': 'payments',
      'kms:ResourceAliases': ['alias/app'],
      'aws:ResourceTag/stage': 'prod'
    })
  })

  test('context sets via service and encryption context keys', () => {
    const values = implicitContext(
      role,
      { 'kms:ViaService': 's3.us-east-1.amazonaws.com', 'kms:EncryptionContext:Dept': 'x' },
      'kms:Decrypt',
      KEY,
      key
    )
    expect(values['aws:ViaAWSService']).toBe('true')
    expect(values['kms:EncryptionContextKeys']).toEqual(['Dept'])
  })

  test('entries are typed and the context wins over implicit values', () => {
    const entries = buildContextEntries(
      { 'AWS:SecureTransport': 'false' },
      { 'aws:SecureTransport': 'true', 'kms:EncryptionContextKeys': ['a', 'b'] }
    )
    expect(entries).toEqual([
      {
        ContextKeyName: 'AWS:SecureTransport',
        ContextKeyValues: ['false'],
        ContextKeyType: 'boolean'
      },
      {
        ContextKeyName: 'kms:EncryptionContextKeys',
        ContextKeyValues: ['a', 'b'],
        ContextKeyType: 'stringList'
      }
    ])
  })

  test('actions with different operation keys are simulated apart', async () => {
    const { facts, aws } = await readFacts({ keys: [{ arn: KEY, policy: trustAccountPolicy() }] }, [
      expectation({ actions: ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:Encrypt'] })
    ])
    const calls = aws.calls.filter((call) => call.operation === 'iam:SimulatePrincipalPolicy')
    expect(calls.map((call) => call.params.ActionNames)).toEqual(
      expect.arrayContaining([['kms:Decrypt', 'kms:Encrypt'], ['kms:GenerateDataKey']])
    )
    expect(calls).toHaveLength(2)
    expect(facts.simulations).toHaveLength(1)
    expect(facts.simulations[0].results.map((result) => result.action).sort()).toEqual([
      'kms:Decrypt',
      'kms:Encrypt',
      'kms:GenerateDataKey'
    ])
    expect(facts.gaps).toEqual([])
  })
})

/**
 * Serves requests with `x-amz-target: target` by sending the headers at once and then one
 * space every `intervalMs`, forever; forwards everything else to `forward`.
 */
async function trickleServer(forward: string, target: string, intervalMs: number) {
  const timers = new Set<NodeJS.Timeout>()
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      if (request.headers['x-amz-target'] === target) {
        response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' })
        response.write('{"KeyId": "')
        const timer = setInterval(() => response.write(' '), intervalMs)
        timers.add(timer)
        response.on('close', () => clearInterval(timer))
        return
      }
      const proxied = http.request(
        `${forward}${request.url}`,
        { method: request.method, headers: request.headers },
        (answer) => {
          response.writeHead(answer.statusCode ?? 500, answer.headers)
          answer.pipe(response)
        }
      )
      proxied.end(Buffer.concat(chunks))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearInterval(timer)
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
