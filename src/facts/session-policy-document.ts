/**
 * Reading of the session policy format: `{"SessionPolicies": [{"SessionArn", "Policy"}]}`,
 * where `Policy` is the inline session policy passed as `--policy` when the session was
 * created (`aws sts assume-role` or `get-federation-token`).
 */
import type { SessionPolicyFact } from '../engine/model.js'
import { DocumentReader, type JsonObject, quote } from './document-reader.js'
import { parseEmbeddedPolicy } from './embedded-policy.js'
import type { FactWarning, ParsedDocument } from './fact-types.js'
import { checkMemberNames } from './member-names.js'
import type { Sourced } from './merge-by-id.js'

const DOCUMENT_MEMBERS = ['SessionPolicies']
const ENTRY_MEMBERS = ['SessionArn', 'Policy', 'PolicyArns']

/** Characters of IAM role, session and federated user names. */
const IAM_NAME = '[\\w+=,.@-]+'
/** A session ARN. Its groups capture the partition and the account ID. */
const SESSION_ARN = new RegExp(
  `^arn:([a-z][a-z0-9-]*):sts::(\\d{12}):(?:assumed-role/${IAM_NAME}/${IAM_NAME}|federated-user/${IAM_NAME})$`
)

/**
 * Reads the session policies of one document, in the document's order. Throws an
 * `InputError` for a `SessionArn` that is not an assumed-role or federated-user ARN,
 * a missing or malformed `Policy`, and an entry with managed session policies
 * (`PolicyArns`), which are not read.
 */
export function readSessionPolicyDocument(
  document: ParsedDocument,
  warnings: FactWarning[]
): Sourced<SessionPolicyFact>[] {
  const reader = new DocumentReader(document.source, document.index)
  const root = document.value as JsonObject
  checkMemberNames(reader, root, DOCUMENT_MEMBERS, 'the session policy file', warnings)
  return reader
    .objectList(root, 'SessionPolicies', 'SessionPolicies')
    .map((entry) => ({ fact: readEntry(reader, entry, warnings), source: document.source }))
}

function readEntry(
  reader: DocumentReader,
  entry: JsonObject,
  warnings: FactWarning[]
): SessionPolicyFact {
  const sessionArn = reader.requireString(entry, 'SessionArn', 'SessionArn of a session policy')
  const match = SESSION_ARN.exec(sessionArn)
  if (!match) {
    throw reader.error(
      `SessionArn must be an assumed-role or federated-user session ARN, such as "arn:aws:sts::111122223333:assumed-role/App/build", found ${quote(sessionArn)}; a session policy caps one session, so name the session, not the role`,
      entry,
      'SessionArn'
    )
  }
  const label = `session ${sessionArn}`
  rejectManagedPolicies(reader, entry, label)
  checkMemberNames(reader, entry, ENTRY_MEMBERS, label, warnings)
  if (entry.Policy === undefined || entry.Policy === null) {
    throw reader.error(
      `${label} has no Policy; expected the session policy passed as --policy, as a JSON object or a JSON string`,
      entry
    )
  }

  const [, partition, accountId] = match
  const fact: SessionPolicyFact = {
    sessionArn,
    policy: parseEmbeddedPolicy(reader, entry, 'Policy', {
      kind: 'session-policy',
      name: sessionArn,
      accountId,
      partition,
      label: `the session policy of ${sessionArn}`
    })
  }
  const location = reader.locate(entry)
  if (location) fact.location = location
  return fact
}

/**
 * Rejects managed session policies. They cap the session as the inline one does, so
 * skipping them could report an allow that AWS denies. An empty list or null caps nothing.
 */
function rejectManagedPolicies(reader: DocumentReader, entry: JsonObject, label: string) {
  const value = entry.PolicyArns
  if (value === undefined || value === null) return
  if (Array.isArray(value) && value.length === 0) return
  throw reader.error(
    `${label} has PolicyArns, but managed session policies are not supported, and ignoring them could report an allow that AWS denies; list only sessions created without --policy-arns`,
    entry,
    'PolicyArns'
  )
}
