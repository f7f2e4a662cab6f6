import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import type { Decision } from '../../src/engine/decision.js'
import { callCount } from '../../src/facts/live/call-summary.js'
import {
  confirmWithDryRun,
  DRY_RUN_SESSION_NAME,
  type DryRunTarget
} from '../../src/facts/live/confirm-dry-run.js'
import type { LiveOptions } from '../../src/facts/live/read-live-facts.js'
import type { AwsEmulator, AwsEmulatorOptions } from '../support/aws-emulator/index.js'
import {
  FAST,
  GATE_ACCOUNT,
  GATE_ARN,
  KEY_APP,
  KEY_LOGS,
  ROLE_APP,
  ROLE_WORKER,
  removeWorld,
  startEmulator,
  USER_ALICE,
  writeWorld
} from './world.js'

/** A role of the world with no policies: the emulator denies it everything. */
const ROLE_UNRELATED = `arn:aws:iam::${GATE_ACCOUNT}:role/Unrelated`
/** A role missing from the world: the emulator's sts:AssumeRole denies it. */
const ROLE_LOCKED = `arn:aws:iam::${GATE_ACCOUNT}:role/Locked`

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

function target(
  principal: string,
  keyArn: string,
  decision: Decision,
  extra: Partial<DryRunTarget> = {}
): DryRunTarget {
  return { index: 0, principal, action: 'kms:Decrypt', keyArn, decision, context: {}, ...extra }
}

async function confirm(
  targets: DryRunTarget[],
  emulatorOptions: Partial<AwsEmulatorOptions> = {},
  options: Partial<LiveOptions> = {}
) {
  emulator = await startEmulator(directory, emulatorOptions)
  return confirmWithDryRun(
    targets.map((entry, index) => ({ ...entry, index })),
    { ...FAST, ...options }
  )
}

function server(): AwsEmulator {
  if (!emulator) throw new Error('the emulator is not running')
  return emulator
}

describe('confirmWithDryRun agreement', () => {
  it('confirms an allowed role', async () => {
    const { confirmations, calls } = await confirm([target(ROLE_APP, KEY_APP, 'allowed')])
    const confirmation = confirmations.get(0)
    expect(confirmation?.kms).toBe('allowed')
    expect(confirmation?.agrees).toBe(true)
    expect(confirmation?.detail).toContain('DryRunOperationException')
    expect(callCount(calls, 'sts:AssumeRole')).toBe(1)
    expect(callCount(calls, 'kms:Decrypt')).toBe(1)
  })

  it('confirms a denied role', async () => {
    const { confirmations, calls } = await confirm([target(ROLE_WORKER, KEY_LOGS, 'implicit-deny')])
    const confirmation = confirmations.get(0)
    expect(confirmation?.kms).toBe('denied')
    expect(confirmation?.agrees).toBe(true)
    expect(confirmation?.detail).toContain('AccessDeniedException')
    const decrypt = calls.operations.find((entry) => entry.operation === 'kms:Decrypt')
    expect(decrypt?.failures).toBe(0)
  })

  it('signs as the role session with a dummy ciphertext', async () => {
    await confirm([target(ROLE_APP, KEY_APP, 'allowed')])
    const assume = server().requests.find((request) => request.operation === 'sts:AssumeRole')
    expect(assume?.params.RoleArn).toBe(ROLE_APP)
    expect(assume?.params.RoleSessionName).toBe(DRY_RUN_SESSION_NAME)
    expect(assume?.callerArn).toBe(GATE_ARN)
    const decrypt = server().requests.find((request) => request.operation === 'kms:Decrypt')
    expect(decrypt?.callerArn).toBe(
      `arn:aws:sts::${GATE_ACCOUNT}:assumed-role/App/${DRY_RUN_SESSION_NAME}`
    )
    expect(decrypt?.params.DryRun).toBe(true)
    expect(decrypt?.params.DryRunModifiers).toEqual(['IGNORE_CIPHERTEXT'])
    expect(decrypt?.params.KeyId).toBe(KEY_APP)
    expect(typeof decrypt?.params.CiphertextBlob).toBe('string')
  })

  it('sends the encryption context', async () => {
    const context = { 'kms:EncryptionContext:app': 'web', 'kms:EncryptionContextKeys': ['app'] }
    const { confirmations } = await confirm([target(ROLE_APP, KEY_APP, 'allowed', { context })])
    expect(confirmations.get(0)?.kms).toBe('allowed')
    const decrypt = server().requests.find((request) => request.operation === 'kms:Decrypt')
    expect(decrypt?.params.EncryptionContext).toEqual({ app: 'web' })
  })

  it('reports what KMS answered for an engine unknown', async () => {
    const { confirmations } = await confirm([target(ROLE_WORKER, KEY_LOGS, 'unknown')])
    const confirmation = confirmations.get(0)
    expect(confirmation?.kms).toBe('denied')
    expect(confirmation?.agrees).toBe(true)
    expect(confirmation?.detail).toContain('the engine could not decide')
  })
})

