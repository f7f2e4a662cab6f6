/**
 * The state of each lock for one request, with the statements that decided it. A lock on a
 * door the request does not need (the IAM lock when a same-account key policy names the
 * principal, say) is `not-applicable`, so `closed` always means "this must change".
 */
import type { LockCheck, LockStatus, StatementRef } from './decision.js'
import type { CapOutcome } from './endpoint-and-session.js'
import type { EvaluationState } from './evaluate.js'
import type { GuardrailOutcome } from './organizations.js'
import type { SimulatedIam } from './simulated-iam.js'
import { allowsThatMayApply, type StatementMatch } from './statement-match.js'
import { or3, type Tri } from './tri.js'
import { describeUnresolved, hasUnresolved } from './unresolved.js'

/** Maps a three-valued result to a lock status. */
export function statusOf(value: Tri): LockStatus {
  if (value === 'unknown') return 'unknown'
  return value ? 'open' : 'closed'
}

function refs(matches: StatementMatch[]): StatementRef[] {
  return matches.map((match) => match.ref)
}

export function buildLocks(state: EvaluationState): LockCheck[] {
  const locks: LockCheck[] = [
    {
      lock: 'key-not-found',
      status: 'open',
      accountId: state.key.accountId,
      reason: `Key ${state.key.arn} exists.`,
      statements: [],
      grants: []
    },
    explicitDenyLock(state),
    guardrailLock('scp', state.scp, state.identity.resolved.accountId),
    guardrailLock('rcp', state.rcp, state.key.accountId),
    capLock('vpce', state.vpce, state.identity.resolved.accountId),
    keyPolicyLock(state),
    iamLock(state),
    boundaryLock(state),
    sessionPolicyLock(state),
    grantLock(state),
    state.keyState,
    state.keyUsage
  ]
  if (state.authorized === true) return locks.map((lock) => relaxUnusedDoor(lock, state))
  return locks
}

/** When another door lets the request in, a closed lock on an unused door does not block it. */
function relaxUnusedDoor(lock: LockCheck, state: EvaluationState): LockCheck {
  const doorLocks = ['key-policy', 'iam', 'permissions-boundary', 'session-policy', 'grant']
  if (!doorLocks.includes(lock.lock) || lock.status === 'open' || lock.status === 'not-applicable')
    return lock
  const via = Object.entries(state.paths)
    .filter(([, value]) => value === true)
    .map(([path]) => path)
    .join(', ')
  return {
    ...lock,
    status: 'not-applicable',
    reason: `${lock.reason} The request gets in another way (${via}).`
  }
}

/** Returns the Deny statements of every applicable policy that apply or may apply. */
export function matchingDenies(state: EvaluationState): StatementMatch[] {
  return [
    ...(state.keyPolicyMatches ?? []),
    ...(state.identityMatches ?? []),
    ...(state.boundaryMatches ?? []),
    ...(state.vpce.matches ?? []),
    ...(state.session.matches ?? []),
    ...state.scp.denies,
    ...state.rcp.denies
  ].filter((match) => match.statement.effect === 'Deny' && match.applies !== false)
}

function explicitDenyLock(state: EvaluationState): LockCheck {
  const denies = matchingDenies(state)
  const definite = denies.filter((match) => match.applies === true)
  const base = { lock: 'explicit-deny' as const, grants: [] }
  if (definite.length > 0) {
    return {
      ...base,
      status: 'closed',
      reason: describeDenies(definite),
      statements: refs(definite)
    }
  }
  if (denies.length > 0) {
    return {
      ...base,
      status: 'unknown',
      reason: `A Deny statement may apply: its condition cannot be evaluated (${describeDenies(denies)}).`,
      statements: refs(denies)
    }
  }
  if (state.unseenDenySources.length > 0) {
    return { ...base, status: 'unknown', reason: state.unseenDenySources.join(' '), statements: [] }
  }
  return { ...base, status: 'open', reason: 'No Deny statement applies.', statements: [] }
}

