/** Checks of the member names of objects that AWS commands print. */
import { type DocumentReader, type JsonObject, quote } from './document-reader.js'
import type { FactWarning } from './fact-types.js'

/**
 * Lists members of `container` that are not in `known` as `facts` warnings, because a
 * member the loader does not read has no effect on the check. A member that differs from
 * a known name only in case is an `InputError` instead: it is a misspelling of a member
 * that would have been read, so ignoring it could change a result.
 * `label` names the object in messages, such as `key arn:aws:kms:...`.
 */
export function checkMemberNames(
  reader: DocumentReader,
  container: JsonObject,
  known: readonly string[],
  label: string,
  warnings: FactWarning[]
): void {
  for (const member of Object.keys(container)) {
    if (known.includes(member)) continue
    const intended = known.find((name) => name.toLowerCase() === member.toLowerCase())
    if (intended !== undefined) {
      throw reader.error(
        `member ${quote(member)} of ${label} must be spelled ${quote(intended)}; member names are case-sensitive`,
        container,
        member
      )
    }
    warnings.push({
      code: 'facts',
      message: `${label}: member ${quote(member)} is not used; expected only ${known.join(', ')}`,
      ...locationOf(reader, container, member)
    })
  }
}

function locationOf(reader: DocumentReader, container: JsonObject, member: string) {
  const location = reader.locate(container, member)
  return location ? { location } : {}
}
