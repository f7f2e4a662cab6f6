/**
 * The drift issue's text and the state it keeps between runs. The state is a JSON block
 * hidden in an HTML comment at the end of the issue body: the failing results by ID and
 * status, so the next run can report what is newly failing, fixed or still failing.
 */
import { createHash } from 'node:crypto'
import type { CheckReport, ExpectationResult } from '../check/results.js'
import { escapeMarkdown, inlineCode } from '../reports/escape.js'
import { formatCounts, plural, shorten } from '../reports/format.js'
import {
  encodeMarkerKey,
  MAX_COMMENT_LENGTH,
  renderLink,
  renderResultItem,
  shortenResultTexts
} from '../reports/pr-comment.js'

/** State of the failing results at the last run, as stored in the issue body. */
export interface DriftState {
  version: 1
  /** `ID:status:locks` of each failing or unknown result that fails the gate (locks joined by `+`). */
  failing: string[]
  /** A short name per ID, for results that are gone from the report by the next run. */
  names: Record<string, string>
  /** True when the list was cut to keep the issue body under GitHub's size limit. */
  truncated?: boolean
}

/** Changes between the stored state and this run. */
export interface DriftChanges {
  newlyFailing: ExpectationResult[]
  stillFailing: ExpectationResult[]
  /** Items describing the results that failed before and do not now. */
  fixed: string[]
}

const STATE_PREFIX = '<!-- kms-access-gate-state:'
const STATE_SUFFIX = ' -->'

/** Room in the issue body for the hidden state; the rest is for the visible list. */
const STATE_BUDGET = 24_000

/** Room kept for the headline, the notes and the line breaks of an issue body or comment. */
const FRAME_RESERVE = 4_096

const MAX_NAME_LENGTH = 120

/** Returns the hidden marker that identifies the drift issue for `key`. */
export function driftIssueMarker(key: string): string {
  return `<!-- kms-access-gate-drift:${encodeMarkerKey(key)} -->`
}

/** Returns the results that fail the gate: failures, and unknown results when they count. */
export function failingResults(report: CheckReport): ExpectationResult[] {
  return report.results.filter(
    (result) => result.status === 'fail' || (result.status === 'unknown' && report.failOnUnknown)
  )
}

/** Identifies a result across runs by its expectation, principal, action and key. */
export function resultId(result: ExpectationResult): string {
  const identity = JSON.stringify([result.expectation, result.principal, result.action, result.key])
  return createHash('sha256').update(identity, 'utf8').digest('hex').slice(0, 16)
}

/** Builds the state to store for the failing results, cut to fit its share of the issue body. */
export function buildDriftState(failing: readonly ExpectationResult[]): DriftState {
  const state: DriftState = { version: 1, failing: [], names: {} }
  let size = 64
  for (const result of failing) {
    const id = resultId(result)
    // The closed locks are part of the entry: the same result failing for another reason is a change.
    const entry = `${id}:${result.status}:${result.closedLocks.join('+')}`
    const name = shorten(`${result.expectation} (${result.action})`, MAX_NAME_LENGTH)
    // JSON escapes and the `\uXXXX` forms below make a name at most six times longer.
    const entrySize = entry.length + 3
    const nameSize = id.length + name.length * 6 + 6
    if (size + entrySize > STATE_BUDGET) {
      state.truncated = true
      break
    }
    state.failing.push(entry)
    size += entrySize
    if (size + nameSize <= STATE_BUDGET) {
      state.names[id] = name
      size += nameSize
    }
  }
  return state
}

/** True when both states list the same results with the same statuses and closed locks. */
export function sameFailures(previous: DriftState, current: DriftState): boolean {
  const before = new Set(previous.failing)
  return (
    before.size === current.failing.length && current.failing.every((entry) => before.has(entry))
  )
}

/**
 * Renders the state as a hidden HTML comment. `<`, `>` and `@` in names become JSON `\uXXXX`
 * escapes, so no name can end the comment, and no mention hides in it either.
 */
