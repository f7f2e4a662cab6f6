/**
 * Matching one policy statement against a request: action, resource, principal and
 * conditions, with the parts that failed kept as data for near-miss explanations.
 */
import { evaluateCondition } from './conditions.js'
import type { Mismatch, StatementRef } from './decision.js'
import type { Policy, Statement } from './model.js'
import { substituteVariables, UNKNOWN_VALUE } from './policy-variables.js'
import {
  matchPrincipal,
  notPrincipalExempts,
  type PrincipalIdentity,
  type PrincipalMatchKind
} from './principal.js'
import type { RequestContextValues } from './request-context.js'
import { and3, not3, or3, type Tri } from './tri.js'
import { hasUnresolved } from './unresolved.js'
import { arnMatch, wildcardMatch } from './wildcard.js'

export interface MatchRequest {
  identity: PrincipalIdentity
  /** Canonical action name, such as `kms:Decrypt`. */
  action: string
  /** The key ARN. */
  resourceArn: string
  context: RequestContextValues
}

export interface StatementMatch {
  policy: Policy
  request: MatchRequest
  statement: Statement
  ref: StatementRef
  actionMatches: boolean
  resourceMatches: boolean
  /** Kind of principal match, or `not-applicable` for policies without a principal element. */
  principalMatch: PrincipalMatchKind | 'not-applicable'
  conditionResult: Tri
  /** True when every element matches; `unknown` when a condition could not be evaluated. */
  applies: Tri
  mismatches: Mismatch[]
  missingKeys: string[]
}

/** Key-policy statements without Resource or Action have no effect in AWS. */
export function isIgnoredKeyPolicyStatement(policy: Policy, statement: Statement): boolean {
  if (policy.kind !== 'key-policy') return false
  const hasAction = statement.action !== undefined || statement.notAction !== undefined
  const hasResource = statement.resource !== undefined || statement.notResource !== undefined
  return !hasAction || !hasResource
}

export function statementRef(policy: Policy, statement: Statement): StatementRef {
  return {
    policyKind: policy.kind,
    policyName: policy.name,
    ...(policy.arn ? { policyArn: policy.arn } : {}),
    ...(policy.accountId ? { accountId: policy.accountId } : {}),
    ...(statement.sid ? { sid: statement.sid } : {}),
    index: statement.index,
    effect: statement.effect,
    ...(statement.location ? { location: statement.location } : {})
  }
}

/** Returns the Allow statements that apply or may apply (an `unknown` match counts). */
export function allowsThatMayApply(matches: StatementMatch[] | undefined): StatementMatch[] {
  return (matches ?? []).filter(
    (match) => match.statement.effect === 'Allow' && match.applies !== false
  )
}

/** Matches every statement of a policy. */
export function matchPolicy(policy: Policy, request: MatchRequest): StatementMatch[] {
  return policy.statements
    .filter((statement) => !isIgnoredKeyPolicyStatement(policy, statement))
    .map((statement) => matchStatement(policy, statement, request))
}

export function matchStatement(
  policy: Policy,
  statement: Statement,
  request: MatchRequest
): StatementMatch {
  const mismatches: Mismatch[] = []

  const actionResult = matchAction(statement, request.action)
  const actionMatches = actionResult !== false
  if (!actionMatches) {
    mismatches.push({
      element: 'action',
      detail: statement.action ? 'Action' : 'NotAction',
      expected: statement.action ?? statement.notAction ?? [],
      actual: [request.action]
    })
  }

  const resourceResult = matchResource(policy, statement, request)
  const resourceMatches = resourceResult === true
  if (resourceResult === false) mismatches.push(resourceMismatch(statement, request.resourceArn))

  const principalMatch = withUnresolvedPrincipal(
    matchStatementPrincipal(policy, statement, request.identity),
    statement
  )
  if (principalMatch === 'none') {
    mismatches.push({
      element: 'principal',
      detail: statement.principal ? 'Principal' : 'NotPrincipal',
      expected: principalValues(statement),
      actual: [request.identity.resolved.arn]
    })
  }

  const missingKeys: string[] = []
  const conditionResults: Tri[] = statement.conditions.map((entry) => {
    if (hasUnresolved(entry.key) || entry.values.some(hasUnresolved)) return 'unknown'
    const outcome = evaluateCondition(entry, request.context, supportsVariables(policy))
    if (outcome.mismatch) mismatches.push(outcome.mismatch)
    if (outcome.missingKey) missingKeys.push(outcome.missingKey)
    return outcome.result
  })
  const conditionResult = and3(conditionResults)

  const principalResult: Tri = principalMatch === 'unknown' ? 'unknown' : principalMatch !== 'none'
  const applies = and3([actionResult, resourceResult, principalResult, conditionResult])
  return {
    policy,
    request,
    statement,
    ref: statementRef(policy, statement),
    actionMatches,
    resourceMatches,
    principalMatch,
    conditionResult,
    applies,
    mismatches,
    missingKeys
  }
}

