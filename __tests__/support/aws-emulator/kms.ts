/** The KMS operations (awsJson1_1, `x-amz-target: TrentService.<Op>`). */
import { evaluateRequest } from '../../../src/engine/evaluate.js'
import { resolveKey } from '../../../src/engine/key.js'
import type { KeyFact } from '../../../src/engine/model.js'
import {
  accessDeniedMessage,
  type CallContext,
  type Handler,
  numberParam,
  pageLimit,
  stringParam
} from './context.js'
import { epochSeconds, jsonError, jsonResponse, paginate, type WireResponse } from './protocol.js'
import { policyText } from './raw-json.js'

/** KMS handlers by operation name. */
export const KMS_HANDLERS: Record<string, Handler> = {
  DescribeKey: describeKey,
  GetKeyPolicy: getKeyPolicy,
  ListGrants: listGrants,
  ListAliases: listAliases,
  ListResourceTags: listResourceTags,
  Decrypt: decrypt
}

type Lookup = { key: KeyFact } | { error: WireResponse }

/**
 * Resolves `KeyId` as AWS does: a bare key ID or alias name in the caller's account and
 * the request's Region. Operations that take no alias reject one as not found.
 */
function lookupKey(context: CallContext, acceptsAlias: boolean): Lookup {
  const keyId = stringParam(context.params, 'KeyId')
  if (!keyId)
    return {
      error: jsonError(
        400,
        'ValidationException',
        "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null"
      )
    }
  const isAlias = keyId.startsWith('alias/') || /^arn:[^:]+:kms:[^:]*:[^:]*:alias\//.test(keyId)
  if (isAlias && !acceptsAlias) {
    return { error: jsonError(400, 'NotFoundException', `Invalid keyId ${keyId}`) }
  }
  const resolution = resolveKey(keyId, context.world.facts, {
    callerAccountId: context.caller.accountId,
    region: context.region
  })
  if (resolution.key) return { key: resolution.key }
  return { error: jsonError(400, 'NotFoundException', notFoundMessage(keyId, context)) }
}

function notFoundMessage(keyId: string, context: CallContext): string {
  const scope = `${context.region}:${context.caller.accountId}`
  if (keyId.startsWith('alias/')) return `Alias arn:aws:kms:${scope}:${keyId} is not found.`
  if (keyId.startsWith('arn:') && keyId.includes(':alias/')) return `Alias ${keyId} is not found.`
  if (keyId.startsWith('arn:')) return `Key '${keyId}' does not exist`
  return `Key 'arn:aws:kms:${scope}:key/${keyId}' does not exist`
}

/** GetKeyPolicy, ListAliases and ListResourceTags work only on keys in the caller's account. */
function sameAccountOnly(context: CallContext, key: KeyFact): WireResponse | undefined {
  if (key.accountId === context.caller.accountId) return undefined
  // NOTE: AWS documents these operations as not usable across accounts; the exact error
  // it returns there is not documented, so the emulator returns AccessDeniedException.
  return jsonError(
    400,
    'AccessDeniedException',
    accessDeniedMessage(context.caller.arn, `kms:${context.operation}`, key.arn)
  )
}

function describeKey(context: CallContext): WireResponse {
  const found = lookupKey(context, true)
  if ('error' in found) return found.error
  return jsonResponse({ KeyMetadata: keyMetadata(context, found.key) })
}

const DATE_MEMBERS = ['CreationDate', 'DeletionDate', 'ValidTo']

/** Returns the file's KeyMetadata with dates as epoch seconds, or one built from the key fact. */
function keyMetadata(context: CallContext, key: KeyFact): Record<string, unknown> {
  const raw = context.world.keys.get(key.arn)?.metadata
  const metadata: Record<string, unknown> = raw
    ? { ...raw }
    : {
        Enabled: key.metadata.enabled ?? key.metadata.keyState === 'Enabled',
        KeyState: key.metadata.keyState,
        KeyUsage: key.metadata.keyUsage,
        KeyManager: key.metadata.keyManager,
        KeySpec: key.metadata.keySpec,
        Origin: key.metadata.origin,
        MultiRegion: key.metadata.multiRegion
      }
  for (const member of DATE_MEMBERS) {
    if (member in metadata) metadata[member] = epochSeconds(metadata[member])
  }
  return { AWSAccountId: key.accountId, KeyId: key.keyId, Arn: key.arn, ...metadata }
}

function getKeyPolicy(context: CallContext): WireResponse {
  const found = lookupKey(context, false)
  if ('error' in found) return found.error
  const rejection = sameAccountOnly(context, found.key)
  if (rejection) return rejection

  const policyName = stringParam(context.params, 'PolicyName') ?? 'default'
  if (policyName !== 'default') {
    return jsonError(400, 'NotFoundException', `Policy '${policyName}' does not exist`)
  }
  const raw = context.world.keys.get(found.key.arn)
  const text = raw?.policy === undefined ? undefined : policyText(raw.policy, context.world.textOf)
  // NOTE: a key object without a policy has no policy in the emulator. AWS keys always have
  // one, so this returns NotFoundException rather than inventing the default key policy.
  if (text === undefined) {
    return jsonError(400, 'NotFoundException', `Key policy of ${found.key.arn} is not in the facts`)
  }
  return jsonResponse({ Policy: text, PolicyName: 'default' })
}

