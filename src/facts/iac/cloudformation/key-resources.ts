/** Reading of `AWS::KMS::Key`, `AWS::KMS::ReplicaKey` and `AWS::KMS::Alias` resources into key facts. */

import type { KeyFact, KeyMetadataFact, Policy } from '../../../engine/model.js'
import { hasUnresolved } from '../../../engine/unresolved.js'
import { isObject } from '../../document-reader.js'
import { defaultKeyPolicy } from '../code-facts.js'
import { containsMarker, NO_VALUE, shown } from './resolver.js'
import type { TemplateResource } from './resources.js'
import { parseResolvedPolicy, readTemplatePolicy, type TemplateReader } from './template-policy.js'

/**
 * Reads a key the template creates. Its ARN is synthetic (`key/pending:<source>#<LogicalId>`),
 * because KMS generates the key ID. Without `KeyPolicy`, the key gets the default key
 * policy that KMS attaches to keys created through the API (CloudFormation calls
 * CreateKey): one statement that allows the account (`:root`) every KMS action, which
 * lets IAM policies grant access.
 */
export function readKey(reader: TemplateReader, resource: TemplateResource): KeyFact {
  const { resolver, resources } = reader
  const { logicalId, properties } = resource
  const location = resolver.locate(resource.node)
  if (properties.KeyPolicy === undefined && resource.type === 'AWS::KMS::ReplicaKey') {
    throw resolver.error(
      `KeyPolicy of replica key ${logicalId} is missing`,
      resource.node,
      'Properties'
    )
  }
  const key: KeyFact = {
    arn: resources.keyArn(logicalId),
    keyId: resources.keyId(logicalId),
    accountId: resources.account(),
    region: resources.region(),
    partition: resolver.context.partition,
    metadata: readKeyMetadata(reader, resource),
    aliases: [],
    tags: readTags(reader, resource),
    references: [`${reader.source}#${logicalId}`],
    pending: true,
    ...(location && { location })
  }
  const policy = readKeyPolicy(reader, resource, key)
  if (policy) key.policy = policy
  else {
    // NOTE: a key without a readable policy stays without one, so its results are unknown.
    reader.warnings.push({
      code: 'facts',
      message: `the key policy of ${logicalId} depends on a value that cannot be resolved; results for this key are unknown`,
      ...(location && { location })
    })
  }
  return key
}

function readKeyPolicy(
  reader: TemplateReader,
  resource: TemplateResource,
  key: KeyFact
): Policy | undefined {
  const { logicalId, properties } = resource
  const options = {
    kind: 'key-policy' as const,
    name: 'default',
    logicalId,
    label: `key policy of ${logicalId}`,
    at: { container: properties, key: 'KeyPolicy' }
  }
  if (properties.KeyPolicy !== undefined) {
    const resolved = reader.resolver.resolve(properties.KeyPolicy)
    if (resolved !== NO_VALUE) {
      if (typeof resolved === 'string' && hasUnresolved(resolved)) return undefined
      return parseResolvedPolicy(reader, resolved, options)
    }
  }
  const document = defaultKeyPolicy(key.partition, key.accountId)
  const policy = readTemplatePolicy(reader, document, options)
  if (policy?.origin) {
    // A new statement goes where KeyPolicy would be written: in the resource's Properties.
    const where =
      reader.resolver.locate(resource.node, 'Properties') ?? reader.resolver.locate(resource.node)
    if (where) policy.origin.statementsLocation = where
    else delete policy.origin.statementsLocation
  }
  return policy
}

function readKeyMetadata(reader: TemplateReader, resource: TemplateResource): KeyMetadataFact {
  const { properties, type } = resource
  const value = (name: string) => {
    if (properties[name] === undefined) return undefined
    const resolved = reader.resolver.resolve(properties[name])
    return resolved === NO_VALUE || containsMarker(resolved) ? null : resolved
  }
  const enabled = value('Enabled')
  const keyUsage = value('KeyUsage')
  const keySpec = value('KeySpec')
  const origin = value('Origin')
  const multiRegion = value('MultiRegion')
  const metadata: KeyMetadataFact = { keyManager: 'CUSTOMER' }

  // A null value is unresolved, so the field stays unknown.
  if (enabled !== null) {
    const isEnabled = enabled === undefined || enabled === true || enabled === 'true'
    metadata.enabled = isEnabled
    metadata.keyState = isEnabled ? 'Enabled' : 'Disabled'
  }
  if (keyUsage !== null)
    metadata.keyUsage = keyUsage === undefined ? 'ENCRYPT_DECRYPT' : String(keyUsage)
  if (keySpec !== null)
    metadata.keySpec = keySpec === undefined ? 'SYMMETRIC_DEFAULT' : String(keySpec)
  if (origin !== null) {
    metadata.origin = origin === undefined ? 'AWS_KMS' : String(origin)
    // A key with imported material has none until it is imported, whatever Enabled is set to.
    if (metadata.origin === 'EXTERNAL' && metadata.keyState === 'Enabled') {
      metadata.keyState = 'PendingImport'
      metadata.enabled = false
    }
  }
  if (type === 'AWS::KMS::ReplicaKey') {
    metadata.multiRegion = true
    metadata.multiRegionKeyType = 'REPLICA'
  } else if (multiRegion !== null) {
    metadata.multiRegion = multiRegion === true || multiRegion === 'true'
    if (metadata.multiRegion) metadata.multiRegionKeyType = 'PRIMARY'
  }
  return metadata
}

/** Reads `Tags` (a list of Key and Value); an unresolved tag leaves the tags unknown. */
function readTags(
  reader: TemplateReader,
  resource: TemplateResource
): Record<string, string> | undefined {
  const { properties } = resource
  if (properties.Tags === undefined) return {}
  const resolved = reader.resolver.resolve(properties.Tags)
  if (resolved === NO_VALUE) return {}
  if (containsMarker(resolved)) return undefined
  if (!Array.isArray(resolved)) {
    throw reader.resolver.error(
      `Tags of ${resource.logicalId} must be a list of Key and Value, found ${shown(resolved)}`,
      properties,
      'Tags'
    )
  }
  const tags: Record<string, string> = {}
  for (const tag of resolved) {
    if (!isObject(tag) || typeof tag.Key !== 'string') {
      throw reader.resolver.error(
        `each tag of ${resource.logicalId} needs a Key, found ${shown(tag)}`,
        resolved
      )
    }
    tags[tag.Key] = tag.Value === undefined ? '' : String(tag.Value)
  }
  return tags
}

/**
 * Adds the alias of an `AWS::KMS::Alias` to the key its `TargetKeyId` names. An alias of a
 * key outside the template is only a warning, because no fact of that key is here.
 */
export function addAlias(reader: TemplateReader, resource: TemplateResource, keys: KeyFact[]) {
  const { resolver } = reader
  const { properties, logicalId } = resource
  const name = resolver.resolveString(
    properties.AliasName,
    `AliasName of ${logicalId}`,
    properties,
    'AliasName'
  )
  const target = resolver.resolveString(
    properties.TargetKeyId,
    `TargetKeyId of ${logicalId}`,
    properties,
    'TargetKeyId'
  )
  const key = keys.find((candidate) => candidate.keyId === target || candidate.arn === target)
  if (key) {
    key.aliases = [...(key.aliases ?? []), name].sort()
    return
  }
  const location = resolver.locate(properties, 'TargetKeyId')
  reader.warnings.push({
    code: 'facts',
    message: `alias ${name} (${logicalId}) targets ${target}, which is not a key of this template; the alias is not added to any key`,
    ...(location && { location })
  })
}
