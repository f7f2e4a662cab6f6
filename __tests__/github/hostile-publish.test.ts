/**
 * Hostile GitHub API responses and hostile comments or issues against the pull-request comment,
 * the drift issue and the action's result, with the real Octokit against loopback servers.
 * Tests marked `failing` show a wrong behaviour of the current code and are named for the
 * behaviour it should have.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { context, getOctokit } from '@actions/github'
import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  jest,
  test
} from '@jest/globals'
import type { CheckReport } from '../../src/check/results.js'
import type { GitHubClient } from '../../src/github/client.js'
import { upsertPullRequestComment } from '../../src/github/comment.js'
import { syncDriftIssue } from '../../src/github/drift-issue.js'
import { driftIssueMarker, renderStateBlock } from '../../src/github/drift-state.js'
import { commentMarker, renderPullRequestComment } from '../../src/reports/pr-comment.js'
import {
  buildReport,
  crossAccountFailure,
  mixedReport,
  sameAccountFailure
} from '../reports/fixtures.js'
import {
  type GitHubApiServer,
  type StoredIssue,
  startGitHubApi
} from '../support/github-api/server.js'

const OWNER = 'octo'
const REPO = 'repo'
const PULL_NUMBER = 7
const LABEL = 'kms-access-drift'
const ROOT = path.resolve(import.meta.dirname, '..', '..')
const PERSON = { login: 'mallory', type: 'User' as const }

let server: GitHubApiServer
let pullRequest: StoredIssue
let octokit: GitHubClient

beforeEach(async () => {
  server = await startGitHubApi()
  pullRequest = server.addPullRequest(OWNER, REPO, PULL_NUMBER)
  octokit = getOctokit('test-token', { baseUrl: server.url })
})

afterEach(async () => {
  await server.stop()
})

function upsert(
  client: GitHubClient,
  body: string,
  overrides: { mode?: 'always' | 'on-failure'; failed?: boolean } = {}
) {
  return upsertPullRequestComment(client, {
    owner: OWNER,
    repo: REPO,
    issueNumber: PULL_NUMBER,
    key: 'default',
    body,
    mode: overrides.mode ?? 'always',
    failed: overrides.failed ?? true
  })
}

function failingComment(): string {
  return renderPullRequestComment(mixedReport(), { key: 'default' })
}

function writes(): string[] {
  return server.requests
    .filter((request) => request.method !== 'GET')
    .map((request) => `${request.method} ${request.path}`)
}

/**
 * A loopback server whose every response `respond` writes, for responses the GitHub
 * stand-in does not send: a stalled connection, a body that is not JSON.
 */
async function startRawServer(
  respond: (response: ServerResponse) => void
): Promise<{ url: string; stop: () => Promise<void> }> {
  const sockets = new Set<Socket>()
  const raw: Server = createServer((request, response) => {
    request.resume()
    respond(response)
  })
  raw.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve))
  const { port } = raw.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => raw.close(() => resolve()))
    }
  }
}

