/**
 * Organizations guardrails: SCPs cap what principals in member accounts can do; RCPs cap
 * what anyone can do with resources in member accounts. Neither grants anything. At every
 * level of the hierarchy (root, each OU, the account) at least one attached policy must
 * allow the request, and a Deny anywhere wins.
 */
import type { Facts, OrganizationFacts, Policy } from './model.js'
import { type MatchRequest, matchPolicy, type StatementMatch } from './statement-match.js'
import { or3, type Tri } from './tri.js'

export interface GuardrailOutcome {
  /** `not-applicable` when no policy of this type applies to the account or request. */
  status: 'open' | 'closed' | 'unknown' | 'not-applicable'
  reason: string
  /** Deny statements that apply (true) or may apply (unknown). */
  denies: StatementMatch[]
  /** The Allow statements that opened each level, or the levels that no statement opened. */
  allows: StatementMatch[]
  closedLevels: string[]
}

const POLICY_LABEL = { scp: 'SCP', rcp: 'RCP' } as const

/**
 * Evaluates the SCPs (for the principal's account) or RCPs (for the key's account).
 * `exemptReason` skips the evaluation, such as for the management account.
 */
export function evaluateGuardrail(
  type: 'scp' | 'rcp',
  accountId: string | undefined,
  facts: Facts,
  request: MatchRequest,
  exemptReason?: string
): GuardrailOutcome {
  const label = POLICY_LABEL[type]
  const empty = { denies: [], allows: [], closedLevels: [] }
  if (exemptReason) return { status: 'not-applicable', reason: exemptReason, ...empty }
  if (facts.organizations.length === 0) {
    return {
      status: 'not-applicable',
      reason: `No Organizations facts were supplied, so ${label}s are not checked.`,
      ...empty
    }
  }
  if (!accountId)
    return {
      status: 'unknown',
      reason: `The account is unknown, so ${label}s cannot be checked.`,
      ...empty
    }

  const management = facts.organizations.find((org) => org.managementAccountId === accountId)
  if (management) {
    return {
      status: 'not-applicable',
      reason: `Account ${accountId} is the management account, which ${label}s do not affect.`,
      ...empty
    }
  }
  const organization = facts.organizations.find((org) =>
    org.accounts.some((account) => account.accountId === accountId)
  )
  if (!organization) {
    const external = facts.organizations.some((org) => org.externalAccounts.includes(accountId))
    if (external) {
      return {
        status: 'not-applicable',
        reason: `Account ${accountId} is listed as outside the organization, so the organization's ${label}s do not apply to it.`,
        ...empty
      }
    }
    return {
      status: 'unknown',
      reason: `Account ${accountId} is in neither Accounts nor ExternalAccounts of the Organizations facts, so its ${label}s are unknown.`,
      ...empty
    }
  }
  if (organization.managementAccountId === accountId) {
    return {
      status: 'not-applicable',
      reason: `Account ${accountId} is the management account, which ${label}s do not affect.`,
      ...empty
    }
  }
  return evaluateLevels(type, accountId, organization, request)
}

function evaluateLevels(
  type: 'scp' | 'rcp',
  accountId: string,
  organization: OrganizationFacts,
  request: MatchRequest
): GuardrailOutcome {
  const label = POLICY_LABEL[type]
  const account = organization.accounts.find((candidate) => candidate.accountId === accountId)
  const levels = [...(account?.parents ?? []), accountId]

  const denies: StatementMatch[] = []
  const allows: StatementMatch[] = []
  const closedLevels: string[] = []
  const unknownLevels: string[] = []

  for (const level of levels) {
    const policies = organization.policies
      .filter((attached) => attached.type === type && attached.targets.includes(level))
      .map((attached) => attached.policy)

    // RCPFullAWSAccess is attached to every node and cannot be detached, so RCPs can only deny.
    if (type === 'rcp') {
      const matches = policies.flatMap((policy: Policy) => matchPolicy(policy, request))
      denies.push(
        ...matches.filter((match) => match.statement.effect === 'Deny' && match.applies !== false)
      )
      continue
    }
    if (policies.length === 0) {
      // RCPFullAWSAccess is attached to every node and cannot be detached, so an RCP-free level
      // allows. Every node must have at least one SCP, so a level without one means missing facts.
      if (type === 'scp') unknownLevels.push(level)
      continue
    }

    const matches = policies.flatMap((policy: Policy) => matchPolicy(policy, request))
    denies.push(
      ...matches.filter((match) => match.statement.effect === 'Deny' && match.applies !== false)
    )
    const levelAllows = matches.filter(
      (match) => match.statement.effect === 'Allow' && match.applies !== false
    )
    const opened: Tri = or3(levelAllows.map((match) => match.applies))
    allows.push(...levelAllows)
    if (opened === false) closedLevels.push(level)
    else if (opened === 'unknown') unknownLevels.push(level)
  }

  if (closedLevels.length > 0) {
    return {
      status: 'closed',
      reason: `No ${label} attached to ${closedLevels.join(', ')} allows ${request.action}.`,
      denies,
      allows,
      closedLevels
    }
  }
  if (unknownLevels.length > 0) {
    return {
      status: 'unknown',
      reason: `Whether the ${label}s attached to ${unknownLevels.join(', ')} allow ${request.action} is unknown (no ${label} in the facts for that level, or a condition that cannot be evaluated).`,
      denies,
      allows,
      closedLevels
    }
  }
  const allowReason =
    type === 'rcp'
      ? `RCPs only deny, and RCPFullAWSAccess allows ${request.action} at every level.`
      : `Every level's ${label}s allow ${request.action}.`
  const denyNote =
    denies.length > 0 ? ` A ${label} Deny matches, though; see the explicit-deny lock.` : ''
  return {
    status: 'open',
    reason: `${allowReason}${denyNote}`,
    denies,
    allows,
    closedLevels
  }
}
