import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { buildFacts } from '../../src/facts/build-facts.js'
import { callCount, renderCallSummary } from '../../src/facts/live/call-summary.js'
import { type LiveOptions, readLiveFacts } from '../../src/facts/live/read-live-facts.js'
import type { AwsEmulator, AwsEmulatorOptions } from '../support/aws-emulator/index.js'
import {
  DEFAULTS,
  expectation,
  FAST,
  GATE_ARN,
  KEY_APP,
  KEY_DATA,
  KEY_LOGS,
  KEY_REMOTE,
  keyArn,
  REMOTE_ACCOUNT,
  REMOTE_READER,
  ROLE_APP,
  ROLE_REMOTE,
  ROLE_WORKER,
  removeWorld,
  startEmulator,
  UNMAPPED_ACCOUNT,
  USER_ALICE,
  writeWorld
} from './world.js'

let directory: string
let emulator: AwsEmulator | undefined

beforeAll(async () => {
  directory = await writeWorld()
})
afterAll(() => removeWorld(directory))
afterEach(async () => {
  await emulator?.close()
  emulator = undefined
})

async function run(
  expectations: ReturnType<typeof expectation>[],
  emulatorOptions: Partial<AwsEmulatorOptions> = {},
  options: Partial<LiveOptions> = {}
) {
  emulator = await startEmulator(directory, emulatorOptions)
  return readLiveFacts(expectations, DEFAULTS, { ...FAST, ...options })
}

/** Every principal with every key: 3 x 3 expectations with the same empty context. */
const GRID = [ROLE_APP, ROLE_WORKER, USER_ALICE].flatMap((principal) =>
  [KEY_APP, KEY_LOGS, KEY_DATA].map((key) => expectation(principal, key))
)

describe('readLiveFacts call counts', () => {
  it('reads each key and principal once', async () => {
    const facts = await run(GRID, { pageSize: { listGrants: 1 } })
    const server = emulator as AwsEmulator
    expect(server.count('sts:GetCallerIdentity')).toBe(1)
    expect(server.count('kms:DescribeKey')).toBe(3)
    expect(server.count('kms:GetKeyPolicy')).toBe(3)
    // Grants per key: 3, 1 and 0; with one grant per page that is 3 + 1 + 1 pages.
    expect(server.count('kms:ListGrants')).toBe(5)
    expect(server.count('iam:SimulatePrincipalPolicy')).toBe(3)
    expect(server.count('kms:ListAliases')).toBe(0)
    expect(server.count('sts:AssumeRole')).toBe(0)
    expect(facts.gaps).toEqual([])
    expect(callCount(facts.calls, 'kms:ListGrants')).toBe(5)
    expect(callCount(facts.calls, 'iam:SimulatePrincipalPolicy')).toBe(3)
    expect(facts.gateIdentity).toEqual({ arn: GATE_ARN, accountId: '111122223333' })
  })

  it('reads tags only for a policy that tests them', async () => {
    const facts = await run(GRID)
    const server = emulator as AwsEmulator
    // KEY_DATA tests aws:PrincipalTag/team: its principals' tags are read, nothing else.
    expect(server.count('kms:ListResourceTags')).toBe(0)
    expect(server.count('iam:GetRole')).toBe(2)
    expect(server.count('iam:GetUser')).toBe(1)
    const roles = facts.iam.flatMap((account) => account.roles)
    expect(roles.map((role) => role.tags)).toEqual([{ team: 'payments' }, { team: 'payments' }])
    expect(roles.every((role) => role.tagsUnknown === undefined)).toBe(true)
  })

  it('leaves tags unknown when no policy tests them', async () => {
    const facts = await run([expectation(ROLE_APP, KEY_APP)])
    const [account] = facts.iam
    expect(account.roles[0]).toMatchObject({
      arn: ROLE_APP,
      tagsUnknown: true,
      identitySource: 'simulator',
      policies: []
    })
    expect((emulator as AwsEmulator).count('iam:GetRole')).toBe(0)
  })
})

