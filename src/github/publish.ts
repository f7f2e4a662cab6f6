/**
 * Publishing a report to GitHub from the action: the pull-request comment and, for drift
 * runs, the tracking issue. Problems with the API (a read-only token on a fork's pull
 * request, a missing permission) become warnings and never change the gate's result.
 */
import { getOctokit } from '@actions/github'
import type { CheckReport } from '../check/results.js'
import { renderPullRequestComment } from '../reports/pr-comment.js'
import { upsertPullRequestComment } from './comment.js'
import { syncDriftIssue } from './drift-issue.js'

export interface PublishSettings {
  comment: 'always' | 'on-failure' | 'never'
  commentKey: string
  token: string
  driftIssue: boolean
  driftLabel: string
}

/** The repository, pull request and run, from the workflow's environment and event payload. */
export interface RunContext {
  owner: string
  repo: string
  /** The pull request's number, when the event is a pull request. */
  pullRequest?: number
  /** True for `pull_request` and `pull_request_target` events, on which no drift issue is kept. */
  pullRequestEvent?: boolean
  apiUrl: string
  /** The run's page, linked from the comment and the issue. */
  runUrl?: string
}

export interface PublishOutcome {
  warnings: string[]
  outputs: Record<string, string>
}

/**
 * Writes the comment on a pull request (unless `comment` is `never`) and syncs the drift
 * issue when asked.
 */
export async function publishToGitHub(
  report: CheckReport,
  settings: PublishSettings,
  context: RunContext
): Promise<PublishOutcome> {
  const warnings: string[] = []
  const outputs: Record<string, string> = {}
  const wantsComment = settings.comment !== 'never' && context.pullRequest !== undefined
  const wantsDrift = settings.driftIssue && !context.pullRequestEvent
  if (!wantsComment && !wantsDrift) return { warnings, outputs }
  if (settings.token === '') {
    warnings.push(
      'No GitHub token, so no pull-request comment or drift issue was written; set the `github-token` input (default: the workflow token).'
    )
    return { warnings, outputs }
  }
  const octokit = getOctokit(settings.token, { baseUrl: context.apiUrl })

  if (wantsComment && context.pullRequest !== undefined && settings.comment !== 'never') {
    const body = renderPullRequestComment(report, {
      key: settings.commentKey,
      ...(context.runUrl ? { summaryUrl: context.runUrl } : {})
    })
    const result = await upsertPullRequestComment(octokit, {
      owner: context.owner,
      repo: context.repo,
      issueNumber: context.pullRequest,
      key: settings.commentKey,
      body,
      mode: settings.comment,
      failed: !report.passed
    })
    if (result.action === 'created' || result.action === 'updated')
      outputs['comment-url'] = result.url
    if (result.action === 'not-permitted' || result.action === 'failed')
      warnings.push(result.warning)
  }

  // A pull request checks a proposed change, not the deployed state: drift is for other events.
  if (settings.driftIssue && !context.pullRequestEvent) {
    const result = await syncDriftIssue(octokit, {
      owner: context.owner,
      repo: context.repo,
      label: settings.driftLabel,
      key: settings.commentKey,
      report,
      ...(context.runUrl ? { runUrl: context.runUrl } : {})
    })
    if ('issueNumber' in result) outputs['drift-issue'] = String(result.issueNumber)
    if (result.action === 'not-permitted' || result.action === 'failed')
      warnings.push(result.warning)
  }
  return { warnings, outputs }
}
