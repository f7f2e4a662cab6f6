/**
 * Reading of `KeyMetadata` as `aws kms describe-key` prints it. The values that decide
 * whether KMS runs an operation (key state, key usage, key spec) are checked, because
 * the engine compares them as exact strings and a misspelled one would pass or fail
 * the wrong operations.
 */
import type { KeyMetadataFact } from '../engine/model.js'
import { type DocumentReader, type JsonObject, quote } from './document-reader.js'

/** The values of the KMS API's `KeyState`, `KeyUsage` and `KeyManager` enumerations. */
const KEY_STATES = [
  'Creating',
  'Enabled',
  'Disabled',
  'PendingDeletion',
  'PendingImport',
  'PendingReplicaDeletion',
  'Unavailable',
  'Updating'
]
const KEY_USAGES = ['ENCRYPT_DECRYPT', 'SIGN_VERIFY', 'GENERATE_VERIFY_MAC', 'KEY_AGREEMENT']
const KEY_MANAGERS = ['AWS', 'CUSTOMER']

/**
 * Reads the metadata fields the engine uses. Throws an `InputError` at the value for a
 * `KeyState`, `KeyUsage` or `KeyManager` that AWS does not use, an empty one, or one in
 * the wrong case. Throws one too for an empty or lower-case key spec, and for an
 * `Enabled` flag that contradicts `KeyState`.
 */
export function readKeyMetadata(
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
    keyState: readEnumeration(reader, metadata, 'KeyState', KEY_STATES, owner),
    enabled: reader.optionalBoolean(metadata, 'Enabled', `Enabled of ${owner}`),
    keyUsage: readEnumeration(reader, metadata, 'KeyUsage', KEY_USAGES, owner),
    keyManager: readEnumeration(reader, metadata, 'KeyManager', KEY_MANAGERS, owner),
    keySpec:
      readKeySpec(reader, metadata, 'KeySpec', owner) ??
      readKeySpec(reader, metadata, 'CustomerMasterKeySpec', owner),
    origin: text('Origin'),
    multiRegion: reader.optionalBoolean(metadata, 'MultiRegion', `MultiRegion of ${owner}`),
    multiRegionKeyType:
      multiRegion &&
      reader.optionalString(multiRegion, 'MultiRegionKeyType', `MultiRegionKeyType of ${owner}`)
  }
  checkEnabledFlag(reader, metadata, fields, owner)
  return Object.fromEntries(
    Object.entries(fields).filter(([, value]) => value !== undefined)
  ) as KeyMetadataFact
}

/** Reads a string that must be one of `allowed`, exactly as AWS spells it; absent or null gives undefined. */
function readEnumeration(
  reader: DocumentReader,
  metadata: JsonObject,
  name: string,
  allowed: readonly string[],
  owner: string
): string | undefined {
  const value = reader.optionalString(metadata, name, `${name} of ${owner}`)
  if (value === undefined || allowed.includes(value)) return value

  const expected = `one of ${allowed.join(', ')}`
  const intended = allowed.find((candidate) => candidate.toLowerCase() === value.toLowerCase())
  const hint = intended === undefined ? '' : `; AWS spells it ${quote(intended)}`
  throw reader.error(
    `${name} of ${owner} must be ${expected}, found ${quote(value)}${hint}`,
    metadata,
    name
  )
}

/**
 * Reads a key spec. AWS adds key specs with new key types, so any upper-case value is
 * accepted. An empty or lower-case one is rejected, because the engine recognises
 * symmetric keys by the exact value `SYMMETRIC_DEFAULT`.
 */
function readKeySpec(
  reader: DocumentReader,
  metadata: JsonObject,
  name: string,
  owner: string
): string | undefined {
  const value = reader.optionalString(metadata, name, `${name} of ${owner}`)
  if (value === undefined || /^[A-Z0-9_]+$/.test(value)) return value
  const hint =
    value === ''
      ? ''
      : `; AWS spells key specs in upper case, such as ${quote(value.toUpperCase())}`
  throw reader.error(
    `${name} of ${owner} must be a key spec such as "SYMMETRIC_DEFAULT", found ${quote(value)}${hint}`,
    metadata,
    name
  )
}

/** Throws when `Enabled` contradicts `KeyState`: AWS sets Enabled to true exactly when KeyState is Enabled. */
function checkEnabledFlag(
  reader: DocumentReader,
  metadata: JsonObject,
  fields: KeyMetadataFact,
  owner: string
) {
  const { keyState, enabled } = fields
  if (keyState === undefined || enabled === undefined) return
  if (enabled === (keyState === 'Enabled')) return
  throw reader.error(
    `Enabled of ${owner} is ${enabled}, but KeyState is "${keyState}"; "aws kms describe-key" sets Enabled to true exactly when KeyState is Enabled, so export KeyMetadata again`,
    metadata,
    'Enabled'
  )
}