/** Policy variables work only in policies whose Version is 2012-10-17. */
function supportsVariables(policy: Policy): boolean {
  return policy.version === '2012-10-17'
}

/** Actions match case-insensitively, with wildcards. An unresolved action may be any action. */
function matchAction(statement: Statement, action: string): Tri {
  const matchesPattern = (pattern: string): Tri =>
    hasUnresolved(pattern) ? 'unknown' : wildcardMatch(pattern, action, true)
  if (statement.action) return or3(statement.action.map(matchesPattern))
  if (statement.notAction) return not3(or3(statement.notAction.map(matchesPattern)))
  return false
}

/**
 * Turns a principal element that did not name the caller into `unknown` when it holds a
 * value a template or plan could not resolve: that value may be the caller.
 */
function withUnresolvedPrincipal(
  match: PrincipalMatchKind | 'not-applicable',
  statement: Statement
): PrincipalMatchKind | 'not-applicable' {
  const set = statement.principal ?? statement.notPrincipal
  const values = set ? [...set.aws, ...set.service, ...set.federated, ...set.canonicalUser] : []
  if (!values.some(hasUnresolved)) return match
  // NotPrincipal: an unresolved entry may exempt the caller, so whether the statement applies is open.
  if (statement.notPrincipal) return 'unknown'
  return match === 'none' ? 'unknown' : match
}

function matchResource(policy: Policy, statement: Statement, request: MatchRequest): Tri {
  const matchesPattern = (pattern: string): Tri => {
    // In a key policy, "*" means "this key".
    if (pattern === '*') return true
    if (hasUnresolved(pattern)) return 'unknown'
    const substituted = supportsVariables(policy)
      ? substituteVariables(pattern, request.context)
      : pattern
    if (substituted === UNKNOWN_VALUE) return 'unknown'
    return substituted !== undefined && arnMatch(substituted, request.resourceArn)
  }
  if (statement.resource) return or3(statement.resource.map(matchesPattern))
  if (statement.notResource) return not3(or3(statement.notResource.map(matchesPattern)))
  // Identity policies need a Resource element; without one the statement is invalid.
  return policy.kind === 'key-policy'
}

function resourceMismatch(statement: Statement, resourceArn: string): Mismatch {
  const expected = statement.resource ?? statement.notResource ?? []
  const aliasOrId = expected.find(
    (value) => /:alias\//.test(value) || /^[0-9a-f-]{36}$|^mrk-/.test(value)
  )
  return {
    element: 'resource',
    detail: statement.resource ? 'Resource' : 'NotResource',
    expected,
    actual: [resourceArn],
    ...(aliasOrId
      ? {
          hint: `IAM policies name a KMS key only by its key ARN; \`${aliasOrId}\` does not match the key. Use the key ARN (or kms:RequestAlias / kms:ResourceAliases conditions).`
        }
      : {})
  }
}

function matchStatementPrincipal(
  policy: Policy,
  statement: Statement,
  identity: PrincipalIdentity
): PrincipalMatchKind | 'not-applicable' {
  if (statement.principal) return matchPrincipal(statement.principal, identity)
  if (statement.notPrincipal)
    return notPrincipalExempts(statement.notPrincipal, identity, statement.effect)
      ? 'none'
      : 'wildcard'
  // A resource policy statement without a principal matches no caller.
  if (policy.kind === 'key-policy' || policy.kind === 'vpce') return 'none'
  return 'not-applicable'
}

function principalValues(statement: Statement): string[] {
  const set = statement.principal ?? statement.notPrincipal
  if (!set) return []
  return [
    ...(set.wildcard ? ['*'] : []),
    ...set.aws,
    ...set.service,
    ...set.federated,
    ...set.canonicalUser
  ]
}
