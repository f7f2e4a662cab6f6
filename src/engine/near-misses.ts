/**
 * Near misses: the Allow statements and grants that came closest to letting a denied
 * request in, and the condition keys the expectation could add to its context.
 */
import type { NearMiss } from './decision.js'
import type { EvaluationState } from './evaluate.js'
import type { StatementMatch } from './statement-match.js'

const MAX_NEAR_MISSES = 5

/** Ranks a failed Allow: conditions-only failures first, then principal failures. */
function closeness(match: StatementMatch): number {
  const elements = new Set(match.mismatches.map((mismatch) => mismatch.element))
  if (elements.has('action')) return 0
  // A statement for an account principal is no near miss: the key-policy lock already reports
  // whether the caller's account is trusted.
  const accountOnly = match.mismatches.some(
    (mismatch) =>
      mismatch.element === 'principal' &&
      mismatch.expected.every((value) => value.endsWith(':root'))
  )
  if (accountOnly) return 0
  if (elements.size === 1 && elements.has('condition')) return 3
  if (elements.size === 1 && elements.has('resource')) return 2
  return 1
}

export function collectNearMisses(state: EvaluationState): NearMiss[] {
  const candidates = [
    ...(state.keyPolicyMatches ?? []),
    ...(state.identityMatches ?? []),
    ...(state.boundaryMatches ?? [])
  ].filter(
    (match) => match.statement.effect === 'Allow' && match.applies === false && closeness(match) > 0
  )

  const statementMisses = candidates
    .sort((left, right) => closeness(right) - closeness(left))
    .map((match) => ({ statement: match.ref, mismatches: match.mismatches }))

  const grantMisses = (state.grantMatches ?? [])
    .filter(
      (match) => match.grantee !== 'none' && !(match.operationMatches && match.constraintsMatch)
    )
    .map((match) => ({
      statement: {
        policyKind: 'key-policy' as const,
        policyName: `grant ${match.grant.grantId}`,
        accountId: state.key.accountId,
        index: 0,
        effect: 'Allow' as const,
        ...(match.grant.location ? { location: match.grant.location } : {})
      },
      mismatches: match.mismatches
    }))

  return [...statementMisses, ...grantMisses].slice(0, MAX_NEAR_MISSES)
}

/** Condition keys tested by statements that match the action but that the request did not carry. */
export function collectMissingKeys(state: EvaluationState): string[] {
  const relevant = [
    ...(state.keyPolicyMatches ?? []),
    ...(state.identityMatches ?? []),
    ...(state.boundaryMatches ?? []),
    ...state.scp.denies,
    ...state.rcp.denies
  ].filter((match) => match.actionMatches)
  const keys = new Set(relevant.flatMap((match) => match.missingKeys))
  return [...keys].sort()
}
