/**
 * The IAM side of a live run: for principals whose identity policies were not read as
 * documents, the IAM policy simulator's result (iam:SimulatePrincipalPolicy) replaces
 * the identity policies, the permissions boundary and the SCPs. The key policy, grants,
 * RCPs and key state are still evaluated by the engine, because the simulator does not
 * model key policies for roles.
 */
import type { StatementRef } from './decision.js'
import { principalGap } from './gaps.js'
import type {
  Facts,
  IamSimulationFact,
  Policy,
  SimulatedResult,
  SimulatedStatement,
  Statement
} from './model.js'
import type { GuardrailOutcome } from './organizations.js'
import type { PrincipalIdentity } from './principal.js'
import { type MatchRequest, matchPolicy, type StatementMatch } from './statement-match.js'
import { or3, type Tri } from './tri.js'

/** The simulator's result, as doors and locks of one request. */
export interface SimulatedIam {
  result?: SimulatedResult
  identityAllow: Tri
  /** Whether the permissions boundary allows; true when the principal has none. */
  boundaryAllow: Tri
  /** True when the simulator reported a permissions boundary for the principal. */
  hasBoundary: boolean | 'unknown'
  scp: GuardrailOutcome
  /** Stand-ins for the statements the simulator matched, so denies and evidence read as usual. */
  matches: StatementMatch[]
  /** Reasons the result cannot rule out a Deny; empty when it can. */
  unseenDenySources: string[]
  /** One sentence for the IAM lock. */
  reason: string
}

type SuppliedContext = Record<string, string | string[]>

/**
 * Returns the simulator's result for this request, or undefined when the principal's
 * identity policies were read as documents (offline facts).
 */
export function simulatedIam(
  identity: PrincipalIdentity,
  request: MatchRequest,
  supplied: SuppliedContext,
  facts: Facts
): SimulatedIam | undefined {
  const entity = identity.role ?? identity.user
  if (entity?.identitySource !== 'simulator') return undefined

  const simulation = findSimulation(facts.iamSimulations ?? [], entity.arn, supplied)
  const result = simulation?.results.find(
    (candidate) =>
      candidate.action.toLowerCase() === request.action.toLowerCase() &&
      candidate.resourceArn === request.resourceArn
  )
  if (!result) return noAnswer(entity.arn, identity, request, facts)

  const uncertain = uncertainKeys(result, request)
  const answer = entity.simulationOutdated
    ? { ...uncertainAnswer(result, request, []), reason: entity.simulationOutdated }
    : uncertain.length > 0
      ? uncertainAnswer(result, request, uncertain)
      : definiteAnswer(result, request)
  return withCodeChanges(answer, entity, request)
}

/**
 * Adds what the change attaches to a simulated principal (policies from templates or plans)
 * to the simulator's result about today's policies: a Deny in them applies, and an Allow in
 * them opens the IAM side, still capped by the boundary and the SCPs the simulator reported.
 * A policy the change attaches but whose document is unknown leaves the IAM side undecided.
 */
function withCodeChanges(
  answer: SimulatedIam,
  entity: { policies: Policy[]; missingPolicies: string[] },
  request: MatchRequest
): SimulatedIam {
  if (entity.policies.length === 0 && entity.missingPolicies.length === 0) return answer
  const added = entity.policies.flatMap((policy) => matchPolicy(policy, request))
  const addedAllow = or3(
    added.filter((match) => match.statement.effect === 'Allow').map((match) => match.applies)
  )
  const missing = entity.missingPolicies.length > 0
  const missingReason = `The change attaches policies whose documents are not known (${entity.missingPolicies.join(', ')}); one could allow or deny.`
  return {
    ...answer,
    identityAllow: missing
      ? or3([answer.identityAllow, addedAllow]) === true
        ? true
        : 'unknown'
      : or3([answer.identityAllow, addedAllow]),
    matches: [...answer.matches, ...added],
    unseenDenySources: missing
      ? [...answer.unseenDenySources, missingReason]
      : answer.unseenDenySources
  }
}

/** Finds the simulation made for this principal with the expectation's own context. */
function findSimulation(
  simulations: IamSimulationFact[],
  principalArn: string,
  supplied: SuppliedContext
): IamSimulationFact | undefined {
  const expected = contextFingerprint(supplied)
  return simulations.find(
    (simulation) =>
      simulation.principalArn === principalArn &&
      contextFingerprint(simulation.context) === expected
  )
}

/**
 * Returns a canonical form of a context: key names compared case-insensitively (as IAM compares
 * them), value order kept, because a simulation is valid only for the values it was given.
 */
