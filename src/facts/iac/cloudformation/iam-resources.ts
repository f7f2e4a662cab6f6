/**
 * Reading of the IAM resources of a template (roles, users, groups, inline and managed
 * policies, and the roles SAM creates) into role and user facts.
 */
import type {
  BoundaryRef,
  Policy,
  RoleFact,
  SourceLocation,
  UserFact
} from '../../../engine/model.js'
import { hasUnresolved } from '../../../engine/unresolved.js'
import { isObject, type JsonObject, quote } from '../../document-reader.js'
import { containsMarker, NO_VALUE } from './resolver.js'
import type { IamIdentity, TemplateResource } from './resources.js'
import { readSamRolePolicies } from './sam-function.js'
import { readTemplatePolicy, type TemplateReader } from './template-policy.js'

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
  groups: string[]
  location?: SourceLocation
}

/** The IAM facts of a template. */
export interface TemplateIamFacts {
  roles: RoleFact[]
  users: UserFact[]
  groups: string[]
}

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
  const find = (kind: EntityKind, name: string) =>
    entities.find((entity) => entity.kind === kind && entity.identity.name === name)

  for (const resource of resources) {
    if (resource.type === 'AWS::Serverless::Function')
      addSamPolicies(reader, resource, globals, entities)
    else attachPolicyResource(reader, resource, find)
  }

  for (const entity of entities) {
    for (const arn of entity.managedArns) {
      const policy = managed.get(arn)?.policy
      if (policy) entity.policies.push(policy)
      else entity.missing.push(arn)
    }
  }

  const groups = entities.filter((entity) => entity.kind === 'group')
  const toFact = (entity: EntityDraft) => ({
    arn: entity.identity.arn,
    name: entity.identity.name,
    path: entity.identity.path,
    accountId: reader.resources.account(),
    policies: [...new Set(entity.policies)],
    missingPolicies: [...new Set(entity.missing)].sort(),
    tags: entity.tags,
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
    groups: groups.map((group) => group.identity.name).sort()
  }
}

interface ManagedPolicyEntry {
  /** Absent when the document depends on a value that cannot be resolved. */
  policy?: Policy
}

function readManagedPolicies(reader: TemplateReader, resources: TemplateResource[]) {
  const managed = new Map<string, ManagedPolicyEntry>()
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
    tags: readIamTags(reader, resource),
    groups:
      kind === 'user'
        ? resolver.resolveStringList(
            properties.Groups,
            `Groups of ${logicalId}`,
            properties,
            'Groups'
          )
        : [],
    ...(location && { location })
  }
  if (properties.PermissionsBoundary !== undefined) {
    const boundary = resolver.resolve(properties.PermissionsBoundary)
    if (boundary !== NO_VALUE) entity.boundaryArn = String(boundary)
  }
  readInlinePolicies(reader, resource, entity)
  return entity
}

/** Reads `Policies`: a list of PolicyName and PolicyDocument. */
function readInlinePolicies(
  reader: TemplateReader,
  resource: TemplateResource,
  entity: EntityDraft
) {
  const { properties, logicalId } = resource
  if (properties.Policies === undefined) return
  const list = properties.Policies
  if (!Array.isArray(list)) {
    throw reader.resolver.error(
      `Policies of ${logicalId} must be a list, found ${quote(list)}`,
      properties,
      'Policies'
    )
  }
  list.forEach((entry, position) => {
    if (!isObject(entry)) {
      throw reader.resolver.error(
        `each entry of Policies of ${logicalId} must be a mapping, found ${quote(entry)}`,
        list,
        position
      )
    }
    if (isObject(entry) && Object.keys(entry).some((key) => key.startsWith('Fn::'))) {
      // An entry chosen by Fn::If: resolve it first.
      const resolved = reader.resolver.resolve(entry)
      if (resolved === NO_VALUE) return
      if (!isObject(resolved)) {
        entity.missing.push(`policy ${position + 1} of ${logicalId} (unresolved)`)
        return
      }
      addInlinePolicy(reader, logicalId, resolved, entity)
      return
    }
    addInlinePolicy(reader, logicalId, entry, entity)
  })
}

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
  const policy = readTemplatePolicy(reader, entry.PolicyDocument, {
    kind: 'identity',
    name,
    logicalId,
    label: `inline policy "${name}" of ${logicalId}`
  })
  if (policy) entity.policies.push(policy)
  else entity.missing.push(`inline policy ${name} of ${logicalId} (unresolved)`)
}

