/**
 * The doors through which a request can reach a key, computed from statement matches. The
 * key policy can name the principal or trust its account (delegation to IAM), and a grant can
 * name it. The IAM side is the identity policies and the permissions boundary.
 */
import type { GrantMatch } from './grants.js'
import type { PrincipalIdentity } from './principal.js'
import { allowsThatMayApply, type StatementMatch } from './statement-match.js'
import { and3, or3, type Tri } from './tri.js'

/** Principal matches that name the caller directly and are not capped by a permissions boundary. */
const UNCAPPED_DIRECT = new Set(['session-arn', 'user-arn', 'wildcard', 'service', 'federated'])

export interface Doors {
  /** A key-policy Allow names the principal in a way boundaries do not cap. */
  keyDirectUncapped: Tri
  /** A key-policy Allow names the principal's role ARN: a boundary or session policy caps it. */
  keyDirectCapped: Tri
  /** A key-policy Allow trusts the principal's account, so IAM policies count. */
  keyAccount: Tri
  identityAllow: Tri
  boundaryAllow: Tri
  /** The session policy, which caps like a boundary; true when there is none. */
  sessionAllow: Tri
  /** A grant names the principal. */
  grantDirect: Tri
  /** A grant names the principal's account, so an IAM allow is needed as well. */
  grantAccount: Tri
}

/** Computes the key-policy doors; `undefined` matches mean the key policy was not supplied. */
export function keyPolicyDoors(
  matches: StatementMatch[] | undefined,
  identity: PrincipalIdentity
): Pick<Doors, 'keyDirectUncapped' | 'keyDirectCapped' | 'keyAccount'> {
  if (!matches)
    return { keyDirectUncapped: 'unknown', keyDirectCapped: 'unknown', keyAccount: 'unknown' }
  const allows = allowsThatMayApply(matches)
  const isRootUser = identity.resolved.kind === 'account'

  // An unresolved principal (from a template or plan) may open any of the three doors.
  const unresolved = (match: StatementMatch) => match.principalMatch === 'unknown'
  const uncapped = allows.filter(
    (match) =>
      UNCAPPED_DIRECT.has(match.principalMatch) ||
      (isRootUser && match.principalMatch === 'account') ||
      unresolved(match)
  )
  const capped = allows.filter((match) => match.principalMatch === 'role-arn' || unresolved(match))
  const account = allows.filter(
    (match) => (match.principalMatch === 'account' && !isRootUser) || unresolved(match)
  )
  return {
    keyDirectUncapped: or3(uncapped.map((match) => match.applies)),
    keyDirectCapped: or3(capped.map((match) => match.applies)),
    keyAccount: or3(account.map((match) => match.applies))
  }
}

/** Computes the grant doors; `undefined` means the grants were not supplied. */
export function grantDoors(
  matches: GrantMatch[] | undefined
): Pick<Doors, 'grantDirect' | 'grantAccount'> {
  if (!matches) return { grantDirect: 'unknown', grantAccount: 'unknown' }
  const opens = (match: GrantMatch) => match.operationMatches && match.constraintsMatch
  return {
    grantDirect: matches.some((match) => match.grantee === 'principal' && opens(match)),
    grantAccount: matches.some((match) => match.grantee === 'account' && opens(match))
  }
}

/**
 * Combines the doors into "is the request authorized", before guardrails, explicit denies
 * and key state. Same account: the key policy alone can allow; otherwise the account
 * delegation plus IAM. Across accounts both sides must allow, except through a grant.
 */
export function authorization(
  doors: Doors,
  crossAccount: boolean
): { result: Tri; paths: Record<string, Tri> } {
  // Boundaries and session policies cap identity allows and key-policy allows that name
  // the role ARN, but not allows that name the session ARN, a user ARN or "*".
  const caps = and3([doors.boundaryAllow, doors.sessionAllow])
  const iamSide = and3([doors.identityAllow, caps])
  const keyNamesPrincipal = crossAccount
    ? and3([or3([doors.keyDirectUncapped, doors.keyDirectCapped]), iamSide])
    : or3([doors.keyDirectUncapped, and3([doors.keyDirectCapped, caps])])
  const delegation = and3([doors.keyAccount, iamSide])
  const grant = or3([doors.grantDirect, and3([doors.grantAccount, iamSide])])
  return {
    result: or3([keyNamesPrincipal, delegation, grant]),
    paths: {
      'key-policy-names-principal': keyNamesPrincipal,
      'key-policy-trusts-account-and-iam-allows': delegation,
      grant
    }
  }
}
