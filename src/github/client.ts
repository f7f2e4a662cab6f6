/**
 * The Octokit client type and the conversion of GitHub API errors into warnings. Writing a
 * comment or an issue is a report, so its failure must never change the gate's result.
 */
import type { getOctokit } from '@actions/github'
import { errorMessage } from '../inputs/errors.js'
import { shorten } from '../reports/format.js'

/** An Octokit instance from `getOctokit(token, { baseUrl })` of `@actions/github`. */
export type GitHubClient = ReturnType<typeof getOctokit>

/** The token lacks a permission or cannot see the repository; the warning names the fix. */
export interface NotPermitted {
  action: 'not-permitted'
  warning: string
}

/** GitHub rejected the request (422), failed (5xx) or could not be reached. */
export interface RequestFailed {
  action: 'failed'
  warning: string
}

/** The GitHub permission a write needs, as written under `permissions:` in a workflow. */
export type Permission = 'pull-requests' | 'issues'

/** Longest GitHub error message quoted in a warning. */
const MAX_MESSAGE_LENGTH = 500

/**
 * Converts an error thrown by Octokit into a warning. 403 and 404 become `not-permitted`
 * with the `permissions:` line to add and the note that fork pull requests get a read-only
 * token, unless the 403 is a rate limit. Every other error becomes `failed` with the HTTP
 * status and GitHub's message.
 */
export function describeRequestError(
  error: unknown,
  task: string,
  permission: Permission
): NotPermitted | RequestFailed {
  const status = httpStatus(error)
  const message = shorten(errorMessage(error), MAX_MESSAGE_LENGTH)
  if ((status === 403 && !isRateLimit(error, message)) || status === 404) {
    return {
      action: 'not-permitted',
      warning:
        `Cannot ${task}: GitHub answered ${status} (${message}). Give the job's token write ` +
        `access with \`permissions: ${permission}: write\` in the workflow. Pull requests from ` +
        'forks get a read-only token, so this step cannot write there; the job summary still ' +
        'contains the report.'
    }
  }
  // Octokit reports a network failure as status 500 without a response.
  const reached =
    typeof error === 'object' && error !== null && 'response' in error && error.response
  const answer =
    status === undefined || !reached ? 'the request failed' : `GitHub answered ${status}`
  return { action: 'failed', warning: `Cannot ${task}: ${answer} (${message}).` }
}

function httpStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('status' in error)) return undefined
  return typeof error.status === 'number' ? error.status : undefined
}

/** GitHub returns 403 for an exhausted or secondary rate limit too, which no permission fixes. */
function isRateLimit(error: unknown, message: string): boolean {
  const headers = (error as { response?: { headers?: Record<string, unknown> } }).response?.headers
  return headers?.['x-ratelimit-remaining'] === '0' || /rate limit/i.test(message)
}

/** An author of a comment or an issue, as the API lists it. */
interface Author {
  login?: string
  type?: string
}

/**
 * True when the gate itself wrote a comment or issue: a bot account (the workflow token posts
 * as `github-actions[bot]`) or the token's own user. A person's comment that only quotes the
 * marker must never be taken over.
 */
export function writtenByGate(
  author: Author | null | undefined,
  self: string | undefined
): boolean {
  if (!author) return false
  return author.type === 'Bot' || (self !== undefined && author.login === self)
}

/** Returns the login of the token's user, or undefined for a workflow token (which has none). */
export async function tokenLogin(octokit: GitHubClient): Promise<string | undefined> {
  try {
    const { data } = await octokit.rest.users.getAuthenticated()
    return data.login
  } catch {
    return undefined
  }
}

/**
 * Longest wait for one GitHub API request, in ms. Octokit sets none, so a stalled server
 * would hold the step for minutes; GitHub answers these calls in well under a second.
 */
export const REQUEST_TIMEOUT_MS = 8_000

const bounded = new WeakSet<object>()

/** Gives every request of `octokit` a deadline (once per client). */
export function boundRequests(octokit: GitHubClient): GitHubClient {
  if (bounded.has(octokit)) return octokit
  bounded.add(octokit)
  octokit.hook.before('request', (options) => {
    options.request = { ...options.request, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) }
  })
  return octokit
}
