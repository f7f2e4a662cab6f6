/**
 * Applies the statements the tool suggests to the broken examples' facts, as a user pasting
 * them would, and checks that the check then passes. A fix that widens access too far fails
 * here, because the examples also hold deny expectations.
 */
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from '@jest/globals'
import type { CheckReport } from '../../src/check/results.js'
import { runCli } from '../../src/run-cli.js'

const ROOT = path.resolve(import.meta.dirname, '..', '..')
// Fact documents are walked loosely here; the loader validates them when the check runs.
// biome-ignore lint/suspicious/noExplicitAny: test code edits untyped JSON documents
type Json = Record<string, any>

async function check(
  manifest: string,
  cwd: string
): Promise<{ code: number; report: CheckReport }> {
  let stdout = ''
  const code = await runCli(['check', '--manifest', manifest, '--format', 'json'], {
    cwd,
    color: false,
    stdout: (text) => {
      stdout += text
    },
    stderr: () => {}
  })
  return { code, report: JSON.parse(stdout) as CheckReport }
}

/** Adds a key-policy statement to every key document in `dir` whose ARN is `keyArn`. */
async function addKeyPolicyStatement(dir: string, keyArn: string, statement: Json): Promise<void> {
  for (const file of await readdir(dir)) {
    const document = JSON.parse(await readFile(path.join(dir, file), 'utf8')) as Json
    if (document.KeyMetadata?.Arn !== keyArn) continue
    const policy = JSON.parse(document.Policy) as Json
    policy.Statement.push(statement)
    document.Policy = JSON.stringify(policy, null, 2)
    await writeFile(path.join(dir, file), JSON.stringify(document, null, 2))
  }
}

/** Adds an inline policy with `statement` to the role `roleArn` in the IAM documents in `dir`. */
async function addRoleStatement(dir: string, roleArn: string, statement: Json): Promise<void> {
  for (const file of await readdir(dir)) {
    const document = JSON.parse(await readFile(path.join(dir, file), 'utf8')) as Json
    const role = (document.RoleDetailList ?? []).find(
      (candidate: Json) => candidate.Arn === roleArn
    )
    if (!role) continue
    role.RolePolicyList.push({
      PolicyName: 'PastedFix',
      PolicyDocument: { Version: '2012-10-17', Statement: [statement] }
    })
    await writeFile(path.join(dir, file), JSON.stringify(document, null, 2))
  }
}

describe('pasted fixes', () => {
  let work: string | undefined

  afterEach(async () => {
    if (work) await rm(work, { recursive: true, force: true })
  })

  it.each([
    ['01-admin-role-denied-by-key-policy', 'broken.yml', 'facts'],
    ['02-account-root-statement', 'broken.yml', 'facts'],
    ['03-cross-account-lambda', 'key-side-broken.yml', 'key-side-broken'],
    ['03-cross-account-lambda', 'iam-side-broken.yml', 'iam-side-broken'],
    ['04-service-principal', 'broken.yml', 'facts']
  ])('%s/%s passes after pasting', async (example, manifest, factsFolder) => {
    work = await mkdtemp(path.join(tmpdir(), 'kms-gate-paste-'))
    await cp(path.join(ROOT, 'examples', example), work, { recursive: true })
    const before = await check(manifest, work)
    expect(before.code).toBe(1)

    const factsDir = path.join(work, factsFolder)
    const applied = new Set<string>()
    for (const result of before.report.results.filter((entry) => entry.status === 'fail')) {
      for (const change of result.remediation?.changes ?? []) {
        if (!change.statement || applied.has(`${change.side}:${JSON.stringify(change.statement)}`))
          continue
        applied.add(`${change.side}:${JSON.stringify(change.statement)}`)
        if (change.side === 'key-policy')
          await addKeyPolicyStatement(factsDir, result.key, change.statement)
        if (change.side === 'iam') await addRoleStatement(factsDir, change.target, change.statement)
      }
    }
    const after = await check(manifest, work)

    expect(applied.size).toBeGreaterThan(0)
    expect(
      after.report.results.map((entry) => [entry.expectation, entry.action, entry.status])
    ).toEqual(after.report.results.map((entry) => [entry.expectation, entry.action, 'pass']))
    expect(after.code).toBe(0)
  })
})
