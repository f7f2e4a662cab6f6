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
  action: string,
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
  markKeysEveryRequestCarries(context, identity, supplied)
  addOperationKeys(context, action, key)

  for (const [name, value] of Object.entries(supplied)) context.set(name, value)
  addEncryptionContextKeys(context)
  addSourceOrganizationKeys(context, identity, facts)
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

  const entity = role ?? user
  // A live run reads a principal's tags only when a key policy tests them.
  if (entity?.tagsUnknown) context.markPrefixUnknown('aws:PrincipalTag/')
  const tags = entity?.tags ?? {}
  for (const [tagKey, tagValue] of Object.entries(tags))
    context.set(`aws:PrincipalTag/${tagKey}`, tagValue)

  addOrganizationKeys(context, 'Principal', resolved.accountId, facts)
}

/**
 * Marks the global keys that AWS sets on the request but whose values the tool cannot derive.
 * A policy that tests one of them gives `unknown` until the expectation supplies it. Sources:
 * the IAM User Guide's page on global condition keys, which lists when each key is present.
 */
function markKeysEveryRequestCarries(
  context: RequestContextValues,
  identity: PrincipalIdentity,
  supplied: SuppliedContext
): void {
  const kind = identity.resolved.kind
  const viaService = Object.keys(supplied).some((key) => key.toLowerCase() === 'kms:viaservice')
  context.markPresentWithUnknownValue('aws:CurrentTime')
  context.markPresentWithUnknownValue('aws:EpochTime')

  if (kind === 'service') {
    // Services calling for a resource usually send the resource's ARN and account.
    context.markPresentWithUnknownValue('aws:SourceArn')
    context.markPresentWithUnknownValue('aws:SourceAccount')
    // The organization of the source account, when it is in one.
    context.markPrefixUnknown('aws:SourceOrgID')
    context.markPrefixUnknown('aws:SourceOrgPaths')
    return
  }
  // aws:ViaAWSService is false on direct calls and true when a service calls with the
  // principal's credentials, which the expectation states by supplying kms:ViaService.
  context.set('aws:ViaAWSService', viaService ? 'true' : 'false')
  context.markPresentWithUnknownValue('aws:UserAgent')
  // For calls a service makes on the principal's behalf, the source IP is the service's.
  if (!viaService) context.markPresentWithUnknownValue('aws:SourceIp')
  // Role sessions use temporary credentials, which carry these keys. Users and the root user
  // carry them when they sign in or use temporary credentials, which the facts do not show.
  context.markPresentWithUnknownValue('aws:MultiFactorAuthPresent')
  if (kind !== 'user' && kind !== 'account')
    context.markPresentWithUnknownValue('aws:TokenIssueTime')
  if (kind === 'role' || kind === 'service-linked-role')
    context.markPresentWithUnknownValue('aws:userid')
}

/**
 * Adds the KMS condition keys of the operation's own parameters. The KMS Developer Guide
 * states that conditions on them work even when the request leaves the parameter at its default,
 * so they are present on every such request; where the tool cannot know the value, it is
 * unknown.
 */
function addOperationKeys(
  context: RequestContextValues,
  action: string,
  key: KeyFact | undefined
): void {
  const operation = action.replace(/^kms:/i, '')
  const symmetric = key?.metadata.keySpec === 'SYMMETRIC_DEFAULT'
  const unknown = (...names: string[]) => {
    for (const name of names) context.markPresentWithUnknownValue(name)
  }
  switch (operation) {
    case 'Encrypt':
    case 'Decrypt':
      if (symmetric) context.set('kms:EncryptionAlgorithm', 'SYMMETRIC_DEFAULT')
      else unknown('kms:EncryptionAlgorithm')
      break
    case 'ReEncryptFrom':
    case 'ReEncryptTo':
      if (symmetric) context.set('kms:EncryptionAlgorithm', 'SYMMETRIC_DEFAULT')
      else unknown('kms:EncryptionAlgorithm')
      unknown('kms:ReEncryptOnSameKey')
      break
    case 'GenerateDataKeyPair':
    case 'GenerateDataKeyPairWithoutPlaintext':
      unknown('kms:DataKeyPairSpec')
      break
    case 'Sign':
    case 'Verify':
      unknown('kms:SigningAlgorithm', 'kms:MessageType')
      break
    case 'GenerateMac':
    case 'VerifyMac':
      unknown('kms:MacAlgorithm')
      break
    case 'DeriveSharedSecret':
      context.set('kms:KeyAgreementAlgorithm', 'ECDH')
      break
    case 'CreateGrant':
      unknown('kms:GrantOperations', 'kms:GranteePrincipal')
      context.markPrefixUnknown('kms:RetiringPrincipal')
      context.markPrefixUnknown('kms:GrantConstraintType')
      break
    case 'PutKeyPolicy':
      context.set('kms:BypassPolicyLockoutSafetyCheck', 'false')
      break
    case 'GetParametersForImport':
      unknown('kms:WrappingAlgorithm', 'kms:WrappingKeySpec')
      break
    case 'ImportKeyMaterial':
      unknown('kms:ExpirationModel')
      context.markPrefixUnknown('kms:ValidTo')
      break
  }
}

/** Derives aws:SourceOrgID and aws:SourceOrgPaths from a supplied aws:SourceAccount, for service principals. */
function addSourceOrganizationKeys(
  context: RequestContextValues,
  identity: PrincipalIdentity,
  facts: Facts
): void {
  if (identity.resolved.kind !== 'service' || context.has('aws:SourceOrgID')) return
  const [sourceAccount] = context.get('aws:SourceAccount') ?? []
  if (sourceAccount) addOrganizationKeys(context, 'Source', sourceAccount, facts)
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
  side: 'Principal' | 'Resource' | 'Source',
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
  // NOTE: an account listed as external is left without these keys, which matches no
  // condition on this organization's ID, although it may belong to another organization.
  const external = facts.organizations.some((org) => org.externalAccounts.includes(accountId))
  if (!external) {
    context.markPrefixUnknown(`aws:${side}OrgID`)
    context.markPrefixUnknown(`aws:${side}OrgPaths`)
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
  if (key.aliases === undefined) context.markPrefixUnknown('kms:ResourceAliases')
  else if (key.aliases.length > 0) context.set('kms:ResourceAliases', key.aliases)
  if (key.tags === undefined) context.markPrefixUnknown('aws:ResourceTag/')
  for (const [tagKey, tagValue] of Object.entries(key.tags ?? {})) {
    context.set(`aws:ResourceTag/${tagKey}`, tagValue)
  }
}
