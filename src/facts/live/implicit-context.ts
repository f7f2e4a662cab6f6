/**
 * The context values a simulation is given besides the expectation's context: the values
 * the engine itself sets on a KMS request (`src/engine/build-context.ts`), so that the
 * simulator evaluates the request the engine evaluates. Keys the engine marks present
 * with an unknown value (aws:CurrentTime, aws:EpochTime, aws:SourceIp, aws:UserAgent,
 * aws:MultiFactorAuthPresent, aws:TokenIssueTime, the aws:userid of a role, operation
 * parameters such as kms:SigningAlgorithm) are never sent: the simulator then lists them
 * in `MissingContextValues`, and the engine treats such a result as uncertain.
 */
import type { RoleFact, UserFact } from '../../engine/model.js'
import type { RequestContext } from '../../inputs/settings.js'
import { parseArn } from '../arn.js'

/** A key of a simulation as read live: the key object in the offline format (`KeyMetadata`, `Aliases`, `Tags`). */
export type KeyObject = Record<string, unknown>

const ENCRYPTION_CONTEXT_PREFIX = 'kms:encryptioncontext:'

/** Actions whose requests carry kms:EncryptionAlgorithm, which is SYMMETRIC_DEFAULT for a symmetric key. */
const ENCRYPTION_ALGORITHM_ACTIONS = new Set([
  'kms:encrypt',
  'kms:decrypt',
  'kms:reencryptfrom',
  'kms:reencryptto'
])

/**
 * Returns the values the engine sets on a request of `action` on `keyArn` by `principal`,
 * given the expectation's `context`. It mirrors:
 * - the principal: aws:PrincipalArn, aws:PrincipalAccount, kms:CallerAccount,
 *   aws:PrincipalIsAWSService (false), aws:PrincipalType (`AssumedRole` for a role, `User`
 *   for a user), aws:username and a known aws:userid of a user, and aws:PrincipalTag/*
 *   when the tags were read;
 * - the request: aws:SecureTransport (true, KMS takes TLS only), aws:ViaAWSService (true
 *   exactly when the context gives kms:ViaService), aws:RequestedRegion, and
 *   kms:EncryptionContextKeys derived from the context's kms:EncryptionContext:NAME keys;
 * - the key, when `key` is given: aws:ResourceAccount, kms:KeySpec, kms:KeyUsage,
 *   kms:KeyOrigin, kms:KeyManager, kms:MultiRegion, kms:MultiRegionKeyType, and
 *   kms:ResourceAliases and aws:ResourceTag/* when the aliases or tags were read;
 * - the operation: kms:EncryptionAlgorithm (SYMMETRIC_DEFAULT for Encrypt, Decrypt and
 *   ReEncrypt on a symmetric key), kms:KeyAgreementAlgorithm (ECDH for
 *   DeriveSharedSecret) and kms:BypassPolicyLockoutSafetyCheck (false for PutKeyPolicy).
 *
 * NOTE: kms:RequestAlias is not sent, because one simulation serves expectations that
 * name the key by alias and by ARN alike; a policy that tests it makes the result
 * uncertain. The organization keys are not sent either, because a live run reads no
 * Organizations facts.
 */
export function implicitContext(
  principal: RoleFact | UserFact,
  context: RequestContext,
  action: string,
  keyArn: string,
  key: KeyObject | undefined
): Record<string, string | string[]> {
  const values: Record<string, string | string[]> = {
    ...principalValues(principal),
    ...requestValues(context)
  }
  const keyParts = parseArn(keyArn)
  if (keyParts?.region) values['aws:RequestedRegion'] = keyParts.region
  if (keyParts?.accountId) values['aws:ResourceAccount'] = keyParts.accountId
  if (!key) return values

  const metadata = objectMember(key, 'KeyMetadata') ?? {}
  Object.assign(values, keyValues(key, metadata))
  Object.assign(values, operationValues(action, metadata))
  return values
}

