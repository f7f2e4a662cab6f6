/**
 * Wording and selection shared by the text report, the annotations and the job summary.
 * These helpers only pick and phrase fields of the report; the decisions themselves
 * come from the engine unchanged.
 */
import type { CheckReport, ExpectationResult, ResultCounts } from '../check/results.js'
import type { LockCheck, Mismatch, StatementRef } from '../engine/decision.js'
import type { PolicyKind, SourceLocation } from '../engine/model.js'

const POLICY_KIND_NAMES: Record<PolicyKind, string> = {
  'key-policy': 'key policy',
  identity: 'identity policy',
  'permissions-boundary': 'permissions boundary',
  scp: 'SCP',
  rcp: 'RCP',
  'session-policy': 'session policy',
  vpce: 'VPC endpoint policy'
}

/** Formats a location as `file:line:column`. */
export function formatLocation(location: SourceLocation): string {
  return `${location.file}:${location.line}:${location.column}`
}

/** Names a policy kind in words, such as `key policy` or `SCP`. */
export function describePolicyKind(kind: PolicyKind): string {
  return POLICY_KIND_NAMES[kind]
}

/** Names a policy for people: its kind in words and its name, such as `key policy "default"`. */
export function describePolicy(ref: StatementRef): string {
  const arn = ref.policyArn ? ` (${ref.policyArn})` : ''
  return `${describePolicyKind(ref.policyKind)} "${ref.policyName}"${arn}`
}

/** Names a statement inside its policy: `Sid "X"`, or `#index` when it has no Sid. */
export function statementId(ref: StatementRef): string {
  if (ref.simulatorPosition && ref.sid === undefined) {
    return `statement at line ${ref.simulatorPosition.line}, column ${ref.simulatorPosition.column}`
  }
  return ref.sid === undefined ? `#${ref.index}` : `Sid "${ref.sid}"`
}

/**
 * Describes a statement on one line: effect, policy, Sid or index, account and location,
 * such as `Allow in key policy "default", Sid "Use", account 111122223333, key.json:4:5`.
 */
export function describeStatement(ref: StatementRef): string {
  const parts = [`${ref.effect} in ${describePolicy(ref)}`, statementId(ref)]
  if (ref.accountId) parts.push(`account ${ref.accountId}`)
  if (ref.location) parts.push(formatLocation(ref.location))
  return parts.join(', ')
}

/** Formats counts as `3 passed, 1 failed, 1 unknown`. */
export function formatCounts(counts: ResultCounts): string {
  return `${counts.passed} passed, ${counts.failed} failed, ${counts.unknown} unknown`
}

/** Formats a count with its noun, adding `s` unless the count is 1: `1 result`, `3 results`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`
}

/** States whether the gate passed and, when unknowns did not count, why. */
export function describeGate(report: CheckReport): string {
  if (!report.passed) return 'Gate failed.'
  if (report.counts.unknown > 0 && !report.failOnUnknown) {
    return 'Gate passed: unknown results do not fail it because fail-on-unknown is off.'
  }
  return 'Gate passed.'
}

/** Returns the upper-case status word: `PASS`, `FAIL` or `UNKNOWN`. */
export function statusWord(result: ExpectationResult): string {
  return result.status.toUpperCase()
}

/** Returns the results with failures first, then unknowns, then passes, each in report order. */
export function orderResults(results: readonly ExpectationResult[]): ExpectationResult[] {
  const rank = { fail: 0, unknown: 1, pass: 2 } as const
  // What this change breaks comes first: that is what the pull request must fix.
  const rankOf = (result: ExpectationResult) =>
    result.change === 'breaks' ? -1 : rank[result.status]
  return results
    .map((result, position) => ({ result, position }))
    .sort((a, b) => rankOf(a.result) - rankOf(b.result) || a.position - b.position)
    .map(({ result }) => result)
}

/** True when a `deny` expectation got in: the evidence is what allowed it, not what is closed. */
export function isUnexpectedAccess(result: ExpectationResult): boolean {
  return result.expect === 'deny' && result.decision === 'allowed'
}

/** Returns the lock checks behind `closedLocks`, in evaluation order. */
export function closedLockChecks(result: ExpectationResult): LockCheck[] {
  const closed = new Set(result.closedLocks)
  return result.evidence.locks.filter((check) => closed.has(check.lock))
}

function statementKey(ref: StatementRef): string {
  return [ref.policyKind, ref.policyArn ?? ref.policyName, ref.accountId ?? '', ref.index].join('|')
}

/**
 * Returns the statements that decided a result, without duplicates. For an unexpected
 * allow, these are the statements that let the request in. Otherwise they are the matching
 * Deny statements, then the statements named by the closed locks.
 */
