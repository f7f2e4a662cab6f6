/**
 * The list members of a KMS key object: grants (`aws kms list-grants`), aliases
 * (`aws kms list-aliases`) and tags (`aws kms list-resource-tags`), each accepted as the
 * list alone or as the whole command output.
 */
import type { GrantFact } from '../engine/model.js'
import { compareText } from './content-key.js'
import { type DocumentReader, isObject, type JsonObject, quote } from './document-reader.js'
import type { FactWarning } from './fact-types.js'

/** Takes the list from the whole command output (`{"Grants": [...]}`) or the list itself. */
function unwrapList(
  reader: DocumentReader,
  entry: JsonObject,
  member: string,
  owner: string
): { container: JsonObject; key: string; wrapper?: JsonObject } | undefined {
  const value = entry[member]
  if (value === undefined || value === null) return undefined
  if (Array.isArray(value)) return { container: entry, key: member }
  if (isObject(value) && member in value) return { container: value, key: member, wrapper: value }
  throw reader.error(
    `${member} of ${owner} must be a list, or the "aws kms" command output that contains "${member}", found ${quote(value)}`,
    entry,
    member
  )
}

const CONSTRAINTS = ['EncryptionContextEquals', 'EncryptionContextSubset']

/**
 * Reads the grants. Absent grants give undefined, which the engine treats as unknown.
 * So do truncated output and grants with constraints this loader does not model,
 * because a grant that is missing or read too broadly could change a decision.
 */
export function readGrants(
  reader: DocumentReader,
  entry: JsonObject,
  owner: string,
  warnings: FactWarning[]
): GrantFact[] | undefined {
  const list = unwrapList(reader, entry, 'Grants', owner)
  if (!list) return undefined
  const truncated = list.wrapper ? list.wrapper.Truncated : entry.Truncated
  if (truncated === true) {
    warnings.push({
      code: 'facts',
      message: `the grants of ${owner} are truncated ("Truncated": true), so they are treated as unknown; list every page of "aws kms list-grants"`,
      location: reader.locate(list.container, list.key)
    })
    return undefined
  }

  const grants = reader
    .objectList(list.container, list.key, `Grants of ${owner}`)
    .map((grant) => readGrant(reader, grant, owner))
  const unmodelled = grants.find((grant) => grant.unknownConstraint !== undefined)
  if (unmodelled) {
    warnings.push({
      code: 'facts',
      message: `grant ${unmodelled.fact.grantId} of ${owner} has the constraint ${unmodelled.unknownConstraint}, which this tool does not evaluate, so the key's grants are treated as unknown`,
      location: unmodelled.fact.location
    })
    return undefined
  }
  return grants.map((grant) => grant.fact)
}

function readGrant(
  reader: DocumentReader,
  grant: JsonObject,
  owner: string
): { fact: GrantFact; unknownConstraint?: string } {
  const grantId = reader.requireString(grant, 'GrantId', `GrantId of a grant of ${owner}`)
  const what = `grant ${grantId} of ${owner}`
  const fact: GrantFact = {
    grantId,
    granteePrincipal: reader.requireString(
      grant,
      'GranteePrincipal',
      `GranteePrincipal of ${what}`
    ),
    operations: reader
      .stringList(grant, 'Operations', `Operations of ${what}`)
      .map((operation) => operation.replace(/^kms:/i, ''))
  }
  const optional = (key: string) => reader.optionalString(grant, key, `${key} of ${what}`)
  const name = optional('Name')
  if (name) fact.name = name
  const retiring = optional('RetiringPrincipal')
  if (retiring !== undefined) fact.retiringPrincipal = retiring
  const issuing = optional('IssuingAccount')
  if (issuing !== undefined) fact.issuingAccount = issuing
  const location = reader.locate(grant)
  if (location) fact.location = location

  const constraints = reader.optionalObject(grant, 'Constraints', `Constraints of ${what}`)
  if (!constraints) return { fact }
  const equals = readContext(reader, constraints, 'EncryptionContextEquals', what)
  if (equals) fact.encryptionContextEquals = equals
  const subset = readContext(reader, constraints, 'EncryptionContextSubset', what)
  if (subset) fact.encryptionContextSubset = subset
  const unknownConstraint = Object.keys(constraints).find((key) => !CONSTRAINTS.includes(key))
  return unknownConstraint === undefined ? { fact } : { fact, unknownConstraint }
}

function readContext(
  reader: DocumentReader,
  constraints: JsonObject,
  key: string,
  what: string
): Record<string, string> | undefined {
  const context = reader.optionalObject(constraints, key, `${key} of ${what}`)
  if (!context) return undefined
  for (const [name, value] of Object.entries(context)) {
    if (typeof value !== 'string') {
      throw reader.error(
        `encryption context "${name}" in ${key} of ${what} must be a string, found ${quote(value)}`,
        context,
        name
      )
    }
  }
  return context as Record<string, string>
}

/**
 * Reads alias names: `list-aliases` entries, plain names, or the whole output. Entries
 * whose `TargetKeyId` names another key are skipped, so the account-wide output can be used.
 */
export function readAliases(
  reader: DocumentReader,
  entry: JsonObject,
  keyId: string,
  owner: string
): string[] {
  const list = unwrapList(reader, entry, 'Aliases', owner)
  if (!list) return []
  const items = list.container[list.key] as unknown[]
  if (!Array.isArray(items))
    throw reader.error(
      `Aliases of ${owner} must be a list, found ${quote(items)}`,
      list.container,
      list.key
    )

  const names = new Set<string>()
  items.forEach((item, position) => {
    let name: unknown = item
    if (isObject(item)) {
      if (typeof item.TargetKeyId === 'string' && item.TargetKeyId !== keyId) return
      name = item.AliasName
    }
    if (typeof name !== 'string' || !name.startsWith('alias/')) {
      throw reader.error(
        `each alias of ${owner} must be an alias name such as "alias/app" or a list-aliases entry with AliasName, found ${quote(item)}`,
        items,
        position
      )
    }
    names.add(name)
  })
  return [...names].sort(compareText)
}

/** Reads tags given as `[{TagKey, TagValue}]` or the whole `list-resource-tags` output. */
export function readKeyTags(
  reader: DocumentReader,
  entry: JsonObject,
  owner: string
): Record<string, string> {
  const list = unwrapList(reader, entry, 'Tags', owner)
  if (!list) return {}
  const tags = new Map<string, string>()
  for (const tag of reader.objectList(list.container, list.key, `Tags of ${owner}`)) {
    const key = reader.requireString(tag, 'TagKey', `TagKey of a tag of ${owner}`)
    const value =
      reader.optionalString(tag, 'TagValue', `TagValue of tag "${key}" of ${owner}`) ?? ''
    if (tags.has(key) && tags.get(key) !== value) {
      throw reader.error(`tag "${key}" of ${owner} appears twice with different values`, tag)
    }
    tags.set(key, value)
  }
  return Object.fromEntries(tags)
}
