/**
 * The KMS decision: given the facts and one request (principal, action, key, context),
 * decide `allowed`, `explicit-deny`, `implicit-deny` or `unknown`, and keep the evidence.
 *
 * Order of reasoning, as AWS documents it for KMS:
 * 1. An explicit Deny in any applicable policy wins (key policy, identity policies,
 *    permissions boundary, SCPs, RCPs). Grants never deny.
 * 2. SCPs (principal's account) and RCPs (key's account) must allow.
 * 3. One door must open: the key policy naming the principal; the key policy trusting the
 *    principal's account plus an IAM allow; or a grant. Across accounts the IAM side must
 *    allow as well, except through a grant.
 * 4. The key must be in a usable state and have a usage that fits the action.
 */

import { buildRequestContext, type SuppliedContext } from './build-context.js'
import type { AccessPath, Evaluation, Lock, LockCheck } from './decision.js'
import { authorization, type Doors, grantDoors, keyPolicyDoors } from './doors.js'
import { type CapOutcome, evaluateEndpoint, evaluateSessionPolicy } from './endpoint-and-session.js'
import { type KeyGaps, keyGaps, missingKeyGap, principalGap } from './gaps.js'
import { type GrantMatch, matchGrants } from './grants.js'
import { resolveKey } from './key.js'
import { keyStateLock, keyUsageLock } from './key-condition.js'
import { type KmsActionInfo, kmsAction } from './kms-actions.js'
import { buildLocks, matchingDenies } from './locks.js'
import type { Facts, KeyFact } from './model.js'
import { collectMissingKeys, collectNearMisses } from './near-misses.js'
import { evaluateGuardrail, type GuardrailOutcome } from './organizations.js'
import { type PrincipalIdentity, resolvePrincipal } from './principal.js'
import { type SimulatedIam, simulatedIam, simulatedOrganizations } from './simulated-iam.js'
import { type MatchRequest, matchPolicy, type StatementMatch } from './statement-match.js'
import { or3, type Tri } from './tri.js'
import { describeUnresolved, hasUnresolved, unresolvedInStatement } from './unresolved.js'

export interface EvaluationRequest {
  principal: string
  /** Canonical KMS action, such as `kms:Decrypt`. */
  action: string
  /** Key ARN, key ID, alias name or alias ARN. */
  key: string
  context: SuppliedContext
  /** Region in which a bare key ID or alias name is resolved. */
  region?: string
  /** Account in which a bare key ID or alias name is resolved when the principal has none (service principals). */
  account?: string
  partition: string
}

/** Everything the decision is computed from; the lock builder reads it too. */
export interface EvaluationState {
  identity: PrincipalIdentity
  key: KeyFact
  actionName: string
  crossAccount: boolean
  keyPolicyMatches?: StatementMatch[]
  /** Undefined when the principal's identity policies are unknown. */
  identityMatches?: StatementMatch[]
  boundaryMatches?: StatementMatch[]
  grantMatches?: GrantMatch[]
  scp: GuardrailOutcome
  rcp: GuardrailOutcome
  vpce: CapOutcome
  session: CapOutcome
  doors: Doors
  paths: Record<string, Tri>
  authorized: Tri
  keyState: LockCheck
  keyUsage: LockCheck
  /** Set when the action cannot be used across accounts at all. */
  notCrossAccountAction: boolean
  /** Policies that could hold a Deny but are not in the facts, each as a reason. */
  unseenDenySources: string[]
  /** True when only a grant can authorize the action (kms:RetireGrant). */
  grantOnly: boolean
  /** The IAM policy simulator's result, for principals it evaluated (live runs). */
  simulated?: SimulatedIam
  /** Reasons parts of the key could not be read in a live run, by part. */
  keyGaps: KeyGaps
  /** Reason the principal could not be read in a live run. */
  principalGap?: string
  /** Values of templates and plans that could not be resolved. */
  unresolved?: Facts['unresolved']
}

/** Returns why an IAM principal is not in the facts, or undefined when it is (or needs no IAM facts). */
function principalNotFound(
  identity: PrincipalIdentity,
  gap: string | undefined
): string | undefined {
  const kinds = ['role', 'assumed-role', 'user', 'service-linked-role', 'unknown']
  if (!kinds.includes(identity.resolved.kind)) return undefined
  if (identity.role || identity.user) return undefined
  return gap ?? identity.missingFacts
}

/**
 * Returns why the key's or the principal's account or Region is unknown, when a template or
 * plan left it unresolved: same-account and cross-account rules differ, so nothing can be
 * decided. Set `defaults.account` and `defaults.region` in the manifest.
 */
