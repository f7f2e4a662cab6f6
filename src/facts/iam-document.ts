/**
 * Reading of one `aws iam get-account-authorization-details` output into drafts: roles,
 * users and groups with their inline policies parsed and their managed policies still
 * named by ARN, because a managed policy may be in another file.
 */
import type { Policy, SourceLocation } from '../engine/model.js'
import { appendAll } from './append.js'
import { arnAccountId, parseArn } from './arn.js'
import { DocumentReader, type JsonObject } from './document-reader.js'
import { parseEmbeddedPolicy } from './embedded-policy.js'
import type { FactWarning, ParsedDocument } from './fact-types.js'

/** A role, user or group as one file defines it, before managed policies are resolved. */
export interface EntityDraft {
  kind: 'role' | 'user' | 'group'
  arn: string
  name: string
  path: string
  id?: string
  accountId: string
  inlinePolicies: Policy[]
  /** ARNs of the attached managed policies, in the file's order. */
  attachedArns: string[]
  boundaryArn?: string
  tags: Record<string, string>
  /** Group names, for users. */
  groups: string[]
  location?: SourceLocation
  source: string
}

/** The default version of a managed policy; `policy` is absent when the file lacks its document. */
export interface ManagedPolicyDraft {
  arn: string
  name: string
  versionId?: string
  policy?: Policy
  location?: SourceLocation
  source: string
}

export interface IamDocumentDraft {
  source: string
  /** Absent only for a file that contains nothing but AWS managed policies. */
  accountId?: string
  partition: string
  roles: EntityDraft[]
  users: EntityDraft[]
  groups: EntityDraft[]
  managedPolicies: ManagedPolicyDraft[]
}

const ENTITY_FIELDS = {
  role: { list: 'RoleDetailList', name: 'RoleName', id: 'RoleId', inline: 'RolePolicyList' },
  user: { list: 'UserDetailList', name: 'UserName', id: 'UserId', inline: 'UserPolicyList' },
  group: { list: 'GroupDetailList', name: 'GroupName', id: 'GroupId', inline: 'GroupPolicyList' }
} as const

/** Reads an authorization-details document; `warnings` collects problems that do not stop the check. */
export function readIamDocument(
  document: ParsedDocument,
  warnings: FactWarning[]
): IamDocumentDraft {
  const reader = new DocumentReader(document.source, document.index)
  const root = document.value as JsonObject
  const { accountId, partition } = findAccount(reader, root)
  if (root.IsTruncated === true) {
    // A truncated export can lack roles, users or policies; lookups of missing ones end
    // as unknown, and this warning gives the reason.
    warnings.push({
      code: 'facts',
      message: `${document.source} is a truncated export (IsTruncated is true): principals or policies missing from it make results unknown. Export with the AWS CLI, which follows the pages, or merge every page into one file.`,
      ...(reader.locate(root) ? { location: reader.locate(root) } : {})
    })
  }
  const readEntities = (kind: EntityDraft['kind']) =>
    reader
      .objectList(root, ENTITY_FIELDS[kind].list, ENTITY_FIELDS[kind].list)
      .map((entry) => readEntity(reader, kind, entry, accountId as string, partition))

  return {
    source: document.source,
    accountId,
    partition,
    roles: readEntities('role'),
    users: readEntities('user'),
    groups: readEntities('group'),
    managedPolicies: reader
      .objectList(root, 'Policies', 'Policies')
      .map((entry) => readManagedPolicy(reader, entry, partition, warnings))
  }
}

/**
 * Finds the one account whose ARNs the file contains. AWS managed policy ARNs name no
 * account, so a file with only those has none.
 */
