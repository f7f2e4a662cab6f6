import { getOctokit } from '@actions/github'
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import type { GitHubClient } from '../../src/github/client.js'
import { upsertPullRequestComment } from '../../src/github/comment.js'
import {
  commentMarker,
  MAX_COMMENT_LENGTH,
  renderPullRequestComment
} from '../../src/reports/pr-comment.js'
import { buildReport, hostileResult, mixedReport, sameAccountFailure } from '../reports/fixtures.js'
import {
  type GitHubApiServer,
  type StoredIssue,
  startGitHubApi
} from '../support/github-api/server.js'

const OWNER = 'octo'
const REPO = 'repo'
const PULL_NUMBER = 7

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
  body: string,
  overrides: { key?: string; mode?: 'always' | 'on-failure'; failed?: boolean } = {}
) {
  return upsertPullRequestComment(octokit, {
    owner: OWNER,
    repo: REPO,
    issueNumber: PULL_NUMBER,
    key: overrides.key ?? 'default',
    body,
    mode: overrides.mode ?? 'always',
    failed: overrides.failed ?? true
  })
}

function writes(): string[] {
  return server.requests
    .filter((request) => request.method !== 'GET')
    .map((request) => `${request.method} ${request.path}`)
}

describe('upsertPullRequestComment', () => {
  test('creates, then updates one comment', async () => {
    const first = await upsert(renderPullRequestComment(mixedReport(), { key: 'default' }))
    const second = await upsert(
      renderPullRequestComment(buildReport([sameAccountFailure()]), { key: 'default' })
    )

    expect(first).toEqual({ action: 'created', url: pullRequest.comments[0].html_url })
    expect(second).toEqual({ action: 'updated', url: pullRequest.comments[0].html_url })
    expect(pullRequest.comments).toHaveLength(1)
    expect(pullRequest.comments[0].body).toContain('**0 passed, 1 failed, 0 unknown**')
    expect(writes()).toEqual([
      `POST /repos/${OWNER}/${REPO}/issues/${PULL_NUMBER}/comments`,
      `PATCH /repos/${OWNER}/${REPO}/issues/comments/${pullRequest.comments[0].id}`
    ])
  })

  test('sends the token', async () => {
    await upsert('body')

    expect(server.requests.every((request) => request.authorization === 'token test-token')).toBe(
      true
    )
  })

  test('puts the marker in front of a body without it', async () => {
    await upsert('plain body', { key: 'leg-1' })

    expect(pullRequest.comments[0].body).toBe(`${commentMarker('leg-1')}\nplain body`)
  })

  test('finds the marker on page 3', async () => {
    const others = Array.from({ length: 250 }, (_, position) => `comment ${position}`)
    others[230] = `${commentMarker('default')}\nold report`
    const stored = server.addComments(pullRequest, others)

    const outcome = await upsert(`${commentMarker('default')}\nnew report`)
    const pages = server.requests
      .filter((request) => request.method === 'GET')
      .map((request) => request.query.page ?? '1')

    expect(outcome).toEqual({ action: 'updated', url: stored[230].html_url })
    expect(stored[230].body).toBe(`${commentMarker('default')}\nnew report`)
    expect(pullRequest.comments).toHaveLength(250)
    expect(pages).toEqual(['1', '2', '3'])
  })

  test('stops paging at the marker', async () => {
    const others = Array.from({ length: 250 }, (_, position) => `comment ${position}`)
    others[5] = `${commentMarker('default')}\nold report`
    server.addComments(pullRequest, others)

    await upsert(`${commentMarker('default')}\nnew report`)

    expect(server.requests.filter((request) => request.method === 'GET')).toHaveLength(1)
  })

  test('keeps comments of other keys apart', async () => {
    const [other] = server.addComments(pullRequest, [`${commentMarker('default-2')}\nother leg`])

    const outcome = await upsert('this leg', { key: 'default' })

    expect(outcome.action).toBe('created')
    expect(other.body).toBe(`${commentMarker('default-2')}\nother leg`)
    expect(pullRequest.comments).toHaveLength(2)
  })

  test('ignores a marker quoted inside a comment', async () => {
    server.addComments(pullRequest, [`> ${commentMarker('default')}\nquoted`], {
      login: 'someone',
      type: 'User'
    })

    const outcome = await upsert('report')

    expect(outcome.action).toBe('created')
  })

  test('skips a passing run in on-failure mode', async () => {
    const outcome = await upsert('passing report', { mode: 'on-failure', failed: false })

    expect(outcome).toEqual({ action: 'skipped' })
    expect(writes()).toEqual([])
  })

  test('updates a passing run in on-failure mode', async () => {
    const [existing] = server.addComments(pullRequest, [`${commentMarker('default')}\nfailed`])

    const outcome = await upsert(`${commentMarker('default')}\npassed`, {
      mode: 'on-failure',
      failed: false
    })

    expect(outcome.action).toBe('updated')
    expect(existing.body).toBe(`${commentMarker('default')}\npassed`)
  })

  test('creates a failing run in on-failure mode', async () => {
    const outcome = await upsert('failed report', { mode: 'on-failure', failed: true })

    expect(outcome.action).toBe('created')
  })

  test('writes a shortened comment that GitHub accepts', async () => {
    const results = Array.from({ length: 3000 }, (_, position) => ({
      ...sameAccountFailure(),
      expectation: `expectation-${position}`
    }))
    const body = renderPullRequestComment(buildReport(results), {
      key: 'default',
      summaryUrl: 'https://github.test/octo/repo/actions/runs/1'
    })

    const outcome = await upsert(body)

    expect(outcome.action).toBe('created')
    expect(pullRequest.comments[0].body.length).toBeLessThanOrEqual(MAX_COMMENT_LENGTH)
    expect(pullRequest.comments[0].body).toContain('this comment is shortened')
  })

  test('writes hostile policy text escaped', async () => {
    const key = 'leg --> <b>x</b>'
    await upsert(renderPullRequestComment(buildReport([hostileResult()]), { key }), { key })
    const second = await upsert(renderPullRequestComment(buildReport([hostileResult()]), { key }), {
      key
    })
    const stored = pullRequest.comments[0].body

    expect(second.action).toBe('updated')
    expect(pullRequest.comments).toHaveLength(1)
    expect(stored.split('\n')[0]).toBe(commentMarker(key))
    expect(stored).not.toContain('<script>')
    expect(stored).not.toContain('<b>')
    expect(stored).toContain('@\u200boctocat')
  })
})

