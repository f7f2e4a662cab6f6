/**
 * The job summary: GitHub-flavoured Markdown with a headline, a table of all results, the
 * report warnings, and a collapsible block with the evidence and the fix for each failing
 * or unknown result. All text from policies and the manifest is escaped.
 */
import type {
  CheckReport,
  ExpectationResult,
  Remediation,
  RemediationChange,
  ReportWarning
} from '../check/results.js'
import type { GrantRef, LockCheck, Mismatch, NearMiss, StatementRef } from '../engine/decision.js'
import { codeBlock, escapeHtml, escapeMarkdown, inlineCode } from './escape.js'
import {
  closedLockChecks,
  decidingStatements,
  describeBaseline,
  describeDryRun,
  describeFactsOrigin,
  describeGate,
  describePolicyKind,
  formatCounts,
  formatLocation,
  isUnexpectedAccess,
  orderResults,
  plural,
  statementId,
  statusWord,
  withReference
} from './format.js'
import { lockDiagramBlock } from './mermaid.js'

/** GitHub rejects a step summary larger than 1024 KiB. */
export const MAX_SUMMARY_BYTES = 1024 * 1024

/** Room kept free for the notes that state what was left out. */
const OMISSION_NOTE_RESERVE_BYTES = 1024

export interface SummaryOptions {
  /** Maximum size of the summary in UTF-8 bytes; `MAX_SUMMARY_BYTES` by default. */
  maxBytes?: number
}

/** The icon shown before each status in tables and headings. */
export const STATUS_ICONS = { pass: '✅', fail: '❌', unknown: '❔' } as const

/**
 * Renders the job summary. When the whole summary would exceed `maxBytes`, it keeps the
 * headline and as many table rows, warnings and failure details as fit, in that order,
 * and states how many of each it left out.
 */
export function renderSummaryMarkdown(report: CheckReport, options: SummaryOptions = {}): string {
  const budget = new ByteBudget(
    (options.maxBytes ?? MAX_SUMMARY_BYTES) - OMISSION_NOTE_RESERVE_BYTES
  )
  const ordered = orderResults(report.results)
  const problems = ordered.filter((result) => result.status !== 'pass')
  const sections: string[] = [budget.take(renderHeadline(report))]

  const header = budget.take(TABLE_HEADER)
  const rows = budget.takeEach(ordered.map(renderTableRow))
  sections.push([header, ...rows.included].join('\n'))
  if (rows.omitted > 0) sections.push(omissionNote(countLeftOut(rows.omitted, 'table row')))

  if (report.warnings.length > 0) {
    const heading = budget.take('### Warnings\n')
    const warnings = budget.takeEach(report.warnings.map(renderWarning))
    sections.push([heading, ...warnings.included].join('\n'))
    if (warnings.omitted > 0) sections.push(omissionNote(countLeftOut(warnings.omitted, 'warning')))
  }

  if (problems.length > 0) {
    const heading = budget.take('### Failures and unknown results')
    const details = budget.takeEach(problems.map(renderDetails))
    sections.push([heading, ...details.included].join('\n\n'))
    if (details.omitted > 0) {
      sections.push(omissionNote(`The details of ${plural(details.omitted, 'more result')} are`))
    }
  }

  return `${sections.join('\n\n')}\n`
}

/** Tracks how many UTF-8 bytes are left for the summary. */
class ByteBudget {
  constructor(private remaining: number) {}

  /** Counts text that is always included, even past the budget. */
  take(text: string): string {
    this.remaining -= Buffer.byteLength(text, 'utf8') + 2
    return text
  }

  /** Takes items in order while they fit and counts the ones left out from the first that does not. */
  takeEach(items: readonly string[]): { included: string[]; omitted: number } {
    const included: string[] = []
    for (const item of items) {
      const size = Buffer.byteLength(item, 'utf8') + 2
      if (size > this.remaining) break
      this.remaining -= size
      included.push(item)
    }
    return { included, omitted: items.length - included.length }
  }
}

/** Starts an omission note, such as `1 more table row is` or `3 more warnings are`. */
function countLeftOut(count: number, noun: string): string {
  return `${plural(count, `more ${noun}`)} ${count === 1 ? 'is' : 'are'}`
}

function omissionNote(subjectAndVerb: string): string {
  return (
    `> [!NOTE]\n> ${subjectAndVerb} left out to keep this summary under GitHub's size limit. ` +
    'The text report in the step log and the JSON report contain every result.'
  )
}

