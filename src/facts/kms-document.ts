/**
 * Reading of KMS key objects: `KeyMetadata` as `aws kms describe-key` prints it, plus the
 * key policy, grants, aliases and tags as the matching `aws kms` commands print them.
 */
import type { KeyFact, KeyMetadataFact, Policy } from '../engine/model.js'
import { isAccountId, parseArn } from './arn.js'
import { DocumentReader, isObject, type JsonObject, quote } from './document-reader.js'
import { parseEmbeddedPolicy } from './embedded-policy.js'
import type { FactWarning, ParsedDocument } from './fact-types.js'
import { readAliases, readGrants, readKeyTags } from './kms-lists.js'

const KEY_OBJECT_MEMBERS = [
  'KeyMetadata',
  'Policy',
  'PolicyName',
  'Grants',
  'Truncated',
  'NextMarker',
  'Aliases',
  'Tags'
]

/** Reads a key object, or a list of them, into key facts in the document's order. */
export function readKmsDocument(document: ParsedDocument, warnings: FactWarning[]): KeyFact[] {
  const reader = new DocumentReader(document.source, document.index)
  const { value } = document
  if (!Array.isArray(value)) return [readKeyObject(reader, value as JsonObject, warnings)]
  return value.map((entry, position) => {
    if (!isObject(entry) || !isObject(entry.KeyMetadata)) {
      throw reader.error(
        `entry ${position + 1} of the key list must be a key object with KeyMetadata, found ${quote(entry)}`,
        value,
        position
      )
    }
    return readKeyObject(reader, entry, warnings)
  })
}

function readKeyObject(
  reader: DocumentReader,
  entry: JsonObject,
  warnings: FactWarning[]
): KeyFact {
  const metadata = reader.optionalObject(entry, 'KeyMetadata', 'KeyMetadata')
  if (!metadata)
    throw reader.error('KeyMetadata must be an object, as "aws kms describe-key" prints it', entry)
  const identity = readKeyIdentity(reader, metadata)
  const owner = `key ${identity.arn}`

  for (const member of Object.keys(entry)) {
    if (!KEY_OBJECT_MEMBERS.includes(member)) {
      warnings.push({
        code: 'facts',
        message: `${owner}: member "${member}" is not used; a key object has ${KEY_OBJECT_MEMBERS.join(', ')}`,
        location: reader.locate(entry, member)
      })
    }
  }

  const key: KeyFact = {
    ...identity,
    metadata: readMetadata(reader, metadata, owner),
    aliases: readAliases(reader, entry, identity.keyId, owner),
    tags: readKeyTags(reader, entry, owner)
  }
  const policy = readKeyPolicy(reader, entry, identity)
  if (policy) key.policy = policy
  const grants = readGrants(reader, entry, owner, warnings)
  if (grants) key.grants = grants
  const location = reader.locate(entry)
  if (location) key.location = location
  return key
}

interface KeyIdentity {
  arn: string
  keyId: string
  accountId: string
  region: string
  partition: string
}

/** Takes account, Region and partition from the key ARN, and checks AWSAccountId and KeyId against it. */
function readKeyIdentity(reader: DocumentReader, metadata: JsonObject): KeyIdentity {
  const arn = reader.requireString(metadata, 'Arn', 'Arn of KeyMetadata')
  const parts = parseArn(arn)
  const keyId = parts?.resource.startsWith('key/') ? parts.resource.slice(4) : ''
  const isKeyArn =
    parts?.service === 'kms' && parts.region !== '' && isAccountId(parts.accountId) && keyId !== ''
  if (!parts || !isKeyArn) {
    throw reader.error(
      `Arn of KeyMetadata must be a key ARN such as arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab, found ${quote(arn)}`,
      metadata,
      'Arn'
    )
  }
  const accountId = reader.optionalString(metadata, 'AWSAccountId', 'AWSAccountId of KeyMetadata')
  if (accountId !== undefined && accountId !== parts.accountId) {
    throw reader.error(
      `AWSAccountId "${accountId}" does not match the account in the key ARN ${arn}`,
      metadata,
      'AWSAccountId'
    )
  }
  const writtenKeyId = reader.optionalString(metadata, 'KeyId', 'KeyId of KeyMetadata')
  if (writtenKeyId !== undefined && writtenKeyId !== keyId) {
    throw reader.error(
      `KeyId "${writtenKeyId}" does not match the key ID in the key ARN ${arn}`,
      metadata,
      'KeyId'
    )
  }
  return {
    arn,
    keyId,
    accountId: parts.accountId,
    region: parts.region,
    partition: parts.partition
  }
}

function readMetadata(
  reader: DocumentReader,
  metadata: JsonObject,
  owner: string
): KeyMetadataFact {
  const text = (name: string) => reader.optionalString(metadata, name, `${name} of ${owner}`)
  const multiRegion = reader.optionalObject(
    metadata,
    'MultiRegionConfiguration',
    `MultiRegionConfiguration of ${owner}`
  )
  const fields: KeyMetadataFact = {
    keyState: text('KeyState'),
    enabled: reader.optionalBoolean(metadata, 'Enabled', `Enabled of ${owner}`),
    keyUsage: text('KeyUsage'),
    keyManager: text('KeyManager'),
    keySpec: text('KeySpec') ?? text('CustomerMasterKeySpec'),
    origin: text('Origin'),
    multiRegion: reader.optionalBoolean(metadata, 'MultiRegion', `MultiRegion of ${owner}`),
    multiRegionKeyType:
      multiRegion &&
      reader.optionalString(multiRegion, 'MultiRegionKeyType', `MultiRegionKeyType of ${owner}`)
  }
  return Object.fromEntries(
    Object.entries(fields).filter(([, value]) => value !== undefined)
  ) as KeyMetadataFact
}

/**
 * Reads `Policy`: the policy as a JSON string (as `get-key-policy` prints it), as an
 * object, or the whole `get-key-policy` output. Absent or null gives no policy.
 */
function readKeyPolicy(
  reader: DocumentReader,
  entry: JsonObject,
  identity: KeyIdentity
): Policy | undefined {
  let container = entry
  let name =
    reader.optionalString(entry, 'PolicyName', `PolicyName of key ${identity.arn}`) ?? 'default'
  const value = entry.Policy
  if (value === undefined || value === null) return undefined
  if (isObject(value) && 'Policy' in value && !('Statement' in value)) {
    container = value
    name = reader.optionalString(value, 'PolicyName', `PolicyName of key ${identity.arn}`) ?? name
    if (value.Policy === undefined || value.Policy === null) return undefined
  }
  return parseEmbeddedPolicy(reader, container, 'Policy', {
    kind: 'key-policy',
    name,
    accountId: identity.accountId,
    partition: identity.partition,
    label: `key policy of ${identity.arn}`
  })
}