function findAccount(
  reader: DocumentReader,
  root: JsonObject
): { accountId?: string; partition: string } {
  let found: { accountId: string; arn: string } | undefined
  let partition: string | undefined
  const entries: JsonObject[] = []
  for (const kind of ['role', 'user', 'group'] as const) {
    appendAll(entries, reader.objectList(root, ENTITY_FIELDS[kind].list, ENTITY_FIELDS[kind].list))
  }
  const policies = reader.objectList(root, 'Policies', 'Policies')
  for (const entry of entries.concat(policies)) {
    const arn = entry.Arn
    if (typeof arn !== 'string') continue
    partition ??= parseArn(arn)?.partition
    const accountId = arnAccountId(arn)
    if (!accountId) continue
    if (found && found.accountId !== accountId) {
      throw reader.error(
        `ARN ${arn} belongs to account ${accountId}, but ${found.arn} belongs to ${found.accountId}; use one authorization-details file per account`,
        entry,
        'Arn'
      )
    }
    found ??= { accountId, arn }
  }
  if (!found && (entries.length > 0 || policies.length === 0)) {
    throw reader.error(
      'no ARN with an account ID found: expected the output of "aws iam get-account-authorization-details", whose roles, users, groups and policies have ARNs',
      root
    )
  }
  return { accountId: found?.accountId, partition: partition ?? 'aws' }
}

function readEntity(
  reader: DocumentReader,
  kind: EntityDraft['kind'],
  entry: JsonObject,
  accountId: string,
  partition: string
): EntityDraft {
  const fields = ENTITY_FIELDS[kind]
  const name = reader.requireString(entry, fields.name, `${fields.name} of a ${fields.list} entry`)
  const arn = reader.requireString(entry, 'Arn', `Arn of ${kind} "${name}"`)
  const owner = `${kind} ${arn}`
  const draft: EntityDraft = {
    kind,
    arn,
    name,
    path: reader.optionalString(entry, 'Path', `Path of ${owner}`) ?? '/',
    accountId,
    inlinePolicies: reader
      .objectList(entry, fields.inline, `${fields.inline} of ${owner}`)
      .map((inline) => readInlinePolicy(reader, inline, owner, accountId, partition)),
    attachedArns: reader
      .objectList(entry, 'AttachedManagedPolicies', `AttachedManagedPolicies of ${owner}`)
      .map((attached) =>
        reader.requireString(attached, 'PolicyArn', `PolicyArn of a policy attached to ${owner}`)
      ),
    tags: readIamTags(reader, entry, owner),
    groups: kind === 'user' ? reader.stringList(entry, 'GroupList', `GroupList of ${owner}`) : [],
    source: reader.source
  }

  const id = reader.optionalString(entry, fields.id, `${fields.id} of ${owner}`)
  if (id !== undefined) draft.id = id
  const boundary = reader.optionalObject(
    entry,
    'PermissionsBoundary',
    `PermissionsBoundary of ${owner}`
  )
  if (boundary) {
    draft.boundaryArn = reader.requireString(
      boundary,
      'PermissionsBoundaryArn',
      `PermissionsBoundaryArn of ${owner}`
    )
  }
  const location = reader.locate(entry)
  if (location) draft.location = location
  return draft
}

function readInlinePolicy(
  reader: DocumentReader,
  inline: JsonObject,
  owner: string,
  accountId: string,
  partition: string
): Policy {
  const name = reader.requireString(
    inline,
    'PolicyName',
    `PolicyName of an inline policy of ${owner}`
  )
  return parseEmbeddedPolicy(reader, inline, 'PolicyDocument', {
    kind: 'identity',
    name,
    accountId,
    partition,
    label: `inline policy "${name}" of ${owner}`
  })
}

function readIamTags(
  reader: DocumentReader,
  entry: JsonObject,
  owner: string
): Record<string, string> {
  const tags = new Map<string, string>()
  for (const tag of reader.objectList(entry, 'Tags', `Tags of ${owner}`)) {
    const key = reader.requireString(tag, 'Key', `Key of a tag of ${owner}`)
    tags.set(key, reader.optionalString(tag, 'Value', `Value of tag "${key}" of ${owner}`) ?? '')
  }
  return Object.fromEntries(tags)
}

