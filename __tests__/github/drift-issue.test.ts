import { getOctokit } from '@actions/github'
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import type { CheckReport, ExpectationResult } from '../../src/check/results.js'
import type { GitHubClient } from '../../src/github/client.js'
import { syncDriftIssue } from '../../src/github/drift-issue.js'
import { driftIssueMarker, readDriftState } from '../../src/github/drift-state.js'
import { MAX_COMMENT_LENGTH } from '../../src/reports/pr-comment.js'
import {
  buildReport,
  crossAccountFailure,
  explicitDenyFailure,
  HOSTILE,
  passingResult,
  sameAccountFailure,
  unknownResult
} from '../reports/fixtures.js'
import { type GitHubApiServer, startGitHubApi } from '../support/github-api/server.js'

const OWNER = 'octo'
const REPO = 'repo'
const LABEL = 'kms-access-drift'
const RUN_URL = 'https://github.test/octo/repo/actions/runs/'

let server: GitHubApiServer
let octokit: GitHubClient

beforeEach(async () => {
  server = await startGitHubApi()
  octokit = getOctokit('test-token', { baseUrl: server.url })
})

afterEach(async () => {
  await server.stop()
})

function passed(result: ExpectationResult): ExpectationResult {
  return { ...result, status: 'pass', passed: true, decision: 'allowed', remediation: undefined }
}

function sync(report: CheckReport, options: { key?: string; run?: number } = {}) {
  return syncDriftIssue(octokit, {
    owner: OWNER,
    repo: REPO,
    label: LABEL,
    key: options.key ?? 'nightly',
    report,
    runUrl: `${RUN_URL}${options.run ?? 1}`
  })
}

function issues() {
  return server.issuesOf(OWNER, REPO)
}

