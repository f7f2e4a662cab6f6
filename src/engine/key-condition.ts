/**
 * Key state and key usage: checks KMS makes apart from authorization. A Disabled or
 * PendingDeletion key fails cryptographic operations, and each operation needs a key usage
 * (a SIGN_VERIFY key cannot Decrypt).
 */
import type { LockCheck } from './decision.js'
import type { KmsActionInfo } from './kms-actions.js'
import type { KeyFact } from './model.js'

export function keyStateLock(key: KeyFact, action: KmsActionInfo): LockCheck {
  const base = { lock: 'key-state' as const, accountId: key.accountId, statements: [], grants: [] }
  const state = keyStateOf(key)
  if (!action.needsEnabledKey) return stateForNonCryptographicAction(base, action, state)
  if (state === undefined) {
    return {
      ...base,
      status: 'unknown',
      reason: 'The key state is not in the facts (KeyMetadata.KeyState).'
    }
  }
  if (state === 'Enabled') return { ...base, status: 'open', reason: 'The key is Enabled.' }
  return {
    ...base,
    status: 'closed',
    reason: `The key is ${state}; ${action.name} needs an Enabled key (${stateError(state)}).`
  }
}

function stateForNonCryptographicAction(
  base: Pick<LockCheck, 'lock' | 'accountId' | 'statements' | 'grants'>,
  action: KmsActionInfo,
  state: string | undefined
): LockCheck {
  const failing = action.failingStates ?? []
  const required = action.requiredStates ?? []
  if (failing.length === 0 && required.length === 0) {
    return { ...base, status: 'not-applicable', reason: `${action.name} works in every key state.` }
  }
  if (state === undefined) {
    return {
      ...base,
      status: 'unknown',
      reason: 'The key state is not in the facts (KeyMetadata.KeyState).'
    }
  }
  if (required.length > 0 && !required.includes(state)) {
    return {
      ...base,
      status: 'closed',
      reason: `The key is ${state}; ${action.name} works only on a key in state ${required.join(' or ')}.`
    }
  }
  if (failing.includes(state)) {
    return {
      ...base,
      status: 'closed',
      reason: `The key is ${state}; ${action.name} fails in that state (${stateError(state)}).`
    }
  }
  return { ...base, status: 'open', reason: `${action.name} works with a key in state ${state}.` }
}

/** Returns KeyState, or derives it from the older Enabled flag when only that is known. */
function keyStateOf(key: KeyFact): string | undefined {
  if (key.metadata.keyState) return key.metadata.keyState
  if (key.metadata.enabled === undefined) return undefined
  return key.metadata.enabled ? 'Enabled' : 'Disabled'
}

function stateError(state: string): string {
  if (state === 'Disabled') return 'KMS returns DisabledException'
  if (state === 'PendingDeletion' || state === 'PendingReplicaDeletion') {
    return 'KMS returns DisabledException or KMSInvalidStateException'
  }
  return 'KMS returns KMSInvalidStateException'
}

export function keyUsageLock(key: KeyFact, action: KmsActionInfo): LockCheck {
  const base = { lock: 'key-usage' as const, accountId: key.accountId, statements: [], grants: [] }
  const { keyUsage, keySpec } = key.metadata
  const needsUsage = action.keyUsages !== undefined
  const needsSpec = action.needsSymmetricKey || action.needsAsymmetricKey
  if (!needsUsage && !needsSpec) {
    return {
      ...base,
      status: 'not-applicable',
      reason: `${action.name} works with every key usage.`
    }
  }
  if ((needsUsage && keyUsage === undefined) || (needsSpec && keySpec === undefined)) {
    return {
      ...base,
      status: 'unknown',
      reason: 'The key usage or key spec is not in the facts (KeyMetadata.KeyUsage, KeySpec).'
    }
  }
  if (needsUsage && keyUsage && !action.keyUsages?.includes(keyUsage as never)) {
    return {
      ...base,
      status: 'closed',
      reason: `The key usage is ${keyUsage}; ${action.name} needs ${action.keyUsages?.join(' or ')} (KMS returns InvalidKeyUsageException).`
    }
  }
  const symmetric = keySpec === 'SYMMETRIC_DEFAULT'
  if (action.needsSymmetricKey && !symmetric) {
    return {
      ...base,
      status: 'closed',
      reason: `${action.name} needs a symmetric key; this key is ${keySpec}.`
    }
  }
  // HMAC keys are symmetric too; asymmetric key specs start with RSA_, ECC_, SM2 or ML_DSA_.
  const asymmetric = keySpec !== undefined && /^(RSA_|ECC_|SM2|ML_DSA_)/.test(keySpec)
  if (action.needsAsymmetricKey && !asymmetric) {
    return {
      ...base,
      status: 'closed',
      reason: `${action.name} needs an asymmetric key; this key is ${keySpec}.`
    }
  }
  return {
    ...base,
    status: 'open',
    reason: `The key usage ${keyUsage ?? ''} and spec ${keySpec ?? ''} fit ${action.name}.`.replace(
      / {2,}/g,
      ' '
    )
  }
}
