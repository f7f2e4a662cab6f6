/**
 * The action entry, run with INPUT_* variables, a temporary step summary and output file,
 * both in-process (src/main.ts with the real @actions/core) and as the built bundle.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'

const ROOT = path.resolve(import.meta.dirname, '..', '..')
const run = promisify(execFile)

interface ActionRun {
  code: number
  stdout: string
  summary: string
  outputs: Record<string, string>
}

/** Parses the `name<<delimiter` blocks that @actions/core writes to GITHUB_OUTPUT. */
function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  const pattern = /^([\w-]+)<<(\S+)\n([\s\S]*?)\n\2$/gm
  for (const match of text.matchAll(pattern)) outputs[match[1]] = match[3]
  return outputs
}

describe('action entry', () => {
  let dir: string

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'kms-gate-action-'))
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  async function runBundle(inputs: Record<string, string>): Promise<ActionRun> {
    const summaryFile = path.join(dir, 'summary.md')
    const outputFile = path.join(dir, 'output.txt')
    await writeFile(summaryFile, '')
    await writeFile(outputFile, '')
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      GITHUB_WORKSPACE: ROOT,
      GITHUB_STEP_SUMMARY: summaryFile,
      GITHUB_OUTPUT: outputFile,
      AWS_EC2_METADATA_DISABLED: 'true'
    }
    for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value

    let code = 0
    let stdout = ''
    try {
      const result = await run(process.execPath, [path.join(ROOT, 'dist', 'index.js')], {
        env,
        cwd: dir
      })
      stdout = result.stdout
    } catch (error) {
      const failed = error as { code: number; stdout: string }
      code = failed.code
      stdout = failed.stdout
    }
    return {
      code,
      stdout,
      summary: await readFile(summaryFile, 'utf8'),
      outputs: parseOutputs(await readFile(outputFile, 'utf8'))
    }
  }

  it('annotates a failing expectation on its manifest line', async () => {
    const result = await runBundle({
      manifest: 'examples/01-admin-role-denied-by-key-policy/broken.yml'
    })

    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(
      /::error title=Closed lock%3A key-policy,file=examples\/01-admin-role-denied-by-key-policy\/broken\.yml,line=10,col=5::/
    )
    expect(result.outputs.result).toBe('fail')
    expect(result.outputs.failed).toBe('2')
    expect(result.outputs.total).toBe('2')
    expect(result.summary).toContain('App admin reads application secrets')
    expect(result.summary).toContain('key-policy')
  })

  it('passes and writes the JSON report for a fixed example', async () => {
    const report = path.join(dir, 'report.json')
    const result = await runBundle({
      manifest: 'examples/03-cross-account-lambda/fixed.yml',
      'json-report': report
    })
    const written = JSON.parse(await readFile(report, 'utf8'))

    expect(result.code).toBe(0)
    expect(result.stdout).not.toContain('::error')
    expect(result.outputs.result).toBe('pass')
    expect(result.outputs['json-report']).toBe(report)
    expect(written.results[0].decision).toBe('allowed')
    expect(written.results[0].evidence.accessPaths).toEqual([
      'key-policy-trusts-account-and-iam-allows'
    ])
  })

  it('takes facts from the facts input', async () => {
    const result = await runBundle({
      manifest: 'examples/03-cross-account-lambda/fixed.yml',
      facts: 'examples/03-cross-account-lambda/iam-side-broken/\n'
    })

    expect(result.code).toBe(1)
    expect(result.stdout).toContain('Closed lock%3A iam')
  })

  it('switches workflow commands off around policy text', async () => {
    const sid = `${'word '.repeat(30)}::error title=Forged::All checks passed`
    const keyId = '1234abcd-12ab-34cd-56ef-1234567890ab'
    const keyArn = `arn:aws:kms:us-east-1:111122223333:key/${keyId}`
    const keyDocument = {
      KeyMetadata: {
        AWSAccountId: '111122223333',
        KeyId: keyId,
        Arn: keyArn,
        KeyState: 'Enabled',
        KeyUsage: 'ENCRYPT_DECRYPT',
        KeySpec: 'SYMMETRIC_DEFAULT',
        KeyManager: 'CUSTOMER'
      },
      Policy: {
        Version: '2012-10-17',
        Statement: [{ Sid: sid, Effect: 'Deny', Principal: '*', Action: 'kms:*', Resource: '*' }]
      },
      Grants: []
    }
    await writeFile(path.join(dir, 'key.json'), JSON.stringify(keyDocument))
    const manifest = path.join(dir, 'm.yml')
    await writeFile(
      manifest,
      `version: 1\nfacts: [key.json]\nexpectations:\n  - name: Service uses the key\n    principal: logs.us-east-1.amazonaws.com\n    key: ${keyArn}\n    actions: [kms:Decrypt]\n    expect: allow\n`
    )
    const result = await runBundle({ manifest })
    const lines = result.stdout.split('\n')
    const stop = lines.findIndex((line) => line.startsWith('::stop-commands::'))
    const token = lines[stop]?.slice('::stop-commands::'.length)
    const resume = lines.indexOf(`::${token}::`)
    // Lines the runner would read as a command: `::` after leading white space.
    const forged = lines.flatMap((line, index) =>
      line.trimStart().startsWith('::error title=Forged') ? [index] : []
    )

    expect(stop).toBeGreaterThanOrEqual(0)
    expect(resume).toBeGreaterThan(stop)
    expect(forged.length).toBeGreaterThan(0)
    expect(forged.every((index) => index > stop && index < resume)).toBe(true)
  })

  it('fails with exit code 2 and a located annotation on a bad manifest', async () => {
    const manifest = path.join(dir, 'bad.yml')
    await writeFile(manifest, 'version: 2\nexpectations: []\n')
    const result = await runBundle({ manifest })

    expect(result.code).toBe(2)
    expect(result.stdout).toMatch(/::error title=Invalid input,file=[^,]*bad\.yml,line=1,col=10::/)
    expect(result.stdout).not.toContain('    at ')
  })
})
