/**
 * GitHub annotations for a report: one per failing or unknown expectation, placed on the
 * expectation's line in the manifest, and one per report warning.
 */
import type {
  CheckReport,
  ExpectationResult,
  RemediationChange,
  ReportWarning
} from '../check/results.js'
import type { Lock } from '../engine/decision.js'
import {
  decidingStatements,
  describeStatement,
  formatLocation,
  isUnexpectedAccess,
  orderResults,
  shorten
} from './format.js'

export interface Annotation {
  level: 'error' | 'warning' | 'notice'
  title: string
  message: string
  file?: string
  startLine?: number
  startColumn?: number
}

/**
 * Upper bound on the length of an annotation message. The Actions runner cuts longer
 * messages: since runner v2.305.0 it keeps about 4,096 characters.
 */
export const MAX_ANNOTATION_MESSAGE_LENGTH = 3_990

const MAX_UNKNOWN_REASON_LENGTH = 80

/**
 * Builds the annotations for a report. The results of one expectation with the same status
 * share one annotation that lists their actions. Failures are errors; unknown results are
 * errors when `failOnUnknown` is on and warnings otherwise. Failures come before unknowns,
 * then the report warnings follow, because GitHub shows only the first few annotations of
 * each level per step.
 */
export function buildAnnotations(report: CheckReport): Annotation[] {
  const groups = groupResults(
    orderResults(report.results).filter((result) => result.status !== 'pass')
  )
  const resultAnnotations = groups.map((group) => annotateGroup(group, report.failOnUnknown))
  const codeAnnotations = uniqueAnnotations(groups.flatMap(annotateCode))
  return [...resultAnnotations, ...codeAnnotations, ...report.warnings.map(annotateWarning)]
}

/**
 * Annotations in templates and plans: on the line where a missing statement belongs (with
 * the statement in that file's language) and on each blocking statement, so the pull
 * request diff shows them next to the change.
 */
function annotateCode(group: ResultGroup): Annotation[] {
  const [first] = group
  if (first.status !== 'fail') return []
  const changes = first.remediation?.changes ?? []
  const fixes = changes
    .filter((change) => change.location && change.snippet)
    .map(
      (change): Annotation => ({
        level: 'error',
        title: `Fix for "${first.expectation}": ${change.side} must allow ${unique(group.map((result) => result.action)).join(', ')}`,
        message: fitLines(
          [change.description, '', ...(change.snippet?.text.split('\n') ?? [])],
          MAX_ANNOTATION_MESSAGE_LENGTH
        ),
        file: change.location?.file,
        startLine: change.location?.line,
        startColumn: change.location?.column
      })
    )
  const inCode = Boolean(first.evidence.key.policyOrigin || first.evidence.principal.policyOrigin)
  const blocking = inCode
    ? first.evidence.deniedBy
        .filter((ref) => ref.location)
        .map(
          (ref): Annotation => ({
            level: 'error',
            title: `Blocks "${first.expectation}": ${ref.effect} statement`,
            message: `${describeStatement(ref)} denies ${first.principal} ${unique(group.map((result) => result.action)).join(', ')} on ${first.key}.`,
            file: ref.location?.file,
            startLine: ref.location?.line,
            startColumn: ref.location?.column
          })
        )
    : []
  return [...fixes, ...blocking]
}