function unplacedResources(
  identity: PrincipalIdentity,
  key: KeyFact,
  facts: Facts
): string | undefined {
  const values = [key.arn, identity.resolved.accountId ?? ''].filter(hasUnresolved)
  if (values.length === 0) return undefined
  return `The account or Region of the key or the principal is not known (${describeUnresolved(values, facts.unresolved)}); set defaults.account and defaults.region in the manifest.`
}

/** Adds where the key policy is written in code, so a fix can be written in that file's language. */
function withKeyOrigin(resolved: Evaluation['key'], key: KeyFact | undefined): Evaluation['key'] {
  const origin = key?.policy?.origin
  return {
    ...resolved,
    ...(origin ? { policyOrigin: origin } : {}),
    ...(key?.grantsFromCodeOnly ? { grantsFromCodeOnly: true } : {})
  }
}

/** Adds where the principal's identity policies are written in code: its first such policy. */
function withPrincipalOrigin(identity: PrincipalIdentity): PrincipalIdentity {
  const entity = identity.role ?? identity.user
  const origin = entity?.policies.find(
    (policy) => policy.kind === 'identity' && policy.origin !== undefined
  )?.origin
  return origin
    ? { ...identity, resolved: { ...identity.resolved, policyOrigin: origin } }
    : identity
}

/** Keeps only the grant path for operations that only a grant can authorize (kms:RetireGrant). */
function grantOnlyAuthorization(
  authorized: { result: Tri; paths: Record<string, Tri> },
  grantOnly: boolean
): { result: Tri; paths: Record<string, Tri> } {
  if (!grantOnly) return authorized
  const grant = authorized.paths.grant
  return {
    result: grant,
    paths: {
      'key-policy-names-principal': false,
      'key-policy-trusts-account-and-iam-allows': false,
      grant
    }
  }
}

/** Evaluates one request. Assumes the action was validated as a key-scoped KMS action. */
export function evaluateRequest(request: EvaluationRequest, facts: Facts): Evaluation {
  const identity = resolvePrincipal(request.principal, facts, request.partition)
  const keyResolution = resolveKey(request.key, facts, {
    callerAccountId: identity.resolved.accountId ?? request.account,
    region: request.region
  })
  const action = kmsAction(request.action)
  const base = emptyEvaluation(
    withPrincipalOrigin(identity),
    withKeyOrigin(keyResolution.resolved, keyResolution.key),
    request.action
  )

  if (action?.scope !== 'key') {
    return {
      ...base,
      decision: 'unknown',
      reasons: [`${request.action} is not a key-scoped KMS action.`]
    }
  }
  if (!keyResolution.key) {
    const gap = missingKeyGap(
      facts,
      request.key,
      keyResolution.resolved.accountId,
      keyResolution.resolved.region
    )
    const notFound = gap ? gap.kind === 'not-found' : keyResolution.problem?.kind === 'not-found'
    const reason =
      gap?.reason ?? keyResolution.problem?.reason ?? `Key ${request.key} is not in the facts.`
    return {
      ...base,
      decision: notFound ? 'implicit-deny' : 'unknown',
      closedLocks: ['key-not-found'],
      locks: [lockOf('key-not-found', notFound ? 'closed' : 'unknown', reason)],
      reasons: [reason]
    }
  }
  if (keyResolution.resolved.alias && !action.acceptsAlias) {
    // Only cryptographic operations and DescribeKey take an alias as KeyId.
    const reason = `${action.name} takes a key ID or key ARN, not an alias: AWS rejects ${request.key} as its KeyId.`
    return {
      ...base,
      decision: 'implicit-deny',
      closedLocks: ['key-not-found'],
      locks: [lockOf('key-not-found', 'closed', reason)],
      reasons: [reason]
    }
  }

  const key = keyResolution.key
  const unplaced = unplacedResources(identity, key, facts)
  if (unplaced) return { ...base, decision: 'unknown', reasons: [unplaced] }

  const context = buildRequestContext(
    action.name,
    request.context,
    identity,
    keyResolution.resolved,
    key,
    facts
  )
  const matchRequest: MatchRequest = {
    identity,
    action: action.name,
    resourceArn: key.arn,
    context
  }
  const principalAccount = identity.resolved.accountId
  const crossAccount = principalAccount !== undefined && principalAccount !== key.accountId

  const keyPolicyMatches = key.policy ? matchPolicy(key.policy, matchRequest) : undefined
  const simulated = simulatedIam(identity, matchRequest, request.context, facts)
  const identityMatches = simulated
    ? simulated.matches
    : identityPolicyMatches(identity, matchRequest)
  const boundary = simulated
    ? { allow: simulated.boundaryAllow }
    : boundaryState(identity, matchRequest)
  const grantMatches = key.grants ? matchGrants(key, identity, action.name, context) : undefined
  const session = evaluateSessionPolicy(identity, matchRequest, facts)

  const doors: Doors = {
    ...keyPolicyDoors(keyPolicyMatches, identity),
    identityAllow: simulated ? simulated.identityAllow : identityAllow(identity, identityMatches),
    boundaryAllow: boundary.allow,
    sessionAllow: session.allow,
    ...grantDoors(grantMatches)
  }
  const notCrossAccountAction = crossAccount && !action.crossAccount
  const { result, paths } = grantOnlyAuthorization(
    authorization(doors, crossAccount),
    action.grantOnly === true
  )

  const state: EvaluationState = {
    identity,
    key,
    actionName: action.name,
    crossAccount,
    keyPolicyMatches,
    identityMatches,
    boundaryMatches: boundary.matches,
    grantMatches,
    scp: simulatedScp(
      simulated ?? codeScp(identity, matchRequest, request.context, facts),
      () => evaluateGuardrail('scp', principalAccount, facts, matchRequest, scpExemption(identity)),
      facts
    ),
    rcp: evaluateGuardrail(
      'rcp',
      key.accountId,
      facts,
      matchRequest,
      rcpExemption(identity, key, action)
    ),
    vpce: evaluateEndpoint(matchRequest, facts),
    session,
    doors,
    paths,
    authorized: notCrossAccountAction ? false : result,
    keyState: keyStateLock(key, action),
    keyUsage: keyUsageLock(key, action),
    notCrossAccountAction,
    unseenDenySources: simulated
      ? simulated.unseenDenySources
      : unseenDenySources(identity, identityMatches, facts.unresolved),
    grantOnly: action.grantOnly === true,
    ...(simulated ? { simulated } : {}),
    keyGaps: keyGaps(facts, key.arn),
    ...(facts.unresolved ? { unresolved: facts.unresolved } : {}),
    principalGap: principalGap(facts, [
      request.principal,
      identity.resolved.arn,
      identity.resolved.roleArn
    ])
  }
  return decide(state, base)
}

