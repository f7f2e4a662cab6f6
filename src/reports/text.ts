/**
 * The text report for people in a terminal: one block per failing or unknown result with
 * its evidence and fix, one line per pass, then the warnings and the totals.
 */
import type {
  CheckReport,
  ExpectationResult,
  Remediation,
  RemediationChange,
  ReportWarning
} from '../check/results.js'
import type { GrantRef, NearMiss } from '../engine/decision.js'
import {
  closedLockChecks,
  decidingStatements,
  describeActualValues,
  describeBaseline,
  describeDryRun,
  describeFactsOrigin,
  describeGate,
  describeMismatchElement,
  describeRequest,
  describeStatement,
  formatCounts,
  formatLocation,
  isUnexpectedAccess,
  orderResults,
  plural,
  statusWord,
  withReference
} from './format.js'
import {
  createPalette,
  type Palette,
  TEXT_WIDTH,
  withoutControlCharacters,
  wrap
} from './terminal.js'

export interface TextOptions {
  /** Add ANSI colours. */
  color: boolean
}

const INDENT = '  '

/**
 * Renders the report as text for a terminal, ending with a newline. Text from policies and
 * the manifest has its control characters replaced, so it cannot drive the terminal.
 */
export function renderText(report: CheckReport, options: TextOptions): string {
  const safeReport = withoutControlCharacters(report)
  const palette = createPalette(options.color)
  const ordered = orderResults(safeReport.results)
  const sections: string[] = []
  const baseline = describeBaseline(safeReport)
  if (baseline) sections.push(wrap(baseline, '', INDENT).join('\n'))

  for (const group of groupSameOutcome(
    ordered.filter((candidate) => candidate.status !== 'pass')
  )) {
    sections.push(renderProblem(group, palette).join('\n'))
  }

  const passes = ordered.filter((candidate) => candidate.status === 'pass')
  if (passes.length > 0) {
    sections.push(passes.map((result) => renderPass(result, palette)).join('\n'))
  }

  if (safeReport.warnings.length > 0) {
    sections.push(renderWarnings(safeReport.warnings, palette).join('\n'))
  }

  sections.push(renderTotals(safeReport, palette))
  return `${sections.join('\n\n')}\n`
}

/**
 * Merges the results of one expectation that end the same way (same status, decision,
 * closed locks and fix) into one result listing all their actions, so each fix prints once.
 */
function groupSameOutcome(results: ExpectationResult[]): ExpectationResult[] {
  const groups = new Map<string, ExpectationResult[]>()
  for (const result of results) {
    const key = JSON.stringify([
      result.expectation,
      result.manifestLocation,
      result.status,
      result.decision,
      result.closedLocks,
      result.remediation?.summary ?? ''
    ])
    groups.set(key, [...(groups.get(key) ?? []), result])
  }
  return [...groups.values()].map((members) =>
    members.length === 1
      ? members[0]
      : { ...members[0], action: members.map((member) => member.action).join(', ') }
  )
}

function paintStatus(result: ExpectationResult, palette: Palette): string {
  const word = statusWord(result)
  if (result.status === 'pass') return palette.green(word)
  if (result.status === 'unknown') return palette.yellow(palette.bold(word))
  return palette.red(palette.bold(word))
}

function renderPass(result: ExpectationResult, palette: Palette): string {
  return `${paintStatus(result, palette)}  ${result.expectation}  ${describeRequest(result)} (${result.decision})`
}

function renderProblem(result: ExpectationResult, palette: Palette): string[] {
  const location = palette.dim(formatLocation(result.manifestLocation))
  return [
    `${paintStatus(result, palette)}  ${palette.bold(result.expectation)}  ${location}`,
    ...renderRequest(result),
    `${INDENT}Expected ${result.expect}, decision ${result.decision}.`,
    ...renderDryRun(result),
    ...renderLocks(result, palette),
    ...renderDecidingStatements(result),
    ...renderReasons(result),
    ...renderNearMisses(result.evidence.nearMisses),
    ...renderMissingContextKeys(result.evidence.missingContextKeys),
    ...(result.remediation ? renderRemediation(result.remediation, palette) : [])
  ]
}

