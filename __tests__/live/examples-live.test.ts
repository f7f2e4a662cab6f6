/**
 * Every bundled example, run live against the loopback AWS emulator, must give the same
 * verdicts as the offline run over the same files, with the promised number of calls. The
 * emulator serves the example's fact files over the real KMS, IAM and STS protocols.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { globSync } from 'tinyglobby'
import { parse, stringify } from 'yaml'
import type { CheckReport } from '../../src/check/results.js'
import { runCheck } from '../../src/check/run-check.js'
import type { CheckSettings } from '../../src/inputs/settings.js'
import { liveEnv, startAwsEmulator } from '../support/aws-emulator/index.js'

const ROOT = path.resolve(import.meta.dirname, '..', '..')
const REMOTE = '444455556666'
const READER = `arn:aws:iam::${REMOTE}:role/kms-access-gate-reader`
// Examples whose facts are templates or plans describe a change before deployment: there
// is nothing in AWS (or the emulator) to read for them.
const IAC_EXAMPLES = new Set(
  globSync('examples/*/*/**/*.{yaml,yml,tf}', { cwd: ROOT }).map((file) =>
    file.split('/').slice(0, 2).join('/')
  )
)
const MANIFESTS = globSync('examples/*/*.yml', {
  cwd: ROOT,
  ignore: ['examples/workflows/**']
})
  .filter((manifest) => !IAC_EXAMPLES.has(path.dirname(manifest)))
  .sort()

let scratch: string
let readerFacts: string
const savedEnv = { ...process.env }

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'kms-gate-live-examples-'))
  // The role the gate assumes to read the second account exists only in the emulator.
  readerFacts = path.join(scratch, 'reader-role.json')
  await writeFile(
    readerFacts,
    JSON.stringify({
      RoleDetailList: [
        {
          RoleName: 'kms-access-gate-reader',
          Path: '/',
          RoleId: 'AROAREADERXXXXXXXXXXX',
          Arn: READER,
          RolePolicyList: [],
          AttachedManagedPolicies: []
        }
      ],
      UserDetailList: [],
      GroupDetailList: [],
      Policies: []
    })
  )
  for (const name of Object.keys(process.env)) if (name.startsWith('AWS_')) delete process.env[name]
})

afterAll(async () => {
  process.env = savedEnv
  await rm(scratch, { recursive: true, force: true })
})

function settings(manifestPath: string, mode: 'offline' | 'live'): CheckSettings {
  return {
    manifestPath,
    factPaths: [],
    format: 'text',
    failOnUnknown: true,
    mode,
    accountRoles: mode === 'live' ? { [REMOTE]: READER } : {},
    cwd: ROOT
  }
}

/** Writes the manifest without its `facts`, so that the live run reads AWS only. */
async function liveManifest(manifest: string): Promise<{ file: string; factPaths: string[] }> {
  const document = parse(await readFile(path.join(ROOT, manifest), 'utf8'))
  const directory = path.dirname(manifest)
  const facts = (Array.isArray(document.facts) ? document.facts : [document.facts]).map(
    (entry: string) => path.join(directory, entry)
  )
  delete document.facts
  const file = path.join(scratch, manifest.replaceAll('/', '_'))
  await writeFile(file, stringify(document))
  return { file, factPaths: facts }
}

/** Runs `body` with the AWS SDK's environment pointed at the emulator. */
async function withEnv<T>(env: Record<string, string | undefined>, body: () => Promise<T>) {
  const saved = { ...process.env }
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[name]
    else process.env[name] = value
  }
  try {
    return await body()
  } finally {
    process.env = saved
  }
}

function callCounts(report: CheckReport): Record<string, number> {
  return Object.fromEntries(
    (report.live?.calls ?? []).map((entry) => [entry.operation, entry.calls])
  )
}

/**
 * Returns the calls a live run may make for these expectations.
 * - One simulation per IAM principal and per set of operation keys its actions carry. Each
 *   example gives one context per principal. Decrypt and Encrypt on a symmetric key carry
 *   kms:EncryptionAlgorithm, which other actions do not.
 * - One DescribeKey per way a key is written (a key ARN and an alias of one key are two).
 * - One GetKeyPolicy per key, and one ListAliases per key named by an alias.
 * - One ListGrants page per grant, and at least one (the emulator pages one grant at a time).
 * - One GetCallerIdentity, plus one AssumeRole when a key or principal is in the second account.
 */
function expectedCalls(offline: CheckReport): Record<string, number> {
  const evidence = offline.results.map((result) => result.evidence)
  const keys = new Set(evidence.map((entry) => entry.key.arn))
  const principals = new Set(
    evidence
      .filter((entry) => ['role', 'assumed-role', 'user'].includes(entry.principal.kind))
      .map((entry) => entry.principal.roleArn ?? entry.principal.arn)
  )
  const sessions = new Set(
    evidence.filter((entry) => entry.principal.kind === 'assumed-role').map((e) => e.principal.arn)
  )
  const remote = [...keys, ...principals].some((arn) => arn?.includes(`:${REMOTE}:`))
  const references = new Set(evidence.map((entry) => entry.key.input))
  const aliased = new Set(evidence.filter((entry) => entry.key.alias).map((entry) => entry.key.arn))
  const counts: Record<string, number> = {
    'kms:DescribeKey': references.size,
    'kms:GetKeyPolicy': keys.size,
    'kms:ListGrants': keys.size,
    'sts:GetCallerIdentity': 1
  }
  const simulations = new Set(
    offline.results
      .filter((result) => ['role', 'assumed-role', 'user'].includes(result.evidence.principal.kind))
      .map((result) => {
        const { principal } = result.evidence
        return `${principal.roleArn ?? principal.arn} ${operationKeys(result.action)}`
      })
  )
  if (principals.size > 0) counts['iam:SimulatePrincipalPolicy'] = simulations.size
  if (sessions.size > 0) counts['iam:GetRole'] = sessions.size
  if (remote) counts['sts:AssumeRole'] = 1
  if (aliased.size > 0) counts['kms:ListAliases'] = aliased.size
  return counts
}

/** Names the operation keys the engine sets for an action on a symmetric key. */
function operationKeys(action: string): string {
  const name = action.toLowerCase()
  if (['kms:encrypt', 'kms:decrypt', 'kms:reencryptfrom', 'kms:reencryptto'].includes(name)) {
    return 'kms:EncryptionAlgorithm'
  }
  if (name === 'kms:derivesharedsecret') return 'kms:KeyAgreementAlgorithm'
  if (name === 'kms:putkeypolicy') return 'kms:BypassPolicyLockoutSafetyCheck'
  return 'none'
}

function verdicts(report: CheckReport) {
  return report.results.map((result) => ({
    expectation: result.expectation,
    action: result.action,
    decision: result.decision,
    status: result.status,
    closedLocks: result.closedLocks
  }))
}

describe.each(MANIFESTS)('%s', (manifest) => {
  test('gives the same verdicts live as offline', async () => {
    const offline = await runCheck(settings(manifest, 'offline'), {})
    const { file, factPaths } = await liveManifest(manifest)
    const emulator = await startAwsEmulator({
      factPaths: [...factPaths, readerFacts],
      cwd: ROOT,
      pageSize: { listGrants: 1 }
    })
    try {
      const live = await withEnv(liveEnv(emulator.endpoint), () => runCheck(settings(file, 'live')))
      expect(live.mode).toBe('live')
      expect(verdicts(live)).toEqual(verdicts(offline))
      expect(live.passed).toBe(offline.passed)
      expect(callCounts(live)).toEqual(expectedCalls(offline))
    } finally {
      await emulator.close()
    }
  })
})