function decide(state: EvaluationState, base: Evaluation): Evaluation {
  const locks = buildLocks(state)
  const denies = matchingDenies(state)
  const definiteDenies = denies.filter((match) => match.applies === true)
  const possibleDenies = denies.filter((match) => match.applies === 'unknown')

  const closed = locks.filter((lock) => lock.status === 'closed').map((lock) => lock.lock)
  const unknown = locks.filter((lock) => lock.status === 'unknown')

  const evidence: Evaluation = {
    ...base,
    locks,
    crossAccount: state.crossAccount,
    deniedBy: [...definiteDenies, ...possibleDenies].map((match) => match.ref),
    nearMisses: collectNearMisses(state),
    missingContextKeys: collectMissingKeys(state),
    reasons: [
      ...unknown.map((lock) => lock.reason),
      ...conditionGaps(state, unknown.length),
      ...unresolvedReasons(state)
    ]
  }

  // A principal that is not in the IAM facts may be a typo: any verdict about it, even a
  // denial, would tell nothing about the principal that was meant.
  const notFound = principalNotFound(state.identity, state.principalGap)
  if (notFound) {
    return {
      ...evidence,
      decision: 'unknown',
      closedLocks: orderLocks([...closed, ...unknown.map((lock) => lock.lock)]),
      reasons: [notFound, ...evidence.reasons.filter((reason) => reason !== notFound)]
    }
  }

  if (definiteDenies.length > 0) {
    return { ...evidence, decision: 'explicit-deny', closedLocks: ['explicit-deny'] }
  }

  const blocked =
    state.authorized === false ||
    state.scp.status === 'closed' ||
    state.rcp.status === 'closed' ||
    state.vpce.status === 'closed' ||
    state.keyState.status === 'closed' ||
    state.keyUsage.status === 'closed'
  if (blocked) {
    // INVARIANT: a denial names at least one closed lock; the door locks are built so that
    // an unauthorized request always closes one of them.
    return { ...evidence, decision: 'implicit-deny', closedLocks: orderLocks(closed) }
  }

  const undecided =
    state.authorized === 'unknown' ||
    unknown.length > 0 ||
    possibleDenies.length > 0 ||
    state.unseenDenySources.length > 0
  if (undecided) {
    const open = orderLocks([...closed, ...unknown.map((lock) => lock.lock)])
    return { ...evidence, decision: 'unknown', closedLocks: open }
  }

  return {
    ...evidence,
    decision: 'allowed',
    closedLocks: [],
    accessPaths: Object.entries(state.paths)
      .filter(([, value]) => value === true)
      .map(([path]) => path as AccessPath),
    allowedBy: allowingStatements(state),
    allowedByGrants: (state.grantMatches ?? [])
      .filter(
        (match) => match.grantee !== 'none' && match.operationMatches && match.constraintsMatch
      )
      .map((match) => match.ref)
  }
}

