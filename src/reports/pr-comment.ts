/**
 * The pull-request comment: a hidden marker that finds the comment again, what fails and
 * what the change breaks, a table of all results, and the details and fix of each failing
 * or unknown result. The table and the details are the job summary's own renderers.
 */
import { createHash } from 'node:crypto'
import type { CheckReport, ExpectationResult } from '../check/results.js'
import { escapeMarkdown, inlineCode } from './escape.js'
import {
  describeDryRun,
  describeFactsOrigin,
  describeGate,
  describeRequest,
  formatCounts,
  orderResults,
  plural,
  shorten,
  statusWord
} from './format.js'
import {
  renderDetails,
  renderTableRow,
  renderWarning,
  STATUS_ICONS,
  TABLE_HEADER
} from './summary.js'

/** GitHub rejects an issue or pull-request comment longer than 65,536 characters. */
export const MAX_COMMENT_LENGTH = 65_536

/** Keys longer than this (once encoded) are replaced by their SHA-256 in the marker. */
const MAX_ENCODED_KEY_LENGTH = 100

/** Maximum length of a report text in one item of the short body, before escaping. */
const SHORT_TEXT_LENGTH = 200

/** Maximum length of a linked URL; a longer one is not linked. */
const MAX_LINK_LENGTH = 2048

export interface PullRequestCommentOptions {
  /** Tells comments of several jobs or matrix legs apart; it goes into the hidden marker. */
  key: string
  /** The job summary or run URL, linked from the comment. Only http and https URLs are used. */
  summaryUrl?: string
}

/**
 * Returns the hidden HTML comment that starts the pull-request comment for `key`. The key
 * is percent-encoded, so it cannot end the HTML comment, and a key longer than 100
 * encoded characters is replaced by `sha256-` and its hash.
 */
export function commentMarker(key: string): string {
  return `<!-- kms-access-gate:${encodeMarkerKey(key)} -->`
}