function renderHeadline(report: CheckReport): string {
  const icon = report.passed ? '✅' : '❌'
  const verdict = report.passed ? 'passed' : 'failed'
  const { expectations, results } = report.counts
  return [
    `## ${icon} KMS access gate ${verdict}`,
    '',
    `**${formatCounts(report.counts)}** (${plural(results, 'result')} from ` +
      `${plural(expectations, 'expectation')} in ` +
      `${inlineCode(report.manifest)}). ${describeGate(report)}`,
    ...(describeBaseline(report)
      ? ['', `**${escapeMarkdown(describeBaseline(report) ?? '')}**`]
      : []),
    '',
    escapeMarkdown([describeFactsOrigin(report), describeDryRun(report)].filter(Boolean).join(' '))
  ].join('\n')
}

/** The header of the results table that `renderTableRow` fills. */
export const TABLE_HEADER = [
  '| Status | Expectation | Principal | Action | Key | Expected | Decision | Closed locks |',
  '| --- | --- | --- | --- | --- | --- | --- | --- |'
].join('\n')

/** Renders one row of the results table, with every text from the manifest and facts escaped. */
export function renderTableRow(result: ExpectationResult): string {
  const cells = [
    `${STATUS_ICONS[result.status]} ${statusWord(result)}`,
    escapeMarkdown(result.expectation),
    escapeMarkdown(withReference(result.evidence.principal.input, result.principal)),
    escapeMarkdown(result.action),
    escapeMarkdown(withReference(result.evidence.key.input, result.key)),
    result.expect,
    result.decision,
    result.closedLocks.length > 0 ? result.closedLocks.join(', ') : '–'
  ]
  return `| ${cells.join(' | ')} |`
}

/** Renders one report warning as a list item, with its location when it has one. */
export function renderWarning(warning: ReportWarning): string {
  const location = warning.location ? `${inlineCode(formatLocation(warning.location))}: ` : ''
  return `- ${location}${escapeMarkdown(warning.message)} (${warning.code})`
}

/**
 * Renders a collapsible `<details>` block for a failing or unknown result: the request, the
 * locks, the deciding statements, the reasons and near misses, and the fix with its checks.
 */
export function renderDetails(result: ExpectationResult): string {
  const summary =
    `${STATUS_ICONS[result.status]} ${statusWord(result)}: ${escapeHtml(result.expectation)}: ` +
    escapeHtml(result.action)
  const body = [
    renderFacts(result),
    lockDiagramBlock(result) ?? '',
    renderDryRun(result),
    renderLocks(result),
    renderDecidingStatements(result),
    renderReasons(result),
    renderNearMisses(result.evidence.nearMisses),
    renderMissingContextKeys(result.evidence.missingContextKeys),
    result.remediation ? renderRemediation(result.remediation) : ''
  ].filter((section) => section !== '')
  // The blank lines around the body make GitHub parse it as Markdown inside the HTML block.
  return [
    '<details>',
    `<summary>${summary}</summary>`,
    '',
    ...interleaveBlankLines(body),
    '',
    '</details>'
  ].join('\n')
}

function interleaveBlankLines(sections: readonly string[]): string[] {
  return sections.flatMap((section, position) => (position === 0 ? [section] : ['', section]))
}

function renderFacts(result: ExpectationResult): string {
  return [
    `- **Principal:** ${inlineCode(withReference(result.evidence.principal.input, result.principal))}`,
    `- **Action:** ${inlineCode(result.action)}`,
    `- **Key:** ${inlineCode(withReference(result.evidence.key.input, result.key))}`,
    `- **Expected:** ${result.expect}; **decision:** ${result.decision}`,
    `- **Manifest:** ${inlineCode(formatLocation(result.manifestLocation))}`
  ].join('\n')
}

function describeStatementMarkdown(ref: StatementRef): string {
  const arn = ref.policyArn ? ` (${inlineCode(ref.policyArn)})` : ''
  const id =
    ref.sid !== undefined
      ? `Sid ${inlineCode(ref.sid)}`
      : ref.simulatorPosition
        ? statementId(ref)
        : `statement ${inlineCode(`#${ref.index}`)}`
  const parts = [
    `${ref.effect} in ${describePolicyKind(ref.policyKind)} ${inlineCode(ref.policyName)}${arn}`,
    id
  ]
  if (ref.accountId) parts.push(`account ${inlineCode(ref.accountId)}`)
  if (ref.location) parts.push(inlineCode(formatLocation(ref.location)))
  return parts.join(', ')
}

function describeGrantMarkdown(grant: GrantRef): string {
  const name = grant.name ? ` ${inlineCode(grant.name)}` : ''
  const location = grant.location ? `, ${inlineCode(formatLocation(grant.location))}` : ''
  return (
    `grant ${inlineCode(grant.grantId)}${name} for ${inlineCode(grant.granteePrincipal)}: ` +
    `${grant.operations.map(inlineCode).join(', ')}${location}`
  )
}

