/**
 * Reading of the IAM resources of a template (roles, users, groups, inline and managed
 * policies, and the roles SAM creates) into role and user facts. Policies on roles, users
 * and groups that the template names but does not define become attachments.
 */
import type {
  BoundaryRef,
  Policy,
  PolicyAttachment,
  RoleFact,
  SourceLocation,
  UserFact
} from '../../../engine/model.js'
import { hasUnresolved } from '../../../engine/unresolved.js'
import { isObject, type JsonObject } from '../../document-reader.js'
import { containsMarker, NO_VALUE, shown } from './resolver.js'
import type { IamIdentity, TemplateResource } from './resources.js'
import { readSamRolePolicies } from './sam-function.js'
import { parseResolvedPolicy, readTemplatePolicy, type TemplateReader } from './template-policy.js'

type EntityKind = 'role' | 'user' | 'group'

/** A role, user or group of the template while its policies are collected. */
interface EntityDraft {
  kind: EntityKind
  logicalId: string
  identity: IamIdentity
  policies: Policy[]
  managedArns: string[]
  missing: string[]
  boundaryArn?: string
  tags: Record<string, string>
  tagsUnknown: boolean
  groups: string[]
  location?: SourceLocation
}

/** The IAM facts of a template. */
export interface TemplateIamFacts {
  roles: RoleFact[]
  users: UserFact[]
  groups: string[]
  /** Policies attached to roles, users and groups that the template does not define. */
  attachments: PolicyAttachment[]
}

/** Attachments to entities the template does not define, collected while reading. */
interface OutsideAttachments {
  attachments: PolicyAttachment[]
  /** Users outside the template that `AWS::IAM::UserToGroupAddition` adds to a group. */
  groupAdditions: Array<{ resource: TemplateResource; user: string; group: string }>
}

type FindEntity = (kind: EntityKind, name: string) => EntityDraft | undefined

const ENTITY_TYPES: Record<string, EntityKind> = {
  'AWS::IAM::Role': 'role',
  'AWS::IAM::User': 'user',
  'AWS::IAM::Group': 'group'
}

const ATTACHMENT_LISTS: Array<[string, EntityKind]> = [
  ['Roles', 'role'],
  ['Users', 'user'],
  ['Groups', 'group']
]

/** Reads the IAM resources of `resources` (already filtered by their conditions). */
export function readIamResources(
  reader: TemplateReader,
  resources: TemplateResource[],
  globals: JsonObject
): TemplateIamFacts {
  const managed = readManagedPolicies(reader, resources)
  const entities = resources
    .filter((resource) => ENTITY_TYPES[resource.type])
    .map((resource) => readEntity(reader, resource))
  const find: FindEntity = (kind, name) =>
    entities.find((entity) => entity.kind === kind && entity.identity.name === name)
  const outside: OutsideAttachments = { attachments: [], groupAdditions: [] }

  for (const resource of resources) {
    if (resource.type === 'AWS::Serverless::Function')
      addSamPolicies(reader, resource, globals, entities)
    else attachPolicyResource(reader, resource, { find, managed, outside })
  }

  for (const entity of entities) {
    for (const arn of entity.managedArns) {
      const policy = managed.get(arn)?.policy
      if (policy) entity.policies.push(policy)
      else entity.missing.push(arn)
    }
  }
  // Group policies are complete only now, with their managed policies.
  for (const addition of outside.groupAdditions)
    addOutsideUserToGroup(reader, addition, find, outside)

  const groups = entities.filter((entity) => entity.kind === 'group')
  const toFact = (entity: EntityDraft) => ({
    arn: entity.identity.arn,
    name: entity.identity.name,
    path: entity.identity.path,
    accountId: reader.resources.account(),
    policies: [...new Set(entity.policies)],
    missingPolicies: [...new Set(entity.missing)].sort(),
    tags: entity.tags,
    ...(entity.tagsUnknown && { tagsUnknown: true }),
    references: [`${reader.source}#${entity.logicalId}`],
    pending: true as const,
    ...(entity.boundaryArn !== undefined && {
      permissionsBoundary: boundaryRef(entity.boundaryArn, managed)
    }),
    ...(entity.location && { location: entity.location })
  })

  return {
    roles: entities
      .filter((entity) => entity.kind === 'role')
      .map((role): RoleFact => ({ kind: 'role', ...toFact(role) })),
    users: entities
      .filter((entity) => entity.kind === 'user')
      .map((user): UserFact => {
        addGroupPolicies(reader, user, groups)
        return { kind: 'user', ...toFact(user), groups: [...user.groups].sort() }
      }),
    groups: groups.map((group) => group.identity.name).sort(),
    attachments: outside.attachments
  }
}

