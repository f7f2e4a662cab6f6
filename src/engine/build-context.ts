/**
 * Builds the request context AWS would evaluate: the keys the expectation supplies plus
 * the keys AWS derives from the principal and the key (aws:PrincipalArn, kms:CallerAccount,
 * kms:KeyUsage, aws:ResourceTag/…). Keys the expectation supplies win.
 */
import type { ResolvedKey } from './decision.js'
import type { Facts, KeyFact } from './model.js'
import type { PrincipalIdentity } from './principal.js'
import { RequestContextValues } from './request-context.js'

export type SuppliedContext = Record<string, string | string[]>

export function buildRequestContext(
  supplied: SuppliedContext,
  identity: PrincipalIdentity,
  resolvedKey: ResolvedKey,
  key: KeyFact | undefined,
  facts: Facts
): RequestContextValues {
  const context = new RequestContextValues()
  addPrincipalKeys(context, identity, facts)
  if (key) addKeyKeys(context, key, facts)
  if (resolvedKey.alias) context.set('kms:RequestAlias', resolvedKey.alias)
  if (resolvedKey.region) context.set('aws:RequestedRegion', resolvedKey.region)
  // KMS is reached only over TLS.
  context.set('aws:SecureTransport', 'true')
  markKeysEveryRequestCarries(context, identity, supplied, facts)

  for (const [name, value] of Object.entries(supplied)) context.set(name, value)
  addEncryptionContextKeys(context)
  return context
}

function addPrincipalKeys(
  context: RequestContextValues,
  identity: PrincipalIdentity,
  facts: Facts
): void {
  const { resolved, role, user } = identity
  if (resolved.kind === 'service') {
    context.set('aws:PrincipalIsAWSService', 'true')
    context.set('aws:PrincipalServiceName', resolved.arn)
    return
  }
  context.set('aws:PrincipalIsAWSService', 'false')
  if (!resolved.accountId) return

  context.set('aws:PrincipalAccount', resolved.accountId)
  context.set('kms:CallerAccount', resolved.accountId)
  const principalArn = resolved.roleArn ?? resolved.arn
  context.set('aws:PrincipalArn', principalArn)
  context.set('aws:PrincipalType', principalType(identity))

  if (resolved.kind === 'user') {
    context.set('aws:username', resolved.arn.split('/').pop() ?? '')
    if (user?.id) context.set('aws:userid', user.id)
  }
  if (resolved.kind === 'assumed-role' && role?.id) {
    context.set('aws:userid', `${role.id}:${resolved.arn.split('/').pop() ?? ''}`)
  }
  if (resolved.kind === 'account') context.set('aws:userid', resolved.accountId)

  const tags = role?.tags ?? user?.tags ?? {}
  for (const [tagKey, tagValue] of Object.entries(tags))
    context.set(`aws:PrincipalTag/${tagKey}`, tagValue)

  addOrganizationKeys(context, 'Principal', resolved.accountId, facts)
}

/**
 * Marks the global keys that AWS sets on the request but whose values the tool cannot derive.
 * A policy that tests one of them gives `unknown` until the expectation supplies it. Sources:
 * the IAM User Guide's global condition keys page, which says when each key is present.
 */
