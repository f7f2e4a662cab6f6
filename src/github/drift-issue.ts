/**
 * Keeps one tracking issue for drift found by scheduled runs: opened when expectations fail,
 * updated with a comment on what changed, and closed when every expectation passes again.
 */
import type { CheckReport } from '../check/results.js'
import {
  boundRequests,
  describeRequestError,
  type GitHubClient,
  type NotPermitted,
  type RequestFailed,
  tokenLogin,
  writtenByGate
} from './client.js'
import {
  buildDriftState,
  compareDriftStates,
  driftIssueMarker,
  failingResults,
  readDriftState,
  renderChangeComment,
  renderClosingComment,
  renderDriftIssueBody,
  renderDriftIssueTitle,
  renderResolvedIssueBody,
  sameFailures
} from './drift-state.js'

export interface DriftIssueOptions {
  owner: string
  repo: string
  /** The label the issue carries and is found by, such as `kms-access-drift`. */
  label: string
  /** Tells the issues of several jobs apart; it goes into the hidden marker. */
  key: string
  report: CheckReport
  /** The run's URL, linked from the issue and its comments. */
  runUrl?: string
}

export type DriftIssueResult =
  | {
      /**
       * `opened`: a new issue; `updated`: new body and a comment; `closed`: every expectation
       * holds; `unchanged`: the same results fail as last time, so nothing was written.
       */
      action: 'opened' | 'updated' | 'closed' | 'unchanged'
      issueNumber: number
      url: string
    }
  /** Every expectation passes and no issue is open. */
  | { action: 'none' }
  | NotPermitted
  | RequestFailed

interface OpenIssue {
  number: number
  body?: string | null
  html_url: string
}

const TASK = 'update the drift issue'

/**
 * Opens, updates or closes the drift issue for `key`. The open issue is found by its label
 * and the hidden marker in its body; an issue whose label was removed is not found, and a
 * new one is opened. Never throws for an API error: 403 and 404 return `not-permitted`,
 * other errors `failed`, each with a warning to log.
 */
export async function syncDriftIssue(
  octokit: GitHubClient,
  options: DriftIssueOptions
): Promise<DriftIssueResult> {
  boundRequests(octokit)
  try {
    const existing = await findOpenIssue(octokit, options)
    if (options.report.passed) {
      return existing ? await closeIssue(octokit, options, existing) : { action: 'none' }
    }
    return existing
      ? await updateIssue(octokit, options, existing)
      : await openIssue(octokit, options)
  } catch (error) {
    return describeRequestError(error, TASK, 'issues')
  }
}

async function findOpenIssue(
  octokit: GitHubClient,
  options: DriftIssueOptions
): Promise<OpenIssue | undefined> {
  const marker = driftIssueMarker(options.key)
  let found: OpenIssue | undefined
  const self = await tokenLogin(octokit)
  await octokit.paginate(
    octokit.rest.issues.listForRepo,
    {
      owner: options.owner,
      repo: options.repo,
      state: 'open',
      labels: options.label,
      per_page: 100
    },
    (response, done) => {
      // The issues API lists pull requests too; their bodies are written by people.
      found = response.data.find(
        (issue) =>
          !issue.pull_request &&
          issue.body?.startsWith(marker) === true &&
          writtenByGate(issue.user, self)
      )
      if (found) done()
      return []
    }
  )
  return found
}

async function openIssue(
  octokit: GitHubClient,
  options: DriftIssueOptions
): Promise<DriftIssueResult> {
  const failing = failingResults(options.report)
  const { data } = await octokit.rest.issues.create({
    owner: options.owner,
    repo: options.repo,
    title: renderDriftIssueTitle(options.key, failing.length),
    body: renderDriftIssueBody({ ...options, failing, state: buildDriftState(failing) }),
    labels: [options.label]
  })
  return { action: 'opened', issueNumber: data.number, url: data.html_url }
}

async function updateIssue(
  octokit: GitHubClient,
  options: DriftIssueOptions,
  issue: OpenIssue
): Promise<DriftIssueResult> {
  const failing = failingResults(options.report)
  const state = buildDriftState(failing)
  const previous = readDriftState(issue.body)
  if (previous && sameFailures(previous, state)) {
    return { action: 'unchanged', issueNumber: issue.number, url: issue.html_url }
  }

  const { owner, repo } = options
  await octokit.rest.issues.update({
    owner,
    repo,
    issue_number: issue.number,
    title: renderDriftIssueTitle(options.key, failing.length),
    body: renderDriftIssueBody({ ...options, failing, state })
  })
  const changes = compareDriftStates(
    previous ?? { version: 1, failing: [], names: {} },
    options.report,
    failing
  )
  await octokit.rest.issues.createComment({
    owner,
    repo,
    issue_number: issue.number,
    body: renderChangeComment(changes, previous !== undefined, options.runUrl)
  })
  return { action: 'updated', issueNumber: issue.number, url: issue.html_url }
}

async function closeIssue(
  octokit: GitHubClient,
  options: DriftIssueOptions,
  issue: OpenIssue
): Promise<DriftIssueResult> {
  const { owner, repo } = options
  await octokit.rest.issues.createComment({
    owner,
    repo,
    issue_number: issue.number,
    body: renderClosingComment(options.report, options.runUrl)
  })
  await octokit.rest.issues.update({
    owner,
    repo,
    issue_number: issue.number,
    body: renderResolvedIssueBody(options.key, options.report, options.runUrl),
    state: 'closed',
    state_reason: 'completed'
  })
  return { action: 'closed', issueNumber: issue.number, url: issue.html_url }
}
