/**
 * Inputs of the GitHub Action (see action.yml), turned into typed settings.
 */
import * as core from '@actions/core'
import { parseAccountRoles } from './account-roles.js'
import { InputError } from './errors.js'
import { DEFAULT_MANIFEST_PATH } from './manifest.js'
import type { CheckMode, CheckSettings } from './settings.js'

const MODES: CheckMode[] = ['offline', 'live', 'auto']

/**
 * Reads the action inputs `manifest`, `facts`, `json-report`, `fail-on-unknown`, `mode`,
 * `account-roles` and `confirm-dry-run` through
 * `@actions/core`. Relative paths are resolved from `GITHUB_WORKSPACE` when it is set,
 * else from the current directory. The report is written as text to the log. Throws an
 * `InputError` that names the input when a value is invalid.
 */
export function readActionInputs(): CheckSettings {
  const jsonReportPath = readSinglePath('json-report')
  return {
    manifestPath: readSinglePath('manifest') ?? DEFAULT_MANIFEST_PATH,
    factPaths: readFactPaths(),
    format: 'text',
    ...(jsonReportPath === undefined ? {} : { jsonReportPath }),
    failOnUnknown: readBoolean('fail-on-unknown', true),
    mode: readMode(),
    accountRoles: parseAccountRoles(readLines('account-roles'), 'input `account-roles` entry'),
    ...(readBoolean('confirm-dry-run', false) ? { confirmWithDryRun: true } : {}),
    ...baseInputs(),
    cwd: process.env.GITHUB_WORKSPACE || process.cwd()
  }
}

function readMode(): CheckMode {
  const value = core.getInput('mode').trim()
  if (value === '') return 'offline'
  if ((MODES as string[]).includes(value)) return value as CheckMode
  throw new InputError(`input \`mode\` must be ${MODES.join(', ')}; got \`${value}\``)
}

/** Returns the input as one path, or undefined when it is empty. */
function readSinglePath(name: string): string | undefined {
  const value = core.getInput(name)
  if (value === '') return undefined
  if (value.includes('\n')) {
    const lines = value.split('\n').length
    throw new InputError(`input \`${name}\` must be one path; got ${lines} lines`)
  }
  return value
}

/** Returns the `facts` input: one path or glob pattern per line, blank lines skipped. */
function readFactPaths(): string[] {
  return readLines('facts')
}

/** Returns a multi-line input's lines, trimmed, blank lines skipped. */
function readLines(name: string): string[] {
  return core
    .getMultilineInput(name)
    .map((line) => line.trim())
    .filter((line) => line !== '')
}

function readBoolean(name: string, defaultValue: boolean): boolean {
  const value = core.getInput(name)
  if (value === '') return defaultValue
  try {
    return core.getBooleanInput(name)
  } catch {
    throw new InputError(`input \`${name}\` must be true or false; got \`${value}\``)
  }
}

/** Reads `base-ref` and `base-facts`, which compare the check with the pull request's base. */
function baseInputs(): { baseRef?: string; baseFactPaths?: string[] } {
  const baseRef = core.getInput('base-ref').trim()
  const baseFactPaths = readLines('base-facts')
  return {
    ...(baseRef === '' ? {} : { baseRef }),
    ...(baseFactPaths.length === 0 ? {} : { baseFactPaths })
  }
}

/** The action inputs that publish the report on GitHub: the comment and the drift issue. */
export interface GitHubInputs {
  comment: 'always' | 'on-failure' | 'never'
  commentKey: string
  token: string
  driftIssue: boolean
  driftLabel: string
  /** SARIF file to write, relative to the workspace. */
  sarifFile?: string
}

const COMMENT_MODES = ['always', 'on-failure', 'never'] as const

/** Reads `comment`, `comment-key`, `github-token`, `drift-issue`, `drift-issue-label` and `sarif-file`. */
export function readGitHubInputs(): GitHubInputs {
  const comment = core.getInput('comment').trim() || 'always'
  if (!(COMMENT_MODES as readonly string[]).includes(comment)) {
    throw new InputError(
      `input \`comment\` must be always, on-failure or never; got \`${comment}\``
    )
  }
  const drift = core.getInput('drift-issue').trim().toLowerCase() || 'off'
  if (!['on', 'off', 'true', 'false'].includes(drift)) {
    throw new InputError(`input \`drift-issue\` must be on or off; got \`${drift}\``)
  }
  const sarifFile = readSinglePath('sarif-file')
  return {
    comment: comment as GitHubInputs['comment'],
    commentKey: core.getInput('comment-key').trim() || 'default',
    token: core.getInput('github-token'),
    driftIssue: drift === 'on' || drift === 'true',
    driftLabel: core.getInput('drift-issue-label').trim() || 'kms-access-drift',
    ...(sarifFile ? { sarifFile } : {})
  }
}