/**
 * Adds why a key's aliases or tags could not be read, when the result is undecided: a
 * condition on kms:ResourceAliases or aws:ResourceTag may be what left it open.
 */
function conditionGaps(state: EvaluationState, unknownLocks: number): string[] {
  if (unknownLocks === 0) return []
  return [state.keyGaps.aliases, state.keyGaps.tags].filter(
    (reason): reason is string => reason !== undefined
  )
}

/**
 * Names the template or plan values that left statements undecided, so the reader knows
 * which expression to pin down (a parameter value, an import, a value known after apply).
 */
function unresolvedReasons(state: EvaluationState): string[] {
  const undecided = [
    ...(state.keyPolicyMatches ?? []),
    ...(state.identityMatches ?? []),
    ...(state.boundaryMatches ?? []),
    ...state.scp.denies,
    ...state.rcp.denies
  ].filter((match) => match.applies === 'unknown')
  const values = undecided.flatMap((match) => unresolvedInStatement(match.statement))
  if (values.length === 0) return []
  return [
    `These values in templates or plans could not be resolved, so the statements that use them are undecided: ${describeUnresolved(values, state.unresolved)}.`
  ]
}

/** Lists the Allow statements on the paths that let the request in. */
function allowingStatements(state: EvaluationState) {
  const isAllow = (match: StatementMatch) =>
    match.statement.effect === 'Allow' && match.applies === true
  const keyAllows = (state.keyPolicyMatches ?? []).filter(isAllow)
  const viaName = state.paths['key-policy-names-principal'] === true
  const viaDelegation = state.paths['key-policy-trusts-account-and-iam-allows'] === true
  const rootUser = state.identity.resolved.kind === 'account'

  const keyPolicy = keyAllows.filter((match) =>
    match.principalMatch === 'account' && !rootUser ? viaDelegation : viaName
  )
  const iamNeeded = viaDelegation || (viaName && state.crossAccount)
  const identity = iamNeeded ? (state.identityMatches ?? []).filter(isAllow) : []
  return [...keyPolicy, ...identity].map((match) => match.ref)
}

const LOCK_ORDER: Lock[] = [
  'key-not-found',
  'explicit-deny',
  'scp',
  'rcp',
  'vpce',
  'key-policy',
  'iam',
  'permissions-boundary',
  'session-policy',
  'grant',
  'key-state',
  'key-usage'
]

function orderLocks(locks: Lock[]): Lock[] {
  return LOCK_ORDER.filter((lock) => locks.includes(lock))
}

function identityPolicyMatches(
  identity: PrincipalIdentity,
  request: MatchRequest
): StatementMatch[] | undefined {
  const entity = identity.role ?? identity.user
  if (!entity || entity.missingPolicies.length > 0) return undefined
  return entity.policies.flatMap((policy) => matchPolicy(policy, request))
}

/** Decides whether the principal's identity policies allow the request. */
function identityAllow(identity: PrincipalIdentity, matches: StatementMatch[] | undefined): Tri {
  const kind = identity.resolved.kind
  // Service principals hold no IAM policies.
  if (kind === 'service') return false
  // The account's root user has every IAM permission in its own account.
  if (kind === 'account') return true
  if (!matches) return 'unknown'
  return or3(
    matches.filter((match) => match.statement.effect === 'Allow').map((match) => match.applies)
  )
}

function boundaryState(
  identity: PrincipalIdentity,
  request: MatchRequest
): { allow: Tri; matches?: StatementMatch[] } {
  const entity = identity.role ?? identity.user
  if (!entity) {
    const needsFacts = identity.resolved.kind !== 'service' && identity.resolved.kind !== 'account'
    return { allow: needsFacts ? 'unknown' : true }
  }
  const boundary = entity.permissionsBoundary
  if (!boundary) return { allow: true }
  if (!boundary.policy) return { allow: 'unknown' }
  const matches = matchPolicy(boundary.policy, request)
  return {
    allow: or3(
      matches.filter((match) => match.statement.effect === 'Allow').map((match) => match.applies)
    ),
    matches
  }
}

