/**
 * Reading of KMS key objects: `KeyMetadata` as `aws kms describe-key` prints it, plus the
 * key policy, grants, aliases and tags as the matching `aws kms` commands print them.
 */
import type { KeyFact, Policy } from '../engine/model.js'
import { isAccountId, parseArn } from './arn.js'
import { DocumentReader, isObject, type JsonObject, quote } from './document-reader.js'
import { parseEmbeddedPolicy } from './embedded-policy.js'
import type { FactWarning, ParsedDocument } from './fact-types.js'
import { readKeyMetadata } from './key-metadata.js'
import { readGrants } from './kms-grants.js'
import { readAliases, readKeyTags } from './kms-lists.js'
import { PAGING_MEMBERS } from './kms-output.js'
import { checkMemberNames } from './member-names.js'

/** Members of a key object. The paging members come from merging the `list-grants` output into it. */
const KEY_OBJECT_MEMBERS = [
  'KeyMetadata',
  'Policy',
  'PolicyName',
  'Grants',
  'Aliases',
  'Tags'
].concat(PAGING_MEMBERS)

/** Members of the whole `get-key-policy` output. */
const KEY_POLICY_OUTPUT_MEMBERS = ['Policy', 'PolicyName']

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
  const reference = { arn: identity.arn, keyId: identity.keyId, owner: `key ${identity.arn}` }
  checkMemberNames(reader, entry, KEY_OBJECT_MEMBERS, reference.owner, warnings)

  const key: KeyFact = {
    ...identity,
    metadata: readKeyMetadata(reader, metadata, reference.owner),
    aliases: readAliases(reader, entry, reference, warnings),
    tags: readKeyTags(reader, entry, reference, warnings)
  }
  const policy = readKeyPolicy(reader, entry, identity, warnings)
  if (policy) key.policy = policy
  const grants = readGrants(reader, entry, reference, warnings)
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

/**
 * Reads `Policy`: the policy as a JSON string (as `get-key-policy` prints it), as an
 * object, or the whole `get-key-policy` output. Absent or null gives no policy.
 */
function readKeyPolicy(
  reader: DocumentReader,
  entry: JsonObject,
  identity: KeyIdentity,
  warnings: FactWarning[]
): Policy | undefined {
  let container = entry
  let name =
    reader.optionalString(entry, 'PolicyName', `PolicyName of key ${identity.arn}`) ?? 'default'
  const value = entry.Policy
  if (value === undefined || value === null) return undefined
  if (isObject(value) && Object.hasOwn(value, 'Policy') && !Object.hasOwn(value, 'Statement')) {
    const what = `the get-key-policy output of key ${identity.arn}`
    checkMemberNames(reader, value, KEY_POLICY_OUTPUT_MEMBERS, what, warnings)
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
