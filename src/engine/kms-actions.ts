/**
 * Facts the engine uses about each KMS action: where it is authorized, whether it works
 * across accounts, whether a grant can allow it, and what key state and usage it needs.
 * Sources: the KMS API Reference ("Cross-account use" and "Required permissions" of each
 * operation) and the KMS Developer Guide pages on grants and key states.
 */

export type KeyUsage = 'ENCRYPT_DECRYPT' | 'SIGN_VERIFY' | 'GENERATE_VERIFY_MAC' | 'KEY_AGREEMENT'

export interface KmsActionInfo {
  /** Canonical name with prefix, such as `kms:Decrypt`. */
  name: string
  /**
   * `key`: authorized on a key by its key policy (and IAM); `iam-only`: authorized only by
   * IAM policies on `Resource: "*"`; `alias`: needs permission on an alias and a key.
   */
  scope: 'key' | 'iam-only' | 'alias'
  /** True when a principal in another account can call it on the key. */
  crossAccount: boolean
  /** True when a grant can allow it. */
  grantOperation: boolean
  /** True when the key must be `Enabled`, as for cryptographic operations. */
  needsEnabledKey: boolean
  /** Key states in which the operation fails although it does not need an Enabled key. */
  failingStates?: string[]
  /** Key states the operation needs (CancelKeyDeletion needs a key pending deletion). */
  requiredStates?: string[]
  /**
   * True when only a grant can authorize the operation: kms:RetireGrant in a key policy,
   * IAM policy or RCP has no effect (KMS Developer Guide, Retiring and revoking grants).
   */
  grantOnly?: boolean
  /** True when the operation accepts an alias name or alias ARN as its KeyId. */
  acceptsAlias?: boolean
  /** Key usages that the operation accepts; absent when any usage works. */
  keyUsages?: KeyUsage[]
  /** True when the operation needs a symmetric key (SYMMETRIC_DEFAULT). */
  needsSymmetricKey?: boolean
  /** True when the operation needs an asymmetric key. */
  needsAsymmetricKey?: boolean
}

const ENCRYPTION: KeyUsage[] = ['ENCRYPT_DECRYPT']
const PENDING_DELETION = ['PendingDeletion', 'PendingReplicaDeletion']

function keyAction(name: string, options: Partial<KmsActionInfo> = {}): KmsActionInfo {
  return {
    name: `kms:${name}`,
    scope: 'key',
    crossAccount: false,
    grantOperation: false,
    needsEnabledKey: false,
    ...options
  }
}

function cryptoAction(name: string, options: Partial<KmsActionInfo> = {}): KmsActionInfo {
  return keyAction(name, {
    crossAccount: true,
    grantOperation: true,
    needsEnabledKey: true,
    acceptsAlias: true,
    ...options
  })
}

function iamOnlyAction(name: string): KmsActionInfo {
  return keyAction(name, { scope: 'iam-only' })
}