describe('upsertPullRequestComment errors', () => {
  const listPath = /\/issues\/7\/comments$/

  test('turns 403 into a permission warning', async () => {
    server.fail({ path: listPath, status: 403, message: 'Resource not accessible by integration' })

    const outcome = await upsert('report')

    expect(outcome.action).toBe('not-permitted')
    if (outcome.action !== 'not-permitted') return
    expect(outcome.warning).toContain('403')
    expect(outcome.warning).toContain('Resource not accessible by integration')
    expect(outcome.warning).toContain('`permissions: pull-requests: write`')
    expect(outcome.warning).toContain('forks get a read-only token')
  })

  test('turns 403 on create into a permission warning', async () => {
    server.fail({
      method: 'POST',
      path: listPath,
      status: 403,
      message: 'Resource not accessible by integration'
    })

    const outcome = await upsert('report')

    expect(outcome.action).toBe('not-permitted')
    expect(pullRequest.comments).toHaveLength(0)
  })

  test('turns 403 on update into a permission warning', async () => {
    server.addComments(pullRequest, [`${commentMarker('default')}\nold`])
    server.fail({ method: 'PATCH', path: /\/issues\/comments\/\d+$/, status: 403 })

    const outcome = await upsert('report')

    expect(outcome.action).toBe('not-permitted')
  })

  test('turns 404 into a permission warning', async () => {
    server.fail({ path: listPath, status: 404, message: 'Not Found' })

    const outcome = await upsert('report')

    expect(outcome.action).toBe('not-permitted')
    if (outcome.action !== 'not-permitted') return
    expect(outcome.warning).toContain('404')
    expect(outcome.warning).toContain('`permissions: pull-requests: write`')
  })

  test('reports 422 with its message', async () => {
    server.fail({ method: 'POST', path: listPath, status: 422, message: 'Validation Failed' })

    const outcome = await upsert('report')

    expect(outcome.action).toBe('failed')
    if (outcome.action !== 'failed') return
    expect(outcome.warning).toContain('GitHub answered 422')
    expect(outcome.warning).toContain('Validation Failed')
    expect(outcome.warning).not.toContain('permissions:')
  })

  test('reports a 502 with its message', async () => {
    server.fail({ path: listPath, status: 502, message: 'Bad Gateway' })

    const outcome = await upsert('report')

    expect(outcome.action).toBe('failed')
    if (outcome.action !== 'failed') return
    expect(outcome.warning).toContain('GitHub answered 502')
  })

  test('reports a rate limit apart from permissions', async () => {
    server.fail({
      path: listPath,
      status: 403,
      message: 'API rate limit exceeded',
      headers: { 'x-ratelimit-remaining': '0' }
    })

    const outcome = await upsert('report')

    expect(outcome.action).toBe('failed')
  })

  test('reports a body GitHub rejects as too long', async () => {
    const outcome = await upsert('x'.repeat(MAX_COMMENT_LENGTH + 1))

    expect(outcome.action).toBe('failed')
    if (outcome.action !== 'failed') return
    expect(outcome.warning).toContain('422')
  })

  test('reports an unreachable server', async () => {
    await server.stop()

    const outcome = await upsert('report')

    expect(outcome.action).toBe('failed')
  })
})