/** Percent-encodes everything but letters, digits and `._~-`; used by every hidden marker. */
export function encodeMarkerKey(key: string): string {
  const encoded = encodeURIComponent(key).replace(
    /[!'()*]/g,
    (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`
  )
  if (encoded.length <= MAX_ENCODED_KEY_LENGTH) return encoded
  return `sha256-${createHash('sha256').update(key, 'utf8').digest('hex')}`
}

/**
 * Renders the pull-request comment in GitHub-flavoured Markdown. When the full comment is
 * longer than `MAX_COMMENT_LENGTH`, returns a short one instead: the headline, what the
 * change breaks, as many table rows as fit and a link to `summaryUrl`. The short comment
 * always fits, whatever the length of the names, ARNs and key in the report.
 */
export function renderPullRequestComment(
  report: CheckReport,
  options: PullRequestCommentOptions
): string {
  const full = renderFullComment(report, options)
  if (full.length <= MAX_COMMENT_LENGTH) return full
  return renderShortComment(report, options)
}

function renderFullComment(report: CheckReport, options: PullRequestCommentOptions): string {
  const ordered = orderResults(report.results)
  const problems = ordered.filter((result) => result.status !== 'pass')
  const breaks = ordered.filter((result) => result.change === 'breaks')
  const failuresNotBroken = problems.filter((result) => result.change !== 'breaks')

  const sections = [commentMarker(options.key), renderHeadline(report)]
  const origin = [describeFactsOrigin(report), describeDryRun(report)].filter(Boolean).join(' ')
  sections.push(escapeMarkdown(origin))
  if (report.baseline) sections.push(renderBreaks(report, breaks.map(renderBreakItem)))
  if (failuresNotBroken.length > 0) {
    const heading = breaks.length > 0 ? '### Also failing' : '### What fails'
    sections.push([heading, '', ...failuresNotBroken.map(renderResultItem)].join('\n'))
  }
  sections.push(
    ['### All expectations', '', TABLE_HEADER, ...ordered.map(renderTableRow)].join('\n')
  )
  if (problems.length > 0) {
    sections.push('### Failures and unknown results')
    for (const result of problems) sections.push(renderResultDetails(result))
  }
  if (report.warnings.length > 0) {
    // Collapsed: warnings (such as unchecked guardrails) matter, but come after the results.
    sections.push(
      [
        `<details><summary>${plural(report.warnings.length, 'warning')}</summary>`,
        '',
        ...report.warnings.map(renderWarning),
        '',
        '</details>'
      ].join('\n')
    )
  }
  const link = summaryLink(options.summaryUrl)
  if (link) sections.push(`Full report: ${link}.`)
  return `${sections.join('\n\n')}\n`
}

/** The details of one result, as in the job summary (with its lock diagram when it fails). */
function renderResultDetails(result: ExpectationResult): string {
  return renderDetails(result)
}

/**
 * Renders the short comment. The frame (marker, headline, headings, notes and link) is
 * bounded: the key is hashed when long, report text is shortened and a long URL is
 * dropped. The lists get the room that is left and state how many items they left out.
 */
function renderShortComment(report: CheckReport, options: PullRequestCommentOptions): string {
  const ordered = orderResults(report.results)
  const breaks = ordered.filter((result) => result.change === 'breaks')
  const marker = commentMarker(options.key)
  const headline = renderHeadline(report)
  const note = shortCommentNote(summaryLink(options.summaryUrl))
  const tableHeading = ['### All expectations', '', TABLE_HEADER].join('\n')

  // The largest frame: every section present, with the longest possible omission lines.
  const longestMore = moreLine(ordered.length)
  const frame = [
    marker,
    headline,
    renderBreaks(report, [longestMore]),
    tableHeading,
    leftOutLine(ordered.length),
    note
  ]
  let room = MAX_COMMENT_LENGTH - frame.join('\n\n').length - 2

  const sections = [marker, headline]
  if (report.baseline) {
    // What broke gets at most half the room, so the table keeps rows too.
    const items = takeWhileFits(
      breaks.map((result) => renderBreakItem(shortenResultTexts(result))),
      room / 2
    )
    room -= items.used
    const more = breaks.length - items.included.length
    sections.push(
      renderBreaks(report, more > 0 ? [...items.included, moreLine(more)] : items.included)
    )
  }

  const rows = takeWhileFits(
    ordered.map((result) => renderTableRow(shortenResultTexts(result))),
    room
  )
  sections.push([tableHeading, ...rows.included].join('\n'))
  const leftOut = ordered.length - rows.included.length
  if (leftOut > 0) sections.push(leftOutLine(leftOut))
  sections.push(note)
  return `${sections.join('\n\n')}\n`
}

function shortCommentNote(link: string | undefined): string {
  return (
    '> [!NOTE]\n> The full report is longer than the 65,536 characters GitHub allows in a ' +
    `comment, so this comment is shortened. ${link ? `The ${link}` : 'The job summary'} ` +
    'contains the details and the fix of each result.'
  )
}

function moreLine(count: number): string {
  return `- and ${plural(count, 'more result')}`
}

function leftOutLine(count: number): string {
  return `${plural(count, 'more result')} ${count === 1 ? 'is' : 'are'} left out of the table.`
}

/** Takes items in order while they fit in `room` characters, counting a line break for each. */
function takeWhileFits(
  items: readonly string[],
  room: number
): { included: string[]; used: number } {
  const included: string[] = []
  let used = 0
  for (const item of items) {
    if (used + item.length + 1 > room) break
    used += item.length + 1
    included.push(item)
  }
  return { included, used }
}

/**
 * Returns a copy of the result whose names, ARNs and action are shortened to 200 characters,
 * so that a table row or list item rendered from it stays bounded.
 */
export function shortenResultTexts(result: ExpectationResult): ExpectationResult {
  const cut = (text: string) => shorten(text, SHORT_TEXT_LENGTH)
  const evidence = result.evidence
  return {
    ...result,
    expectation: cut(result.expectation),
    principal: cut(result.principal),
    key: cut(result.key),
    action: cut(result.action),
    evidence: {
      ...evidence,
      principal: { ...evidence.principal, input: cut(evidence.principal.input) },
      key: { ...evidence.key, input: cut(evidence.key.input) }
    }
  }
}

function renderHeadline(report: CheckReport): string {
  const icon = report.passed ? '✅' : '❌'
  const verdict = report.passed ? 'passed' : 'failed'
  const manifest = inlineCode(shorten(report.manifest, SHORT_TEXT_LENGTH))
  return [
    `## ${icon} KMS access gate ${verdict}`,
    '',
    `**${formatCounts(report.counts)}** (${plural(report.counts.results, 'result')} from ` +
      `${plural(report.counts.expectations, 'expectation')} in ${manifest}). ${describeGate(report)}`
  ].join('\n')
}

function renderBreaks(report: CheckReport, items: readonly string[]): string {
  const baseline = report.baseline
  if (!baseline) return ''
  const source = inlineCode(shorten(baseline.source, SHORT_TEXT_LENGTH))
  const fixes = baseline.fixes > 0 ? ` It fixes ${plural(baseline.fixes, 'result')}.` : ''
  if (items.length === 0) {
    return `### What this change breaks\n\nNothing: compared with ${source}, no result that passed fails now.${fixes}`
  }
  return [
    '### What this change breaks',
    '',
    `Compared with ${source}, these results passed before and do not pass now.${fixes}`,
    '',
    ...items
  ].join('\n')
}

function renderBreakItem(result: ExpectationResult): string {
  const before = result.baseStatus ? `${result.baseStatus.toUpperCase()} before, ` : ''
  return (
    `- ${STATUS_ICONS[result.status]} **${escapeMarkdown(result.expectation)}**: ` +
    `${inlineCode(describeRequest(result))} (${before}${statusWord(result)} now)`
  )
}

/** Renders a list item: status, expectation name, request and closed locks, all escaped. */
export function renderResultItem(result: ExpectationResult): string {
  const locks =
    result.closedLocks.length > 0
      ? `; closed locks: ${result.closedLocks.map(inlineCode).join(', ')}`
      : ''
  return (
    `- ${STATUS_ICONS[result.status]} ${statusWord(result)} ` +
    `**${escapeMarkdown(result.expectation)}**: ${inlineCode(describeRequest(result))}${locks}`
  )
}

function summaryLink(summaryUrl: string | undefined): string | undefined {
  return renderLink('job summary', summaryUrl)
}

/**
 * Returns a Markdown link with fixed `text`, or undefined when `url` is missing, not http or
 * https, or longer than 2,048 characters.
 */
export function renderLink(text: string, url: string | undefined): string | undefined {
  if (!url || !URL.canParse(url)) return undefined
  const parsed = new URL(url)
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return undefined
  if (parsed.href.length > MAX_LINK_LENGTH) return undefined
  // The URL parser percent-encodes spaces, `<` and `>`, so the angle brackets hold the whole URL.
  return `[${escapeMarkdown(text)}](<${parsed.href}>)`
}