export function contextFingerprint(context: SuppliedContext): string {
  const entries = Object.entries(context).map(
    ([key, value]) => [key.toLowerCase(), Array.isArray(value) ? value : [value]] as const
  )
  entries.sort(([left], [right]) => left.localeCompare(right, 'en'))
  return JSON.stringify(entries)
}

/**
 * Keys the simulator reported missing that a real request may carry: the simulator treated
 * them as absent, which is right only for keys that this request does not carry.
 */
function uncertainKeys(result: SimulatedResult, request: MatchRequest): string[] {
  const { context } = request
  return result.missingContextValues.filter(
    (key) => context.has(key) || context.hasUnknownValue(key) || context.hasUnknownPresence(key)
  )
}

function noAnswer(
  principalArn: string,
  identity: PrincipalIdentity,
  request: MatchRequest,
  facts: Facts
): SimulatedIam {
  const { input, arn, roleArn } = identity.resolved
  const gap = principalGap(facts, [principalArn, input, arn, roleArn])
  const reason =
    gap ??
    `The IAM policy simulator gave no answer for ${request.action} on ${request.resourceArn} by ${principalArn}.`
  return {
    identityAllow: 'unknown',
    boundaryAllow: 'unknown',
    hasBoundary: 'unknown',
    scp: guardrail('unknown', `${reason} SCPs could not be checked.`),
    matches: [],
    unseenDenySources: [`${reason} Its IAM policies could hold a Deny.`],
    reason
  }
}

function uncertainAnswer(
  result: SimulatedResult,
  request: MatchRequest,
  keys: string[]
): SimulatedIam {
  const reason =
    keys.length > 0
      ? `The IAM policy simulator answered ${result.decision} without values for ${keys.join(', ')}, which a real request may carry; add them to the expectation's context.`
      : `The IAM policy simulator's answer for ${request.action} on ${request.resourceArn} cannot be used.`
  const matches = result.matchedStatements.map((statement) =>
    stubMatch(statement, 'Allow', 'unknown', request, keys)
  )
  return {
    result,
    identityAllow: 'unknown',
    boundaryAllow: result.allowedByPermissionsBoundary === undefined ? true : 'unknown',
    hasBoundary: result.allowedByPermissionsBoundary !== undefined,
    scp:
      result.allowedByOrganizations === undefined
        ? guardrail('not-applicable', 'The simulator reported no organization for the account.')
        : guardrail('unknown', reason),
    matches,
    unseenDenySources: [reason],
    reason
  }
}

function definiteAnswer(result: SimulatedResult, request: MatchRequest): SimulatedIam {
  const boundary = result.allowedByPermissionsBoundary
  const organizations = result.allowedByOrganizations
  const hasBoundary = boundary !== undefined
  const scp = organizationsOutcome(organizations, result.decision)
  const principal = request.identity.resolved.roleArn ?? request.identity.resolved.arn

  if (result.decision === 'allowed' && (boundary === false || organizations === false)) {
    // An allow that its own boundary or Organizations detail contradicts cannot be trusted.
    const reason = `The IAM policy simulator answered allowed for ${request.action} on ${request.resourceArn}, but also that the ${boundary === false ? 'permissions boundary' : 'SCPs'} do not allow it; the answer contradicts itself.`
    return { ...uncertainAnswer(result, request, []), reason, unseenDenySources: [reason] }
  }
  if (result.decision === 'allowed') {
    return {
      result,
      identityAllow: true,
      boundaryAllow: true,
      hasBoundary,
      scp,
      matches: result.matchedStatements.map((statement) =>
        stubMatch(statement, 'Allow', true, request, [])
      ),
      unseenDenySources: [],
      reason: `The IAM policy simulator allows ${request.action} on ${request.resourceArn} for ${principal}.`
    }
  }

  // With the boundary or the SCPs closed, the simulator's decision does not tell whether the
  // identity policies alone would allow.
  const identityAllow: Tri = boundary === false || organizations === false ? 'unknown' : false
  const denied = { result, identityAllow, boundaryAllow: boundary ?? true, hasBoundary, scp }
  if (result.decision === 'implicitDeny') {
    return {
      ...denied,
      matches: [],
      unseenDenySources: [],
      reason:
        identityAllow === false
          ? `The IAM policy simulator finds no identity policy of ${principal} that allows ${request.action} on ${request.resourceArn}.`
          : `The IAM policy simulator denies ${request.action} for ${principal}, because ${boundary === false ? 'the permissions boundary does' : 'the SCPs do'} not allow it.`
    }
  }

  // explicitDeny: the matched statements are the Deny statements.
  return {
    ...denied,
    matches: denyMatches(result, request),
    unseenDenySources: [],
    reason: `The IAM policy simulator finds an explicit Deny for ${request.action} on ${request.resourceArn} by ${principal}.`
  }
}