function describeDenies(denies: StatementMatch[]): string {
  return denies
    .map(
      (match) =>
        `${policyLabel(match)} statement ${match.ref.sid ?? `#${match.ref.index}`} denies the request${denyConditions(match)}`
    )
    .join('; ')
}

/** Says which condition values made a Deny apply, such as an endpoint ID that differs. */
function denyConditions(match: StatementMatch): string {
  const { conditions } = match.statement
  if (conditions.length === 0) return ''
  const parts = conditions.map((entry) => {
    const actual = match.request.context.get(entry.key)
    const shown = actual && actual.length > 0 ? actual.join(', ') : '(absent)'
    return `${entry.operator} ${entry.key} [${entry.values.join(', ')}] with request value ${shown}`
  })
  return ` because ${parts.join(' and ')}`
}

function policyLabel(match: StatementMatch): string {
  const { policyKind, policyName } = match.ref
  if (policyKind === 'key-policy') return 'Key policy'
  if (policyKind === 'identity') return `IAM policy ${policyName}`
  if (policyKind === 'permissions-boundary') return `Permissions boundary ${policyName}`
  return `${policyKind.toUpperCase()} ${policyName}`
}

function guardrailLock(
  lock: 'scp' | 'rcp',
  outcome: GuardrailOutcome,
  accountId: string | undefined
): LockCheck {
  const statements = outcome.status === 'open' ? refs(outcome.allows) : []
  return { lock, status: outcome.status, accountId, reason: outcome.reason, statements, grants: [] }
}

function capLock(
  lock: 'vpce' | 'session-policy',
  outcome: CapOutcome,
  accountId: string | undefined
): LockCheck {
  const statements = refs(allowsThatMayApply(outcome.matches))
  return { lock, status: outcome.status, accountId, reason: outcome.reason, statements, grants: [] }
}

/**
 * Returns true when boundaries and session policies matter: across accounts, or when no
 * uncapped key-policy statement (session ARN, user ARN, `*`) lets the principal in.
 */
function capsApply(state: EvaluationState): boolean {
  return state.crossAccount || state.doors.keyDirectUncapped !== true
}

/** Builds the session-policy lock, which caps the same allows as a permissions boundary does. */
function sessionPolicyLock(state: EvaluationState): LockCheck {
  const lock = capLock('session-policy', state.session, state.identity.resolved.accountId)
  if (lock.status === 'not-applicable' || capsApply(state)) return lock
  return {
    ...lock,
    status: 'not-applicable',
    reason: 'The key policy lets the session in a way that session policies do not cap.'
  }
}

function keyPolicyLock(state: EvaluationState): LockCheck {
  const { key, doors } = state
  const base = { lock: 'key-policy' as const, accountId: key.accountId, grants: [] }
  if (state.grantOnly) {
    return {
      ...base,
      status: 'not-applicable',
      reason: `${state.actionName} in a key policy has no effect; only a grant authorizes it.`,
      statements: []
    }
  }
  if (state.notCrossAccountAction) {
    return {
      ...base,
      status: 'closed',
      reason: `${state.actionName} cannot be used on a key in another account; KMS allows it only in the key's own account.`,
      statements: []
    }
  }
  if (!state.keyPolicyMatches) {
    return {
      ...base,
      status: 'unknown',
      reason:
        state.keyGaps['key-policy'] ??
        (key.policyUnresolved
          ? `The key policy of ${key.arn} is known only after apply: ${describeUnresolved([key.policyUnresolved], state.unresolved)}.`
          : `The key policy of ${key.arn} is not in the facts.`),
      statements: []
    }
  }
  const allows = allowsThatMayApply(state.keyPolicyMatches)
  const letsIn = or3([doors.keyDirectUncapped, doors.keyDirectCapped, doors.keyAccount])
  const status = statusOf(letsIn)
  const reason = keyPolicyReason(state, status)
  return { ...base, status, reason, statements: refs(allows) }
}