interface ManagedPolicyEntry {
  /** Absent when the document depends on a value that cannot be resolved. */
  policy?: Policy
}

type ManagedPolicies = Map<string, ManagedPolicyEntry>

function readManagedPolicies(reader: TemplateReader, resources: TemplateResource[]) {
  const managed: ManagedPolicies = new Map()
  for (const resource of resources) {
    if (resource.type !== 'AWS::IAM::ManagedPolicy') continue
    const identity = reader.resources.iamIdentity(resource)
    const policy = readTemplatePolicy(reader, resource.properties.PolicyDocument, {
      kind: 'identity',
      name: identity.name,
      arn: identity.arn,
      logicalId: resource.logicalId,
      label: `managed policy ${resource.logicalId}`
    })
    managed.set(identity.arn, policy ? { policy } : {})
  }
  return managed
}

function readEntity(reader: TemplateReader, resource: TemplateResource): EntityDraft {
  const { resolver } = reader
  const { properties, logicalId } = resource
  const kind = ENTITY_TYPES[resource.type]
  const location = resolver.locate(resource.node)
  const tags = readIamTags(reader, resource)
  const entity: EntityDraft = {
    kind,
    logicalId,
    identity: reader.resources.iamIdentity(resource),
    policies: [],
    managedArns: resolver.resolveStringList(
      properties.ManagedPolicyArns,
      `ManagedPolicyArns of ${logicalId}`,
      properties,
      'ManagedPolicyArns'
    ),
    missing: [],
    tags: tags.tags,
    tagsUnknown: tags.unknown,
    groups:
      kind === 'user'
        ? resolver
            .resolveStringList(properties.Groups, `Groups of ${logicalId}`, properties, 'Groups')
            .map(entityName)
        : [],
    ...(location && { location })
  }
  const boundary = resolver.resolveOptionalString(
    properties.PermissionsBoundary,
    `PermissionsBoundary of ${logicalId}`,
    properties,
    'PermissionsBoundary'
  )
  if (boundary !== undefined) entity.boundaryArn = boundary
  readInlinePolicies(reader, resource, entity)
  return entity
}

/**
 * Reads `Policies`: a list of PolicyName and PolicyDocument. The list is resolved first,
 * because `Fn::If` may choose the whole list or any entry.
 */
function readInlinePolicies(
  reader: TemplateReader,
  resource: TemplateResource,
  entity: EntityDraft
) {
  const { properties, logicalId } = resource
  if (properties.Policies === undefined) return
  const list = reader.resolver.resolve(properties.Policies)
  if (list === NO_VALUE) return
  if (typeof list === 'string' && hasUnresolved(list)) {
    entity.missing.push(`the Policies of ${logicalId} (unresolved)`)
    return
  }
  if (!Array.isArray(list)) {
    throw reader.resolver.error(
      `Policies of ${logicalId} must be a list, found ${shown(list)}`,
      properties,
      'Policies'
    )
  }
  list.forEach((entry, position) => {
    if (typeof entry === 'string' && hasUnresolved(entry)) {
      entity.missing.push(`policy ${position + 1} of ${logicalId} (unresolved)`)
      return
    }
    if (!isObject(entry)) {
      throw reader.resolver.error(
        `each entry of Policies of ${logicalId} must be a mapping, found ${shown(entry)}`,
        list,
        position
      )
    }
    addInlinePolicy(reader, logicalId, entry, entity)
  })
}

/** Adds one resolved entry of `Policies` to `entity`. */
function addInlinePolicy(
  reader: TemplateReader,
  logicalId: string,
  entry: JsonObject,
  entity: EntityDraft
) {
  const name = reader.resolver.resolveString(
    entry.PolicyName,
    `PolicyName of a policy of ${logicalId}`,
    entry,
    'PolicyName'
  )
  const document = entry.PolicyDocument
  const policy =
    typeof document === 'string' && hasUnresolved(document)
      ? undefined
      : parseResolvedPolicy(reader, document, {
          kind: 'identity',
          name,
          logicalId,
          label: `inline policy "${name}" of ${logicalId}`,
          at: { container: entry, key: 'PolicyDocument' }
        })
  if (policy) entity.policies.push(policy)
  else entity.missing.push(`inline policy ${name} of ${logicalId} (unresolved)`)
}