/** Attaches an `AWS::IAM::Policy`, `RolePolicy`, `UserPolicy`, `GroupPolicy` or `ManagedPolicy` to its entities. */
function attachPolicyResource(
  reader: TemplateReader,
  resource: TemplateResource,
  find: (kind: EntityKind, name: string) => EntityDraft | undefined
) {
  const { resolver } = reader
  const { properties, logicalId, type } = resource
  const targets: Array<[EntityKind, string, string]> = []
  const single: Record<string, [string, EntityKind]> = {
    'AWS::IAM::RolePolicy': ['RoleName', 'role'],
    'AWS::IAM::UserPolicy': ['UserName', 'user'],
    'AWS::IAM::GroupPolicy': ['GroupName', 'group']
  }
  if (type === 'AWS::IAM::Policy' || type === 'AWS::IAM::ManagedPolicy') {
    for (const [list, kind] of ATTACHMENT_LISTS) {
      for (const name of resolver.resolveStringList(
        properties[list],
        `${list} of ${logicalId}`,
        properties,
        list
      )) {
        targets.push([kind, name, list])
      }
    }
  } else if (single[type]) {
    const [member, kind] = single[type]
    targets.push([
      kind,
      resolver.resolveString(properties[member], `${member} of ${logicalId}`, properties, member),
      member
    ])
  } else if (type === 'AWS::IAM::UserToGroupAddition') {
    const group = resolver.resolveString(
      properties.GroupName,
      `GroupName of ${logicalId}`,
      properties,
      'GroupName'
    )
    for (const name of resolver.resolveStringList(
      properties.Users,
      `Users of ${logicalId}`,
      properties,
      'Users'
    )) {
      const user = find('user', name)
      if (user) user.groups.push(group)
      else warnOutside(reader, resource, 'user', name, 'Users')
    }
    return
  } else {
    return
  }

  let policy: Policy | undefined
  let managedArn: string | undefined
  if (type === 'AWS::IAM::ManagedPolicy') {
    managedArn = reader.resources.iamIdentity(resource).arn
  } else {
    const name = resolver.resolveString(
      properties.PolicyName,
      `PolicyName of ${logicalId}`,
      properties,
      'PolicyName'
    )
    policy = readTemplatePolicy(reader, properties.PolicyDocument, {
      kind: 'identity',
      name,
      logicalId,
      label: `policy "${name}" (${logicalId})`
    })
  }
  for (const [kind, name, member] of targets) {
    const entity = find(kind, name)
    if (!entity) {
      warnOutside(reader, resource, kind, name, member)
      continue
    }
    if (managedArn) {
      if (!entity.managedArns.includes(managedArn)) entity.managedArns.push(managedArn)
    } else if (policy) entity.policies.push(policy)
    else entity.missing.push(`policy ${logicalId} (unresolved)`)
  }
}

/** Warns about a policy attached to an entity this template does not create. */
function warnOutside(
  reader: TemplateReader,
  resource: TemplateResource,
  kind: EntityKind,
  name: string,
  member: string
) {
  const location = reader.resolver.locate(resource.properties, member)
  const shown = hasUnresolved(name) ? 'a name that cannot be resolved' : `${kind} ${name}`
  // NOTE: facts cannot yet add a policy to an entity defined elsewhere, so this attachment is lost.
  reader.warnings.push({
    code: 'facts',
    message: `${resource.logicalId} attaches to ${shown}, which this template does not create; the attachment is not in the facts, so results for that ${kind} do not include it`,
    ...(location && { location })
  })
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

function readIamTags(reader: TemplateReader, resource: TemplateResource): Record<string, string> {
  const { properties } = resource
  if (properties.Tags === undefined) return {}
  const resolved = reader.resolver.resolve(properties.Tags)
  if (!Array.isArray(resolved)) return {}
  const tags: Record<string, string> = {}
  for (const tag of resolved) {
    if (isObject(tag) && typeof tag.Key === 'string' && !containsMarker(tag.Value)) {
      tags[tag.Key] = tag.Value === undefined ? '' : String(tag.Value)
    }
  }
  return tags
}
