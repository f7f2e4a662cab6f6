/**
 * Creates or updates the gate's pull-request comment. The comment is found again by the
 * hidden marker for its key, so each job or matrix leg keeps one comment, updated in place.
 */
import { commentMarker } from '../reports/pr-comment.js'
import {
  boundRequests,
  describeRequestError,
  type GitHubClient,
  type NotPermitted,
  type RequestFailed,
  tokenLogin,
  writtenByGate
} from './client.js'

export interface UpsertCommentOptions {
  owner: string
  repo: string
  /** The pull request's number. */
  issueNumber: number
  /** The comment key; the same key as given to `renderPullRequestComment`. */
  key: string
  /** The comment body; the marker for `key` is put in front when it does not start with it. */
  body: string
  /** `always`: create or update. `on-failure`: create only when `failed`, but update an existing comment. */
  mode: 'always' | 'on-failure'
  /** True when the gate failed. */
  failed: boolean
}

export type UpsertCommentResult =
  | { action: 'created' | 'updated'; url: string }
  | { action: 'skipped' }
  | NotPermitted
  | RequestFailed

interface IssueComment {
  id: number
  body?: string
  html_url: string
  user?: { login?: string; type?: string } | null
}

const TASK = 'write the pull-request comment'

/**
 * Updates the oldest comment on the pull request that starts with the marker for `key`, or
 * creates one. Searches every page of comments. Never throws for an API error: 403 and 404
 * return `not-permitted`, other errors `failed`, each with a warning to log.
 */
export async function upsertPullRequestComment(
  octokit: GitHubClient,
  options: UpsertCommentOptions
): Promise<UpsertCommentResult> {
  boundRequests(octokit)
  const marker = commentMarker(options.key)
  const body = options.body.startsWith(marker) ? options.body : `${marker}\n${options.body}`
  const { owner, repo } = options

  try {
    const existing = await findMarkedComment(octokit, options, marker)
    if (existing) {
      const { data } = await octokit.rest.issues.updateComment({
        owner,
        repo,
        comment_id: existing.id,
        body
      })
      return { action: 'updated', url: data.html_url }
    }
    if (options.mode === 'on-failure' && !options.failed) return { action: 'skipped' }

    const { data } = await octokit.rest.issues.createComment({
      owner,
      repo,
      issue_number: options.issueNumber,
      body
    })
    return { action: 'created', url: data.html_url }
  } catch (error) {
    return describeRequestError(error, TASK, 'pull-requests')
  }
}

/** Pages through the comments, oldest first, and stops at the first that starts with the marker. */
async function findMarkedComment(
  octokit: GitHubClient,
  options: UpsertCommentOptions,
  marker: string
): Promise<IssueComment | undefined> {
  let found: IssueComment | undefined
  // Marked comments by a user account: the gate's own only when the token is that user's.
  const byUsers: IssueComment[] = []
  await octokit.paginate(
    octokit.rest.issues.listComments,
    { owner: options.owner, repo: options.repo, issue_number: options.issueNumber, per_page: 100 },
    (response, done) => {
      const marked = response.data.filter((comment) => comment.body?.startsWith(marker))
      found = marked.find((comment) => writtenByGate(comment.user, undefined))
      byUsers.push(...marked.filter((comment) => comment.user?.type !== 'Bot'))
      if (found) done()
      return []
    }
  )
  if (found || byUsers.length === 0) return found
  const self = await tokenLogin(octokit)
  return byUsers.find((comment) => writtenByGate(comment.user, self))
}
