/**
 * Grants: a third door to a key. A grant allows its grantee the listed operations, without
 * any key-policy or IAM statement, when its encryption-context constraints hold. Grants
 * never deny.
 */
import { accountOfRootPrincipal } from './arn.js'
import type { GrantRef, Mismatch } from './decision.js'
import type { GrantFact, KeyFact } from './model.js'
import { type PrincipalIdentity, principalAccountRoot, sameIamArn } from './principal.js'
import type { RequestContextValues } from './request-context.js'

export interface GrantMatch {
  grant: GrantFact
  ref: GrantRef
  /** `principal`: the grant names the caller; `account`: it names the caller's account. */
  grantee: 'principal' | 'account' | 'none'
  operationMatches: boolean
  constraintsMatch: boolean
  mismatches: Mismatch[]
}

/** Operations for which KMS ignores encryption-context constraints. */
const CONSTRAINT_FREE_OPERATIONS = new Set(['DescribeKey', 'RetireGrant'])

export function grantRef(grant: GrantFact): GrantRef {
  return {
    grantId: grant.grantId,
    ...(grant.name ? { name: grant.name } : {}),
    granteePrincipal: grant.granteePrincipal,
    operations: grant.operations,
    ...(grant.location ? { location: grant.location } : {})
  }
}

/** Matches every grant of the key against the request. */
export function matchGrants(
  key: KeyFact,
  identity: PrincipalIdentity,
  action: string,
  context: RequestContextValues
): GrantMatch[] {
  return (key.grants ?? []).map((grant) => matchGrant(grant, identity, action, context))
}

function matchGrant(
  grant: GrantFact,
  identity: PrincipalIdentity,
  action: string,
  context: RequestContextValues
): GrantMatch {
  const operation = action.replace(/^kms:/i, '')
  const mismatches: Mismatch[] = []

  // The retiring principal of a grant may retire it, whatever the grant's operations.
  const retiring =
    operation.toLowerCase() === 'retiregrant' &&
    grant.retiringPrincipal !== undefined &&
    matchGrantee(grant.retiringPrincipal, identity) === 'principal'
  if (retiring) {
    return {
      grant,
      ref: grantRef(grant),
      grantee: 'principal',
      operationMatches: true,
      constraintsMatch: true,
      mismatches
    }
  }

  const grantee = matchGrantee(grant.granteePrincipal, identity)
  if (grantee === 'none') {
    mismatches.push({
      element: 'principal',
      detail: 'GranteePrincipal',
      expected: [grant.granteePrincipal],
      actual: [identity.resolved.arn]
    })
  }

  const operationMatches = grant.operations.some(
    (candidate) => candidate.toLowerCase() === operation.toLowerCase()
  )
  if (!operationMatches) {
    mismatches.push({
      element: 'action',
      detail: 'Operations',
      expected: grant.operations,
      actual: [operation]
    })
  }

  const constraintsMatch =
    CONSTRAINT_FREE_OPERATIONS.has(operation) || checkConstraints(grant, context, mismatches)
  return { grant, ref: grantRef(grant), grantee, operationMatches, constraintsMatch, mismatches }
}

function matchGrantee(
  granteePrincipal: string,
  identity: PrincipalIdentity
): GrantMatch['grantee'] {
  const { resolved, role } = identity
  if (resolved.kind === 'service') {
    return granteePrincipal.toLowerCase() === resolved.arn.toLowerCase() ? 'principal' : 'none'
  }
  const candidates = [resolved.arn, resolved.roleArn, role?.id].filter((value): value is string =>
    Boolean(value)
  )
  if (candidates.some((candidate) => sameIamArn(candidate, granteePrincipal))) return 'principal'

  const granteeAccount = accountOfRootPrincipal(granteePrincipal)
  const root = principalAccountRoot(identity)
  if (granteeAccount && root && granteeAccount === resolved.accountId) {
    return resolved.kind === 'account' ? 'principal' : 'account'
  }
  return 'none'
}

/** Checks the encryption-context constraints against the `kms:EncryptionContext:` keys of the request. */
function checkConstraints(
  grant: GrantFact,
  context: RequestContextValues,
  mismatches: Mismatch[]
): boolean {
  // Pair names match case-insensitively and values case-sensitively, per the GrantConstraints docs.
  const requestContext = new Map(
    context
      .withPrefix('kms:EncryptionContext:')
      .map((entry) => [
        entry.key.slice('kms:EncryptionContext:'.length).toLowerCase(),
        entry.values[0] ?? ''
      ])
  )
  const actual = [...requestContext.entries()].map(([name, value]) => `${name}=${value}`)

  if (grant.encryptionContextEquals) {
    const expectedPairs = Object.entries(grant.encryptionContextEquals)
    const equal =
      expectedPairs.length === requestContext.size &&
      expectedPairs.every(([name, value]) => requestContext.get(name.toLowerCase()) === value)
    if (!equal) {
      mismatches.push({
        element: 'condition',
        detail: 'EncryptionContextEquals',
        expected: expectedPairs.map(([name, value]) => `${name}=${value}`),
        actual,
        hint: 'The request encryption context must equal these pairs exactly (names and values are case-sensitive).'
      })
      return false
    }
  }
  if (grant.encryptionContextSubset) {
    const expectedPairs = Object.entries(grant.encryptionContextSubset)
    const contained = expectedPairs.every(
      ([name, value]) => requestContext.get(name.toLowerCase()) === value
    )
    if (!contained) {
      mismatches.push({
        element: 'condition',
        detail: 'EncryptionContextSubset',
        expected: expectedPairs.map(([name, value]) => `${name}=${value}`),
        actual,
        hint: 'The request encryption context must include these pairs (names and values are case-sensitive).'
      })
      return false
    }
  }
  return true
}