function uniqueAnnotations(annotations: Annotation[]): Annotation[] {
  const seen = new Set<string>()
  return annotations.filter((annotation) => {
    const key = [annotation.file, annotation.startLine, annotation.title, annotation.message].join(
      '\u0000'
    )
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

/** Results of one expectation with one status, in report order. */
type ResultGroup = [ExpectationResult, ...ExpectationResult[]]

function groupResults(results: readonly ExpectationResult[]): ResultGroup[] {
  const groups = new Map<string, ResultGroup>()
  for (const result of results) {
    const key = [result.expectation, formatLocation(result.manifestLocation), result.status].join(
      '\u0000'
    )
    const group = groups.get(key)
    if (group) group.push(result)
    else groups.set(key, [result])
  }
  return [...groups.values()]
}

function annotateGroup(group: ResultGroup, failOnUnknown: boolean): Annotation {
  const [first] = group
  const location = first.manifestLocation
  const level = first.status === 'unknown' && !failOnUnknown ? 'warning' : 'error'
  return {
    level,
    title: titleFor(group),
    message: fitLines(messageLines(group), MAX_ANNOTATION_MESSAGE_LENGTH),
    file: location.file,
    startLine: location.line,
    startColumn: location.column
  }
}

function titleFor(group: ResultGroup): string {
  const [first] = group
  if (first.status === 'unknown') {
    const reason = group.flatMap((result) => result.evidence.reasons)[0]
    return `Unknown: ${shorten(reason ?? 'the check could not decide', MAX_UNKNOWN_REASON_LENGTH)}`
  }
  const broken = first.change === 'breaks' ? 'Broken by this change: ' : ''
  if (isUnexpectedAccess(first)) return `${broken}Unexpected access`

  const locks = unique<Lock>(group.flatMap((result) => result.closedLocks))
  if (locks.length === 0) return `${broken}Expectation failed`
  return `${broken}${locks.length === 1 ? 'Closed lock' : 'Closed locks'}: ${locks.join(', ')}`
}

function messageLines(group: ResultGroup): string[] {
  const [first] = group
  const lines = [
    `Expectation "${first.expectation}" expects ${first.expect} for ${first.principal} on ${first.key}.`,
    ...group.map((result) => `${result.action}: ${result.decision}`)
  ]

  if (first.status === 'unknown') {
    const reasons = unique(group.flatMap((result) => result.evidence.reasons))
    lines.push(...reasons.map((reason) => `Reason: ${reason}`))
  }

  if (isUnexpectedAccess(first)) {
    const statements = group.flatMap((result) => decidingStatements(result).map(describeStatement))
    const grants = group.flatMap((result) =>
      result.evidence.allowedByGrants.map((grant) => grant.grantId)
    )
    lines.push(...unique(statements).map((statement) => `Allowed by: ${statement}`))
    lines.push(...unique(grants).map((grantId) => `Allowed by grant: ${grantId}`))
  }

  const missingKeys = unique(group.flatMap((result) => result.evidence.missingContextKeys))
  if (missingKeys.length > 0) {
    lines.push(`Context keys the request did not supply: ${missingKeys.join(', ')}`)
  }

  lines.push(...remediationLines(group))
  return lines
}

function remediationLines(group: ResultGroup): string[] {
  const remediations = group.flatMap((result) => (result.remediation ? [result.remediation] : []))
  const summaries = unique(remediations.map((remediation) => `Fix: ${remediation.summary}`))
  const changes = unique(
    remediations.flatMap((remediation) => remediation.changes.map(describeChange))
  )
  return [...summaries, ...changes]
}

/** Describes a change compactly: where it goes, what to do, and the statement on one line. */
function describeChange(change: RemediationChange): string {
  const account = change.accountId ? ` in account ${change.accountId}` : ''
  const lines = [`${change.side}${account} (${change.target}): ${change.description}`]
  if (change.statement) lines.push(JSON.stringify(change.statement))
  for (const ref of change.statements ?? [])
    lines.push(`Remove or narrow: ${describeStatement(ref)}`)
  return lines.join('\n')
}

function annotateWarning(warning: ReportWarning): Annotation {
  const annotation: Annotation = {
    level: 'warning',
    title: `Warning: ${warning.code}`,
    message: fitLines([warning.message], MAX_ANNOTATION_MESSAGE_LENGTH)
  }
  if (warning.location) {
    annotation.file = warning.location.file
    annotation.startLine = warning.location.line
    annotation.startColumn = warning.location.column
  }
  return annotation
}

/**
 * Joins lines with newlines, keeping at most `maxLength` characters. When lines must be
 * dropped, the last line states how many and where to find them.
 */
export function fitLines(lines: readonly string[], maxLength: number): string {
  const flat = lines.flatMap((line) => line.split('\n'))
  const joined = flat.join('\n')
  if (joined.length <= maxLength) return joined

  const omissionNote = (count: number) =>
    `… ${count} more line${count === 1 ? '' : 's'} in the job summary and the text report.`
  const budget = maxLength - omissionNote(flat.length).length - 1
  const keptLines: string[] = []
  let length = 0
  for (const line of flat) {
    const cost = line.length + (keptLines.length > 0 ? 1 : 0)
    if (length + cost > budget) break
    keptLines.push(line)
    length += cost
  }

  // A first line longer than the whole budget is cut rather than dropped, so the
  // message always names the expectation it is about.
  if (keptLines.length === 0) keptLines.push(shorten(flat[0] ?? '', budget))
  return [...keptLines, omissionNote(flat.length - keptLines.length)].join('\n')
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)]
}
