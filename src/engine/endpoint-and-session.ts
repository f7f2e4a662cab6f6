/**
 * The two optional caps: the policy of the VPC endpoint a request goes through, and the
 * session policy of a role session. Neither grants anything; each must allow the request,
 * and a Deny in either wins.
 */

import { statusOf } from './locks.js'
import type { Facts } from './model.js'
import { type PrincipalIdentity, sameIamArn } from './principal.js'
import { type MatchRequest, matchPolicy, type StatementMatch } from './statement-match.js'
import { or3, type Tri } from './tri.js'

export interface CapOutcome {
  /** `not-applicable` when the request does not go through an endpoint or has no session policy. */
  status: 'open' | 'closed' | 'unknown' | 'not-applicable'
  /** Whether the cap's Allow statements let the request through; true when not applicable. */
  allow: Tri
  reason: string
  matches?: StatementMatch[]
}

function allowOf(matches: StatementMatch[]): Tri {
  return or3(
    matches.filter((match) => match.statement.effect === 'Allow').map((match) => match.applies)
  )
}

/**
 * Evaluates the endpoint policy for a request whose context names an endpoint in
 * aws:SourceVpce. With no endpoint facts at all, endpoint policies are not checked, and the
 * lock's reason states this. With endpoint facts that lack this endpoint, the result is unknown.
 */
export function evaluateEndpoint(request: MatchRequest, facts: Facts): CapOutcome {
  const endpointIds = request.context.get('aws:SourceVpce') ?? []
  if (endpointIds.length === 0) {
    return {
      status: 'not-applicable',
      allow: true,
      reason: 'The request does not go through a VPC endpoint (no aws:SourceVpce in its context).'
    }
  }
  const endpointId = endpointIds[0]
  if (facts.vpcEndpoints.length === 0) {
    return {
      status: 'not-applicable',
      allow: true,
      reason: `No VPC endpoint facts were supplied, so the policy of ${endpointId} is not checked.`
    }
  }
  const endpoint = facts.vpcEndpoints.find((candidate) => candidate.vpcEndpointId === endpointId)
  if (!endpoint) {
    return {
      status: 'unknown',
      allow: 'unknown',
      reason: `VPC endpoint ${endpointId} is not in the VPC endpoint facts, so its policy is unknown.`
    }
  }
  const matches = matchPolicy(endpoint.policy, request)
  const allow = allowOf(matches)
  const reason =
    allow === true
      ? `The policy of VPC endpoint ${endpointId} allows ${request.action}.`
      : allow === false
        ? `The policy of VPC endpoint ${endpointId} does not allow ${request.action} for this principal and key.`
        : `Whether the policy of VPC endpoint ${endpointId} allows ${request.action} depends on a condition that cannot be evaluated.`
  return { status: statusOf(allow), allow, reason, matches }
}

/** Evaluates the session policy of an assumed-role or federated-user session, when the facts hold one. */
export function evaluateSessionPolicy(
  identity: PrincipalIdentity,
  request: MatchRequest,
  facts: Facts
): CapOutcome {
  const { kind, arn } = identity.resolved
  const session = kind === 'assumed-role' || kind === 'federated-user'
  const fact = session
    ? facts.sessionPolicies.find((candidate) => sameIamArn(candidate.sessionArn, arn))
    : undefined
  if (!fact) {
    return {
      status: 'not-applicable',
      allow: true,
      reason: 'No session policy for this principal is in the facts; none is assumed.'
    }
  }
  const matches = matchPolicy(fact.policy, request)
  const allow = allowOf(matches)
  const reason =
    allow === true
      ? `The session policy of ${arn} allows ${request.action}.`
      : allow === false
        ? `The session policy of ${arn} does not allow ${request.action} on ${request.resourceArn}.`
        : `Whether the session policy of ${arn} allows ${request.action} depends on a condition that cannot be evaluated.`
  return { status: statusOf(allow), allow, reason, matches }
}