/** Says what KMS's DryRun answered when it disagrees with the engine: that is why this fails. */
function renderDryRun(result: ExpectationResult): string[] {
  if (!result.dryRun || result.dryRun.agrees) return []
  const text = `KMS DryRun disagrees: KMS answered ${result.dryRun.kms}. ${result.dryRun.detail}`
  return wrap(text, INDENT, `${INDENT}${INDENT}`)
}

function renderRequest(result: ExpectationResult): string[] {
  const oneLine = `${INDENT}${describeRequest(result)}`
  if (oneLine.length <= TEXT_WIDTH) return [oneLine]
  return [
    `${INDENT}${withReference(result.evidence.principal.input, result.principal)}`,
    `${INDENT}${INDENT}→ ${result.action}`,
    `${INDENT}${INDENT}→ ${withReference(result.evidence.key.input, result.key)}`
  ]
}

function renderLocks(result: ExpectationResult, palette: Palette): string[] {
  if (result.closedLocks.length === 0) return []
  const checks = closedLockChecks(result)
  const closed = checks.filter((check) => check.status === 'closed').map((check) => check.lock)
  const undecided = checks.filter((check) => check.status !== 'closed').map((check) => check.lock)
  const lines: string[] = []
  if (closed.length > 0) lines.push(`${INDENT}Closed locks: ${palette.red(closed.join(', '))}`)
  if (undecided.length > 0)
    lines.push(`${INDENT}Undecided locks: ${palette.yellow(undecided.join(', '))}`)

  for (const check of checks) {
    const status = check.status === 'closed' ? '' : ` [${check.status}]`
    const account = check.accountId ? ` (account ${check.accountId})` : ''
    const prefix = `${INDENT}${INDENT}`
    lines.push(
      ...wrap(`${check.lock}${status}${account}: ${check.reason}`, prefix, `${prefix}${INDENT}`)
    )
    lines.push(...renderGrants(check.grants, `${prefix}${INDENT}`))
  }
  return lines
}

function renderGrants(grants: readonly GrantRef[], prefix: string): string[] {
  return grants.map((grant) => {
    const name = grant.name ? ` "${grant.name}"` : ''
    const location = grant.location ? `, ${formatLocation(grant.location)}` : ''
    return `${prefix}- grant ${grant.grantId}${name} for ${grant.granteePrincipal}: ${grant.operations.join(', ')}${location}`
  })
}

function renderDecidingStatements(result: ExpectationResult): string[] {
  const statements = decidingStatements(result)
  const grants = isUnexpectedAccess(result) ? result.evidence.allowedByGrants : []
  if (statements.length === 0 && grants.length === 0) return []

  const label = isUnexpectedAccess(result) ? 'Allowed by' : 'Deciding statements'
  const prefix = `${INDENT}${INDENT}`
  const lines = [`${INDENT}${label}:`]
  for (const ref of statements)
    lines.push(...wrap(`- ${describeStatement(ref)}`, prefix, `${prefix}  `))
  lines.push(...renderGrants(grants, prefix))
  if (isUnexpectedAccess(result) && result.evidence.accessPaths.length > 0) {
    lines.push(`${INDENT}Access paths: ${result.evidence.accessPaths.join(', ')}`)
  }
  return lines
}

function renderReasons(result: ExpectationResult): string[] {
  const reasons = result.evidence.reasons
  if (reasons.length === 0) return []
  const label = result.status === 'unknown' ? 'Reasons' : 'Assumptions'
  const prefix = `${INDENT}${INDENT}`
  return [
    `${INDENT}${label}:`,
    ...reasons.flatMap((reason) => wrap(`- ${reason}`, prefix, `${prefix}  `))
  ]
}

