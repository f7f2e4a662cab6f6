/**
 * The command line, run in-process on the bundled examples and on broken input.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { EXIT_INTERNAL_ERROR, runCli } from '../../src/run-cli.js'

const ROOT = path.resolve(import.meta.dirname, '..', '..')

interface Captured {
  code: number
  stdout: string
  stderr: string
}

async function cli(args: string[], cwd = ROOT): Promise<Captured> {
  let stdout = ''
  let stderr = ''
  const code = await runCli(args, {
    cwd,
    color: false,
    stdout: (text) => {
      stdout += text
    },
    stderr: (text) => {
      stderr += text
    }
  })
  return { code, stdout, stderr }
}

describe('examples', () => {
  it.each([
    ['01-admin-role-denied-by-key-policy/broken.yml', 1, ['key-policy']],
    ['01-admin-role-denied-by-key-policy/fixed.yml', 0, []],
    ['02-account-root-statement/broken.yml', 1, ['iam']],
    ['02-account-root-statement/fixed.yml', 0, []],
    ['03-cross-account-lambda/key-side-broken.yml', 1, ['key-policy']],
    ['03-cross-account-lambda/iam-side-broken.yml', 1, ['iam']],
    ['03-cross-account-lambda/fixed.yml', 0, []],
    ['04-service-principal/broken.yml', 1, ['key-policy']],
    ['04-service-principal/fixed.yml', 0, []],
    ['05-explicit-deny/broken.yml', 1, ['explicit-deny']],
    ['05-explicit-deny/fixed.yml', 0, []]
  ])('%s exits %i with the right closed locks', async (manifest, exitCode, locks) => {
    const result = await cli(['check', '--manifest', `examples/${manifest}`, '--format', 'json'])
    const report = JSON.parse(result.stdout)
    const failing = report.results.filter((entry: { status: string }) => entry.status !== 'pass')
    const closed = [
      ...new Set(failing.flatMap((entry: { closedLocks: string[] }) => entry.closedLocks))
    ]

    expect(result.stderr).toBe('')
    expect(result.code).toBe(exitCode)
    expect(closed).toEqual(locks)
  })

  it('names the key-policy fix for the admin role', async () => {
    const result = await cli([
      'check',
      '--manifest',
      'examples/01-admin-role-denied-by-key-policy/broken.yml',
      '--format',
      'json'
    ])
    const [first] = JSON.parse(result.stdout).results
    const change = first.remediation.changes.find(
      (candidate: { side: string }) => candidate.side === 'key-policy'
    )

    expect(change.accountId).toBe('111122223333')
    expect(change.statement.Principal).toEqual({ AWS: 'arn:aws:iam::111122223333:role/AppAdmin' })
    expect(change.statement.Action).toEqual(['kms:Decrypt', 'kms:DescribeKey'])
    expect(change.statement.Resource).toBe('*')
  })

  it('asks for both sides across accounts', async () => {
    const result = await cli([
      'check',
      '--manifest',
      'examples/03-cross-account-lambda/key-side-broken.yml',
      '--format',
      'json'
    ])
    const [first] = JSON.parse(result.stdout).results
    const keyChange = first.remediation.changes.find(
      (candidate: { side: string }) => candidate.side === 'key-policy'
    )

    expect(keyChange.accountId).toBe('111122223333')
    expect(keyChange.statement.Principal).toEqual({
      AWS: 'arn:aws:iam::444455556666:role/service-role/orders-fn-role'
    })
    expect(keyChange.description).toContain('IAM policies must allow the actions as well')
  })

  it('prints the closed lock and statement location as text', async () => {
    const result = await cli(['check', '--manifest', 'examples/05-explicit-deny/broken.yml'])

    expect(result.stdout).toContain('Closed locks: explicit-deny')
    expect(result.stdout).toContain('DenyOutsideVpcEndpoint')
    expect(result.stdout).toMatch(/examples\/05-explicit-deny\/facts\/key-payments\.json:\d+:\d+/)
    expect(result.stdout).not.toContain('\u001b[')
  })
})

describe('invalid input', () => {
  let dir: string

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'kms-gate-cli-'))
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  async function writeCase(manifest: string, facts: Record<string, string>): Promise<void> {
    await writeFile(path.join(dir, 'manifest.yml'), manifest)
    for (const [name, text] of Object.entries(facts)) await writeFile(path.join(dir, name), text)
  }

  const MANIFEST = `version: 1
defaults:
  region: us-east-1
facts: [facts.json]
expectations:
  - name: App decrypts
    principal: arn:aws:iam::111122223333:role/App
    key: arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab
    actions: [kms:Decrypt]
    expect: allow
`

  it('reports a misspelled manifest field with exit code 2', async () => {
    await writeCase(MANIFEST.replace('actions:', 'action:'), { 'facts.json': '[]' })
    const result = await cli(['check', '--manifest', 'manifest.yml'], dir)

    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/^kms-access-gate: error: manifest\.yml:9:5: /)
    expect(result.stderr).toContain('did you mean `actions`')
    expect(result.stderr.trim().split('\n')).toHaveLength(1)
    expect(result.stdout).toBe('')
  })

  it('reports invalid JSON in a fact file with its position', async () => {
    await writeCase(MANIFEST, { 'facts.json': '{\n  "KeyMetadata": {\n    "Arn": "x",\n  }\n}\n' })
    const result = await cli(['check', '--manifest', 'manifest.yml'], dir)

    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/facts\.json:\d+:\d+: /)
    expect(result.stderr).not.toContain('    at ')
  })

  it('reports a fact file of no known shape', async () => {
    await writeCase(MANIFEST, { 'facts.json': '{"Hello": "world"}' })
    const result = await cli(['check', '--manifest', 'manifest.yml'], dir)

    expect(result.code).toBe(2)
    expect(result.stderr).toContain('facts.json:1:1')
  })

  it('reports a missing manifest', async () => {
    const result = await cli(['check', '--manifest', 'missing.yml'], dir)

    expect(result.code).toBe(2)
    expect(result.stderr).toContain('missing.yml')
  })

  it('reports a fact pattern that matches nothing', async () => {
    await writeCase(MANIFEST, {})
    const result = await cli(
      ['check', '--manifest', 'manifest.yml', '--facts', 'nothing/*.json'],
      dir
    )

    expect(result.code).toBe(2)
    expect(result.stderr).toContain('nothing/*.json')
  })

  it('reports an unknown flag', async () => {
    const result = await cli(['check', '--manifset', 'x.yml'], dir)

    expect(result.code).toBe(2)
    expect(result.stderr).toContain('--help')
  })

  // A key document for another key: the expectation's key is then not in the facts.
  const OTHER_KEY = JSON.stringify({
    KeyMetadata: {
      AWSAccountId: '111122223333',
      KeyId: '0000aaaa-12ab-34cd-56ef-1234567890ab',
      Arn: 'arn:aws:kms:us-east-1:111122223333:key/0000aaaa-12ab-34cd-56ef-1234567890ab'
    }
  })

  it('fails on an unknown result unless told otherwise', async () => {
    await writeCase(MANIFEST, { 'facts.json': OTHER_KEY })
    const strict = await cli(['check', '--manifest', 'manifest.yml', '--format', 'json'], dir)
    const lenient = await cli(
      ['check', '--manifest', 'manifest.yml', '--fail-on-unknown', 'false'],
      dir
    )

    expect(strict.code).toBe(1)
    expect(JSON.parse(strict.stdout).results[0].decision).toBe('unknown')
    expect(lenient.code).toBe(0)
  })

  it('writes the report to --output', async () => {
    await writeCase(MANIFEST, { 'facts.json': OTHER_KEY })
    const result = await cli(
      ['check', '--manifest', 'manifest.yml', '--format', 'json', '--output', 'out/report.json'],
      dir
    )
    const written = JSON.parse(await readFile(path.join(dir, 'out', 'report.json'), 'utf8'))

    expect(result.stdout).toBe(
      'Report written to out/report.json: 0 passed, 0 failed, 1 unknown. Gate failed.\n'
    )
    expect(written.counts.unknown).toBe(1)
  })

  it('keeps the internal-error exit code apart from input errors', () => {
    expect(EXIT_INTERNAL_ERROR).toBe(3)
  })
})

describe('extra report files', () => {
  let dir: string

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'kms-gate-cli-files-'))
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('writes SARIF and the pull-request comment Markdown', async () => {
    const sarif = path.join(dir, 'gate.sarif')
    const markdown = path.join(dir, 'comment.md')
    const result = await cli([
      'check',
      '--manifest',
      'examples/06-cloudformation-key-policy/broken.yml',
      '--sarif',
      sarif,
      '--markdown',
      markdown
    ])

    expect(result.code).toBe(1)
    expect(JSON.parse(await readFile(sarif, 'utf8')).version).toBe('2.1.0')
    const comment = await readFile(markdown, 'utf8')
    expect(comment.startsWith('<!-- kms-access-gate:default -->')).toBe(true)
    expect(comment).toContain('```mermaid')
  })
})