describe('syncDriftIssue', () => {
  test('opens, updates and closes across three runs', async () => {
    const first = await sync(buildReport([sameAccountFailure(), crossAccountFailure()]), { run: 1 })

    expect(first).toEqual({ action: 'opened', issueNumber: 1, url: issues()[0].html_url })
    const issue = issues()[0]
    expect(issue.labels).toEqual([{ name: LABEL }])
    expect(issue.title).toBe('KMS access drift (nightly): 2 results failing')
    expect(issue.body.startsWith(driftIssueMarker('nightly'))).toBe(true)
    expect(issue.body).toContain('app\\-uses\\-data\\-key')
    expect(issue.body).toContain('partner\\-reads\\-exports')
    expect(issue.body).toContain(`[this run](<${RUN_URL}1>)`)
    expect(readDriftState(issue.body)?.failing).toHaveLength(2)

    const second = await sync(
      buildReport([passed(sameAccountFailure()), crossAccountFailure(), explicitDenyFailure()]),
      { run: 2 }
    )

    expect(second).toEqual({ action: 'updated', issueNumber: 1, url: issue.html_url })
    expect(issues()).toHaveLength(1)
    expect(issue.title).toBe('KMS access drift (nightly): 2 results failing')
    expect(issue.body).toContain('app\\-encrypts\\-outside\\-vpc')
    expect(issue.body).not.toContain('app\\-uses\\-data\\-key')
    const change = issue.comments[0].body
    expect(change).toContain(
      `[This run](<${RUN_URL}2>): 1 newly failing, 1 fixed, 1 still failing.`
    )
    expect(
      change.slice(change.indexOf('**Newly failing**'), change.indexOf('**Fixed**'))
    ).toContain('app\\-encrypts\\-outside\\-vpc')
    expect(
      change.slice(change.indexOf('**Fixed**'), change.indexOf('**Still failing**'))
    ).toContain('app\\-uses\\-data\\-key')
    expect(change.slice(change.indexOf('**Still failing**'))).toContain('partner\\-reads\\-exports')

    const third = await sync(
      buildReport([passed(sameAccountFailure()), passed(crossAccountFailure())]),
      { run: 3 }
    )

    expect(third).toEqual({ action: 'closed', issueNumber: 1, url: issue.html_url })
    expect(issue.state).toBe('closed')
    expect(issue.state_reason).toBe('completed')
    expect(issue.comments).toHaveLength(2)
    expect(issue.comments[1].body).toContain(
      `[This run](<${RUN_URL}3>): every expectation holds again`
    )
    expect(readDriftState(issue.body)?.failing).toEqual([])
  })

  test('writes nothing when the same results fail', async () => {
    const report = buildReport([sameAccountFailure(), crossAccountFailure()])
    await sync(report, { run: 1 })
    const writesBefore = server.requests.filter((request) => request.method !== 'GET').length

    const outcome = await sync(report, { run: 2 })

    expect(outcome.action).toBe('unchanged')
    expect(server.requests.filter((request) => request.method !== 'GET')).toHaveLength(writesBefore)
  })

  test('updates the issue when a result fails for another reason', async () => {
    const failure = sameAccountFailure()
    await sync(buildReport([failure]), { run: 1 })

    const otherLock: ExpectationResult = { ...failure, closedLocks: ['iam'] }
    const outcome = await sync(buildReport([otherLock]), { run: 2 })

    expect(outcome.action).toBe('updated')
  })

  test('does nothing when all pass and no issue is open', async () => {
    const outcome = await sync(buildReport([passingResult()]))

    expect(outcome).toEqual({ action: 'none' })
    expect(issues()).toHaveLength(0)
  })

  test('opens a new issue after the last one closed', async () => {
    await sync(buildReport([sameAccountFailure()]), { run: 1 })
    await sync(buildReport([passed(sameAccountFailure())]), { run: 2 })

    const outcome = await sync(buildReport([sameAccountFailure()]), { run: 3 })

    expect(outcome).toMatchObject({ action: 'opened', issueNumber: 2 })
  })

  test('tracks unknown results only when they fail the gate', async () => {
    const counted = await sync(buildReport([unknownResult()], { failOnUnknown: true }), {
      key: 'a'
    })
    const ignored = await sync(buildReport([unknownResult()], { failOnUnknown: false }), {
      key: 'b'
    })

    expect(counted.action).toBe('opened')
    expect(ignored.action).toBe('none')
  })

  test('counts a status change as a change', async () => {
    await sync(buildReport([sameAccountFailure()]))
    const unknown: ExpectationResult = { ...sameAccountFailure(), status: 'unknown' }

    const outcome = await sync(buildReport([unknown]))

    expect(outcome.action).toBe('updated')
    expect(issues()[0].comments[0].body).toContain('0 newly failing, 0 fixed, 1 still failing.')
  })

  test('finds the issue on page 2 of the label', async () => {
    for (let count = 0; count < 150; count++) {
      server.addIssue(OWNER, REPO, { title: `other ${count}`, labels: [{ name: LABEL }] })
    }
    await sync(buildReport([sameAccountFailure()]))
    const [drift] = issues().slice(-1)

    const outcome = await sync(buildReport([crossAccountFailure()]))
    const listPages = server.requests
      .filter((request) => request.method === 'GET' && request.path.endsWith('/issues'))
      .map((request) => request.query.page ?? '1')

    expect(outcome).toMatchObject({ action: 'updated', issueNumber: drift.number })
    expect(issues()).toHaveLength(151)
    expect(listPages).toEqual(['1', '2', '1', '2'])
  })

  test('lists only open issues with the label', async () => {
    await sync(buildReport([sameAccountFailure()]))

    const query = server.requests.find((request) => request.path.endsWith('/issues'))?.query

    expect(query).toMatchObject({ state: 'open', labels: LABEL })
  })

  test('ignores a pull request with the marker', async () => {
    const pull = server.addPullRequest(OWNER, REPO, 50)
    pull.body = driftIssueMarker('nightly')
    pull.labels = [{ name: LABEL }]

    const outcome = await sync(buildReport([sameAccountFailure()]))

    expect(outcome.action).toBe('opened')
  })

  test('keeps the issues of two keys apart', async () => {
    const first = await sync(buildReport([sameAccountFailure()]), { key: 'prod' })
    const second = await sync(buildReport([sameAccountFailure()]), { key: 'staging' })

    expect(first).toMatchObject({ action: 'opened', issueNumber: 1 })
    expect(second).toMatchObject({ action: 'opened', issueNumber: 2 })
  })

  test('lists all as new when the state is gone', async () => {
    await sync(buildReport([sameAccountFailure()]))
    issues()[0].body = `${driftIssueMarker('nightly')}\nEdited by hand.`

    const outcome = await sync(buildReport([sameAccountFailure()]))

    expect(outcome.action).toBe('updated')
    expect(issues()[0].comments[0].body).toContain('listed as new')
    expect(issues()[0].comments[0].body).toContain('1 newly failing, 0 fixed, 0 still failing.')
  })

  test('names a fixed result gone from the manifest', async () => {
    await sync(buildReport([sameAccountFailure(), crossAccountFailure()]))

    await sync(buildReport([crossAccountFailure()]))
    const change = issues()[0].comments[0].body

    expect(change).toContain('- app\\-uses\\-data\\-key \\(kms:Decrypt\\): no longer in the report')
  })

  test('keeps the issue body under the size limit', async () => {
    const results = Array.from({ length: 3000 }, (_, position) => ({
      ...sameAccountFailure(),
      expectation: `expectation-${position}-${'n'.repeat(100)}`
    }))

    const outcome = await sync(buildReport(results))
    const body = issues()[0].body

    expect(outcome.action).toBe('opened')
    expect(body.length).toBeLessThanOrEqual(MAX_COMMENT_LENGTH)
    expect(body).toMatch(/- and \d+ more results/)
    expect(readDriftState(body)?.truncated).toBe(true)
  })
})

