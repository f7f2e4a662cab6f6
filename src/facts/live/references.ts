/**
 * Placement of an expectation's key and principal for a live run: the account, the
 * Region and the identifier to pass to AWS.
 */
import type { Expectation, ManifestDefaults } from '../../inputs/settings.js'
import { isAccountId, parseArn } from '../arn.js'

/** A key as one expectation names it, placed in an account and Region. */
export interface KeyReference {
  /** The key as the manifest writes it. */
  written: string
  accountId: string
  region: string
  /** The `KeyId` to send: the key ARN, alias ARN, alias name or key ID as written. */
  keyId: string
  /** The alias name (`alias/app`) when the expectation names the key by an alias. */
  aliasName?: string
  /** True for a bare key ID or alias name, which resolves in the expectation's account and Region. */
  bare: boolean
}

/** A principal the IAM policy simulator can evaluate: an IAM role or user. */
export interface SimulatedPrincipal {
  kind: 'role' | 'user'
  accountId: string
  partition: string
  name: string
  /** The ARN with path; undefined for a role named by a session ARN until iam:GetRole returns it. */
  arn?: string
  path?: string
  /** True when the manifest names an `assumed-role` session of the role. */
  viaSession: boolean
}

/** Returns the key reference, or the reason it cannot be placed in an account and Region. */
export function placeKey(
  expectation: Expectation,
  defaults: ManifestDefaults,
  defaultRegion: string | undefined
): KeyReference | { reason: string } {
  const written = expectation.key
  const parts = parseArn(written)
  if (parts) {
    const isKms = parts.service === 'kms' && parts.region !== '' && isAccountId(parts.accountId)
    const alias = parts.resource.startsWith('alias/') ? parts.resource : undefined
    if (!isKms || !(alias || parts.resource.startsWith('key/'))) {
      return { reason: `key ${written} is not a KMS key ARN or alias ARN` }
    }
    return {
      written,
      accountId: parts.accountId,
      region: parts.region,
      keyId: written,
      ...(alias && { aliasName: alias }),
      bare: false
    }
  }

  const accountId =
    expectation.account ?? principalAccount(expectation.principal) ?? defaults.account
  const region = expectation.region ?? defaults.region ?? defaultRegion
  if (!accountId || !region) {
    const missing = [!accountId && 'account', !region && 'Region'].filter(Boolean).join(' and ')
    return {
      reason: `key ${written} is not an ARN and the ${missing} to look it up in is unknown; write the key ARN, or set the manifest defaults`
    }
  }
  return {
    written,
    accountId,
    region,
    keyId: written,
    ...(written.startsWith('alias/') && { aliasName: written }),
    bare: true
  }
}

/** Returns the account of a principal ARN or account ID; undefined for service principals and `*`. */
export function principalAccount(principal: string): string | undefined {
  if (isAccountId(principal)) return principal
  const parts = parseArn(principal)
  return parts && isAccountId(parts.accountId) ? parts.accountId : undefined
}

/**
 * Returns the IAM entity that SimulatePrincipalPolicy evaluates for a principal: a role,
 * a user, or the role of an assumed-role session. Account roots, federated users, service
 * principals and wildcards give undefined, because the simulator takes only roles, users
 * and groups.
 */
export function simulatedPrincipal(principal: string): SimulatedPrincipal | undefined {
  const parts = parseArn(principal)
  if (!parts || !isAccountId(parts.accountId)) return undefined
  const { partition, accountId, resource } = parts
  if (parts.service === 'sts') {
    const [type, roleName, session] = resource.split('/')
    if (type !== 'assumed-role' || !roleName || !session) return undefined
    return { kind: 'role', accountId, partition, name: roleName, viaSession: true }
  }
  if (parts.service !== 'iam') return undefined
  const match = /^(role|user)(\/(?:.*\/)?)([^/]+)$/.exec(resource)
  if (!match) return undefined
  const [, kind, path, name] = match
  return {
    kind: kind as 'role' | 'user',
    accountId,
    partition,
    name,
    arn: principal,
    path,
    viaSession: false
  }
}

/** Identifies an IAM entity independently of how the manifest names it. */
export function entityId(entity: SimulatedPrincipal): string {
  return `${entity.accountId}:${entity.kind}/${entity.name}`
}