const SINGLE_TARGETS: Record<string, [string, EntityKind]> = {
  'AWS::IAM::RolePolicy': ['RoleName', 'role'],
  'AWS::IAM::UserPolicy': ['UserName', 'user'],
  'AWS::IAM::GroupPolicy': ['GroupName', 'group']
}

/** The parts of the template that attaching a policy resource needs. */
interface AttachContext {
  find: FindEntity
  managed: ManagedPolicies
  outside: OutsideAttachments
}

/** A policy resource's document: the policy, or a marker or ARN when it is not known. */
type AttachedPolicy = { policy: Policy } | { missingPolicy: string }

/**
 * Attaches an `AWS::IAM::Policy`, `RolePolicy`, `UserPolicy`, `GroupPolicy` or
 * `ManagedPolicy` to its entities, and records a `UserToGroupAddition`. An entity the
 * template does not define gets a `PolicyAttachment` instead.
 */
function attachPolicyResource(
  reader: TemplateReader,
  resource: TemplateResource,
  context: AttachContext
) {
  const { type } = resource
  if (type === 'AWS::IAM::UserToGroupAddition') {
    addUsersToGroup(reader, resource, context)
    return
  }
  if (type !== 'AWS::IAM::Policy' && type !== 'AWS::IAM::ManagedPolicy' && !SINGLE_TARGETS[type])
    return

  const targets = attachmentTargets(reader, resource)
  const attached = attachedPolicy(reader, resource, context.managed)
  for (const [kind, name, member] of targets) {
    const entity = context.find(kind, name)
    if (!entity) {
      context.outside.attachments.push(
        outsideAttachment(reader, resource, kind, name, member, attached)
      )
    } else if (type === 'AWS::IAM::ManagedPolicy') {
      const { arn } = reader.resources.iamIdentity(resource)
      if (!entity.managedArns.includes(arn)) entity.managedArns.push(arn)
    } else if ('policy' in attached) {
      entity.policies.push(attached.policy)
    } else {
      entity.missing.push(`policy ${resource.logicalId} (unresolved)`)
    }
  }
}

/** Returns the entities a policy resource names: kind, name and the property that names it. */
function attachmentTargets(
  reader: TemplateReader,
  resource: TemplateResource
): Array<[EntityKind, string, string]> {
  const { resolver } = reader
  const { properties, logicalId, type } = resource
  const single = SINGLE_TARGETS[type]
  if (single) {
    const [member, kind] = single
    const name = resolver.resolveString(
      properties[member],
      `${member} of ${logicalId}`,
      properties,
      member
    )
    return [[kind, entityName(name), member]]
  }
  return ATTACHMENT_LISTS.flatMap(([list, kind]) =>
    resolver
      .resolveStringList(properties[list], `${list} of ${logicalId}`, properties, list)
      .map((name): [EntityKind, string, string] => [kind, entityName(name), list])
  )
}

/** Returns the document of a policy resource, taking a managed policy's from `managed`. */
function attachedPolicy(
  reader: TemplateReader,
  resource: TemplateResource,
  managed: ManagedPolicies
): AttachedPolicy {
  const { resolver } = reader
  const { properties, logicalId } = resource
  if (resource.type === 'AWS::IAM::ManagedPolicy') {
    const { arn } = reader.resources.iamIdentity(resource)
    const policy = managed.get(arn)?.policy
    return policy ? { policy } : { missingPolicy: arn }
  }
  const name = resolver.resolveString(
    properties.PolicyName,
    `PolicyName of ${logicalId}`,
    properties,
    'PolicyName'
  )
  const policy = readTemplatePolicy(reader, properties.PolicyDocument, {
    kind: 'identity',
    name,
    logicalId,
    label: `policy "${name}" (${logicalId})`,
    at: { container: properties, key: 'PolicyDocument' }
  })
  if (policy) return { policy }
  const location = resolver.locate(properties, 'PolicyDocument') ?? resolver.locate(resource.node)
  return { missingPolicy: resolver.registry.marker(`PolicyDocument of ${logicalId}`, location) }
}

/** Builds the attachment of a policy to a role, user or group that this template does not create. */
function outsideAttachment(
  reader: TemplateReader,
  resource: TemplateResource,
  kind: EntityKind,
  name: string,
  member: string,
  attached: AttachedPolicy
): PolicyAttachment {
  const location =
    reader.resolver.locate(resource.properties, member) ?? reader.resolver.locate(resource.node)
  return {
    accountId: reader.resources.account(),
    kind,
    name,
    ...attached,
    ...(location && { location })
  }
}