describe('syncDriftIssue with hostile text', () => {
  const hostileName = `${HOSTILE.script} --> ${HOSTILE.link} ${HOSTILE.mention} ${HOSTILE.image}`

  function hostile(): ExpectationResult {
    return { ...sameAccountFailure(), expectation: hostileName }
  }

  test('escapes names in the issue body', async () => {
    await sync(buildReport([hostile()]))
    const body = issues()[0].body

    const visible = body.slice(0, body.indexOf('<!-- kms-access-gate-state:'))

    expect(body).not.toContain('<script>')
    expect(body).not.toContain('@octocat')
    expect(visible).not.toMatch(/\]\(http/)
    expect(body.match(/-->/g)).toHaveLength(2)
  })

  test('reads back a state with hostile names', async () => {
    await sync(buildReport([hostile(), crossAccountFailure()]))

    await sync(buildReport([crossAccountFailure()]))
    const change = issues()[0].comments[0].body

    expect(readDriftState(issues()[0].body)?.failing).toHaveLength(1)
    expect(change).toContain('1 fixed')
    expect(change).toContain('&lt;script&gt;')
    expect(change).not.toContain('<script>')
    expect(change).not.toContain('@octocat')
  })
})

describe('syncDriftIssue errors', () => {
  test('turns 403 on create into a permission warning', async () => {
    server.fail({
      method: 'POST',
      path: /\/issues$/,
      status: 403,
      message: 'Resource not accessible by integration'
    })

    const outcome = await sync(buildReport([sameAccountFailure()]))

    expect(outcome.action).toBe('not-permitted')
    if (outcome.action !== 'not-permitted') return
    expect(outcome.warning).toContain('`permissions: issues: write`')
    expect(outcome.warning).toContain('403')
  })

  test('turns 404 into a permission warning', async () => {
    server.fail({ path: /\/issues$/, status: 404, message: 'Not Found' })

    const outcome = await sync(buildReport([sameAccountFailure()]))

    expect(outcome.action).toBe('not-permitted')
  })

  test('reports 422 with its message', async () => {
    server.fail({ method: 'POST', path: /\/issues$/, status: 422, message: 'Validation Failed' })

    const outcome = await sync(buildReport([sameAccountFailure()]))

    expect(outcome.action).toBe('failed')
    if (outcome.action !== 'failed') return
    expect(outcome.warning).toContain('GitHub answered 422')
    expect(outcome.warning).toContain('Validation Failed')
  })

  test('turns 403 on close into a permission warning', async () => {
    await sync(buildReport([sameAccountFailure()]))
    server.fail({ method: 'POST', path: /\/comments$/, status: 403 })

    const outcome = await sync(buildReport([passed(sameAccountFailure())]))

    expect(outcome.action).toBe('not-permitted')
    expect(issues()[0].state).toBe('open')
  })
})
