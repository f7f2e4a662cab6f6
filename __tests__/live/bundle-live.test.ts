/**
 * The built bundles (dist/cli.js and dist/index.js) in live mode, as separate processes
 * whose AWS SDK reaches only the loopback emulator: check, explain, snapshot and the action.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { type AwsEmulator, liveEnv, startAwsEmulator } from '../support/aws-emulator/index.js'

const ROOT = path.resolve(import.meta.dirname, '..', '..')
const run = promisify(execFile)

const ACCOUNT = '123456789012'
const KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`
const ROLE = `arn:aws:iam::${ACCOUNT}:role/MyRole`
const ADMIN = `arn:aws:iam::${ACCOUNT}:role/KeyAdmin`
const GATE = `arn:aws:iam::${ACCOUNT}:role/kms-access-gate`
const DENIED_MESSAGE = `An error occurred (AccessDeniedException) when calling the Decrypt operation: User: ${ROLE} is not authorized to perform: kms:Decrypt on resource: ${KEY}`

/** MyRole has kms:* on every key in IAM, but the key policy names only the key admin. */
function facts() {
  const role = (name: string) => ({
    RoleName: name,
    Path: '/',
    RoleId: `AROA${name.toUpperCase().padEnd(17, 'X').slice(0, 17)}`,
    Arn: `arn:aws:iam::${ACCOUNT}:role/${name}`,
    RolePolicyList: [
      {
        PolicyName: 'kms-everything',
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }]
        }
      }
    ],
    AttachedManagedPolicies: [],
    Tags: []
  })
  return {
    'iam.json': {
      RoleDetailList: [role('MyRole'), role('KeyAdmin'), role('kms-access-gate')],
      UserDetailList: [],
      GroupDetailList: [],
      Policies: []
    },
    'key.json': {
      KeyMetadata: {
        AWSAccountId: ACCOUNT,
        KeyId: KEY.split('/')[1],
        Arn: KEY,
        KeyState: 'Enabled',
        Enabled: true,
        KeyUsage: 'ENCRYPT_DECRYPT',
        KeySpec: 'SYMMETRIC_DEFAULT',
        KeyManager: 'CUSTOMER'
      },
      Policy: JSON.stringify(
        {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'KeyAdministration',
              Effect: 'Allow',
              Principal: { AWS: ADMIN },
              Action: 'kms:*',
              Resource: '*'
            },
            {
              Sid: 'GateReadsTheKey',
              Effect: 'Allow',
              Principal: { AWS: GATE },
              Action: ['kms:DescribeKey', 'kms:GetKeyPolicy', 'kms:ListGrants'],
              Resource: '*'
            }
          ]
        },
        null,
        2
      ),
      Grants: []
    }
  }
}

const MANIFEST = `version: 1
defaults:
  region: us-east-1
expectations:
  - name: App decrypts the configuration key
    principal: ${ROLE}
    key: ${KEY}
    actions: [kms:Decrypt]
    expect: allow
  - name: Key admin manages the key
    principal: ${ADMIN}
    key: ${KEY}
    actions: [kms:DescribeKey]
    expect: allow
`

let dir: string
let emulator: AwsEmulator

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'kms-gate-bundle-live-'))
  for (const [name, value] of Object.entries(facts())) {
    await writeFile(path.join(dir, `aws-${name}`), JSON.stringify(value, null, 2))
  }
  await writeFile(path.join(dir, 'kms-access.yml'), MANIFEST)
  emulator = await startAwsEmulator({
    factPaths: ['aws-iam.json', 'aws-key.json'],
    cwd: dir,
    callers: { AKIDGATE: `arn:aws:sts::${ACCOUNT}:assumed-role/kms-access-gate/run` }
  })
})

afterAll(async () => {
  await emulator.close()
  await rm(dir, { recursive: true, force: true })
})