describe('readLiveFacts key documents', () => {
  it('builds key objects that buildFacts reads', async () => {
    const facts = await run(GRID, { pageSize: { listGrants: 1 } })
    const { facts: built, warnings } = buildFacts(facts.keyDocuments)
    expect(warnings).toEqual([])
    expect(built.keys.map((key) => key.arn)).toEqual([KEY_APP, KEY_LOGS, KEY_DATA])
    expect(built.keys.map((key) => key.grants?.length)).toEqual([3, 1, 0])
    expect(built.keys[0].policy?.statements.length).toBe(1)
    expect(facts.keyDocuments[0].source).toBe(
      'kms:us-east-1:111122223333:key/1111aaaa-0000-0000-0000-000000000001'
    )
  })

  it('resolves an alias name in the principal account', async () => {
    const facts = await run([expectation(ROLE_APP, 'alias/app')])
    expect((emulator as AwsEmulator).count('kms:ListAliases')).toBe(1)
    const { facts: built } = buildFacts(facts.keyDocuments)
    expect(built.keys[0].arn).toBe(KEY_APP)
    expect(built.keys[0].aliases).toEqual(['alias/app'])
    expect(facts.simulations[0].results.map((result) => result.resourceArn)).toEqual([KEY_APP])
  })

  it('marks a missing key as not found', async () => {
    const facts = await run([expectation(ROLE_APP, 'alias/missing')])
    expect(facts.gaps).toEqual([
      expect.objectContaining({
        subject: 'alias/missing',
        part: 'key',
        kind: 'not-found',
        accountId: '111122223333',
        region: 'us-east-1'
      })
    ])
    expect(facts.keyDocuments).toEqual([])
  })
})

describe('readLiveFacts simulations', () => {
  it.each(['per-resource', 'resource-specific'] as const)(
    'reads the %s response shape',
    async (shape) => {
      const facts = await run(
        [
          expectation(ROLE_WORKER, KEY_APP, ['kms:Decrypt', 'kms:Encrypt']),
          expectation(ROLE_WORKER, KEY_LOGS, ['kms:Decrypt'])
        ],
        { simulateShape: shape, pageSize: { simulate: 1 } }
      )
      expect(facts.gaps).toEqual([])
      expect((emulator as AwsEmulator).count('iam:SimulatePrincipalPolicy')).toBeGreaterThan(1)
      const [simulation] = facts.simulations
      expect(simulation.principalArn).toBe(ROLE_WORKER)
      const decisions = simulation.results
        .map((result) => `${result.action} ${result.resourceArn.slice(-1)} ${result.decision}`)
        .sort()
      expect(decisions).toEqual([
        'kms:Decrypt 1 allowed',
        'kms:Decrypt 2 implicitDeny',
        'kms:Encrypt 1 implicitDeny',
        'kms:Encrypt 2 implicitDeny'
      ])
      const allowed = simulation.results.find((result) => result.decision === 'allowed')
      expect(allowed?.matchedStatements[0]).toMatchObject({
        sourcePolicyId: 'use-app-key',
        sourcePolicyType: 'role'
      })
    }
  )

  it('sends the context and the implicit keys', async () => {
    const context = { 'aws:SourceIp': '10.0.0.1', 'aws:MultiFactorAuthPresent': 'true' }
    const facts = await run([expectation(ROLE_APP, KEY_APP, ['kms:Decrypt'], context)])
    const request = (emulator as AwsEmulator).requests.find(
      (entry) => entry.operation === 'iam:SimulatePrincipalPolicy'
    )
    const entries = request?.params.ContextEntries as {
      ContextKeyName: string
      ContextKeyType: string
    }[]
    expect(entries.map((entry) => `${entry.ContextKeyName}=${entry.ContextKeyType}`)).toEqual([
      'aws:SourceIp=ip',
      'aws:MultiFactorAuthPresent=boolean',
      'aws:PrincipalArn=string',
      'aws:PrincipalAccount=string',
      'kms:CallerAccount=string',
      'aws:PrincipalIsAWSService=boolean',
      'aws:PrincipalType=string',
      'aws:SecureTransport=boolean',
      'aws:ViaAWSService=boolean',
      'aws:RequestedRegion=string',
      'aws:ResourceAccount=string',
      'kms:KeySpec=string',
      'kms:KeyUsage=string',
      'kms:KeyOrigin=string',
      'kms:KeyManager=string',
      'kms:MultiRegion=boolean',
      'kms:EncryptionAlgorithm=string'
    ])
    expect(facts.simulations[0].context).toEqual({
      'aws:SourceIp': ['10.0.0.1'],
      'aws:MultiFactorAuthPresent': ['true']
    })
  })

  it('simulates a session as its role', async () => {
    const session = 'arn:aws:sts::111122223333:assumed-role/Worker/build'
    const facts = await run([expectation(session, KEY_APP)])
    expect((emulator as AwsEmulator).count('iam:GetRole')).toBe(1)
    expect(facts.simulations[0].principalArn).toBe(ROLE_WORKER)
    expect(facts.iam[0].roles[0].path).toBe('/service/')
  })

  it('skips principals the simulator cannot take', async () => {
    const facts = await run([
      expectation('arn:aws:iam::111122223333:root', KEY_APP),
      expectation('logs.amazonaws.com', KEY_APP)
    ])
    expect((emulator as AwsEmulator).count('iam:SimulatePrincipalPolicy')).toBe(0)
    expect(facts.simulations).toEqual([])
    expect(facts.keyDocuments.length).toBe(1)
  })

  it('marks a missing role as not found', async () => {
    const missing = 'arn:aws:iam::111122223333:role/Gone'
    const facts = await run([expectation(missing, KEY_APP), expectation(ROLE_APP, KEY_APP)])
    expect(facts.gaps).toEqual([
      expect.objectContaining({ subject: missing, part: 'principal', kind: 'not-found' })
    ])
    expect(facts.simulations.map((simulation) => simulation.principalArn)).toEqual([ROLE_APP])
  })
})

