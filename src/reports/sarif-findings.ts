/**
 * Findings for the SARIF output: what each failing or unknown expectation reports, one
 * finding per expectation and rule. The actions of one expectation that fail for the same
 * reason share a finding, as they share an annotation.
 */
import type { ExpectationResult, RemediationChange, RemediationSide } from '../check/results.js'
import type { GrantRef, Lock, LockCheck, NearMiss, StatementRef } from '../engine/decision.js'
import type { PolicyKind, SourceLocation } from '../engine/model.js'
import {
  decidingStatements,
  describePolicy,
  formatLocation,
  isUnexpectedAccess,
  orderResults,
  statementId
} from './format.js'
import type { FindingKind } from './sarif-rules.js'

/** One SARIF result before rendering. */
export interface Finding {
  kind: FindingKind
  /** The results of one expectation (and one status) that have this finding, in report order. */
  results: [ExpectationResult, ...ExpectationResult[]]
  /** The lock checks behind the finding: closed locks, or undecided ones for `unknown`. */
  locks: LockCheck[]
  /** For `condition-not-satisfied`: the Allow statements whose only mismatches are conditions. */
  nearMisses: NearMiss[]
}

/** A place in a policy file or template that the finding points at, besides the manifest. */
export interface RelatedPlace {
  location: SourceLocation
  /** `fix`: where a change belongs; `statement`: a statement or grant that decided the result. */
  role: 'fix' | 'statement'
  /** Description of that place in plain words, with text from the facts. */
  description: string
}

const POLICY_KIND_LOCKS: Record<PolicyKind, Lock> = {
  'key-policy': 'key-policy',
  identity: 'iam',
  'permissions-boundary': 'permissions-boundary',
  'session-policy': 'session-policy',
  scp: 'scp',
  rcp: 'rcp',
  vpce: 'vpce'
}

const SIDE_LOCKS: Record<RemediationSide, Lock[]> = {
  'key-policy': ['key-policy'],
  iam: ['iam'],
  'permissions-boundary': ['permissions-boundary'],
  'session-policy': ['session-policy'],
  vpce: ['vpce'],
  scp: ['scp'],
  rcp: ['rcp'],
  grant: ['grant'],
  key: ['key-state', 'key-usage', 'key-not-found'],
  expectation: []
}

/**
 * Builds the findings of a report, failures before unknown results (results that this change
 * breaks first), each expectation's findings in lock evaluation order.
 */
export function buildFindings(results: readonly ExpectationResult[]): Finding[] {
  const problems = orderResults(results).filter((result) => result.status !== 'pass')
  return groupByExpectation(problems).flatMap(mergeFindings)
}

function groupByExpectation(results: readonly ExpectationResult[]): ExpectationResult[][] {
  const groups = new Map<string, ExpectationResult[]>()
  for (const result of results) {
    const key = [result.expectation, formatLocation(result.manifestLocation), result.status].join(
      '\u0000'
    )
    groups.set(key, [...(groups.get(key) ?? []), result])
  }
  return [...groups.values()]
}

function mergeFindings(group: readonly ExpectationResult[]): Finding[] {
  const merged = new Map<FindingKind, Finding>()
  for (const result of group) {
    for (const part of findingsOf(result)) {
      const existing = merged.get(part.kind)
      if (existing) {
        existing.results.push(result)
        existing.locks.push(...part.locks)
        existing.nearMisses.push(...part.nearMisses)
      } else {
        merged.set(part.kind, { ...part, results: [result] })
      }
    }
  }
  return [...merged.values()]
}

type FindingPart = Omit<Finding, 'results'>

function findingsOf(result: ExpectationResult): FindingPart[] {
  const parts: FindingPart[] = []
  if (result.dryRun && !result.dryRun.agrees) {
    parts.push({ kind: 'dry-run-disagreement', locks: [], nearMisses: [] })
  }
  if (result.status === 'unknown') {
    parts.push({ kind: 'unknown', locks: lockChecksOf(result), nearMisses: [] })
  } else if (isUnexpectedAccess(result)) {
    parts.push({ kind: 'unexpected-access', locks: [], nearMisses: [] })
  } else if (result.expect === 'allow' && result.decision !== 'allowed') {
    parts.push(...lockFindings(result))
  }
  // A failure must never vanish from the output, even one that no rule above describes.
  if (parts.length === 0) {
    parts.push({ kind: 'expectation-not-met', locks: lockChecksOf(result), nearMisses: [] })
  }
  return parts
}

/** Returns a finding for each closed lock, or `condition-not-satisfied` where only a condition failed. */
function lockFindings(result: ExpectationResult): FindingPart[] {
  return lockChecksOf(result).map((check) => {
    const nearMisses = conditionOnlyNearMisses(result, check.lock)
    return nearMisses.length > 0
      ? { kind: 'condition-not-satisfied', locks: [check], nearMisses }
      : { kind: check.lock, locks: [check], nearMisses: [] }
  })
}

/** Returns the checks of `closedLocks` in that order, with a bare check for a lock the evidence lacks. */
function lockChecksOf(result: ExpectationResult): LockCheck[] {
  return result.closedLocks.map(
    (lock) =>
      result.evidence.locks.find((check) => check.lock === lock) ?? {
        lock,
        status: result.status === 'unknown' ? 'unknown' : 'closed',
        reason: '',
        statements: [],
        grants: []
      }
  )
}