/**
 * Lists the principal's policies that are missing from the facts. Any of them could hold an
 * explicit Deny, which wins even when the key policy names the principal, so the request
 * cannot be allowed for certain.
 */
function unseenDenySources(
  identity: PrincipalIdentity,
  identityMatches: StatementMatch[] | undefined,
  unresolved?: Facts['unresolved']
): string[] {
  const kind = identity.resolved.kind
  if (kind === 'service' || kind === 'account') return []
  const sources: string[] = []
  if (!identityMatches) {
    const entity = identity.role ?? identity.user
    const missing = entity?.missingPolicies ?? []
    sources.push(
      missing.length > 0
        ? `Policies attached to ${identity.resolved.roleArn ?? identity.resolved.arn} are not in the facts (${missing.map((entry) => (hasUnresolved(entry) ? describeUnresolved([entry], unresolved) : entry)).join(', ')}); one could hold a Deny.`
        : `${identity.missingFacts ?? "The principal's identity policies are not in the facts."} Its policies could hold a Deny.`
    )
  }
  const boundary = (identity.role ?? identity.user)?.permissionsBoundary
  if (boundary && !boundary.policy) {
    sources.push(
      `The permissions boundary ${boundary.arn} is not in the facts; it could hold a Deny.`
    )
  }
  return sources
}

/**
 * Returns the SCP lock of a simulated principal: the more restrictive of the simulator's
 * Organizations detail and the SCPs of any Organizations fact files. Offline, the files only.
 */
function simulatedScp(
  simulated: Pick<SimulatedIam, 'scp'> | undefined,
  fromFiles: () => GuardrailOutcome,
  facts: Facts
): GuardrailOutcome {
  if (!simulated) return fromFiles()
  if (facts.organizations.length === 0) return simulated.scp
  return moreRestrictive(simulated.scp, fromFiles())
}

/** Returns the simulator's SCP verdict for a principal whose policies come from code, if any. */
function codeScp(
  identity: PrincipalIdentity,
  request: MatchRequest,
  supplied: EvaluationRequest['context'],
  facts: Facts
): Pick<SimulatedIam, 'scp'> | undefined {
  const scp = simulatedOrganizations(identity, request, supplied, facts)
  return scp ? { scp } : undefined
}

const GUARDRAIL_STRICTNESS: GuardrailOutcome['status'][] = [
  'not-applicable',
  'open',
  'unknown',
  'closed'
]

function moreRestrictive(left: GuardrailOutcome, right: GuardrailOutcome): GuardrailOutcome {
  const stricter =
    GUARDRAIL_STRICTNESS.indexOf(right.status) > GUARDRAIL_STRICTNESS.indexOf(left.status)
      ? right
      : left
  return { ...stricter, denies: [...left.denies, ...right.denies] }
}

function scpExemption(identity: PrincipalIdentity): string | undefined {
  if (identity.resolved.kind === 'service') return 'SCPs do not apply to AWS service principals.'
  if (isServiceLinked(identity)) return 'SCPs do not apply to service-linked roles.'
  return undefined
}

/** True for a service-linked role and its sessions (the role's path is /aws-service-role/). */
function isServiceLinked(identity: PrincipalIdentity): boolean {
  if (identity.resolved.kind === 'service-linked-role') return true
  return identity.role?.path.startsWith('/aws-service-role/') ?? false
}

function rcpExemption(
  identity: PrincipalIdentity,
  key: KeyFact,
  action: KmsActionInfo
): string | undefined {
  if (key.metadata.keyManager === 'AWS') return 'RCPs do not apply to AWS managed keys.'
  if (isServiceLinked(identity)) return 'RCPs do not apply to service-linked roles.'
  if (action.grantOnly) return `RCPs have no effect on ${action.name}.`
  return undefined
}

function lockOf(lock: Lock, status: LockCheck['status'], reason: string): LockCheck {
  return { lock, status, reason, statements: [], grants: [] }
}

function emptyEvaluation(
  identity: PrincipalIdentity,
  key: Evaluation['key'],
  action: string
): Evaluation {
  return {
    decision: 'unknown',
    principal: identity.resolved,
    key,
    action,
    locks: [],
    closedLocks: [],
    accessPaths: [],
    allowedBy: [],
    allowedByGrants: [],
    deniedBy: [],
    reasons: [],
    missingContextKeys: [],
    nearMisses: [],
    crossAccount: false
  }
}