function renderNearMisses(nearMisses: readonly NearMiss[]): string[] {
  if (nearMisses.length === 0) return []
  const lines = [`${INDENT}Near misses:`]
  const statementPrefix = `${INDENT}${INDENT}`
  const mismatchPrefix = `${statementPrefix}${INDENT}`

  for (const nearMiss of nearMisses) {
    lines.push(
      ...wrap(`- ${describeStatement(nearMiss.statement)}`, statementPrefix, `${statementPrefix}  `)
    )
    for (const mismatch of nearMiss.mismatches) {
      const text =
        `${describeMismatchElement(mismatch)}: expected ${mismatch.expected.join(', ')}; ` +
        `actual ${describeActualValues(mismatch)}`
      lines.push(...wrap(text, mismatchPrefix, `${mismatchPrefix}  `))
      if (mismatch.hint)
        lines.push(...wrap(`hint: ${mismatch.hint}`, mismatchPrefix, `${mismatchPrefix}  `))
    }
  }
  return lines
}

function renderMissingContextKeys(keys: readonly string[]): string[] {
  if (keys.length === 0) return []
  return [
    ...wrap(`Missing context keys: ${keys.join(', ')}`, INDENT, `${INDENT}${INDENT}`),
    `${INDENT}${INDENT}Add these to the expectation's \`context\` if the real request carries them.`
  ]
}

function renderRemediation(remediation: Remediation, palette: Palette): string[] {
  const prefix = `${INDENT}${INDENT}`
  const lines = wrap(`${palette.green('Fix:')} ${remediation.summary}`, INDENT, prefix)

  remediation.changes.forEach((change, position) => {
    lines.push(...renderChange(change, position + 1))
  })

  if (remediation.verifyCommands.length > 0) {
    lines.push(`${prefix}Verify:`)
    for (const command of remediation.verifyCommands) lines.push(`${prefix}${INDENT}$ ${command}`)
  }
  return lines
}

function renderChange(change: RemediationChange, number: number): string[] {
  const heading = `${number}. ${change.side}`
  const account = change.accountId ? ` in account ${change.accountId}` : ''
  const prefix = `${INDENT}${INDENT}`
  const body = `${prefix}${' '.repeat(`${number}. `.length)}`
  const lines = [
    ...wrap(`${heading}${account}: ${change.target}`, prefix, body),
    ...wrap(change.description, body, body)
  ]

  const code =
    change.snippet?.text ?? (change.statement && JSON.stringify(change.statement, null, 2))
  if (code) lines.push(...code.split('\n').map((line) => `${body}${line}`))
  if (change.statements && change.statements.length > 0) {
    lines.push(`${body}Statements to remove or narrow:`)
    for (const ref of change.statements)
      lines.push(...wrap(`- ${describeStatement(ref)}`, body, `${body}  `))
  }
  return lines
}

function renderWarnings(warnings: readonly ReportWarning[], palette: Palette): string[] {
  const lines = [palette.yellow(palette.bold('Warnings:'))]
  for (const warning of warnings) {
    const location = warning.location ? `${formatLocation(warning.location)}: ` : ''
    lines.push(...wrap(`- ${location}${warning.message} [${warning.code}]`, INDENT, `${INDENT}  `))
  }
  return lines
}

function renderTotals(report: CheckReport, palette: Palette): string {
  const { expectations, results } = report.counts
  const totals = `${formatCounts(report.counts)} (${plural(results, 'result')} from ${plural(expectations, 'expectation')}).`
  const gate = describeGate(report)
  const dryRun = describeDryRun(report)
  const origin = wrap(
    [describeFactsOrigin(report), dryRun].filter(Boolean).join(' '),
    '',
    INDENT
  ).join('\n')
  return `${origin}\n${totals} ${report.passed ? palette.green(gate) : palette.red(palette.bold(gate))}`
}