/** Near misses of one lock whose every mismatch is a condition. */
function conditionOnlyNearMisses(result: ExpectationResult, lock: Lock): NearMiss[] {
  // Grants that almost match are listed as key-policy near misses named after the grant.
  const grantNames = new Set(
    result.evidence.locks.flatMap((check) => check.grants.map((grant) => `grant ${grant.grantId}`))
  )
  return result.evidence.nearMisses.filter((nearMiss) => {
    const statement = nearMiss.statement
    const statementLock =
      statement.policyKind === 'key-policy' && grantNames.has(statement.policyName)
        ? 'grant'
        : POLICY_KIND_LOCKS[statement.policyKind]
    return (
      statementLock === lock &&
      nearMiss.mismatches.length > 0 &&
      nearMiss.mismatches.every((mismatch) => mismatch.element === 'condition')
    )
  })
}

/** Returns the actions of a finding, each once, in report order. */
export function findingActions(finding: Finding): string[] {
  return unique(finding.results.map((result) => result.action))
}

/**
 * Lists the places a finding points at besides the manifest: where each fix belongs, then
 * the statements and grants that decided it, each place once.
 */
export function relatedPlaces(finding: Finding): RelatedPlace[] {
  const places = [
    ...fixPlaces(finding),
    ...statementsOf(finding).flatMap((ref) => statementPlace(ref)),
    ...grantsOf(finding).flatMap((grant) => grantPlace(grant))
  ]
  const seen = new Set<string>()
  return places.filter((place) => {
    const key = `${formatLocation(place.location)}\u0000${place.description}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

function fixPlaces(finding: Finding): RelatedPlace[] {
  const changes = finding.results.flatMap((result) => result.remediation?.changes ?? [])
  const located = changes.filter((change) => change.location)
  const locks = new Set(finding.locks.map((check) => check.lock))
  const matching = located.filter((change) =>
    SIDE_LOCKS[change.side].some((lock) => locks.has(lock))
  )
  // A change in another place (such as an SCP that contains the Deny) still belongs to this finding.
  const chosen = matching.length > 0 ? matching : located
  return chosen.flatMap((change) => (change.location ? [fixPlace(change, change.location)] : []))
}

function fixPlace(change: RemediationChange, location: SourceLocation): RelatedPlace {
  const account = change.accountId ? ` in account ${change.accountId}` : ''
  return {
    location,
    role: 'fix',
    description: `Fix (${change.side}${account}, ${change.target}): ${change.description}`
  }
}

/** Returns the statements that decided a finding: what let a request in, or what kept it out. */
export function statementsOf(finding: Finding): StatementRef[] {
  const fromLocks = finding.locks.flatMap((check) => check.statements)
  switch (finding.kind) {
    case 'condition-not-satisfied':
      return uniqueBy(
        finding.nearMisses.map((nearMiss) => nearMiss.statement),
        statementKey
      )
    case 'unexpected-access':
    case 'dry-run-disagreement':
    case 'expectation-not-met':
      return uniqueBy(finding.results.flatMap(decidingStatements), statementKey)
    case 'explicit-deny':
      return uniqueBy([...fromLocks, ...finding.results.flatMap(decidingStatements)], statementKey)
    case 'unknown':
      // Deny statements that may match make a result unknown as much as undecided locks do.
      return uniqueBy(
        [...fromLocks, ...finding.results.flatMap((result) => result.evidence.deniedBy)],
        statementKey
      )
    default:
      return uniqueBy(fromLocks, statementKey)
  }
}

/** Returns the grants that decided a finding: those that let a request in, or those of a closed grant lock. */
export function grantsOf(finding: Finding): GrantRef[] {
  const grants =
    finding.kind === 'unexpected-access'
      ? finding.results.flatMap((result) => result.evidence.allowedByGrants)
      : finding.locks.flatMap((check) => check.grants)
  return uniqueBy(grants, (grant) => grant.grantId)
}

function statementPlace(ref: StatementRef): RelatedPlace[] {
  if (!ref.location) return []
  return [
    {
      location: ref.location,
      role: 'statement',
      description: `${ref.effect} in ${describePolicy(ref)}, ${statementId(ref)}`
    }
  ]
}

function grantPlace(grant: GrantRef): RelatedPlace[] {
  if (!grant.location) return []
  const name = grant.name ? ` (${grant.name})` : ''
  return [
    {
      location: grant.location,
      role: 'statement',
      description: `Grant ${grant.grantId}${name} for ${grant.granteePrincipal}`
    }
  ]
}

function statementKey(ref: StatementRef): string {
  return [
    ref.policyKind,
    ref.policyArn ?? ref.policyName,
    ref.accountId ?? '',
    ref.index,
    ref.sid ?? ''
  ].join('\u0000')
}

function uniqueBy<T>(values: readonly T[], keyOf: (value: T) => string): T[] {
  const seen = new Set<string>()
  return values.filter((value) => {
    const key = keyOf(value)
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

/** Returns the values in order, each once. */
export function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)]
}