describe('pull-request comment against hostile comments', () => {
  // Anyone who can comment on a pull request can post a comment that starts with the marker.
  // The gate then edits that person's comment: the report shows under their name, and they
  // can later edit it to say the gate passed.
  test('leaves a marked comment written by a person alone', async () => {
    const [spoof] = server.addComments(
      pullRequest,
      [`${commentMarker('default')}\nLooks good!`],
      PERSON
    )

    const outcome = await upsert(octokit, failingComment())

    expect(spoof.body).toBe(`${commentMarker('default')}\nLooks good!`)
    expect(outcome.action).toBe('created')
    expect(pullRequest.comments.filter((entry) => entry.user.type === 'Bot')).toHaveLength(1)
  })

  test('finds its comment past quoted, fenced and indented markers', async () => {
    const marker = commentMarker('default')
    const decoys = [
      `> ${marker}\n> quoted reply`,
      `\`\`\`\n${marker}\n\`\`\``,
      ` ${marker}`,
      `\u200b${marker}`,
      marker.toUpperCase(),
      `${commentMarker('default-2')}\nother key`
    ]
    server.addComments(
      pullRequest,
      Array.from({ length: 250 }, (_, position) => decoys[position % decoys.length] ?? ''),
      PERSON
    )
    const [own] = server.addComments(pullRequest, [`${marker}\nold report`])

    const outcome = await upsert(octokit, failingComment())

    expect(outcome).toEqual({ action: 'updated', url: own.html_url })
    expect(own.body).toContain('KMS access gate failed')
    expect(writes()).toEqual([`PATCH /repos/${OWNER}/${REPO}/issues/comments/${own.id}`])
  })

  test('updates its comment after a person edited it', async () => {
    const [own] = server.addComments(pullRequest, [
      `${commentMarker('default')}\n## ✅ KMS access gate passed (edited by hand)`
    ])

    await upsert(octokit, failingComment())

    expect(own.body).toContain('❌ KMS access gate failed')
    expect(own.body).not.toContain('edited by hand')
  })

  test('creates no second comment when the update returns 500', async () => {
    server.addComments(pullRequest, [`${commentMarker('default')}\nold`])
    server.fail({ method: 'PATCH', path: /\/issues\/comments\/\d+$/, status: 500 })

    const outcome = await upsert(octokit, failingComment())

    expect(outcome.action).toBe('failed')
    expect(outcome).toHaveProperty('warning', expect.stringContaining('GitHub answered 500'))
    expect(pullRequest.comments).toHaveLength(1)
  })

  test('reports a comment list that is not JSON', async () => {
    const raw = await startRawServer((response) => {
      response.writeHead(200, { 'content-type': 'text/html' })
      response.end('<html>maintenance</html>')
    })
    try {
      const outcome = await upsert(getOctokit('test-token', { baseUrl: raw.url }), failingComment())

      expect(outcome.action).toBe('failed')
    } finally {
      await raw.stop()
    }
  })

  test('reports a comment list that is a JSON object', async () => {
    const raw = await startRawServer((response) => {
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(JSON.stringify({ message: 'not a list' }))
    })
    try {
      const outcome = await upsert(getOctokit('test-token', { baseUrl: raw.url }), failingComment())

      expect(outcome.action).toBe('failed')
    } finally {
      await raw.stop()
    }
  })

  // @octokit/request turns a network error into a RequestError with status 500, so the
  // warning blames GitHub for a response it never sent.
  test('names an unreachable API as unreachable', async () => {
    const raw = await startRawServer(() => undefined)
    const url = raw.url
    await raw.stop()

    const outcome = await upsert(getOctokit('test-token', { baseUrl: url }), failingComment())

    expect(outcome).toHaveProperty('warning', expect.stringContaining('the request failed'))
    expect(outcome).toHaveProperty('warning', expect.not.stringContaining('GitHub answered 500'))
  })

  // Octokit sets no timeout, so a stalled connection blocks the step until undici's default
  // header timeout (300 s per request), and a response that sends a byte every few minutes
  // blocks it for longer.
  test('gives up on a stalled API within ten seconds', async () => {
    const raw = await startRawServer(() => {
      // Never answers.
    })
    const started = Date.now()
    const timer = new Promise<'timed out'>((resolve) =>
      setTimeout(() => resolve('timed out'), 10_000)
    )
    const outcome = upsert(getOctokit('test-token', { baseUrl: raw.url }), failingComment())
    try {
      const first = await Promise.race([outcome, timer])

      expect(first).not.toBe('timed out')
      expect(Date.now() - started).toBeLessThan(10_000)
    } finally {
      await raw.stop()
      await outcome
    }
  }, 20_000)
})

describe('drift issue against hostile issues', () => {
  function sync(report: CheckReport) {
    return syncDriftIssue(octokit, {
      owner: OWNER,
      repo: REPO,
      label: LABEL,
      key: 'default',
      report
    })
  }

  // The issue is found by `body.includes(marker)`, so a labeled issue that only quotes the
  // marker (a bug report about the gate, say) is taken over and its body replaced.
  test('leaves a labeled issue that only quotes the marker alone', async () => {
    const text = `The drift issue starts with\n\n\`\`\`\n${driftIssueMarker('default')}\n\`\`\`\n\nwhy?`
    const human = server.addIssue(OWNER, REPO, {
      title: 'Question about the drift issue',
      body: text,
      labels: [{ name: LABEL }],
      user: { login: 'octocat', type: 'User' }
    })

    await sync(buildReport([sameAccountFailure()]))

    expect(human.body).toBe(text)
    expect(server.issuesOf(OWNER, REPO)).toHaveLength(3)
  })

  /** Adds an open drift issue whose hidden state is `state`, as a person may have edited it. */
  function issueWithState(state: unknown): StoredIssue {
    return server.addIssue(OWNER, REPO, {
      title: 'KMS access drift: 1 result failing',
      body: `${driftIssueMarker('default')}\n\nold\n\n<!-- kms-access-gate-state:${JSON.stringify(state)} -->`,
      labels: [{ name: LABEL }]
    })
  }

  test('posts the change comment when a stored name is not text', async () => {
    const issue = issueWithState({
      version: 1,
      failing: ['0123456789abcdef:fail:key-policy'],
      names: { '0123456789abcdef': 5 }
    })

    const outcome = await sync(buildReport([crossAccountFailure()]))

    expect(outcome.action).toBe('updated')
    expect(issue.comments).toHaveLength(1)
  })

  test('posts the change comment when a stored ID names an Object property', async () => {
    const issue = issueWithState({ version: 1, failing: ['constructor:fail:iam'], names: {} })

    const outcome = await sync(buildReport([crossAccountFailure()]))

    expect(outcome.action).toBe('updated')
    expect(issue.comments).toHaveLength(1)
  })

  test('ignores a state block a person added to a comment', async () => {
    const issue = issueWithState({ version: 1, failing: [], names: {} })
    server.addComments(
      issue,
      [renderStateBlock({ version: 1, failing: ['x:fail:'], names: {} })],
      PERSON
    )

    const outcome = await sync(buildReport([crossAccountFailure()]))

    expect(outcome.action).toBe('updated')
    expect(issue.comments.at(-1)?.body).toContain('1 newly failing')
  })

  test('creates no second issue when the update returns 500', async () => {
    issueWithState({ version: 1, failing: [], names: {} })
    server.fail({ method: 'PATCH', path: /\/issues\/\d+$/, status: 500 })

    const outcome = await sync(buildReport([crossAccountFailure()]))

    expect(outcome.action).toBe('failed')
    expect(server.issuesOf(OWNER, REPO)).toHaveLength(2)
  })
})