export function decidingStatements(result: ExpectationResult): StatementRef[] {
  const evidence = result.evidence
  const candidates = isUnexpectedAccess(result)
    ? evidence.allowedBy
    : [...evidence.deniedBy, ...closedLockChecks(result).flatMap((check) => check.statements)]

  const seen = new Set<string>()
  return candidates.filter((ref) => {
    const key = statementKey(ref)
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

/** Names the element of a mismatch, such as `condition StringEquals kms:ViaService`. */
export function describeMismatchElement(mismatch: Mismatch): string {
  const sameWord = mismatch.detail.toLowerCase() === mismatch.element.toLowerCase()
  return sameWord ? mismatch.detail : `${mismatch.element} ${mismatch.detail}`
}

/** Formats the request's values in a mismatch, saying so when the request had none. */
export function describeActualValues(mismatch: Mismatch): string {
  if (mismatch.actual.length > 0) return mismatch.actual.join(', ')
  return mismatch.element === 'condition' ? '(not in the request context)' : '(none)'
}

/** Shortens text to at most `maxLength` characters, ending with `…` when it was cut. */
export function shorten(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text
  let end = maxLength - 1
  // Never cut between the two halves of a character outside the Basic Multilingual Plane.
  const last = text.charCodeAt(end - 1)
  if (last >= 0xd800 && last <= 0xdbff) end -= 1
  return `${text.slice(0, end).trimEnd()}…`
}

/** Formats the request on one line: `principal → action → key`. */
export function describeRequest(result: ExpectationResult): string {
  return `${withReference(result.evidence.principal.input, result.principal)} → ${result.action} → ${withReference(result.evidence.key.input, result.key)}`
}

/** Shows a resource named by its place in code with the ARN it resolves to: `infra/app.yaml#Key (arn:…)`. */
export function withReference(input: string, arn: string): string {
  return input.includes('#') && !input.startsWith('arn:') && input !== arn
    ? `${input} (${arn})`
    : arn
}

/**
 * Says where the facts came from, in one sentence: fact files, or AWS with the gate's
 * identity and the number of calls, such as `Facts read live from AWS as
 * arn:aws:sts::111122223333:assumed-role/gate/run (9 calls: ...)`.
 */
export function describeFactsOrigin(report: CheckReport): string {
  const modeNote = report.modeReason ? ` (${report.modeReason})` : ''
  if (report.mode === 'offline') {
    return `Facts read from ${plural(report.factSources.length, 'file')}${modeNote}.`
  }
  const live = report.live
  const identity = live?.gateArn ? ` as ${live.gateArn}` : ''
  const calls = live?.calls ?? []
  const total = calls.reduce((sum, entry) => sum + entry.calls, 0)
  const retried = calls.reduce((sum, entry) => sum + entry.attempts - entry.calls, 0)
  const failed = calls.reduce((sum, entry) => sum + entry.failures, 0)
  const list = calls.map((entry) => `${entry.operation} ${entry.calls}`).join(', ')
  const extra = [
    retried > 0 ? `${plural(retried, 'retry')}`.replace('retrys', 'retries') : '',
    failed > 0 ? `${failed} failed` : ''
  ]
    .filter((part) => part !== '')
    .join(', ')
  const files =
    report.factSources.length > 0 ? `, plus ${plural(report.factSources.length, 'fact file')}` : ''
  return `Facts read live from AWS${identity}${modeNote}: ${plural(total, 'call')} (${list})${extra ? `; ${extra}` : ''}${files}.`
}

/**
 * Sums up a live run's DryRun confirmations, such as `KMS DryRun: 3 agree, 1 disagrees, 2
 * not checked.`; undefined when no result was confirmed.
 */
export function describeDryRun(report: CheckReport): string | undefined {
  const confirmed = report.results.flatMap((result) => (result.dryRun ? [result.dryRun] : []))
  if (confirmed.length === 0) return undefined
  const checked = confirmed.filter((entry) => entry.kms !== 'not-checked')
  const disagree = checked.filter((entry) => !entry.agrees).length
  const parts = [`${checked.length - disagree} agree`]
  if (disagree > 0) parts.push(`${disagree} disagree${disagree === 1 ? 's' : ''}`)
  const skipped = confirmed.length - checked.length
  if (skipped > 0) parts.push(`${skipped} not checked`)
  return `KMS DryRun: ${parts.join(', ')}.`
}

/**
 * Says what the change does compared with its base, such as `Compared with git revision
 * abc123, this change breaks 2 results and fixes 1.`; undefined without a baseline.
 */
export function describeBaseline(report: CheckReport): string | undefined {
  const baseline = report.baseline
  if (!baseline) return undefined
  const breaks = report.results.filter((result) => result.change === 'breaks')
  const listed = breaks.map((result) => `${result.expectation} (${result.action})`).join('; ')
  const effect =
    breaks.length > 0
      ? `this change breaks ${plural(breaks.length, 'result')}: ${listed}`
      : 'this change breaks no result'
  const fixes = baseline.fixes > 0 ? `, and it fixes ${plural(baseline.fixes, 'result')}` : ''
  return `Compared with ${baseline.source}, ${effect}${fixes}.`
}
