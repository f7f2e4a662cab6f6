/** Reading of the grants of a key object, as `aws kms list-grants` prints them. */
import type { GrantFact } from '../engine/model.js'
import { type DocumentReader, type JsonObject, quote } from './document-reader.js'
import type { FactWarning } from './fact-types.js'
import { findPagingMarker, type KeyReference, unwrapList } from './kms-output.js'
import { checkMemberNames } from './member-names.js'

const CONSTRAINTS = ['EncryptionContextEquals', 'EncryptionContextSubset']

/** The members of a `list-grants` entry. */
const GRANT_MEMBERS = [
  'KeyId',
  'GrantId',
  'Name',
  'CreationDate',
  'GranteePrincipal',
  'RetiringPrincipal',
  'IssuingAccount',
  'Operations',
  'Constraints'
]

/**
 * Reads the grants. Absent grants give undefined, which the engine treats as unknown.
 * So do a partial list (one page of a paged output) and grants with constraints this
 * loader does not model, each with a warning, because a grant that is missing or read
 * too broadly could change a decision. Paging members at the top of the key object count
 * too, because they come from merging the `list-grants` output into it.
 */
export function readGrants(
  reader: DocumentReader,
  entry: JsonObject,
  key: KeyReference,
  warnings: FactWarning[]
): GrantFact[] | undefined {
  const list = unwrapList(reader, entry, 'Grants', key, warnings)
  const marker =
    findPagingMarker(reader, entry, key.owner) ??
    (list?.output && findPagingMarker(reader, list.output, `the Grants output of ${key.owner}`))
  if (!list) return undefined
  if (marker) {
    warnings.push({
      code: 'facts',
      message: `the grants of ${key.owner} are one page of a longer list (${marker.reason}), so they are treated as unknown; list every page of "aws kms list-grants", which the AWS CLI does unless you pass --max-items or --no-paginate`,
      ...locationOf(reader, marker.container, marker.member)
    })
    return undefined
  }

  const grants = reader
    .objectList(list.container, list.key, `Grants of ${key.owner}`)
    .map((grant) => readGrant(reader, grant, key, warnings))
  const unmodelled = grants.find((grant) => grant.unknownConstraint !== undefined)
  if (unmodelled) {
    warnings.push({
      code: 'facts',
      message: `grant ${unmodelled.fact.grantId} of ${key.owner} has the constraint ${unmodelled.unknownConstraint}, which this tool does not evaluate, so the key's grants are treated as unknown`,
      location: unmodelled.fact.location
    })
    return undefined
  }
  return grants.map((grant) => grant.fact)
}

function readGrant(
  reader: DocumentReader,
  grant: JsonObject,
  key: KeyReference,
  warnings: FactWarning[]
): { fact: GrantFact; unknownConstraint?: string } {
  const grantId = reader.requireString(grant, 'GrantId', `GrantId of a grant of ${key.owner}`)
  const what = `grant ${grantId} of ${key.owner}`
  checkMemberNames(reader, grant, GRANT_MEMBERS, what, warnings)
  checkGrantKey(reader, grant, key, grantId)
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
  const optional = (member: string) => reader.optionalString(grant, member, `${member} of ${what}`)
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
  const unknownConstraint = Object.keys(constraints).find((name) => !CONSTRAINTS.includes(name))
  return unknownConstraint === undefined ? { fact } : { fact, unknownConstraint }
}

/** Throws when the grant's `KeyId` (a key ARN in `list-grants` output) names another key. */
function checkGrantKey(
  reader: DocumentReader,
  grant: JsonObject,
  key: KeyReference,
  grantId: string
) {
  const written = reader.optionalString(grant, 'KeyId', `KeyId of grant ${grantId}`)
  if (written === undefined || written === key.arn || written === key.keyId) return
  throw reader.error(
    `KeyId of grant ${grantId} is ${quote(written)}, but the grant is listed under ${key.owner}; put the grants of each key in its own key object`,
    grant,
    'KeyId'
  )
}

function readContext(
  reader: DocumentReader,
  constraints: JsonObject,
  member: string,
  what: string
): Record<string, string> | undefined {
  const context = reader.optionalObject(constraints, member, `${member} of ${what}`)
  if (!context) return undefined
  for (const [name, value] of Object.entries(context)) {
    if (typeof value !== 'string') {
      throw reader.error(
        `encryption context "${name}" in ${member} of ${what} must be a string, found ${quote(value)}`,
        context,
        name
      )
    }
  }
  return context as Record<string, string>
}

function locationOf(reader: DocumentReader, container: JsonObject, member: string) {
  const location = reader.locate(container, member)
  return location ? { location } : {}
}