export function renderStateBlock(state: DriftState): string {
  const json = JSON.stringify(state).replace(
    /[<>@]/g,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`
  )
  return `${STATE_PREFIX}${json}${STATE_SUFFIX}`
}

/** Reads the state from an issue body; undefined when it is missing or not valid. */
export function readDriftState(body: string | null | undefined): DriftState | undefined {
  if (!body) return undefined
  const start = body.lastIndexOf(STATE_PREFIX)
  if (start < 0) return undefined
  const end = body.indexOf(STATE_SUFFIX, start + STATE_PREFIX.length)
  if (end < 0) return undefined
  try {
    const parsed: unknown = JSON.parse(body.slice(start + STATE_PREFIX.length, end))
    return isDriftState(parsed) ? parsed : undefined
  } catch {
    return undefined
  }
}

function isDriftState(value: unknown): value is DriftState {
  if (typeof value !== 'object' || value === null) return false
  const candidate = value as Partial<DriftState>
  return (
    candidate.version === 1 &&
    Array.isArray(candidate.failing) &&
    candidate.failing.every((entry) => typeof entry === 'string') &&
    typeof candidate.names === 'object' &&
    candidate.names !== null &&
    Object.values(candidate.names).every((name) => typeof name === 'string')
  )
}

/** Compares the stored state with this run's failing results. */
export function compareDriftStates(
  previous: DriftState,
  report: CheckReport,
  failing: readonly ExpectationResult[]
): DriftChanges {
  const before = new Set(previous.failing.map((entry) => entry.split(':')[0]))
  const now = new Set(failing.map(resultId))
  const byId = new Map(report.results.map((result) => [resultId(result), result]))

  const fixed = [...before]
    .filter((id) => !now.has(id))
    .map((id) => {
      const result = byId.get(id)
      if (result) return renderResultItem(shortenResultTexts(result))
      // The state is read back from an issue body that people can edit: trust only strings.
      const name = Object.hasOwn(previous.names, id) ? previous.names[id] : undefined
      return typeof name === 'string'
        ? `- ${escapeMarkdown(name)}: no longer in the report`
        : `- result ${inlineCode(id)}: no longer in the report`
    })
  return {
    newlyFailing: failing.filter((result) => !before.has(resultId(result))),
    stillFailing: failing.filter((result) => before.has(resultId(result))),
    fixed
  }
}

/** Renders the issue title, with the key when it is not `default`. */
export function renderDriftIssueTitle(key: string, failingCount: number): string {
  const scope = key === 'default' ? '' : ` (${shorten(key, 60)})`
  return `KMS access drift${scope}: ${plural(failingCount, 'result')} failing`
}

/**
 * Renders the issue body: the marker, the counts and run link, the failing results (as many
 * as fit) and the hidden state. The body stays under GitHub's 65,536-character limit.
 */
export function renderDriftIssueBody(options: {
  key: string
  report: CheckReport
  failing: readonly ExpectationResult[]
  state: DriftState
  runUrl?: string
}): string {
  const { report, failing, state } = options
  const run = renderLink('this run', options.runUrl) ?? 'the latest run'
  const stateBlock = renderStateBlock(state)
  const header = [
    driftIssueMarker(options.key),
    `## ❌ KMS access drift: ${plural(failing.length, 'result')} failing`,
    `Checked in ${run}: **${formatCounts(report.counts)}** from ${inlineCode(shorten(report.manifest, 200))}. ` +
      'This issue is updated by each scheduled run and closed when every expectation holds again.',
    '### Failing results'
  ]
  const room = MAX_COMMENT_LENGTH - header.join('\n\n').length - stateBlock.length - FRAME_RESERVE
  const items = renderItemsWithin(failing, room)
  const notes: string[] = []
  if (state.truncated) {
    notes.push(
      'Only part of the failing results is stored for the next comparison, so the next ' +
        'update may list some of them as newly failing.'
    )
  }
  return `${[...header, items, ...notes, stateBlock].join('\n\n')}\n`
}

/** Renders the body of a closed issue: the marker, the run that passed and an empty state. */
export function renderResolvedIssueBody(key: string, report: CheckReport, runUrl?: string): string {
  const run = renderLink('this run', runUrl) ?? 'the latest run'
  return [
    driftIssueMarker(key),
    '## ✅ KMS access drift resolved',
    `Every expectation holds again in ${run}: **${formatCounts(report.counts)}**.`,
    renderStateBlock({ version: 1, failing: [], names: {} })
  ].join('\n\n')
}

/** Renders the comment that states what changed since the last run. */
export function renderChangeComment(
  changes: DriftChanges,
  previousStateRead: boolean,
  runUrl?: string
): string {
  const run = renderLink('This run', runUrl) ?? 'This run'
  const summary =
    `${run}: ${changes.newlyFailing.length} newly failing, ${changes.fixed.length} fixed, ` +
    `${changes.stillFailing.length} still failing.`
  const sections = [summary]
  if (!previousStateRead) {
    sections.push(
      'The state of the previous run is missing from the issue body, so every failing result is listed as new.'
    )
  }
  // Each list gets a third of the room, so the comment stays under GitHub's limit.
  const room = (MAX_COMMENT_LENGTH - FRAME_RESERVE - summary.length) / 3
  if (changes.newlyFailing.length > 0) {
    sections.push(`**Newly failing**\n\n${renderItemsWithin(changes.newlyFailing, room)}`)
  }
  if (changes.fixed.length > 0) {
    sections.push(`**Fixed**\n\n${takeItems(changes.fixed, room)}`)
  }
  if (changes.stillFailing.length > 0) {
    sections.push(`**Still failing**\n\n${renderItemsWithin(changes.stillFailing, room)}`)
  }
  return sections.join('\n\n')
}

/** Renders the comment posted before the issue is closed. */
export function renderClosingComment(report: CheckReport, runUrl?: string): string {
  const run = renderLink('This run', runUrl) ?? 'This run'
  return `${run}: every expectation holds again (**${formatCounts(report.counts)}**). Closing this issue.`
}

function renderItemsWithin(results: readonly ExpectationResult[], room: number): string {
  return takeItems(
    results.map((result) => renderResultItem(shortenResultTexts(result))),
    room
  )
}

/** Joins items while they fit in `room` characters and counts the ones left out. */
function takeItems(items: readonly string[], room: number): string {
  const included: string[] = []
  let used = 0
  for (const item of items) {
    if (used + item.length + 1 > room) break
    used += item.length + 1
    included.push(item)
  }
  const leftOut = items.length - included.length
  if (leftOut > 0) included.push(`- and ${plural(leftOut, 'more result')}`)
  return included.join('\n')
}