function renderLocks(result: ExpectationResult): string {
  const checks = closedLockChecks(result)
  if (checks.length === 0) return ''
  const heading = result.status === 'unknown' ? '**Undecided locks**' : '**Closed locks**'
  return [heading, '', ...checks.map(renderLockCheck)].join('\n')
}

function renderLockCheck(check: LockCheck): string {
  const status = check.status === 'closed' ? '' : ` (${check.status})`
  const account = check.accountId ? ` in account ${inlineCode(check.accountId)}` : ''
  const lines = [`- ${inlineCode(check.lock)}${status}${account}: ${escapeMarkdown(check.reason)}`]
  for (const grant of check.grants) lines.push(`  - ${describeGrantMarkdown(grant)}`)
  return lines.join('\n')
}

function renderDecidingStatements(result: ExpectationResult): string {
  const unexpected = isUnexpectedAccess(result)
  const statements = decidingStatements(result).map((ref) => `- ${describeStatementMarkdown(ref)}`)
  const grants = unexpected
    ? result.evidence.allowedByGrants.map((grant) => `- ${describeGrantMarkdown(grant)}`)
    : []
  if (statements.length === 0 && grants.length === 0) return ''

  const lines = [
    unexpected ? '**Allowed by**' : '**Deciding statements**',
    '',
    ...statements,
    ...grants
  ]
  if (unexpected && result.evidence.accessPaths.length > 0) {
    lines.push('', `Access paths: ${result.evidence.accessPaths.map(inlineCode).join(', ')}`)
  }
  return lines.join('\n')
}

function renderDryRun(result: ExpectationResult): string {
  if (!result.dryRun || result.dryRun.agrees) return ''
  return `**KMS DryRun disagrees:** KMS answered ${result.dryRun.kms}. ${escapeMarkdown(result.dryRun.detail)}`
}

function renderReasons(result: ExpectationResult): string {
  const reasons = result.evidence.reasons
  if (reasons.length === 0) return ''
  const heading = result.status === 'unknown' ? '**Reasons**' : '**Assumptions**'
  return [heading, '', ...reasons.map((reason) => `- ${escapeMarkdown(reason)}`)].join('\n')
}

function renderMismatch(mismatch: Mismatch): string {
  const element =
    mismatch.detail === mismatch.element
      ? mismatch.element
      : `${mismatch.element} ${inlineCode(mismatch.detail)}`
  const expected = mismatch.expected.map(inlineCode).join(', ')
  const actual =
    mismatch.actual.length > 0
      ? mismatch.actual.map(inlineCode).join(', ')
      : mismatch.element === 'condition'
        ? 'not in the request context'
        : 'none'
  const lines = [`  - ${element}: expected ${expected}; actual ${actual}`]
  if (mismatch.hint) lines.push(`    - Hint: ${escapeMarkdown(mismatch.hint)}`)
  return lines.join('\n')
}

function renderNearMisses(nearMisses: readonly NearMiss[]): string {
  if (nearMisses.length === 0) return ''
  const items = nearMisses.map((nearMiss) =>
    [
      `- ${describeStatementMarkdown(nearMiss.statement)}`,
      ...nearMiss.mismatches.map(renderMismatch)
    ].join('\n')
  )
  return ['**Near misses**', '', ...items].join('\n')
}

function renderMissingContextKeys(keys: readonly string[]): string {
  if (keys.length === 0) return ''
  return (
    `**Missing context keys:** ${keys.map(inlineCode).join(', ')}. Add these to the ` +
    "expectation's `context` if the real request carries them."
  )
}

function renderRemediation(remediation: Remediation): string {
  const parts = [`**Fix:** ${escapeMarkdown(remediation.summary)}`]
  remediation.changes.forEach((change, position) => {
    parts.push(renderChange(change, position + 1))
  })
  if (remediation.verifyCommands.length > 0) {
    parts.push(`**Verify**\n\n${codeBlock(remediation.verifyCommands.join('\n'), 'sh')}`)
  }
  return parts.join('\n\n')
}

function renderChange(change: RemediationChange, number: number): string {
  const account = change.accountId ? ` in account ${inlineCode(change.accountId)}` : ''
  const parts = [
    `**Change ${number}: ${change.side}**${account} on ${inlineCode(change.target)}`,
    escapeMarkdown(change.description)
  ]
  if (change.snippet) parts.push(codeBlock(change.snippet.text, change.snippet.language))
  else if (change.statement)
    parts.push(codeBlock(JSON.stringify(change.statement, null, 2), 'json'))
  if (change.statements && change.statements.length > 0) {
    const refs = change.statements.map((ref) => `- ${describeStatementMarkdown(ref)}`)
    parts.push(['Statements to remove or narrow:', '', ...refs].join('\n'))
  }
  return parts.join('\n\n')
}
