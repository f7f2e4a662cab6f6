/**
 * `confirm-with-dry-run`: after a live check, KMS's own DryRun verdict is compared with the
 * engine's decision, and a disagreement fails the result and the gate.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { runCheck } from '../../src/check/run-check.js'
import type { CheckSettings } from '../../src/inputs/settings.js'
import { renderText } from '../../src/reports/text.js'
import { liveEnv, startAwsEmulator } from '../support/aws-emulator/index.js'

const ROOT = path.resolve(import.meta.dirname, '..', '..')
const EXAMPLE = path.join(ROOT, 'examples/01-admin-role-denied-by-key-policy')
const ADMIN = 'arn:aws:iam::111122223333:role/AppAdmin'

let dir: string
const saved = { ...process.env }

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'kms-gate-dry-run-'))
  await writeFile(
    path.join(dir, 'kms-access.yml'),
    `version: 1
defaults:
  region: us-east-1
live:
  confirm-with-dry-run: true
expectations:
  - name: App admin reads application secrets
    principal: ${ADMIN}
    key: alias/app-secrets
    actions: [kms:Decrypt, kms:DescribeKey]
    expect: allow
`
  )
})

afterAll(async () => {
  process.env = saved
  await rm(dir, { recursive: true, force: true })
})

async function liveRun(dryRunOverride?: Record<string, 'allow' | 'deny'>) {
  const emulator = await startAwsEmulator({
    factPaths: [path.join(EXAMPLE, 'facts/iam-111122223333.json'), path.join(EXAMPLE, 'fixed')],
    ...(dryRunOverride ? { dryRunOverride } : {})
  })
  for (const name of Object.keys(process.env)) if (name.startsWith('AWS_')) delete process.env[name]
  for (const [name, value] of Object.entries(liveEnv(emulator.endpoint))) {
    if (value !== undefined) process.env[name] = value
  }
  const settings: CheckSettings = {
    manifestPath: 'kms-access.yml',
    factPaths: [],
    format: 'text',
    failOnUnknown: true,
    mode: 'live',
    accountRoles: {},
    cwd: dir
  }
  try {
    return { report: await runCheck(settings), emulator }
  } finally {
    await emulator.close()
  }
}

describe('confirm-with-dry-run', () => {
  test('agreeing DryRun keeps the gate passing', async () => {
    const { report, emulator } = await liveRun()
    const decrypt = report.results.find((result) => result.action === 'kms:Decrypt')

    expect(report.passed).toBe(true)
    expect(decrypt?.dryRun).toMatchObject({ kms: 'allowed', agrees: true })
    expect(emulator.count('sts:AssumeRole')).toBe(1)
    expect(emulator.count('kms:Decrypt')).toBe(1)
    expect(report.live?.calls).toContainEqual(expect.objectContaining({ operation: 'kms:Decrypt' }))
    expect(renderText(report, { color: false }).replace(/\s+/g, ' ')).toContain(
      'KMS DryRun: 1 agree, 1 not checked.'
    )
  })

  test('KMS denying what the engine allows fails the result and the gate', async () => {
    const { report } = await liveRun({ [ADMIN]: 'deny' })
    const decrypt = report.results.find((result) => result.action === 'kms:Decrypt')

    expect(decrypt?.decision).toBe('allowed')
    expect(decrypt?.status).toBe('fail')
    expect(decrypt?.dryRun).toMatchObject({ kms: 'denied', agrees: false })
    expect(report.passed).toBe(false)
    expect(report.counts.failed).toBe(1)
    expect(renderText(report, { color: false })).toContain(
      'KMS DryRun disagrees: KMS answered denied.'
    )
  })
})