describe('confirmWithDryRun disagreement', () => {
  it('flags KMS denying what the engine allows', async () => {
    const { confirmations } = await confirm([target(ROLE_APP, KEY_APP, 'allowed')], {
      dryRunOverride: { [ROLE_APP]: 'deny' }
    })
    const confirmation = confirmations.get(0)
    expect(confirmation?.kms).toBe('denied')
    expect(confirmation?.agrees).toBe(false)
    expect(confirmation?.detail).toContain('but the engine decided allowed')
  })

  it('flags KMS allowing what the engine denies', async () => {
    const { confirmations } = await confirm(
      [
        target(ROLE_UNRELATED, KEY_APP, 'implicit-deny'),
        target(ROLE_UNRELATED, KEY_LOGS, 'explicit-deny')
      ],
      { dryRunOverride: { [ROLE_UNRELATED]: 'allow' } }
    )
    for (const index of [0, 1]) {
      expect(confirmations.get(index)?.kms).toBe('allowed')
      expect(confirmations.get(index)?.agrees).toBe(false)
    }
    expect(confirmations.get(0)?.detail).toContain('but the engine decided implicit-deny')
    expect(confirmations.get(1)?.detail).toContain('but the engine decided explicit-deny')
  })
})

describe('confirmWithDryRun principals', () => {
  it('names the gate and the role a trust policy refuses', async () => {
    const { confirmations, calls } = await confirm([target(ROLE_LOCKED, KEY_APP, 'allowed')])
    const confirmation = confirmations.get(0)
    expect(confirmation?.kms).toBe('not-checked')
    expect(confirmation?.agrees).toBe(true)
    expect(confirmation?.detail).toContain(`the trust policy of ${ROLE_LOCKED}`)
    expect(confirmation?.detail).toContain(`the gate (${GATE_ARN})`)
    expect(callCount(calls, 'kms:Decrypt')).toBe(0)
    expect(callCount(calls, 'sts:GetCallerIdentity')).toBe(1)
  })

  it('does not check a user', async () => {
    const { confirmations, calls } = await confirm([target(USER_ALICE, KEY_LOGS, 'allowed')])
    const confirmation = confirmations.get(0)
    expect(confirmation?.kms).toBe('not-checked')
    expect(confirmation?.agrees).toBe(true)
    expect(confirmation?.detail).toContain('is an IAM user')
    expect(calls.operations).toEqual([])
  })

  it('does not check accounts or service principals', async () => {
    const { confirmations } = await confirm([
      target(`arn:aws:iam::${GATE_ACCOUNT}:root`, KEY_APP, 'allowed'),
      target(GATE_ACCOUNT, KEY_APP, 'allowed'),
      target('logs.us-east-1.amazonaws.com', KEY_APP, 'allowed')
    ])
    expect(confirmations.get(0)?.detail).toContain('is an account')
    expect(confirmations.get(1)?.detail).toContain('is an account')
    expect(confirmations.get(2)?.detail).toContain('is an AWS service')
    expect(server().count()).toBe(0)
  })

  it('confirms a session through its role ARN', async () => {
    const session = `arn:aws:sts::${GATE_ACCOUNT}:assumed-role/Worker/build`
    const { confirmations } = await confirm([
      target(session, KEY_APP, 'allowed', { roleArn: ROLE_WORKER }),
      target(session, KEY_APP, 'allowed')
    ])
    expect(confirmations.get(0)?.kms).toBe('allowed')
    expect(confirmations.get(1)?.kms).toBe('not-checked')
    expect(confirmations.get(1)?.detail).toContain('role ARN of session')
  })

  it('assumes each role once', async () => {
    const { calls } = await confirm([
      target(ROLE_APP, KEY_APP, 'allowed'),
      target(ROLE_APP, KEY_LOGS, 'allowed'),
      target(ROLE_APP, KEY_LOGS, 'allowed', { action: 'kms:Encrypt' }),
      target(ROLE_WORKER, KEY_APP, 'allowed')
    ])
    expect(callCount(calls, 'sts:AssumeRole')).toBe(2)
    expect(callCount(calls, 'kms:Decrypt')).toBe(3)
    expect(callCount(calls, 'kms:Encrypt')).toBe(1)
  })

  it('sends an equal request once', async () => {
    const { confirmations, calls } = await confirm([
      target(ROLE_APP, KEY_APP, 'allowed'),
      target(ROLE_APP, KEY_APP, 'implicit-deny')
    ])
    expect(callCount(calls, 'kms:Decrypt')).toBe(1)
    expect(confirmations.get(0)?.agrees).toBe(true)
    expect(confirmations.get(1)?.agrees).toBe(false)
  })
})

