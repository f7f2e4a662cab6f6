/**
 * Resolving the expectation's principal against the IAM facts, and matching it against
 * `Principal` and `NotPrincipal` elements.
 */
import { ACCOUNT_ID, accountRootArn, isServicePrincipal, parseArn } from './arn.js'
import type { ResolvedPrincipal } from './decision.js'
import type { AccountIamFacts, Facts, PrincipalSet, RoleFact, UserFact } from './model.js'

/** The principal with the facts behind it and every identifier a policy could name it by. */
export interface PrincipalIdentity {
  resolved: ResolvedPrincipal
  role?: RoleFact
  user?: UserFact
  /** IAM facts of the principal's account, when supplied. */
  accountFacts?: AccountIamFacts
  /** Reason that facts about this principal are missing, when they are. */
  missingFacts?: string
}

/**
 * Kind of match between a `Principal` element and the caller: the session ARN, the role ARN
 * (or its unique ID), the user ARN, the account (`…:root`), `*`, a service name or a federated
 * user ARN.
 */
export type PrincipalMatchKind =
  | 'session-arn'
  | 'role-arn'
  | 'user-arn'
  | 'account'
  | 'wildcard'
  | 'service'
  | 'federated'
  /** The element holds a value a template or plan could not resolve: it may name the caller. */
  | 'unknown'
  | 'none'

/** Resolves a principal string (ARN, account ID or service name) against the facts. */
export function resolvePrincipal(
  input: string,
  facts: Facts,
  partition: string
): PrincipalIdentity {
  if (ACCOUNT_ID.test(input)) return accountPrincipal(input, input, partition, facts)
  if (isCodeReference(input)) return referencedPrincipal(input, facts, partition)
  if (isServicePrincipal(input)) {
    return { resolved: { input, kind: 'service', arn: input, partition } }
  }

  const arn = parseArn(input)
  if (!arn)
    return unknownPrincipal(
      input,
      partition,
      `\`${input}\` is not an ARN, account ID or service principal.`
    )

  const accountFacts = facts.iam.find((account) => account.accountId === arn.accountId)
  const missingAccount = accountFacts
    ? undefined
    : `No IAM facts were supplied for account ${arn.accountId}.`

  if (arn.service === 'iam' && arn.resource === 'root') {
    return accountPrincipal(input, arn.accountId, arn.partition, facts)
  }
  if (arn.service === 'iam' && arn.resource.startsWith('role/')) {
    const role = findRoleByArn(accountFacts, input)
    const serviceLinked = arn.resource.startsWith('role/aws-service-role/')
    return {
      resolved: {
        input,
        kind: serviceLinked ? 'service-linked-role' : 'role',
        arn: role?.arn ?? input,
        roleArn: role?.arn ?? input,
        accountId: arn.accountId,
        partition: arn.partition
      },
      role,
      accountFacts,
      missingFacts:
        missingAccount ?? (role ? undefined : missingRoleReason(input, arn.accountId, accountFacts))
    }
  }
  if (arn.service === 'sts' && arn.resource.startsWith('assumed-role/')) {
    return assumedRolePrincipal(
      input,
      arn.accountId,
      arn.partition,
      arn.resource,
      accountFacts,
      missingAccount
    )
  }
  if (arn.service === 'iam' && arn.resource.startsWith('user/')) {
    const user = accountFacts?.users.find((candidate) => sameIamArn(candidate.arn, input))
    return {
      resolved: {
        input,
        kind: 'user',
        arn: user?.arn ?? input,
        accountId: arn.accountId,
        partition: arn.partition
      },
      user,
      accountFacts,
      missingFacts:
        missingAccount ??
        (user ? undefined : `User ${input} is not in the IAM facts of account ${arn.accountId}.`)
    }
  }
  if (arn.service === 'sts' && arn.resource.startsWith('federated-user/')) {
    return {
      resolved: {
        input,
        kind: 'federated-user',
        arn: input,
        accountId: arn.accountId,
        partition: arn.partition
      },
      accountFacts,
      missingFacts:
        'The policies of a federated user session (its caller and session policy) are not modelled.'
    }
  }
  return unknownPrincipal(
    input,
    arn.partition,
    `\`${input}\` is not an IAM role, user, session or account ARN.`
  )
}

/**
 * True for a reference to a resource defined in code: `infra/app.yaml#AppRole` (template and
 * logical ID) or `plan.json#aws_iam_role.app` (plan and address).
 */