/** The environment of a child process: PATH, the emulator, and no inherited AWS settings. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, NO_COLOR: '1', HOME: dir }
  for (const [name, value] of Object.entries(liveEnv(emulator.endpoint))) {
    if (value !== undefined) env[name] = value
  }
  return { ...env, ...extra }
}

async function cli(args: string[], env = childEnv()) {
  try {
    const { stdout, stderr } = await run('node', [path.join(ROOT, 'dist/cli.js'), ...args], {
      cwd: dir,
      env
    })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string }
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr }
  }
}

describe('dist/cli.js live', () => {
  test('check fails on the key-policy lock and says it read AWS', async () => {
    emulator.reset()
    const result = await cli(['check', '--manifest', 'kms-access.yml', '--mode', 'live'])

    expect(result.stderr).toBe('')
    expect(result.code).toBe(1)
    expect(result.stdout).toContain('key-policy')
    expect(result.stdout).toContain(`"AWS": "${ROLE}"`)
    expect(result.stdout).toContain(
      `Facts read live from AWS as arn:aws:sts::${ACCOUNT}:assumed-role/kms-access-gate/run`
    )
    expect(emulator.count('iam:SimulatePrincipalPolicy')).toBe(2)
    expect(emulator.count('kms:GetKeyPolicy')).toBe(1)
  })

  test('check in mode auto goes live when credentials are in the environment', async () => {
    const result = await cli(['check', '--manifest', 'kms-access.yml', '--mode', 'auto'])
    expect(result.stdout.replace(/\s+/g, ' ')).toContain(
      'mode auto: AWS credentials found in AWS_ACCESS_KEY_ID'
    )
    expect(result.code).toBe(1)
  })

  test('explain turns the AccessDenied message into the closed lock and the fix', async () => {
    const result = await cli(['explain', DENIED_MESSAGE])

    expect(result.stderr).toBe('')
    expect(result.code).toBe(1)
    expect(result.stdout).toContain(`Request: ${ROLE} kms:Decrypt on ${KEY}`)
    expect(result.stdout).toMatch(/key policy/i)
    expect(result.stdout).toContain(`"AWS": "${ROLE}"`)
    expect(result.stdout).toContain('"kms:Decrypt"')
  })

  test('explain gives the same verdict offline from fact files', async () => {
    const live = await cli(['explain', DENIED_MESSAGE, '--format', 'json'])
    const offline = await cli(
      [
        'explain',
        DENIED_MESSAGE,
        '--mode',
        'offline',
        '--facts',
        'aws-iam.json',
        '--facts',
        'aws-key.json',
        '--format',
        'json'
      ],
      { PATH: process.env.PATH, HOME: dir }
    )
    const verdict = (text: string) => {
      const report = JSON.parse(text)
      return report.results.map((result: { decision: string; closedLocks: string[] }) => [
        result.decision,
        result.closedLocks
      ])
    }
    expect(offline.code).toBe(1)
    expect(verdict(live.stdout)).toEqual(verdict(offline.stdout))
    expect(verdict(offline.stdout)).toEqual([['implicit-deny', ['key-policy']]])
  })

  test('snapshot writes fact files that reproduce the live run offline', async () => {
    const out = path.join(dir, 'snapshot')
    const snapshot = await cli(['snapshot', '--manifest', 'kms-access.yml', '--out', 'snapshot'])
    expect(snapshot.stderr).toBe('')
    expect(snapshot.code).toBe(0)
    expect((await readdir(out)).sort()).toEqual(['iam', 'kms'])

    const live = await cli([
      'check',
      '--manifest',
      'kms-access.yml',
      '--mode',
      'live',
      '--format',
      'json'
    ])
    const offline = await cli(
      ['check', '--manifest', 'kms-access.yml', '--facts', 'snapshot', '--format', 'json'],
      { PATH: process.env.PATH, HOME: dir }
    )
    const verdicts = (text: string) =>
      JSON.parse(text).results.map((result: { decision: string; closedLocks: string[] }) => [
        result.decision,
        result.closedLocks
      ])
    expect(JSON.parse(offline.stdout).mode).toBe('offline')
    expect(verdicts(offline.stdout)).toEqual(verdicts(live.stdout))
  })

  test('a denied key-policy read makes the result unknown and names the permission', async () => {
    emulator.reset()
    emulator.addFault({ operation: 'kms:GetKeyPolicy', kind: 'access-denied' })
    const result = await cli([
      'check',
      '--manifest',
      'kms-access.yml',
      '--mode',
      'live',
      '--format',
      'json'
    ])
    emulator.reset()

    const report = JSON.parse(result.stdout)
    expect(result.code).toBe(1)
    expect(report.counts.unknown).toBeGreaterThan(0)
    const reasons = report.results.flatMap(
      (entry: { evidence: { reasons: string[] } }) => entry.evidence.reasons
    )
    expect(reasons.join('\n')).toContain('kms:GetKeyPolicy')
    expect(report.live.calls).toContainEqual(
      expect.objectContaining({ operation: 'kms:GetKeyPolicy', failures: 1 })
    )
  })

  test('no credentials is one clear error with the input exit code', async () => {
    const result = await cli(['check', '--manifest', 'kms-access.yml', '--mode', 'live'], {
      PATH: process.env.PATH,
      HOME: dir,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ENDPOINT_URL: emulator.endpoint,
      AWS_REGION: 'us-east-1'
    })
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('a live run needs AWS credentials')
    expect(result.stderr.split('\n').filter((line) => line !== '')).toHaveLength(1)
  })
})

describe('dist/index.js live', () => {
  test('the action reports the mode and the locks from a live run', async () => {
    const summary = path.join(dir, 'summary.md')
    const output = path.join(dir, 'output.txt')
    await writeFile(summary, '')
    await writeFile(output, '')
    const env = childEnv({
      GITHUB_WORKSPACE: dir,
      GITHUB_STEP_SUMMARY: summary,
      GITHUB_OUTPUT: output,
      INPUT_MANIFEST: 'kms-access.yml',
      INPUT_MODE: 'live'
    })
    let stdout = ''
    try {
      await run('node', [path.join(ROOT, 'dist/index.js')], { cwd: dir, env })
    } catch (error) {
      stdout = (error as { stdout: string }).stdout
    }
    expect(stdout).toContain('::error')
    expect(await readFile(output, 'utf8')).toMatch(/^mode<<\S+\nlive\n/m)
    expect(await readFile(summary, 'utf8')).toContain('Facts read live from AWS')
  })
})