describe('readLiveFacts failures', () => {
  it('retries throttling and server errors', async () => {
    const facts = await run(
      [expectation(ROLE_APP, KEY_APP)],
      {
        faults: [
          { operation: 'kms:GetKeyPolicy', kind: 'throttle', times: 1 },
          { operation: 'iam:SimulatePrincipalPolicy', kind: 'server-error', times: 1 }
        ]
      },
      { maxAttempts: 3 }
    )
    expect(facts.gaps).toEqual([])
    const policy = facts.calls.operations.find((entry) => entry.operation === 'kms:GetKeyPolicy')
    expect(policy).toEqual({ operation: 'kms:GetKeyPolicy', calls: 1, attempts: 2, failures: 0 })
    const simulate = facts.calls.operations.find(
      (entry) => entry.operation === 'iam:SimulatePrincipalPolicy'
    )
    expect(simulate?.attempts).toBe(2)
    expect(facts.simulations[0].results[0].decision).toBe('allowed')
  }, 20_000)

  it('records a gap when retries run out', async () => {
    const facts = await run(
      [expectation(ROLE_APP, KEY_APP)],
      { faults: [{ operation: 'kms:ListGrants', kind: 'throttle' }] },
      { maxAttempts: 2 }
    )
    expect(facts.gaps).toEqual([
      expect.objectContaining({ subject: KEY_APP, part: 'grants', kind: 'unreadable' })
    ])
    expect(facts.gaps[0].reason).toContain('ThrottlingException after 2 attempts')
    expect(facts.keyDocuments[0].value).not.toHaveProperty('Grants')
    expect(facts.keyDocuments[0].value).toHaveProperty('Policy')
  }, 20_000)

  it('turns a timeout into a gap', async () => {
    const facts = await run(
      [expectation(ROLE_APP, KEY_APP), expectation(ROLE_APP, KEY_LOGS)],
      {
        faults: [
          {
            operation: 'kms:DescribeKey',
            kind: 'timeout',
            delayMs: 3000,
            when: (params) => params.KeyId === KEY_APP
          }
        ]
      },
      { requestTimeoutMs: 200 }
    )
    expect(facts.gaps).toEqual([
      expect.objectContaining({ subject: KEY_APP, part: 'key', kind: 'unreadable' })
    ])
    expect(facts.gaps[0].reason).toContain('kms:DescribeKey on')
    expect(facts.gaps[0].reason).toMatch(/Timeout/)
    expect(facts.keyDocuments.map((document) => document.source)).toEqual([
      'kms:us-east-1:111122223333:key/1111aaaa-0000-0000-0000-000000000002'
    ])
  }, 20_000)

  it('turns a denied GetKeyPolicy into a gap', async () => {
    const facts = await run(GRID, {
      faults: [
        { operation: 'kms:GetKeyPolicy', kind: 'access-denied', when: (p) => p.KeyId === KEY_APP }
      ]
    })
    expect(facts.gaps).toEqual([
      expect.objectContaining({ subject: KEY_APP, part: 'key-policy', kind: 'unreadable' })
    ])
    const { reason } = facts.gaps[0]
    expect(reason).toContain('AccessDeniedException')
    expect(reason).toContain(`the key policy of ${KEY_APP} must allow ${GATE_ARN} kms:GetKeyPolicy`)
    const withPolicy = facts.keyDocuments.filter((document) =>
      Object.hasOwn(document.value as object, 'Policy')
    )
    expect(withPolicy.length).toBe(2)
    expect(facts.simulations.length).toBe(3)
  })

  it('turns a denied simulation into a gap', async () => {
    const facts = await run(GRID, {
      faults: [
        {
          operation: 'iam:SimulatePrincipalPolicy',
          kind: 'access-denied',
          when: (params) => params.PolicySourceArn === ROLE_APP
        }
      ]
    })
    expect(facts.gaps).toEqual([
      expect.objectContaining({ subject: ROLE_APP, part: 'iam-simulation', kind: 'unreadable' })
    ])
    expect(facts.gaps[0].reason).toContain(
      `the gate's role ${GATE_ARN} in account 111122223333 needs iam:SimulatePrincipalPolicy on ${ROLE_APP}`
    )
    expect(facts.simulations.map((simulation) => simulation.principalArn).sort()).toEqual([
      ROLE_WORKER,
      USER_ALICE
    ])
    expect(facts.keyDocuments.length).toBe(3)
  })
})