function principalValues(principal: RoleFact | UserFact): Record<string, string> {
  const values: Record<string, string> = {
    'aws:PrincipalArn': principal.arn,
    'aws:PrincipalAccount': principal.accountId,
    'kms:CallerAccount': principal.accountId,
    'aws:PrincipalIsAWSService': 'false',
    'aws:PrincipalType': principal.kind === 'user' ? 'User' : 'AssumedRole'
  }
  if (principal.kind === 'user') {
    values['aws:username'] = principal.name
    if (principal.id) values['aws:userid'] = principal.id
  }
  if (!principal.tagsUnknown) {
    for (const [tagKey, tagValue] of Object.entries(principal.tags)) {
      values[`aws:PrincipalTag/${tagKey}`] = tagValue
    }
  }
  return values
}

function requestValues(context: RequestContext): Record<string, string | string[]> {
  const keys = Object.keys(context)
  const viaService = keys.some((key) => key.toLowerCase() === 'kms:viaservice')
  const values: Record<string, string | string[]> = {
    'aws:SecureTransport': 'true',
    'aws:ViaAWSService': viaService ? 'true' : 'false'
  }
  const contextKeyNames = keys
    .filter((key) => key.toLowerCase().startsWith(ENCRYPTION_CONTEXT_PREFIX))
    .map((key) => key.slice(ENCRYPTION_CONTEXT_PREFIX.length))
  if (contextKeyNames.length > 0) values['kms:EncryptionContextKeys'] = contextKeyNames
  return values
}

function keyValues(
  key: KeyObject,
  metadata: Record<string, unknown>
): Record<string, string | string[]> {
  const values: Record<string, string | string[]> = {}
  const text = (name: string, value: unknown) => {
    if (typeof value === 'string' && value !== '') values[name] = value
  }
  text('kms:KeySpec', metadata.KeySpec ?? metadata.CustomerMasterKeySpec)
  text('kms:KeyUsage', metadata.KeyUsage)
  text('kms:KeyOrigin', metadata.Origin)
  text('kms:KeyManager', metadata.KeyManager)
  if (typeof metadata.MultiRegion === 'boolean') {
    values['kms:MultiRegion'] = String(metadata.MultiRegion)
  }
  text(
    'kms:MultiRegionKeyType',
    objectMember(metadata, 'MultiRegionConfiguration')?.MultiRegionKeyType
  )

  // Absent lists were not read, and the engine treats their keys as unknown.
  if (Array.isArray(key.Aliases)) {
    const names = key.Aliases.map((entry) =>
      typeof entry === 'object' && entry !== null
        ? (entry as { AliasName?: unknown }).AliasName
        : entry
    ).filter((name): name is string => typeof name === 'string')
    if (names.length > 0) values['kms:ResourceAliases'] = names
  }
  if (Array.isArray(key.Tags)) {
    for (const tag of key.Tags as { TagKey?: unknown; TagValue?: unknown }[]) {
      if (typeof tag?.TagKey !== 'string') continue
      values[`aws:ResourceTag/${tag.TagKey}`] = typeof tag.TagValue === 'string' ? tag.TagValue : ''
    }
  }
  return values
}

function operationValues(
  action: string,
  metadata: Record<string, unknown>
): Record<string, string> {
  const name = action.toLowerCase()
  const keySpec = metadata.KeySpec ?? metadata.CustomerMasterKeySpec
  if (ENCRYPTION_ALGORITHM_ACTIONS.has(name) && keySpec === 'SYMMETRIC_DEFAULT') {
    return { 'kms:EncryptionAlgorithm': 'SYMMETRIC_DEFAULT' }
  }
  if (name === 'kms:derivesharedsecret') return { 'kms:KeyAgreementAlgorithm': 'ECDH' }
  if (name === 'kms:putkeypolicy') return { 'kms:BypassPolicyLockoutSafetyCheck': 'false' }
  return {}
}

function objectMember(
  value: Record<string, unknown>,
  name: string
): Record<string, unknown> | undefined {
  const member = value[name]
  return typeof member === 'object' && member !== null && !Array.isArray(member)
    ? (member as Record<string, unknown>)
    : undefined
}