function readManagedPolicy(
  reader: DocumentReader,
  entry: JsonObject,
  partition: string,
  warnings: FactWarning[]
): ManagedPolicyDraft {
  const arn = reader.requireString(entry, 'Arn', 'Arn of a Policies entry')
  const name = reader.requireString(entry, 'PolicyName', `PolicyName of managed policy ${arn}`)
  const defaultVersionId = reader.optionalString(
    entry,
    'DefaultVersionId',
    `DefaultVersionId of managed policy ${arn}`
  )
  const versions = reader.objectList(
    entry,
    'PolicyVersionList',
    `PolicyVersionList of managed policy ${arn}`
  )
  const draft: ManagedPolicyDraft = { arn, name, source: reader.source }
  const location = reader.locate(entry)
  if (location) draft.location = location

  const version = findDefaultVersion(reader, entry, versions, defaultVersionId, arn)
  if (!version || version.Document === undefined || version.Document === null) {
    warnings.push({
      code: 'facts',
      message: `managed policy ${arn} has no default version document in ${reader.source}; principals it is attached to get unknown results unless another file contains it`,
      location
    })
    return draft
  }
  const versionId =
    reader.optionalString(version, 'VersionId', `VersionId of managed policy ${arn}`) ??
    defaultVersionId
  if (versionId !== undefined) draft.versionId = versionId
  draft.policy = parseEmbeddedPolicy(reader, version, 'Document', {
    kind: 'identity',
    name,
    arn,
    accountId: arnAccountId(arn),
    partition: parseArn(arn)?.partition ?? partition,
    label: `managed policy ${arn}`
  })
  return draft
}

/**
 * Finds the default version: the one marked `IsDefaultVersion: true`, or else the one
 * whose `VersionId` is `DefaultVersionId`. Throws an `InputError` when the two disagree,
 * when several versions are marked default, or when two versions share a `VersionId`,
 * because picking one of them could check the wrong document.
 */
function findDefaultVersion(
  reader: DocumentReader,
  entry: JsonObject,
  versions: JsonObject[],
  defaultVersionId: string | undefined,
  arn: string
): JsonObject | undefined {
  const list = entry.PolicyVersionList as JsonObject[]
  const seenIds = new Set<string>()
  let marked: { version: JsonObject; versionId?: string } | undefined
  versions.forEach((version, position) => {
    const what = `version ${position + 1} of managed policy ${arn}`
    const versionId = reader.optionalString(version, 'VersionId', `VersionId of ${what}`)
    if (versionId !== undefined && seenIds.has(versionId)) {
      throw reader.error(
        `managed policy ${arn} lists version ${versionId} twice in PolicyVersionList; keep one entry per version`,
        list,
        position
      )
    }
    if (versionId !== undefined) seenIds.add(versionId)
    const isDefault = reader.optionalBoolean(
      version,
      'IsDefaultVersion',
      `IsDefaultVersion of ${what}`
    )
    if (isDefault !== true) return
    if (marked) {
      throw reader.error(
        `managed policy ${arn} has more than one version marked IsDefaultVersion: true (${marked.versionId ?? 'no VersionId'} and ${versionId ?? 'no VersionId'}); a policy has one default version`,
        version,
        'IsDefaultVersion'
      )
    }
    marked = { version, ...(versionId !== undefined && { versionId }) }
  })

  if (!marked) {
    if (defaultVersionId === undefined) return undefined
    return versions.find((candidate) => candidate.VersionId === defaultVersionId)
  }
  if (defaultVersionId !== undefined && marked.versionId !== defaultVersionId) {
    const markedId =
      marked.versionId === undefined ? 'has no VersionId' : `is "${marked.versionId}"`
    throw reader.error(
      `managed policy ${arn} has DefaultVersionId "${defaultVersionId}", but the version marked IsDefaultVersion: true ${markedId}; the two must name the same version`,
      marked.version,
      'IsDefaultVersion'
    )
  }
  return marked.version
}
