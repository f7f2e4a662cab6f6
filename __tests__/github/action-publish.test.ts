/**
 * The built action (dist/index.js) on a pull_request event, against a loopback GitHub API:
 * the first run creates one comment, the second updates it. A scheduled drift run opens,
 * updates and closes one tracking issue across three runs.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { type GitHubApiServer, startGitHubApi } from '../support/github-api/server.js'

const ROOT = path.resolve(import.meta.dirname, '..', '..')
const run = promisify(execFile)

let dir: string
let api: GitHubApiServer

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'kms-gate-publish-'))
  api = await startGitHubApi()
})

afterAll(async () => {
  await api.stop()
  await rm(dir, { recursive: true, force: true })
})

/** Runs the bundle as the action would, with the given inputs and event. */
async function runAction(inputs: Record<string, string>, event: object, eventName: string) {
  const eventPath = path.join(dir, 'event.json')
  const output = path.join(dir, 'output.txt')
  const summary = path.join(dir, 'summary.md')
  await writeFile(eventPath, JSON.stringify(event))
  await writeFile(output, '')
  await writeFile(summary, '')
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    GITHUB_WORKSPACE: ROOT,
    GITHUB_OUTPUT: output,
    GITHUB_STEP_SUMMARY: summary,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_EVENT_NAME: eventName,
    GITHUB_REPOSITORY: 'acme/platform',
    GITHUB_API_URL: api.url,
    GITHUB_SERVER_URL: 'https://github.test',
    GITHUB_RUN_ID: '42',
    AWS_EC2_METADATA_DISABLED: 'true',
    'INPUT_GITHUB-TOKEN': 'test-token'
  }
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value
  let stdout = ''
  try {
    ;({ stdout } = await run('node', [path.join(ROOT, 'dist/index.js')], { cwd: ROOT, env }))
  } catch (error) {
    stdout = (error as { stdout: string }).stdout
  }
  return { stdout, output: await readFile(output, 'utf8') }
}

describe('pull-request comment', () => {
  it('creates one comment, then updates it in place', async () => {
    const pull = api.addPullRequest('acme', 'platform', 7)
    const event = { pull_request: { number: 7 } }
    const inputs = { manifest: 'examples/06-cloudformation-key-policy/broken.yml' }

    const first = await runAction(inputs, event, 'pull_request')
    expect(pull.comments).toHaveLength(1)
    expect(pull.comments[0].body).toContain('<!-- kms-access-gate:default -->')
    expect(first.output).toMatch(/^comment-url<<\S+\nhttps:\/\/github\.test\//m)

    await runAction(
      { manifest: 'examples/06-cloudformation-key-policy/fixed.yml' },
      event,
      'pull_request'
    )
    expect(pull.comments).toHaveLength(1)
    expect(pull.comments[0].body).toContain('passed')
  })

  it('warns and keeps the gate result when the token may not comment', async () => {
    api.addPullRequest('acme', 'platform', 8)
    api.fail({ method: 'POST', path: /\/issues\/8\/comments$/, status: 403 })
    const result = await runAction(
      { manifest: 'examples/06-cloudformation-key-policy/fixed.yml' },
      { pull_request: { number: 8 } },
      'pull_request'
    )
    expect(result.stdout).toMatch(/::warning::.*pull-requests: write/)
    expect(result.output).toMatch(/^result<<\S+\npass\n/m)
  })
})

describe('drift issue', () => {
  it('keeps no drift issue on a pull request, which checks a change, not the account', async () => {
    api.addPullRequest('acme', 'platform', 9)
    const before = api.issuesOf('acme', 'platform').length
    await runAction(
      {
        'drift-issue': 'on',
        comment: 'never',
        manifest: 'examples/01-admin-role-denied-by-key-policy/broken.yml',
        'drift-issue-label': 'pr-drift'
      },
      { pull_request: { number: 9 } },
      'pull_request'
    )
    expect(api.issuesOf('acme', 'platform')).toHaveLength(before)
  })

  it('opens, updates and closes one issue across three runs', async () => {
    const drift = { 'drift-issue': 'on', comment: 'never' }
    const issues = () =>
      api
        .issuesOf('acme', 'platform')
        .filter((issue) => issue.labels.some((label) => label.name === 'kms-access-drift'))

    await runAction(
      { ...drift, manifest: 'examples/01-admin-role-denied-by-key-policy/broken.yml' },
      {},
      'schedule'
    )
    expect(issues()).toHaveLength(1)
    expect(issues()[0].state).toBe('open')

    await runAction({ ...drift, manifest: 'examples/05-explicit-deny/broken.yml' }, {}, 'schedule')
    expect(issues()).toHaveLength(1)
    expect(issues()[0].comments.length).toBeGreaterThan(0)

    await runAction({ ...drift, manifest: 'examples/05-explicit-deny/fixed.yml' }, {}, 'schedule')
    expect(issues()).toHaveLength(1)
    expect(issues()[0].state).toBe('closed')
  })
})