function markKeysEveryRequestCarries(
  context: RequestContextValues,
  identity: PrincipalIdentity,
  supplied: SuppliedContext,
  facts: Facts
): void {
  const kind = identity.resolved.kind
  const viaService = Object.keys(supplied).some((key) => key.toLowerCase() === 'kms:viaservice')
  context.markPresentWithUnknownValue('aws:CurrentTime')
  context.markPresentWithUnknownValue('aws:EpochTime')

  if (kind === 'service') {
    // Services calling for a resource usually send the resource's ARN and account.
    context.markPresentWithUnknownValue('aws:SourceArn')
    context.markPresentWithUnknownValue('aws:SourceAccount')
    return
  }
  // aws:ViaAWSService is false on direct calls and true when a service calls with the
  // principal's credentials, which the expectation states by supplying kms:ViaService.
  context.set('aws:ViaAWSService', viaService ? 'true' : 'false')
  context.markPresentWithUnknownValue('aws:UserAgent')
  // For calls a service makes on the principal's behalf, the source IP is the service's.
  if (!viaService) context.markPresentWithUnknownValue('aws:SourceIp')
  // Role sessions use temporary credentials, which carry these keys; users and the root user
  // carry them when they sign in or use temporary credentials, which the facts do not show.
  context.markPresentWithUnknownValue('aws:MultiFactorAuthPresent')
  if (kind !== 'user' && kind !== 'account')
    context.markPresentWithUnknownValue('aws:TokenIssueTime')
  if (kind === 'role' || kind === 'service-linked-role')
    context.markPresentWithUnknownValue('aws:userid')
  // The organization keys are set from the Organizations facts when they list the account.
  // NOTE: an account listed as external is left without them, which matches no condition on
  // this organization's ID, although it may belong to another organization.
  const external = facts.organizations.some((org) =>
    org.externalAccounts.includes(identity.resolved.accountId ?? '')
  )
  if (!external) {
    context.markPresentWithUnknownValue('aws:PrincipalOrgID')
    context.markPresentWithUnknownValue('aws:PrincipalOrgPaths')
  }
}

/** Derives kms:EncryptionContextKeys from the request's kms:EncryptionContext:NAME pairs, unless supplied. */
function addEncryptionContextKeys(context: RequestContextValues): void {
  if (context.has('kms:EncryptionContextKeys')) return
  const prefix = 'kms:EncryptionContext:'
  const names = context.withPrefix(prefix).map((entry) => entry.key.slice(prefix.length))
  if (names.length > 0) context.set('kms:EncryptionContextKeys', names)
}

function principalType(identity: PrincipalIdentity): string {
  switch (identity.resolved.kind) {
    case 'account':
      return 'Account'
    case 'user':
      return 'User'
    case 'federated-user':
      return 'FederatedUser'
    default:
      return 'AssumedRole'
  }
}

/**
 * Sets aws:PrincipalOrgID and aws:PrincipalOrgPaths (or the Resource… keys) when the
 * Organizations facts list the account. Paths read `o-id/r-root/ou-id/…/`.
 */
function addOrganizationKeys(
  context: RequestContextValues,
  side: 'Principal' | 'Resource',
  accountId: string,
  facts: Facts
): void {
  for (const organization of facts.organizations) {
    const account = organization.accounts.find((candidate) => candidate.accountId === accountId)
    if (!account || !organization.organizationId) continue
    context.set(`aws:${side}OrgID`, organization.organizationId)
    context.set(
      `aws:${side}OrgPaths`,
      `${[organization.organizationId, ...account.parents].join('/')}/`
    )
    return
  }
}

function addKeyKeys(context: RequestContextValues, key: KeyFact, facts: Facts): void {
  context.set('aws:ResourceAccount', key.accountId)
  addOrganizationKeys(context, 'Resource', key.accountId, facts)
  const { metadata } = key
  if (metadata.keySpec) context.set('kms:KeySpec', metadata.keySpec)
  if (metadata.keyUsage) context.set('kms:KeyUsage', metadata.keyUsage)
  if (metadata.origin) context.set('kms:KeyOrigin', metadata.origin)
  if (metadata.keyManager) context.set('kms:KeyManager', metadata.keyManager)
  if (metadata.multiRegion !== undefined)
    context.set('kms:MultiRegion', String(metadata.multiRegion))
  if (metadata.multiRegionKeyType)
    context.set('kms:MultiRegionKeyType', metadata.multiRegionKeyType)
  if (key.aliases.length > 0) context.set('kms:ResourceAliases', key.aliases)
  for (const [tagKey, tagValue] of Object.entries(key.tags))
    context.set(`aws:ResourceTag/${tagKey}`, tagValue)
}