/** Builds the Deny stand-ins of an explicitDeny result: the matched statements, else the guardrail's. */
function denyMatches(result: SimulatedResult, request: MatchRequest): StatementMatch[] {
  if (result.matchedStatements.length > 0) {
    return result.matchedStatements.map((statement) =>
      stubMatch(statement, 'Deny', true, request, [])
    )
  }
  // A Deny in an SCP is reported through the SCP lock; a boundary Deny needs a stand-in.
  if (result.allowedByOrganizations === false) return []
  const source =
    result.allowedByPermissionsBoundary === false ? 'permissions boundary' : 'identity policy'
  return [
    stubMatch(
      { sourcePolicyId: `(a ${source} the simulator did not name)`, sourcePolicyType: 'none' },
      'Deny',
      true,
      request,
      []
    )
  ]
}

function organizationsOutcome(
  allowed: boolean | undefined,
  decision: SimulatedResult['decision']
): GuardrailOutcome {
  if (allowed === undefined) {
    return guardrail(
      'not-applicable',
      'The IAM policy simulator reported no organization for the principal account.'
    )
  }
  if (allowed) return guardrail('open', 'The IAM policy simulator finds that the SCPs allow it.')
  const effect = decision === 'explicitDeny' ? 'deny it explicitly' : 'do not allow it'
  return guardrail('closed', `The IAM policy simulator finds that the SCPs ${effect}.`)
}

function guardrail(status: GuardrailOutcome['status'], reason: string): GuardrailOutcome {
  return { status, reason, denies: [], allows: [], closedLevels: [] }
}

const POLICY_KINDS: Record<string, Policy['kind']> = {
  'permissions-boundary': 'permissions-boundary'
}

/**
 * Builds a stand-in match for a statement the simulator matched. The simulator names the
 * policy and the statement's position, not its Sid or index, so `index` is -1.
 */
function stubMatch(
  matched: SimulatedStatement,
  effect: Statement['effect'],
  applies: Tri,
  request: MatchRequest,
  missingKeys: string[]
): StatementMatch {
  const isArn = matched.sourcePolicyId.startsWith('arn:')
  const policy: Policy = {
    kind: POLICY_KINDS[matched.sourcePolicyType] ?? 'identity',
    name: isArn
      ? (matched.sourcePolicyId.split('/').pop() ?? matched.sourcePolicyId)
      : matched.sourcePolicyId,
    ...(isArn ? { arn: matched.sourcePolicyId } : {}),
    accountId: request.identity.resolved.accountId,
    statements: [],
    warnings: []
  }
  const statement: Statement = { index: -1, effect, conditions: [] }
  const ref: StatementRef = {
    policyKind: policy.kind,
    policyName: policy.name,
    ...(policy.arn ? { policyArn: policy.arn } : {}),
    ...(policy.accountId ? { accountId: policy.accountId } : {}),
    index: -1,
    effect,
    ...(matched.startLine !== undefined
      ? { simulatorPosition: { line: matched.startLine, column: matched.startColumn ?? 1 } }
      : {})
  }
  return {
    policy,
    request,
    statement,
    ref,
    actionMatches: true,
    resourceMatches: true,
    principalMatch: 'not-applicable',
    conditionResult: applies,
    applies,
    mismatches: [],
    missingKeys
  }
}

/**
 * Returns the SCP verdict the simulator gave for a principal whose policies come from code:
 * the code replaces its identity policies, but the SCPs of its account still apply, and only
 * the simulator reported them. Undefined when there is no such answer.
 */
export function simulatedOrganizations(
  identity: PrincipalIdentity,
  request: MatchRequest,
  supplied: SuppliedContext,
  facts: Facts
): GuardrailOutcome | undefined {
  const entity = identity.role ?? identity.user
  if (!entity?.fromCode) return undefined
  const simulation = findSimulation(facts.iamSimulations ?? [], entity.arn, supplied)
  const result = simulation?.results.find(
    (candidate) =>
      candidate.action.toLowerCase() === request.action.toLowerCase() &&
      candidate.resourceArn === request.resourceArn
  )
  if (result?.allowedByOrganizations === undefined) return undefined
  return organizationsOutcome(result.allowedByOrganizations, result.decision)
}