export function isCodeReference(input: string): boolean {
  return !input.startsWith('arn:') && /^[^#\s]+#[^#\s]+$/.test(input)
}

/** Resolves a role or user that a template or plan defines, by its reference. */
function referencedPrincipal(input: string, facts: Facts, partition: string): PrincipalIdentity {
  for (const accountFacts of facts.iam) {
    const role = accountFacts.roles.find((candidate) => candidate.references?.includes(input))
    if (role) {
      const kind = role.path.startsWith('/aws-service-role/') ? 'service-linked-role' : 'role'
      const resolved = {
        input,
        kind,
        arn: role.arn,
        roleArn: role.arn,
        accountId: role.accountId,
        partition
      } as const
      return { resolved, role, accountFacts }
    }
    const user = accountFacts.users.find((candidate) => candidate.references?.includes(input))
    if (user) {
      const resolved = {
        input,
        kind: 'user',
        arn: user.arn,
        accountId: user.accountId,
        partition
      } as const
      return { resolved, user, accountFacts }
    }
  }
  return unknownPrincipal(
    input,
    partition,
    `No template or plan in the facts defines a role or user \`${input}\`; check the file path (relative to the manifest) and the logical ID or address.`
  )
}

function accountPrincipal(
  input: string,
  accountId: string,
  partition: string,
  facts: Facts
): PrincipalIdentity {
  return {
    resolved: {
      input,
      kind: 'account',
      arn: accountRootArn(accountId, partition),
      accountId,
      partition
    },
    accountFacts: facts.iam.find((account) => account.accountId === accountId)
  }
}

function assumedRolePrincipal(
  input: string,
  accountId: string,
  partition: string,
  resource: string,
  accountFacts: AccountIamFacts | undefined,
  missingAccount: string | undefined
): PrincipalIdentity {
  // A session ARN carries the role name but not its path; the path comes from the IAM facts.
  const roleName = resource.split('/')[1] ?? ''
  const role = accountFacts?.roles.find(
    (candidate) => candidate.name.toLowerCase() === roleName.toLowerCase()
  )
  const roleArn = role?.arn ?? `arn:${partition}:iam::${accountId}:role/${roleName}`
  return {
    resolved: { input, kind: 'assumed-role', arn: input, roleArn, accountId, partition },
    role,
    accountFacts,
    missingFacts:
      missingAccount ??
      (role
        ? undefined
        : `Role ${roleName} of session ${input} is not in the IAM facts of account ${accountId}.`)
  }
}

/** Explains a role ARN that is not in the facts, naming a role of the same name on another path. */
function missingRoleReason(
  input: string,
  accountId: string,
  accountFacts: AccountIamFacts | undefined
): string {
  const name = input.split('/').pop()?.toLowerCase()
  const sameName = accountFacts?.roles.find((role) => role.name.toLowerCase() === name)
  const hint = sameName
    ? ` A role with that name exists as ${sameName.arn}: a role ARN must include the role's path.`
    : ''
  return `Role ${input} is not in the IAM facts of account ${accountId}.${hint}`
}

function unknownPrincipal(input: string, partition: string, reason: string): PrincipalIdentity {
  return { resolved: { input, kind: 'unknown', arn: input, partition }, missingFacts: reason }
}

function findRoleByArn(
  accountFacts: AccountIamFacts | undefined,
  arn: string
): RoleFact | undefined {
  if (!accountFacts) return undefined
  const exact = accountFacts.roles.find((role) => sameIamArn(role.arn, arn))
  if (exact) return exact
  // A role ARN written without its path still names the role only if the path is `/`.
  return undefined
}

/** IAM names are unique case-insensitively, and policies name principals by unique ID, so case does not matter. */
export function sameIamArn(left: string, right: string): boolean {
  return left.toLowerCase() === right.toLowerCase()
}

/** Returns the account principal ARN of the principal's account, if it has one. */
export function principalAccountRoot(identity: PrincipalIdentity): string | undefined {
  const { accountId, partition } = identity.resolved
  return accountId ? accountRootArn(accountId, partition) : undefined
}

/**
 * Matches a `Principal` element. The most specific match wins: a session ARN before the role
 * ARN before the account, because permissions boundaries cap some of these and not others.
 */
export function matchPrincipal(set: PrincipalSet, identity: PrincipalIdentity): PrincipalMatchKind {
  const { resolved, role, user } = identity

  if (resolved.kind === 'service') {
    if (set.service.some((service) => service.toLowerCase() === resolved.arn.toLowerCase()))
      return 'service'
    return set.wildcard ? 'wildcard' : 'none'
  }

  const named = (candidate: string | undefined) =>
    candidate !== undefined && set.aws.some((entry) => sameIamArn(entry, candidate))

  if (resolved.kind === 'assumed-role' && named(resolved.arn)) return 'session-arn'
  if (
    (resolved.kind === 'role' ||
      resolved.kind === 'service-linked-role' ||
      resolved.kind === 'assumed-role') &&
    (named(resolved.roleArn) || named(role?.id))
  ) {
    return 'role-arn'
  }
  if (resolved.kind === 'user' && (named(resolved.arn) || named(user?.id))) return 'user-arn'
  if (
    resolved.kind === 'federated-user' &&
    (named(resolved.arn) || set.federated.includes(resolved.arn))
  )
    return 'federated'
  if (set.wildcard) return 'wildcard'
  if (named(principalAccountRoot(identity))) return 'account'
  return 'none'
}

/**
 * Returns true when a `NotPrincipal` element exempts the principal. AWS evaluates the request
 * against each identity in the chain (account, role, session), so the element exempts the
 * principal only when it lists all of them.
 */
export function notPrincipalExempts(
  set: PrincipalSet,
  identity: PrincipalIdentity,
  effect: 'Allow' | 'Deny' = 'Deny'
): boolean {
  if (set.wildcard) return true
  // A Deny with NotPrincipal always denies a principal that has a permissions boundary,
  // whatever the element lists.
  if (effect === 'Deny' && (identity.role ?? identity.user)?.permissionsBoundary) return false
  const { resolved } = identity
  if (resolved.kind === 'service') {
    return set.service.some((service) => service.toLowerCase() === resolved.arn.toLowerCase())
  }
  const chain = principalChain(identity)
  return chain.every((identifiers) =>
    identifiers.some((id) => set.aws.some((entry) => sameIamArn(entry, id)))
  )
}

/** Lists the identities AWS checks for the principal, each with the identifiers that name it. */
function principalChain(identity: PrincipalIdentity): string[][] {
  const { resolved, role, user } = identity
  const chain: string[][] = []
  const root = principalAccountRoot(identity)
  if (root) chain.push([root])
  if (resolved.roleArn) chain.push([resolved.roleArn, ...(role?.id ? [role.id] : [])])
  if (resolved.kind === 'assumed-role' || resolved.kind === 'federated-user')
    chain.push([resolved.arn])
  if (resolved.kind === 'user') chain.push([resolved.arn, ...(user?.id ? [user.id] : [])])
  return chain
}