describe('confirmWithDryRun requests', () => {
  it('does not check an action without DryRun', async () => {
    const { confirmations } = await confirm([
      target(ROLE_APP, KEY_APP, 'allowed', { action: 'kms:DescribeKey' })
    ])
    expect(confirmations.get(0)).toEqual({
      kms: 'not-checked',
      agrees: true,
      detail: 'KMS DryRun does not support kms:DescribeKey'
    })
    expect(server().count()).toBe(0)
  })

  it('does not check a context the request cannot carry', async () => {
    const { confirmations } = await confirm([
      target(ROLE_APP, KEY_APP, 'allowed', {
        context: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' }
      })
    ])
    expect(confirmations.get(0)?.kms).toBe('not-checked')
    expect(confirmations.get(0)?.detail).toContain('kms:ViaService')
    expect(server().count()).toBe(0)
  })

  it('does not check a signing key of unknown spec', async () => {
    const { confirmations } = await confirm([
      target(ROLE_APP, KEY_APP, 'allowed', { action: 'kms:Sign' })
    ])
    expect(confirmations.get(0)?.kms).toBe('not-checked')
    expect(confirmations.get(0)?.detail).toContain('kms:signingalgorithm')
  })

  it('leaves an unexpected KMS error not checked', async () => {
    // The emulator implements only the Decrypt dry run, so Encrypt fails with UnknownOperationException.
    const { confirmations, calls } = await confirm([
      target(ROLE_APP, KEY_APP, 'allowed', { action: 'kms:Encrypt' })
    ])
    expect(confirmations.get(0)?.kms).toBe('not-checked')
    expect(confirmations.get(0)?.agrees).toBe(true)
    expect(confirmations.get(0)?.detail).toContain('UnknownOperationException')
    expect(callCount(calls, 'kms:Encrypt')).toBe(1)
    const encrypt = server().requests.find((request) => request.operation === 'kms:Encrypt')
    expect(encrypt?.params.DryRun).toBe(true)
  })
})

describe('confirmWithDryRun retries', () => {
  it('retries throttling', async () => {
    const { confirmations, calls } = await confirm(
      [target(ROLE_APP, KEY_APP, 'allowed')],
      { faults: [{ operation: 'kms:Decrypt', kind: 'throttle', times: 1 }] },
      { maxAttempts: 3 }
    )
    expect(confirmations.get(0)?.kms).toBe('allowed')
    const decrypt = calls.operations.find((entry) => entry.operation === 'kms:Decrypt')
    expect(decrypt).toEqual({ operation: 'kms:Decrypt', calls: 1, attempts: 2, failures: 0 })
    expect(server().count('kms:Decrypt')).toBe(2)
  })

  it('leaves persistent throttling not checked', async () => {
    const { confirmations, calls } = await confirm(
      [target(ROLE_APP, KEY_APP, 'allowed')],
      { faults: [{ operation: 'kms:Decrypt', kind: 'throttle' }] },
      { maxAttempts: 2 }
    )
    expect(confirmations.get(0)?.kms).toBe('not-checked')
    expect(confirmations.get(0)?.agrees).toBe(true)
    expect(confirmations.get(0)?.detail).toContain('ThrottlingException after 2 attempts')
    const decrypt = calls.operations.find((entry) => entry.operation === 'kms:Decrypt')
    expect(decrypt?.failures).toBe(1)
  })

  it('leaves a throttled AssumeRole not checked', async () => {
    const { confirmations } = await confirm([target(ROLE_APP, KEY_APP, 'allowed')], {
      faults: [{ operation: 'sts:AssumeRole', kind: 'throttle' }]
    })
    expect(confirmations.get(0)?.kms).toBe('not-checked')
    expect(confirmations.get(0)?.detail).toContain('could not assume')
    expect(confirmations.get(0)?.detail).toContain('Throttling')
  })
})
