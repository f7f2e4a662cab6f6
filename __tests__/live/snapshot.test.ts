import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { buildFacts } from '../../src/facts/build-facts.js'
import { callCount } from '../../src/facts/live/call-summary.js'
import { readSnapshotDocuments } from '../../src/facts/live/snapshot.js'
import type { AwsEmulator } from '../support/aws-emulator/index.js'
import {
  DEFAULTS,
  expectation,
  FAST,
  KEY_APP,
  KEY_DATA,
  KEY_LOGS,
  KEY_REMOTE,
  REMOTE_ACCOUNT,
  REMOTE_READER,
  ROLE_APP,
  ROLE_REMOTE,
  ROLE_WORKER,
  removeWorld,
  startEmulator,
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

const EXPECTATIONS = [
  expectation(ROLE_APP, KEY_APP),
  expectation(ROLE_WORKER, 'alias/app'),
  expectation(USER_ALICE, KEY_LOGS),
  expectation(USER_ALICE, KEY_DATA),
  expectation(ROLE_REMOTE, KEY_REMOTE)
]

describe('readSnapshotDocuments', () => {
  it('writes documents that buildFacts loads', async () => {
    emulator = await startEmulator(directory, { pageSize: { authorizationDetails: 2 } })
    const snapshot = await readSnapshotDocuments(EXPECTATIONS, DEFAULTS, {
      ...FAST,
      accountRoles: { [REMOTE_ACCOUNT]: REMOTE_READER }
    })
    expect(snapshot.gaps).toEqual([])
    expect(snapshot.documents.map((document) => document.path)).toEqual([
      'iam/111122223333.json',
      'iam/444455556666.json',
      'kms/111122223333-us-east-1.json',
      'kms/444455556666-us-east-1.json'
    ])
    expect(emulator.count('iam:GetAccountAuthorizationDetails')).toBeGreaterThan(2)
    expect(callCount(snapshot.calls, 'kms:ListResourceTags')).toBe(4)
    expect(callCount(snapshot.calls, 'kms:ListAliases')).toBe(4)

    const { facts, warnings } = buildFacts(
      snapshot.documents.map((document) => ({ source: document.path, value: document.value }))
    )
    expect(warnings).toEqual([])
    expect(facts.keys.map((key) => key.arn)).toEqual([KEY_APP, KEY_LOGS, KEY_DATA, KEY_REMOTE])
    expect(facts.keys.map((key) => key.tags)).toEqual(Array(4).fill({ team: 'payments' }))
    expect(facts.keys[0].aliases).toEqual(['alias/app'])

    const [gate, remote] = facts.iam
    expect(gate.roles.map((role) => role.arn)).toEqual([ROLE_APP, ROLE_WORKER])
    expect(gate.users.map((user) => user.arn)).toEqual([USER_ALICE])
    expect(gate.groups).toEqual(['readers'])
    expect(gate.roles[0].policies.map((policy) => policy.name).sort()).toEqual([
      'Boundary',
      'use-keys'
    ])
    expect(gate.roles[0].missingPolicies).toEqual([])
    expect(gate.users[0].policies.map((policy) => policy.name)).toEqual(['read-logs'])
    expect(remote.roles.map((role) => role.arn)).toEqual([ROLE_REMOTE])
  })

  it('leaves out unused entities and policies', async () => {
    emulator = await startEmulator(directory)
    const snapshot = await readSnapshotDocuments(EXPECTATIONS.slice(0, 1), DEFAULTS, FAST)
    const iam = snapshot.documents.find((document) => document.path.startsWith('iam/'))
    const value = iam?.value as Record<string, { Arn: string }[]>
    expect(value.RoleDetailList.map((role) => role.Arn)).toEqual([ROLE_APP])
    expect(value.UserDetailList).toEqual([])
    expect(value.GroupDetailList).toEqual([])
    expect(value.Policies.map((policy) => policy.Arn)).toEqual([
      'arn:aws:iam::111122223333:policy/Boundary'
    ])
  })

  it('records a gap for a denied account read', async () => {
    emulator = await startEmulator(directory, {
      faults: [{ operation: 'iam:GetAccountAuthorizationDetails', kind: 'access-denied' }]
    })
    const snapshot = await readSnapshotDocuments(EXPECTATIONS.slice(0, 1), DEFAULTS, FAST)
    expect(snapshot.gaps).toEqual([
      expect.objectContaining({ subject: ROLE_APP, part: 'principal', kind: 'unreadable' })
    ])
    expect(snapshot.gaps[0].reason).toContain('needs iam:GetAccountAuthorizationDetails')
    expect(snapshot.documents.map((document) => document.path)).toEqual([
      'kms/111122223333-us-east-1.json'
    ])
  })
})