/** Reads an `AWS::IAM::UserToGroupAddition`; users outside the template are handled at the end. */
function addUsersToGroup(
  reader: TemplateReader,
  resource: TemplateResource,
  context: AttachContext
) {
  const { resolver } = reader
  const { properties, logicalId } = resource
  const group = entityName(
    resolver.resolveString(
      properties.GroupName,
      `GroupName of ${logicalId}`,
      properties,
      'GroupName'
    )
  )
  const users = resolver.resolveStringList(
    properties.Users,
    `Users of ${logicalId}`,
    properties,
    'Users'
  )
  for (const user of users.map(entityName)) {
    const entity = context.find('user', user)
    if (entity) entity.groups.push(group)
    else context.outside.groupAdditions.push({ resource, user, group })
  }
}

/**
 * Adds a user the template does not create to a group: the group's policies become
 * attachments of that user. A group outside the template has policies this template does
 * not show, so its ARN is a missing policy of the user.
 */
function addOutsideUserToGroup(
  reader: TemplateReader,
  addition: OutsideAttachments['groupAdditions'][number],
  find: FindEntity,
  outside: OutsideAttachments
) {
  const { resource, user, group } = addition
  const attach = (attached: AttachedPolicy) =>
    outside.attachments.push(outsideAttachment(reader, resource, 'user', user, 'Users', attached))
  const entity = find('group', group)
  if (!entity) {
    const { partition } = reader.resolver.context
    attach({ missingPolicy: `arn:${partition}:iam::${reader.resources.account()}:group/${group}` })
    return
  }
  for (const policy of new Set(entity.policies)) attach({ policy })
  for (const missing of new Set(entity.missing)) attach({ missingPolicy: missing })
}

/**
 * Returns the entity name in `value`: a name as written, or the name at the end of a role,
 * user or group ARN. An unresolved name stays as it is.
 */
export function entityName(value: string): string {
  const match = /^arn:[^:]+:iam::.*?:(?:role|user|group)\/(.+)$/.exec(value)
  if (!match) return value
  const rest = match[1]
  if (hasUnresolved(rest)) return rest
  return rest.slice(rest.lastIndexOf('/') + 1)
}

function addSamPolicies(
  reader: TemplateReader,
  fn: TemplateResource,
  globals: JsonObject,
  entities: EntityDraft[]
) {
  const role = entities.find(
    (entity) => entity.logicalId === `${fn.logicalId}Role` && entity.kind === 'role'
  )
  if (!role || fn.properties.Role !== undefined) return
  const sam = readSamRolePolicies(reader, fn, globals)
  role.policies.push(...sam.policies)
  role.managedArns.push(...sam.managedArns)
  role.missing.push(...sam.missing)
}

/** Adds the policies of each group of `user`; a group outside the template is missing, as its policies are unknown. */
function addGroupPolicies(reader: TemplateReader, user: EntityDraft, groups: EntityDraft[]) {
  for (const name of user.groups) {
    const group = groups.find((candidate) => candidate.identity.name === name)
    if (group) {
      user.policies.push(...group.policies)
      user.missing.push(...group.missing)
      continue
    }
    const { partition } = reader.resolver.context
    user.missing.push(`arn:${partition}:iam::${reader.resources.account()}:group/${name}`)
  }
}

function boundaryRef(arn: string, managed: Map<string, ManagedPolicyEntry>): BoundaryRef {
  const policy = managed.get(arn)?.policy
  if (!policy) return { arn }
  return { arn, policy: { ...policy, kind: 'permissions-boundary' } }
}

/**
 * Reads the `Tags` of a role or user. Tags that do not resolve to a list leave the tags
 * unknown, and so does any tag whose key or value is unresolved. The known tags are kept.
 */
function readIamTags(
  reader: TemplateReader,
  resource: TemplateResource
): { tags: Record<string, string>; unknown: boolean } {
  const { properties } = resource
  const tags: Record<string, string> = {}
  if (properties.Tags === undefined) return { tags, unknown: false }
  const resolved = reader.resolver.resolve(properties.Tags)
  if (resolved === NO_VALUE) return { tags, unknown: false }
  if (!Array.isArray(resolved)) return { tags, unknown: true }
  let unknown = false
  for (const tag of resolved) {
    if (!isObject(tag) || typeof tag.Key !== 'string' || containsMarker(tag)) {
      unknown = true
      continue
    }
    tags[tag.Key] = tag.Value === undefined ? '' : String(tag.Value)
  }
  return { tags, unknown }
}