function listGrants(context: CallContext): WireResponse {
  const found = lookupKey(context, false)
  if ('error' in found) return found.error
  const { key } = found
  const grants = (key.grants ?? []).map((grant) => ({
    KeyId: key.arn,
    GrantId: grant.grantId,
    ...(grant.name !== undefined && { Name: grant.name }),
    GranteePrincipal: grant.granteePrincipal,
    ...(grant.retiringPrincipal !== undefined && { RetiringPrincipal: grant.retiringPrincipal }),
    ...(grant.issuingAccount !== undefined && { IssuingAccount: grant.issuingAccount }),
    Operations: grant.operations,
    ...((grant.encryptionContextEquals || grant.encryptionContextSubset) && {
      Constraints: {
        ...(grant.encryptionContextEquals && {
          EncryptionContextEquals: grant.encryptionContextEquals
        }),
        ...(grant.encryptionContextSubset && {
          EncryptionContextSubset: grant.encryptionContextSubset
        })
      }
    })
  }))
  const limit = pageLimit(numberParam(context.params, 'Limit'), context.pageSizes.listGrants)
  return pagedList(context, grants, limit, 'Grants')
}

function listAliases(context: CallContext): WireResponse {
  let keys: KeyFact[]
  if (context.params.KeyId !== undefined) {
    const found = lookupKey(context, false)
    if ('error' in found) return found.error
    const rejection = sameAccountOnly(context, found.key)
    if (rejection) return rejection
    keys = [found.key]
  } else {
    keys = context.world.facts.keys.filter(
      (key) => key.accountId === context.caller.accountId && key.region === context.region
    )
  }
  const aliases = keys
    .flatMap((key) =>
      (key.aliases ?? []).map((name) => ({
        AliasName: name,
        AliasArn: `arn:${key.partition}:kms:${key.region}:${key.accountId}:${name}`,
        TargetKeyId: key.keyId
      }))
    )
    .sort((left, right) => (left.AliasName < right.AliasName ? -1 : 1))
  const limit = pageLimit(numberParam(context.params, 'Limit'), context.pageSizes.listAliases)
  return pagedList(context, aliases, limit, 'Aliases')
}

function listResourceTags(context: CallContext): WireResponse {
  const found = lookupKey(context, false)
  if ('error' in found) return found.error
  const rejection = sameAccountOnly(context, found.key)
  if (rejection) return rejection
  const tags = Object.entries(found.key.tags ?? {}).map(([TagKey, TagValue]) => ({
    TagKey,
    TagValue
  }))
  const limit = pageLimit(numberParam(context.params, 'Limit'), 50)
  return pagedList(context, tags, limit, 'Tags')
}

/** Sends one page as KMS does: the list, `Truncated` and, when truncated, `NextMarker`. */
function pagedList(
  context: CallContext,
  items: unknown[],
  limit: number,
  member: string
): WireResponse {
  const result = paginate(items, context.params.Marker, limit)
  if ('invalidMarker' in result) {
    return jsonError(
      400,
      'InvalidMarkerException',
      'The request was rejected because the marker is not valid.'
    )
  }
  return jsonResponse({
    [member]: result.page,
    Truncated: result.nextMarker !== undefined,
    ...(result.nextMarker && { NextMarker: result.nextMarker })
  })
}

/**
 * Decrypt works only as a dry run that ignores the ciphertext: it reports whether the caller
 * may decrypt with the key, as the project's engine decides for the caller's role.
 */
function decrypt(context: CallContext): WireResponse {
  const modifiers = context.params.DryRunModifiers
  const ignoresCiphertext = Array.isArray(modifiers) && modifiers.includes('IGNORE_CIPHERTEXT')
  if (context.params.DryRun !== true || !ignoresCiphertext) {
    return jsonError(
      400,
      'InvalidCiphertextException',
      'The emulator cannot decrypt; send DryRun true with DryRunModifiers ["IGNORE_CIPHERTEXT"] and a KeyId'
    )
  }
  const found = lookupKey(context, true)
  if ('error' in found) return found.error

  const principal = context.caller.roleArn ?? context.caller.arn
  const override = context.dryRunOverride[principal]
  const allowed =
    override !== undefined
      ? override === 'allow'
      : evaluateRequest(
          {
            principal,
            action: 'kms:Decrypt',
            key: String(context.params.KeyId),
            context: {},
            region: context.region,
            partition: found.key.partition
          },
          context.world.facts
        ).decision === 'allowed'
  if (allowed) {
    return jsonError(
      400,
      'DryRunOperationException',
      'The request would have succeeded, but the DryRun option is set.'
    )
  }
  return jsonError(
    400,
    'AccessDeniedException',
    accessDeniedMessage(context.caller.arn, 'kms:Decrypt', found.key.arn)
  )
}