const ACTIONS: KmsActionInfo[] = [
  cryptoAction('Encrypt', { keyUsages: ENCRYPTION }),
  cryptoAction('Decrypt', { keyUsages: ENCRYPTION }),
  cryptoAction('ReEncryptFrom', { keyUsages: ENCRYPTION }),
  cryptoAction('ReEncryptTo', { keyUsages: ENCRYPTION }),
  cryptoAction('GenerateDataKey', { keyUsages: ENCRYPTION, needsSymmetricKey: true }),
  cryptoAction('GenerateDataKeyWithoutPlaintext', {
    keyUsages: ENCRYPTION,
    needsSymmetricKey: true
  }),
  cryptoAction('GenerateDataKeyPair', { keyUsages: ENCRYPTION, needsSymmetricKey: true }),
  cryptoAction('GenerateDataKeyPairWithoutPlaintext', {
    keyUsages: ENCRYPTION,
    needsSymmetricKey: true
  }),
  cryptoAction('Sign', { keyUsages: ['SIGN_VERIFY'] }),
  cryptoAction('Verify', { keyUsages: ['SIGN_VERIFY'] }),
  cryptoAction('GenerateMac', { keyUsages: ['GENERATE_VERIFY_MAC'] }),
  cryptoAction('VerifyMac', { keyUsages: ['GENERATE_VERIFY_MAC'] }),
  cryptoAction('DeriveSharedSecret', { keyUsages: ['KEY_AGREEMENT'] }),
  cryptoAction('GetPublicKey', { needsAsymmetricKey: true }),
  keyAction('DescribeKey', { crossAccount: true, grantOperation: true, acceptsAlias: true }),
  // NOTE: only the states below are modelled for CreateGrant. The key-state table also lists
  // PendingImport keys, which the tool reports as usable.
  keyAction('CreateGrant', {
    crossAccount: true,
    grantOperation: true,
    failingStates: ['Disabled', 'PendingDeletion', 'PendingReplicaDeletion']
  }),
  keyAction('RetireGrant', { crossAccount: true, grantOperation: true, grantOnly: true }),
  keyAction('ListGrants', { crossAccount: true }),
  keyAction('RevokeGrant', { crossAccount: true }),
  keyAction('GetKeyRotationStatus', { crossAccount: true }),
  // NOTE: states from the KMS key-state table for the common management operations; other
  // operations are treated as working in every state.
  keyAction('CancelKeyDeletion', { requiredStates: PENDING_DELETION }),
  keyAction('DeleteImportedKeyMaterial'),
  keyAction('DisableKey', { failingStates: PENDING_DELETION }),
  keyAction('DisableKeyRotation', { failingStates: ['Disabled', ...PENDING_DELETION] }),
  keyAction('EnableKey', { failingStates: PENDING_DELETION }),
  keyAction('EnableKeyRotation', { failingStates: ['Disabled', ...PENDING_DELETION] }),
  keyAction('GetKeyPolicy'),
  keyAction('GetParametersForImport'),
  keyAction('ImportKeyMaterial'),
  keyAction('ListKeyPolicies'),
  keyAction('ListKeyRotations'),
  keyAction('ListResourceTags'),
  keyAction('PutKeyPolicy'),
  keyAction('ReplicateKey'),
  keyAction('RotateKeyOnDemand'),
  keyAction('ScheduleKeyDeletion', { failingStates: PENDING_DELETION }),
  keyAction('SynchronizeMultiRegionKey'),
  keyAction('TagResource'),
  keyAction('UntagResource'),
  keyAction('UpdateKeyDescription'),
  keyAction('UpdatePrimaryRegion'),
  keyAction('CreateAlias', { scope: 'alias' }),
  keyAction('DeleteAlias', { scope: 'alias' }),
  keyAction('UpdateAlias', { scope: 'alias' }),
  iamOnlyAction('CreateKey'),
  iamOnlyAction('ListKeys'),
  iamOnlyAction('ListAliases'),
  iamOnlyAction('GenerateRandom'),
  iamOnlyAction('ListRetirableGrants'),
  iamOnlyAction('ConnectCustomKeyStore'),
  iamOnlyAction('CreateCustomKeyStore'),
  iamOnlyAction('DeleteCustomKeyStore'),
  iamOnlyAction('DescribeCustomKeyStores'),
  iamOnlyAction('DisconnectCustomKeyStore'),
  iamOnlyAction('UpdateCustomKeyStore')
]

const BY_LOWER_NAME = new Map(ACTIONS.map((info) => [info.name.toLowerCase(), info]))

/** Returns the action's facts, matching the name case-insensitively as IAM does, or undefined. */
export function kmsAction(name: string): KmsActionInfo | undefined {
  return BY_LOWER_NAME.get(name.toLowerCase())
}

/** Returns all KMS action names, for validation messages and suggestions. */
export function kmsActionNames(): string[] {
  return ACTIONS.map((info) => info.name)
}
