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
  if (key) addKeyKeys(context, key)
  if (resolvedKey.alias) context.set('kms:RequestAlias', resolvedKey.alias)
  if (resolvedKey.region) context.set('aws:RequestedRegion', resolvedKey.region)
  // KMS is reached only over TLS.
  context.set('aws:SecureTransport', 'true')
  markKeysEveryRequestCarries(context, identity, supplied)

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

  const organization = facts.organizations.find((org) =>
    org.accounts.some((account) => account.accountId === resolved.accountId)
  )
  if (organization?.organizationId) context.set('aws:PrincipalOrgID', organization.organizationId)
}

/**
 * Marks the global keys that AWS sets on every request but whose values the tool cannot
 * derive. A policy that tests one of them gives `unknown` until the expectation supplies it.
 * aws:SourceIp is left absent for calls that a service makes on the principal's behalf
 * (kms:ViaService supplied), where the caller's address is not the request's source.
 */
function markKeysEveryRequestCarries(
  context: RequestContextValues,
  identity: PrincipalIdentity,
  supplied: SuppliedContext
): void {
  context.markPresentWithUnknownValue('aws:CurrentTime')
  context.markPresentWithUnknownValue('aws:EpochTime')
  const viaService = Object.keys(supplied).some((key) => key.toLowerCase() === 'kms:viaservice')
  if (identity.resolved.kind !== 'service' && !viaService)
    context.markPresentWithUnknownValue('aws:SourceIp')
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

function addKeyKeys(context: RequestContextValues, key: KeyFact): void {
  context.set('aws:ResourceAccount', key.accountId)
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
