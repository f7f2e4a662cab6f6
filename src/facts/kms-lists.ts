/**
 * The alias and tag members of a KMS key object, as `aws kms list-aliases` and
 * `aws kms list-resource-tags` print them, each accepted as the list alone or as the
 * whole command output.
 */
import { parseArn } from './arn.js'
import { compareText } from './content-key.js'
import { type DocumentReader, isObject, type JsonObject, quote } from './document-reader.js'
import type { FactWarning } from './fact-types.js'
import { type KeyReference, rejectPartialList, unwrapList } from './kms-output.js'
import { checkMemberNames } from './member-names.js'

/** The members of a `list-aliases` entry. */
const ALIAS_MEMBERS = ['AliasName', 'AliasArn', 'TargetKeyId', 'CreationDate', 'LastUpdatedDate']

/** The members of a `list-resource-tags` entry. */
const TAG_MEMBERS = ['TagKey', 'TagValue']

/**
 * Reads alias names: `list-aliases` entries, plain names, or the whole output. Throws an
 * `InputError` for an entry whose `TargetKeyId` or `AliasArn` names another key, account
 * or Region, and for a partial list, because a missing or misplaced alias changes which
 * key an alias names and which `kms:ResourceAliases` conditions match.
 */
export function readAliases(
  reader: DocumentReader,
  entry: JsonObject,
  key: KeyReference,
  warnings: FactWarning[]
): string[] | undefined {
  const list = unwrapList(reader, entry, 'Aliases', key, warnings)
  if (!list) return undefined
  rejectPartialList(reader, list, 'list-aliases', key)
  const items = list.container[list.key]
  if (!Array.isArray(items))
    throw reader.error(
      `Aliases of ${key.owner} must be a list, found ${quote(items)}`,
      list.container,
      list.key
    )

  const names = new Set<string>()
  items.forEach((item, position) => {
    const name = isObject(item) ? readAliasEntry(reader, item, key, warnings) : item
    if (typeof name !== 'string' || !name.startsWith('alias/')) {
      throw reader.error(
        `each alias of ${key.owner} must be an alias name such as "alias/app" or a list-aliases entry with AliasName, found ${quote(item)}`,
        items,
        position
      )
    }
    names.add(name)
  })
  return [...names].sort(compareText)
}

/** Returns the `AliasName` of a `list-aliases` entry after checking that the entry is about this key. */
function readAliasEntry(
  reader: DocumentReader,
  item: JsonObject,
  key: KeyReference,
  warnings: FactWarning[]
): unknown {
  const name = item.AliasName
  if (typeof name !== 'string') return name
  const label = `alias ${name} of ${key.owner}`
  checkMemberNames(reader, item, ALIAS_MEMBERS, label, warnings)

  const target = reader.optionalString(item, 'TargetKeyId', `TargetKeyId of ${label}`)
  if (target !== undefined && target !== key.keyId && target !== key.arn) {
    throw reader.error(
      `TargetKeyId of ${label} is ${quote(target)}, so the alias names another key; list only this key's aliases ("aws kms list-aliases --key-id ${key.keyId}")`,
      item,
      'TargetKeyId'
    )
  }
  const aliasArn = reader.optionalString(item, 'AliasArn', `AliasArn of ${label}`)
  if (aliasArn !== undefined) checkAliasArn(reader, item, aliasArn, name, key, label)
  return name
}

/** Throws unless `aliasArn` is the ARN of alias `name` in the key's partition, account and Region. */
function checkAliasArn(
  reader: DocumentReader,
  item: JsonObject,
  aliasArn: string,
  name: string,
  key: KeyReference,
  label: string
) {
  const alias = parseArn(aliasArn)
  const keyArn = parseArn(key.arn)
  const matches =
    alias !== undefined &&
    keyArn !== undefined &&
    alias.service === 'kms' &&
    alias.partition === keyArn.partition &&
    alias.accountId === keyArn.accountId &&
    alias.region === keyArn.region &&
    alias.resource === name
  if (matches) return
  const expected = keyArn
    ? `arn:${keyArn.partition}:kms:${keyArn.region}:${keyArn.accountId}:${name}`
    : 'the ARN of the alias in the key account and Region'
  throw reader.error(
    `AliasArn of ${label} must be ${expected}, found ${quote(aliasArn)}; an alias names a key in its own account and Region`,
    item,
    'AliasArn'
  )
}

/**
 * Reads tags given as `[{TagKey, TagValue}]` or the whole `list-resource-tags` output.
 * Throws an `InputError` for a partial list, because a missing tag changes which
 * `aws:ResourceTag` conditions match.
 */
export function readKeyTags(
  reader: DocumentReader,
  entry: JsonObject,
  key: KeyReference,
  warnings: FactWarning[]
): Record<string, string> | undefined {
  const list = unwrapList(reader, entry, 'Tags', key, warnings)
  if (!list) return undefined
  rejectPartialList(reader, list, 'list-resource-tags', key)
  const tags = new Map<string, string>()
  for (const tag of reader.objectList(list.container, list.key, `Tags of ${key.owner}`)) {
    checkMemberNames(reader, tag, TAG_MEMBERS, `a tag of ${key.owner}`, warnings)
    const tagKey = reader.requireString(tag, 'TagKey', `TagKey of a tag of ${key.owner}`)
    const value =
      reader.optionalString(tag, 'TagValue', `TagValue of tag "${tagKey}" of ${key.owner}`) ?? ''
    if (tags.has(tagKey) && tags.get(tagKey) !== value) {
      throw reader.error(`tag "${tagKey}" of ${key.owner} appears twice with different values`, tag)
    }
    tags.set(tagKey, value)
  }
  return Object.fromEntries(tags)
}