function keyPolicyReason(state: EvaluationState, status: LockStatus): string {
  const { doors, identity } = state
  const who = identity.resolved.roleArn ?? identity.resolved.arn
  if (status === 'closed' && identity.resolved.kind === 'service') {
    return `The key policy does not name the service principal ${who} for ${state.actionName}.`
  }
  if (status === 'closed') {
    return `The key policy neither names ${who} nor trusts account ${identity.resolved.accountId ?? '(unknown)'} for ${state.actionName}.`
  }
  if (status === 'unknown')
    return `Whether the key policy lets ${who} in depends on a condition that cannot be evaluated.`
  if (doors.keyDirectUncapped === true || doors.keyDirectCapped === true) {
    return `The key policy names ${who} for ${state.actionName}.`
  }
  return `The key policy trusts account ${identity.resolved.accountId} for ${state.actionName}, so IAM policies decide.`
}

/** Builds the IAM lock. It applies across accounts, and in the same account when the key policy only trusts the account. */
function iamLock(state: EvaluationState): LockCheck {
  const { doors, identity, crossAccount } = state
  const base = { lock: 'iam' as const, accountId: identity.resolved.accountId, grants: [] }
  const allows = allowsThatMayApply(state.identityMatches)
  const kind = identity.resolved.kind

  if (state.grantOnly) {
    return {
      ...base,
      status: 'not-applicable',
      reason: `${state.actionName} in an IAM policy has no effect; only a grant authorizes it.`,
      statements: []
    }
  }
  if (kind === 'service') {
    return {
      ...base,
      status: 'not-applicable',
      reason:
        'Service principals hold no IAM policies; only the key policy or a grant can let them in.',
      statements: []
    }
  }
  const keyNamesPrincipal = or3([doors.keyDirectUncapped, doors.keyDirectCapped])
  if (!crossAccount && (keyNamesPrincipal === true || doors.keyAccount === false)) {
    const reason =
      keyNamesPrincipal === true
        ? 'The key policy names the principal in its own account, so no IAM allow is needed.'
        : `IAM policies count only when the key policy trusts the account; it does not. (IAM ${describeIdentity(doors.identityAllow)}.)`
    return { ...base, status: 'not-applicable', reason, statements: refs(allows) }
  }
  if (state.simulated) {
    const status = statusOf(doors.identityAllow)
    return { ...base, status, reason: state.simulated.reason, statements: refs(allows) }
  }
  if (identity.missingFacts && doors.identityAllow === 'unknown') {
    return { ...base, status: 'unknown', reason: identity.missingFacts, statements: [] }
  }
  if (!identity.role && !identity.user && doors.identityAllow === 'unknown') {
    return {
      ...base,
      status: 'unknown',
      reason: "The principal's IAM policies are not in the facts.",
      statements: []
    }
  }
  const missing = (identity.role ?? identity.user)?.missingPolicies ?? []
  if (missing.length > 0) {
    return {
      ...base,
      status: 'unknown',
      reason: `Attached policies are not in the facts: ${describeMissingPolicies(missing, state)}.`,
      statements: []
    }
  }
  const status = statusOf(doors.identityAllow)
  const reason =
    status === 'open'
      ? `An identity policy of ${identity.resolved.roleArn ?? identity.resolved.arn} allows ${state.actionName} on ${state.key.arn}.`
      : status === 'closed'
        ? `No identity policy of ${identity.resolved.roleArn ?? identity.resolved.arn} allows ${state.actionName} on ${state.key.arn}.`
        : 'Whether an identity policy allows the request depends on a condition that cannot be evaluated.'
  return { ...base, status, reason, statements: refs(allows) }
}

function describeIdentity(value: Tri): string {
  if (value === 'unknown') return 'may allow it'
  return value ? 'allows it' : 'does not allow it either'
}

