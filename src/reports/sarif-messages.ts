/**
 * The wording of SARIF result messages. A message is built from parts that mark which text
 * is the gate's own and which comes from the manifest or the facts, so the renderer can
 * escape the latter for plain text and for Markdown.
 */
import type { ExpectationResult } from '../check/results.js'
import type { LockCheck, NearMiss } from '../engine/decision.js'
import {
  describeActualValues,
  describeMismatchElement,
  describePolicy,
  describeStatement,
  statementId,
  withReference
} from './format.js'
import { type Finding, findingActions, grantsOf, statementsOf, unique } from './sarif-findings.js'

/**
 * A piece of a message: the gate's own text (a string), text from the manifest or facts
 * (`data`, or `code` for names and ARNs that Markdown shows as code), or a link to a related
 * location by its ID.
 */
export type MessagePart =
  | string
  | { data: string }
  | { code: string }
  | { link: string; target: number }

export type MessageLine = MessagePart[]

const LOCK_NAMES: Record<LockCheck['lock'], string> = {
  'explicit-deny': 'explicit deny',
  scp: 'SCP',
  rcp: 'RCP',
  vpce: 'VPC endpoint policy',
  'key-policy': 'key policy',
  iam: 'IAM',
  'permissions-boundary': 'permissions boundary',
  'session-policy': 'session policy',
  grant: 'grant',
  'key-state': 'key state',
  'key-usage': 'key usage',
  'key-not-found': 'key not found'
}

/** Describes a finding: the request and verdict, why, and the fix summary. */
export function describeFinding(finding: Finding): MessageLine[] {
  return uniqueLines([
    headline(finding),
    ...breaksNote(finding),
    ...details(finding),
    ...missingContextKeys(finding),
    ...fixSummaries(finding)
  ])
}

function headline(finding: Finding): MessageLine {
  const [first] = finding.results
  const actions = findingActions(finding)
  const verb = actions.length === 1 ? 'is' : 'are'
  const subject: MessagePart[] = [{ code: first.expectation }, ': ']
  const actionList = joinParts(actions.map((action) => ({ code: action })))
  const request: MessagePart[] = [
    ' for ',
    { code: withReference(first.evidence.principal.input, first.principal) },
    ' on ',
    { code: withReference(first.evidence.key.input, first.key) }
  ]
  switch (finding.kind) {
    case 'unknown':
      return [
        ...subject,
        'the check could not decide ',
        ...actionList,
        ...request,
        `; the expectation is ${first.expect}.`
      ]
    case 'dry-run-disagreement':
      return [
        ...subject,
        'KMS DryRun disagrees with the gate about ',
        ...actionList,
        ...request,
        '.'
      ]
    default: {
      const verdict = finding.kind === 'unexpected-access' ? 'allowed' : 'denied'
      return [
        ...subject,
        ...actionList,
        ` ${verb} ${verdict}`,
        ...request,
        `; the expectation is ${first.expect}.`
      ]
    }
  }
}

function breaksNote(finding: Finding): MessageLine[] {
  const broken = finding.results.some((result) => result.change === 'breaks')
  return broken ? [['This change breaks the expectation: it passed before the change.']] : []
}

function details(finding: Finding): MessageLine[] {
  switch (finding.kind) {
    case 'condition-not-satisfied':
      return finding.nearMisses.flatMap(describeNearMiss)
    case 'unexpected-access':
      return [
        ...statementsOf(finding).map(
          (ref): MessageLine => ['Allowed by: ', { data: describeStatement(ref) }]
        ),
        ...grantsOf(finding).map(
          (grant): MessageLine => ['Allowed by grant ', { code: grant.grantId }]
        )
      ]
    case 'unknown':
      return [
        ...undecidedLocks(finding),
        ...unique(finding.results.flatMap((result) => result.evidence.reasons)).map(
          (reason): MessageLine => ['Reason: ', { data: reason }]
        )
      ]
    case 'dry-run-disagreement':
      return finding.results.map(describeDryRun)
    case 'expectation-not-met':
      return finding.results.map(
        (result): MessageLine => [{ code: result.action }, `: decision ${result.decision}.`]
      )
    case 'explicit-deny':
      return [
        ...closedLocks(finding.locks),
        ...statementsOf(finding).map(
          (ref): MessageLine => ['Denied by: ', { data: describeStatement(ref) }]
        )
      ]
    default:
      return closedLocks(finding.locks)
  }
}

function closedLocks(checks: readonly LockCheck[]): MessageLine[] {
  return checks.map((check): MessageLine => {
    const account = check.accountId ? [' in account ', { code: check.accountId }] : []
    const reason = check.reason ? [': ', { data: check.reason }] : []
    return [`Closed lock: ${LOCK_NAMES[check.lock]}`, ...account, ...reason]
  })
}

function undecidedLocks(finding: Finding): MessageLine[] {
  const locks = unique(finding.locks.map((check) => LOCK_NAMES[check.lock]))
  return locks.length > 0 ? [[`Undecided locks: ${locks.join(', ')}.`]] : []
}

function describeNearMiss(nearMiss: NearMiss): MessageLine[] {
  const ref = nearMiss.statement
  const statement = `${ref.effect} in ${describePolicy(ref)}, ${statementId(ref)}`
  return nearMiss.mismatches.map((mismatch): MessageLine => {
    const hint = mismatch.hint ? [' Hint: ', { data: mismatch.hint }] : []
    return [
      'Condition not met in ',
      { data: statement },
      ': ',
      { data: describeMismatchElement(mismatch) },
      ' expects ',
      { data: mismatch.expected.join(', ') },
      '; the request has ',
      { data: describeActualValues(mismatch) },
      '.',
      ...hint
    ]
  })
}

function describeDryRun(result: ExpectationResult): MessageLine {
  const dryRun = result.dryRun
  const answer = dryRun ? `KMS answered ${dryRun.kms}` : 'KMS did not answer'
  const detail = dryRun?.detail ? [': ', { data: dryRun.detail }] : []
  return [{ code: result.action }, `: ${answer}; the gate decided ${result.decision}`, ...detail]
}

function missingContextKeys(finding: Finding): MessageLine[] {
  if (finding.kind !== 'condition-not-satisfied' && finding.kind !== 'unknown') return []
  const keys = unique(finding.results.flatMap((result) => result.evidence.missingContextKeys))
  if (keys.length === 0) return []
  return [
    [
      'Context keys the request did not supply: ',
      ...joinParts(keys.map((key) => ({ code: key }))),
      ". Add them to the expectation's context if the real request carries them."
    ]
  ]
}

function fixSummaries(finding: Finding): MessageLine[] {
  const summaries = unique(
    finding.results.flatMap((result) => (result.remediation ? [result.remediation.summary] : []))
  )
  return summaries.map((summary): MessageLine => ['Fix: ', { data: summary }])
}

function joinParts(parts: readonly MessagePart[]): MessagePart[] {
  return parts.flatMap((part, position) => (position > 0 ? [', ', part] : [part]))
}

function uniqueLines(lines: readonly MessageLine[]): MessageLine[] {
  const seen = new Set<string>()
  return lines.filter((line) => {
    const key = JSON.stringify(line)
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}