describe('readLiveFacts accounts', () => {
  it('assumes the mapped role once per account', async () => {
    const facts = await run(
      [
        expectation(ROLE_REMOTE, KEY_REMOTE),
        expectation(ROLE_REMOTE, 'alias/remote'),
        expectation(ROLE_APP, KEY_APP)
      ],
      {},
      { accountRoles: { [REMOTE_ACCOUNT]: REMOTE_READER } }
    )
    const server = emulator as AwsEmulator
    expect(facts.gaps).toEqual([])
    expect(server.count('sts:AssumeRole')).toBe(1)
    const remoteCalls = server.requests.filter((entry) =>
      entry.callerArn?.startsWith('arn:aws:sts::444455556666:assumed-role/gate-reader/')
    )
    expect(remoteCalls.map((entry) => entry.operation).sort()).toEqual([
      'iam:SimulatePrincipalPolicy',
      'kms:DescribeKey',
      'kms:DescribeKey',
      'kms:GetKeyPolicy',
      'kms:ListAliases',
      'kms:ListGrants'
    ])
    expect(facts.calls.identities.map((identity) => identity.accountId)).toEqual([
      '111122223333',
      REMOTE_ACCOUNT
    ])
    const remote = facts.simulations.find((simulation) => simulation.principalArn === ROLE_REMOTE)
    expect(remote?.results[0].decision).toBe('allowed')
  })

  it('names the setting for an unmapped account', async () => {
    const key = keyArn(UNMAPPED_ACCOUNT, '7777cccc-0000-0000-0000-000000000001')
    const principal = `arn:aws:iam::${UNMAPPED_ACCOUNT}:role/Other`
    const facts = await run([expectation(principal, key), expectation(ROLE_APP, KEY_APP)])
    expect(facts.gaps.map((gap) => `${gap.part} ${gap.subject} ${gap.kind}`)).toEqual([
      `key ${key} unreadable`,
      `principal ${principal} unreadable`
    ])
    for (const gap of facts.gaps) {
      expect(gap.reason).toContain(`--account-role ${UNMAPPED_ACCOUNT}=ROLE_ARN`)
    }
    expect(facts.simulations.map((simulation) => simulation.principalArn)).toEqual([ROLE_APP])
  })

  it('reports a failed AssumeRole for that account only', async () => {
    const facts = await run(
      [expectation(ROLE_REMOTE, KEY_REMOTE), expectation(ROLE_APP, KEY_APP)],
      { faults: [{ operation: 'sts:AssumeRole', kind: 'access-denied' }] },
      { accountRoles: { [REMOTE_ACCOUNT]: REMOTE_READER } }
    )
    expect(facts.gaps.map((gap) => gap.part).sort()).toEqual(['key', 'principal'])
    expect(facts.gaps[0].reason).toContain(`sts:AssumeRole on ${REMOTE_READER} failed`)
    expect(facts.simulations.map((simulation) => simulation.principalArn)).toEqual([ROLE_APP])
  })
})

describe('renderCallSummary', () => {
  it('prints one line per operation', async () => {
    const facts = await run([expectation(ROLE_APP, KEY_APP)])
    const lines = renderCallSummary(facts.calls)
    expect(lines).toContain('kms:DescribeKey              1 call, 1 attempt, 0 failures')
    expect(lines.at(-1)).toBe(`account 111122223333 read as ${GATE_ARN}`)
  })
})