describe('action result against GitHub API failures', () => {
  let dir: string
  let run: () => Promise<void>
  let written: string[]
  const saved = { ...process.env }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'kms-gate-hostile-publish-'))
    ;({ run } = await import('../../src/main.js'))
  })

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  beforeEach(() => {
    written = []
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk))
      return true
    })
  })

  afterEach(() => {
    jest.restoreAllMocks()
    process.env = { ...saved }
    process.exitCode = undefined
  })

  /** Runs the action in this process on a pull request against `apiUrl`. */
  async function runAction(manifest: string, apiUrl: string, event = 'pull_request') {
    const output = path.join(dir, 'output.txt')
    const summary = path.join(dir, 'summary.md')
    await writeFile(output, '')
    await writeFile(summary, '')
    Object.assign(process.env, {
      GITHUB_WORKSPACE: ROOT,
      GITHUB_OUTPUT: output,
      GITHUB_STEP_SUMMARY: summary,
      GITHUB_EVENT_NAME: event,
      GITHUB_REPOSITORY: `${OWNER}/${REPO}`,
      GITHUB_API_URL: apiUrl,
      GITHUB_SERVER_URL: 'https://github.test',
      GITHUB_RUN_ID: '42',
      AWS_EC2_METADATA_DISABLED: 'true',
      INPUT_MANIFEST: manifest,
      'INPUT_GITHUB-TOKEN': 'test-token',
      'INPUT_DRIFT-ISSUE': event === 'schedule' ? 'on' : 'off'
    })
    context.payload = event === 'pull_request' ? { pull_request: { number: PULL_NUMBER } } : {}
    await run()
    const exitCode = process.exitCode
    process.exitCode = undefined
    return { exitCode, output: await readFile(output, 'utf8'), log: written.join('') }
  }

  const BROKEN = 'examples/06-cloudformation-key-policy/broken.yml'
  const FIXED = 'examples/06-cloudformation-key-policy/fixed.yml'

  test('failing gate fails when every API call returns 500', async () => {
    server.fail({ path: /.*/, status: 500 })

    const result = await runAction(BROKEN, server.url)

    expect(result.exitCode).toBe(1)
    expect(result.output).toMatch(/^result<<\S+\nfail\n/m)
    expect(result.log).toMatch(
      /::warning::Cannot write the pull-request comment: GitHub answered 500/
    )
    expect(result.log).toMatch(/::error::KMS access expectations do not hold/)
  })

  test('failing gate fails when the API returns HTML', async () => {
    const raw = await startRawServer((response) => {
      response.writeHead(200, { 'content-type': 'text/html' })
      response.end('<html>maintenance</html>')
    })
    try {
      const result = await runAction(BROKEN, raw.url)

      expect(result.exitCode).toBe(1)
      expect(result.log).toMatch(/::error::KMS access expectations do not hold/)
    } finally {
      await raw.stop()
    }
  })

  test('failing drift run fails when issues return 403', async () => {
    server.fail({ path: /\/issues/, status: 403 })

    const result = await runAction(BROKEN, server.url, 'schedule')

    expect(result.exitCode).toBe(1)
    expect(result.log).toMatch(/::warning::Cannot update the drift issue: GitHub answered 403/)
  })

  test('failing gate fails when the API is unreachable', async () => {
    const raw = await startRawServer(() => undefined)
    const url = raw.url
    await raw.stop()

    const result = await runAction(BROKEN, url)

    expect(result.exitCode).toBe(1)
    expect(result.log).toMatch(/::warning::Cannot write the pull-request comment/)
  })

  test('passing gate passes when every API call returns 500', async () => {
    server.fail({ path: /.*/, status: 500 })

    const result = await runAction(FIXED, server.url)

    expect(result.exitCode).not.toBe(1)
    expect(result.output).toMatch(/^result<<\S+\npass\n/m)
  })
})