/** Builds the permissions-boundary lock. */
function boundaryLock(state: EvaluationState): LockCheck {
  const { identity, doors } = state
  const entity = identity.role ?? identity.user
  const base = {
    lock: 'permissions-boundary' as const,
    accountId: identity.resolved.accountId,
    grants: []
  }
  if (state.simulated) return simulatedBoundaryLock(state, state.simulated, base)
  const boundary = entity?.permissionsBoundary
  if (!boundary) {
    return {
      ...base,
      status: 'not-applicable',
      reason: 'The principal has no permissions boundary.',
      statements: []
    }
  }
  if (!boundary.policy) {
    return {
      ...base,
      status: 'unknown',
      reason: `The permissions boundary ${boundary.arn} is not in the facts.`,
      statements: []
    }
  }
  // The boundary caps identity allows and key-policy allows that name the role ARN, but not
  // key-policy allows that name the session ARN, a user ARN, or "*".
  if (!capsApply(state)) {
    return {
      ...base,
      status: 'not-applicable',
      reason: 'The key policy lets the principal in a way that boundaries do not cap.',
      statements: []
    }
  }
  const status = statusOf(doors.boundaryAllow)
  const reason =
    status === 'closed'
      ? `The permissions boundary ${boundary.arn} does not allow ${state.actionName}.`
      : status === 'open'
        ? `The permissions boundary ${boundary.arn} allows ${state.actionName}.`
        : `Whether the permissions boundary ${boundary.arn} allows ${state.actionName} is unknown.`
  return { ...base, status, reason, statements: refs(allowsThatMayApply(state.boundaryMatches)) }
}

/** Builds the permissions-boundary lock from the simulator's boundary decision. */
function simulatedBoundaryLock(
  state: EvaluationState,
  simulated: SimulatedIam,
  base: Pick<LockCheck, 'lock' | 'accountId' | 'grants'>
): LockCheck {
  const none = { ...base, statements: [] }
  if (simulated.hasBoundary === false) {
    return {
      ...none,
      status: 'not-applicable',
      reason: 'The IAM policy simulator reports no permissions boundary for the principal.'
    }
  }
  if (!capsApply(state)) {
    return {
      ...none,
      status: 'not-applicable',
      reason: 'The key policy lets the principal in a way that boundaries do not cap.'
    }
  }
  const status = statusOf(state.doors.boundaryAllow)
  const reason =
    status === 'closed'
      ? `The IAM policy simulator finds that the permissions boundary does not allow ${state.actionName}.`
      : status === 'open'
        ? `The IAM policy simulator finds that the permissions boundary allows ${state.actionName}.`
        : simulated.reason
  return { ...none, status, reason }
}

function grantLock(state: EvaluationState): LockCheck {
  const base = { lock: 'grant' as const, accountId: state.key.accountId, statements: [] }
  if (!state.grantMatches) {
    return {
      ...base,
      status: 'unknown',
      reason:
        state.keyGaps.grants ??
        `The grants of ${state.key.arn} are not in the facts; a grant could allow the request.`,
      grants: []
    }
  }
  const forPrincipal = state.grantMatches.filter((match) => match.grantee !== 'none')
  const opening = forPrincipal.filter((match) => match.operationMatches && match.constraintsMatch)
  if (opening.length > 0) {
    return {
      ...base,
      status: statusOf(state.paths.grant),
      reason: `Grant ${opening[0].grant.grantId} allows ${state.actionName}.`,
      grants: opening.map((match) => match.ref)
    }
  }
  if (forPrincipal.length > 0) {
    return {
      ...base,
      status: 'closed',
      reason: `Grants name the principal but do not allow ${state.actionName} with this encryption context.`,
      grants: forPrincipal.map((match) => match.ref)
    }
  }
  return {
    ...base,
    // For an operation that only a grant can authorize, no grant means the lock is closed.
    status: state.grantOnly ? 'closed' : 'not-applicable',
    reason: state.grantOnly
      ? `No grant lets the principal ${state.actionName}; only the grant's grantee (when the grant lists RetireGrant) or its retiring principal can.`
      : 'No grant names the principal or its account.',
    grants: []
  }
}

/** Names missing policies; a policy a template or plan leaves unresolved is named by its expression. */
function describeMissingPolicies(missing: string[], state: EvaluationState): string {
  return missing
    .map((entry) => (hasUnresolved(entry) ? describeUnresolved([entry], state.unresolved) : entry))
    .join(', ')
}
