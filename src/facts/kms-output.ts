/**
 * The `aws kms` list outputs inside a key object. Each list member (`Grants`, `Aliases`,
 * `Tags`) may be the list alone or the whole command output, and the output can mark the
 * list as one page of a longer one.
 */
import { type DocumentReader, isObject, type JsonObject, quote } from './document-reader.js'
import type { FactWarning } from './fact-types.js'
import { checkMemberNames } from './member-names.js'

/** The identity of the key whose object is being read. */
export interface KeyReference {
  arn: string
  keyId: string
  /** Names the key in messages: `key <arn>`. */
  owner: string
}

/** Members that the raw API and the AWS CLI print when a list continues on another page. */
export const PAGING_MEMBERS = ['Truncated', 'NextMarker', 'NextToken'] as const

/** A list member of a key object, and the command output around it when one was given. */
export interface UnwrappedList {
  container: JsonObject
  key: string
  /** The whole command output, such as `{"Grants": [...], "Truncated": false}`. */
  output?: JsonObject
}

/**
 * Takes the list from the whole command output (`{"Grants": [...]}`) or the list itself,
 * and warns about members of the output that are not read. Absent or null gives undefined.
 */
export function unwrapList(
  reader: DocumentReader,
  entry: JsonObject,
  member: string,
  key: KeyReference,
  warnings: FactWarning[]
): UnwrappedList | undefined {
  const value = entry[member]
  if (value === undefined || value === null) return undefined
  if (Array.isArray(value)) return { container: entry, key: member }
  if (isObject(value) && Object.hasOwn(value, member)) {
    const label = `the ${member} output of ${key.owner}`
    checkMemberNames(reader, value, [member, ...PAGING_MEMBERS], label, warnings)
    return { container: value, key: member, output: value }
  }
  throw reader.error(
    `${member} of ${key.owner} must be a list, or the "aws kms" command output that contains "${member}", found ${quote(value)}`,
    entry,
    member
  )
}

/** The member that marks a list as one page of a longer one, and how. */
export interface PagingMarker {
  container: JsonObject
  member: string
  /** Such as `"Truncated" is true`. */
  reason: string
}

/**
 * Returns the member that makes `container` one page of a longer list:
 * `"Truncated": true` (also the string "true" in any case), or a `NextMarker` or
 * `NextToken`, whatever its value. The raw API prints `NextMarker` and `Truncated`, and
 * the AWS CLI prints `NextToken` when `--max-items` cut the list. Returns undefined for a
 * complete list. Throws an `InputError` for a `Truncated` that is neither true nor false.
 * `label` names the container in that message.
 */
export function findPagingMarker(
  reader: DocumentReader,
  container: JsonObject,
  label: string
): PagingMarker | undefined {
  for (const member of ['NextMarker', 'NextToken']) {
    if (Object.hasOwn(container, member)) {
      return { container, member, reason: `"${member}" is present` }
    }
  }
  if (!Object.hasOwn(container, 'Truncated')) return undefined
  const value = container.Truncated
  const text = typeof value === 'string' ? value.toLowerCase() : value
  if (value === true || text === 'true') {
    return { container, member: 'Truncated', reason: '"Truncated" is true' }
  }
  if (value === false || text === 'false') return undefined
  throw reader.error(
    `Truncated of ${label} must be true or false, found ${quote(value)}`,
    container,
    'Truncated'
  )
}

/**
 * Throws an `InputError` when the output of a list member that has no "unknown" state
 * (aliases, tags) is one page of a longer list, because a missing alias or tag can
 * change which policies apply.
 */
export function rejectPartialList(
  reader: DocumentReader,
  list: UnwrappedList,
  command: string,
  key: KeyReference
): void {
  if (!list.output) return
  const marker = findPagingMarker(reader, list.output, `the ${list.key} output of ${key.owner}`)
  if (marker === undefined) return
  throw reader.error(
    `the ${list.key} of ${key.owner} are one page of a longer list (${marker.reason}), and a missing entry could change a result; list every page of "aws kms ${command}", which the AWS CLI does unless you pass --max-items or --no-paginate`,
    marker.container,
    marker.member
  )
}
