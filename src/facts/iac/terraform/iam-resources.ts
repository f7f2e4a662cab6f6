/**
 * IAM resources of a plan: roles and users with their inline policies, attached managed
 * policies (`aws_iam_policy` of the plan, or ARNs whose documents are elsewhere),
 * permissions boundaries, tags and group memberships. Policies that the plan attaches to or
 * removes from entities it does not define become attachments.
 */
import type {
  BoundaryRef,
  Policy,
  PolicyAttachment,
  RoleFact,
  SourceLocation,
  UserFact
} from '../../../engine/model.js'
import { isAccountId, parseArn } from '../../arn.js'
import { isObject } from '../../document-reader.js'
import { simpleString } from './hcl-scanner.js'
import { type Entity, EntityIndex, type OutsideEntity } from './iam-targets.js'
import type { PlanContext } from './plan-context.js'
import type { ResourceInstance } from './plan-resources.js'
import {
  configExpressions,
  expressionReferences,
  isConfigured,
  unknownElements
} from './plan-values.js'
import { referencedInstances } from './references.js'
import { readTags } from './tags.js'

/** The IAM facts a plan defines. */
export interface PlanIam {
  roles: RoleFact[]
  users: UserFact[]
  groups: string[]
  /**
   * Policies the plan attaches to, or removes from, roles, users and groups it does not
   * define. Removals come first, so that applying the list in order leaves a policy that
   * the plan both removes and attaches again.
   */
  attachments: PolicyAttachment[]
}

/** A managed policy of the plan; `policy` is absent when its document is known only after apply. */
interface ManagedPolicy {
  arn: string
  policy?: Policy
}

/** Resources that put an inline policy on an entity: type, entity kind and the attribute naming it. */
const INLINE_POLICY_RESOURCES = [
  ['aws_iam_role_policy', 'role', 'role'],
  ['aws_iam_user_policy', 'user', 'user'],
  ['aws_iam_group_policy', 'group', 'group']
] as const

/** Resources that attach a managed policy: type, entity kind and the attribute naming the entities. */
const ATTACHMENT_RESOURCES = [
  ['aws_iam_role_policy_attachment', 'role', 'role'],
  ['aws_iam_user_policy_attachment', 'user', 'user'],
  ['aws_iam_group_policy_attachment', 'group', 'group'],
  ['aws_iam_policy_attachment', 'role', 'roles'],
  ['aws_iam_policy_attachment', 'user', 'users'],
  ['aws_iam_policy_attachment', 'group', 'groups']
] as const

/** Reads the roles, users and groups of the plan and the policies that resources attach to them. */
export function readIam(plan: PlanContext): PlanIam {
  const reader = new IamReader(plan)
  return reader.read()
}

class IamReader {
  private readonly managed = new Map<ResourceInstance, ManagedPolicy>()
  private readonly managedByArn = new Map<string, ManagedPolicy>()
  /** ARNs of managed policies the plan destroys: no entity has them after apply. */
  private readonly destroyedManaged = new Set<string>()
  private readonly entities: EntityIndex
  private readonly removals: PolicyAttachment[] = []
  private readonly additions: PolicyAttachment[] = []

  constructor(private readonly plan: PlanContext) {
    this.entities = new EntityIndex(plan)
  }

  read(): PlanIam {
    for (const instance of this.plan.ofType('aws_iam_policy')) {
      const managed = this.readManagedPolicy(instance)
      this.managed.set(instance, managed)
      if (!this.managedByArn.has(managed.arn)) this.managedByArn.set(managed.arn, managed)
    }
    for (const old of this.plan.deletedOfType('aws_iam_policy')) {
      const arn = this.plan.knownString(old, 'arn')
      if (arn && !old.replaced) this.destroyedManaged.add(arn)
    }
    for (const [type, kind] of [
      ['aws_iam_role', 'role'],
      ['aws_iam_user', 'user'],
      ['aws_iam_group', 'group']
    ] as const) {
      for (const instance of this.plan.ofType(type))
        this.entities.add(this.readEntity(instance, kind))
    }
    for (const entity of this.entities.ofKind('role')) this.readRoleAttributes(entity)
    // Removals first: a policy that the plan replaces is removed and then attached again.
    this.readRemovals()
    this.readInlinePolicyResources()
    this.readAttachments()
    this.readMemberships()

    const groups = this.entities.ofKind('group')
    const groupsByName = new Map<string, Entity>()
    for (const group of groups)
      if (!groupsByName.has(group.name)) groupsByName.set(group.name, group)
    return {
      roles: this.entities
        .ofKind('role')
        .map((entity): RoleFact => ({ kind: 'role', ...this.finish(entity, groupsByName) })),
      users: this.entities.ofKind('user').map(
        (entity): UserFact => ({
          kind: 'user',
          ...this.finish(entity, groupsByName),
          groups: [...new Set(entity.groups)].sort()
        })
      ),
      groups: [...new Set(groups.map((group) => group.name))].sort(),
      attachments: [...this.removals, ...this.additions]
    }
  }

  private readManagedPolicy(instance: ResourceInstance): ManagedPolicy {
    const location = this.plan.blockLocation(instance)
    const name = this.plan.knownString(instance, 'name')
    const path = this.plan.knownString(instance, 'path') ?? '/'
    const arn =
      this.plan.knownString(instance, 'arn') ??
      `arn:${this.plan.partition}:iam::${this.plan.accountId(instance.address, location)}:policy${path}${name ?? `${instance.address}-pending`}`
    const policyLocation = this.plan.attributeLocation(instance, 'policy')
    if (!this.plan.knownString(instance, 'policy')) {
      this.unknownPolicy(instance, 'policy', policyLocation)
      return { arn }
    }
    const policy = this.plan.parsePolicy(
      instance,
      instance.values,
      'policy',
      {
        kind: 'identity',
        name: name ?? instance.address,
        arn,
        accountId: parseArn(arn)?.accountId,
        label: `policy ${instance.address}`
      },
      policyLocation
    )
    return { arn, policy }
  }

  private readEntity(instance: ResourceInstance, kind: Entity['kind']): Entity {
    const location = this.plan.blockLocation(instance)
    const knownArn = this.plan.knownString(instance, 'arn')
    const accountFromArn = knownArn ? parseArn(knownArn)?.accountId : undefined
    const accountId =
      accountFromArn && isAccountId(accountFromArn)
        ? accountFromArn
        : this.plan.accountId(instance.address, location)
    const path = this.plan.knownString(instance, 'path') ?? '/'
    const knownName = this.plan.knownString(instance, 'name')
    // A name known only after apply (name_prefix, or computed) gives a synthetic ARN.
    const name = knownName ?? `${instance.address}-pending`
    return {
      kind,
      instance,
      name,
      arn: knownArn ?? `arn:${this.plan.partition}:iam::${accountId}:${kind}${path}${name}`,
      path,
      accountId,
      inline: [],
      attached: [],
      unknownInline: [],
      groups: []
    }
  }

  /** Reads the `inline_policy` blocks, `managed_policy_arns` and `permissions_boundary` of an `aws_iam_role`. */
  private readRoleAttributes(role: Entity) {
    const { instance } = role
    const inline = this.plan.value(instance, 'inline_policy')
    // The provider plans `inline_policy` as computed when the configuration has no such
    // block; then only aws_iam_role_policy resources add inline policies.
    const configured = !instance.config || isConfigured(instance, 'inline_policy')
    if (!inline.known) {
      if (configured)
        role.unknownInline.push(
          this.unknownPolicy(
            instance,
            'inline_policy',
            this.plan.attributeLocation(instance, 'inline_policy')
          )
        )
    } else if (Array.isArray(inline.value)) {
      const marks = Array.isArray(instance.unknown.inline_policy)
        ? instance.unknown.inline_policy
        : []
      inline.value.forEach((entry, position) => {
        if (!isObject(entry)) return
        const policyName = typeof entry.name === 'string' ? entry.name : ''
        const block = this.plan
          .nestedBlocks(instance, 'inline_policy')
          .find((candidate) =>
            candidate.attributes.some(
              (attribute) =>
                attribute.name === 'name' && simpleString(attribute.valueText) === policyName
            )
          )
        const location = this.plan.attributeLocation(
          instance,
          'policy',
          block ?? this.plan.nestedBlocks(instance, 'inline_policy')[0]
        )
        const entryMarks = marks[position]
        if (isObject(entryMarks) && entryMarks.policy === true) {
          role.unknownInline.push(
            this.unknownPolicy(instance, `inline_policy[${position}].policy`, location)
          )
          return
        }
        if (typeof entry.policy !== 'string' || entry.policy === '') return
        role.inline.push(
          this.plan.parsePolicy(
            instance,
            entry,
            'policy',
            {
              kind: 'identity',
              name: policyName,
              label: `inline policy "${policyName}" of ${instance.address}`
            },
            location
          )
        )
      })
    }

    const arns = unknownElements(instance, 'managed_policy_arns')
    const managedValue = this.plan.value(instance, 'managed_policy_arns')
    if (arns === true) {
      if (!instance.config || isConfigured(instance, 'managed_policy_arns')) {
        role.attached.push(...this.resolveArns(instance, 'managed_policy_arns', undefined))
      }
    } else if (managedValue.known && Array.isArray(managedValue.value)) {
      managedValue.value.forEach((arn, position) => {
        if (arns[position])
          role.attached.push(...this.resolveArns(instance, 'managed_policy_arns', undefined))
        else if (typeof arn === 'string') role.attached.push(arn)
      })
    }
  }

  /**
   * Applies the inline policies and attachments that the plan destroys. An entity of the
   * plan loses them from its `inline_policy` and `managed_policy_arns`, which the plan shows
   * as they were before apply. For an entity outside the plan, they become removals.
   */
  private readRemovals() {
    const resources = [
      ...INLINE_POLICY_RESOURCES.map(([type, kind, attribute]) => ({
        type,
        kind,
        attribute,
        removed: 'name'
      })),
      ...ATTACHMENT_RESOURCES.map(([type, kind, attribute]) => ({
        type,
        kind,
        attribute,
        removed: 'policy_arn'
      }))
    ]
    for (const { type, kind, attribute, removed } of resources) {
      for (const old of this.plan.deletedOfType(type)) {
        const name = this.plan.knownString(old, removed)
        if (!name || this.recreatedAlike(old, [attribute, removed])) continue
        const { entities, outside } = this.entities.targetsOf(old, attribute, kind)
        for (const entity of entities) {
          if (removed === 'name')
            entity.inline = entity.inline.filter((policy) => policy.name !== name)
          else entity.attached = entity.attached.filter((arn) => arn !== name)
        }
        const location = this.plan.blockLocation(old)
        for (const target of outside) {
          this.removals.push({ ...target, removes: [name], ...(location && { location }) })
        }
      }
    }
  }

  /** True when the plan replaces `old` with an instance that has the same values of `names`. */
  private recreatedAlike(old: ResourceInstance, names: string[]): boolean {
    if (!old.replaced) return false
    const current = this.plan.instanceAt(old.address)
    if (!current) return false
    return names.every((name) => {
      const value = this.plan.value(current, name)
      return value.known && JSON.stringify(value.value) === JSON.stringify(old.values[name])
    })
  }

  /** `aws_iam_role_policy`, `aws_iam_user_policy` and `aws_iam_group_policy`. */
  private readInlinePolicyResources() {
    for (const [type, kind, attribute] of INLINE_POLICY_RESOURCES) {
      for (const instance of this.plan.ofType(type)) {
        const { entities, outside } = this.entities.targetsOf(instance, attribute, kind)
        if (entities.length === 0 && outside.length === 0) continue
        const location = this.plan.attributeLocation(instance, 'policy')
        const knownName = this.plan.knownString(instance, 'name')
        const policyName = knownName ?? instance.address
        if (!this.plan.knownString(instance, 'policy')) {
          const marker = this.unknownPolicy(instance, 'policy', location)
          for (const target of entities) target.unknownInline.push(marker)
          this.addOutside(outside, { missingPolicy: marker }, knownName, location)
          continue
        }
        const policy = this.plan.parsePolicy(
          instance,
          instance.values,
          'policy',
          { kind: 'identity', name: policyName, label: `inline policy ${instance.address}` },
          location
        )
        for (const target of entities) {
          // The resource replaces an inline policy of the same name that the role's state lists.
          target.inline = target.inline.filter((existing) => existing.name !== policyName)
          target.inline.push(policy)
        }
        this.addOutside(outside, { policy }, knownName, location)
      }
    }
  }

  /**
   * Records a policy attached to entities outside the plan. An inline policy replaces the
   * entity's inline policy of the same name, so that name is removed first.
   */
  private addOutside(
    outside: OutsideEntity[],
    attached: Pick<PolicyAttachment, 'policy' | 'missingPolicy'>,
    replacedName: string | undefined,
    location: SourceLocation | undefined
  ) {
    for (const target of outside) {
      this.additions.push({
        ...target,
        ...attached,
        ...(replacedName !== undefined && { removes: [replacedName] }),
        ...(location && { location })
      })
    }
  }

  /** `aws_iam_*_policy_attachment` and `aws_iam_policy_attachment`. */
  private readAttachments() {
    for (const [type, kind, attribute] of ATTACHMENT_RESOURCES) {
      for (const instance of this.plan.ofType(type)) {
        const { entities, outside } = this.entities.targetsOf(instance, attribute, kind)
        if (entities.length === 0 && outside.length === 0) continue
        const arns = this.resolveArns(
          instance,
          'policy_arn',
          this.plan.knownString(instance, 'policy_arn')
        )
        for (const target of entities) target.attached.push(...arns)
        const location = this.plan.attributeLocation(instance, 'policy_arn')
        for (const arn of arns) {
          const policy = this.managedByArn.get(arn)?.policy
          this.addOutside(
            outside,
            policy ? { policy } : { missingPolicy: arn },
            undefined,
            location
          )
        }
      }
    }
  }

  /** `aws_iam_group_membership` and `aws_iam_user_group_membership`. */
  private readMemberships() {
    for (const instance of this.plan.ofType('aws_iam_group_membership')) {
      const group = this.plan.knownString(instance, 'group')
      const groups = group
        ? [group]
        : this.entitiesNamed(instance, 'group', 'group').map((entity) => entity.name)
      for (const user of this.entitiesNamed(instance, 'users', 'user')) user.groups.push(...groups)
    }
    for (const instance of this.plan.ofType('aws_iam_user_group_membership')) {
      const groups = this.namesOf(instance, 'groups', 'group')
      for (const user of this.entitiesNamed(instance, 'user', 'user')) user.groups.push(...groups)
    }
  }

  /** Group names that attribute `name` lists: known names, or groups of the plan its references name. */
  private namesOf(instance: ResourceInstance, name: string, kind: Entity['kind']): string[] {
    const value = this.plan.value(instance, name)
    const elements = unknownElements(instance, name)
    if (
      value.known &&
      Array.isArray(value.value) &&
      elements !== true &&
      !elements.includes(true)
    ) {
      return value.value.filter((item): item is string => typeof item === 'string')
    }
    return this.entitiesNamed(instance, name, kind).map((entity) => entity.name)
  }

  /**
   * Returns the entities of the plan that attribute `name` of a membership resource names.
   * A membership of an entity outside the plan is a warning, because no fact field carries it.
   */
  private entitiesNamed(instance: ResourceInstance, name: string, kind: Entity['kind']): Entity[] {
    const { entities, outside } = this.entities.targetsOf(instance, name, kind)
    const location = this.plan.attributeLocation(instance, name)
    for (const target of outside) {
      this.plan.warn(
        `${instance.address} changes the group memberships of ${kind} "${target.name}", which the plan does not define, so that change is not part of the facts; results for that ${kind} reflect the other fact files only`,
        location
      )
    }
    return entities
  }

  /**
   * The managed policy ARNs that attribute `name` holds: `known` when given, else those of
   * the plan's `aws_iam_policy` resources its references name, else a marker.
   */
  private resolveArns(
    instance: ResourceInstance,
    name: string,
    known: string | undefined
  ): string[] {
    if (known) return [known]
    const references = expressionReferences(configExpressions(instance.config), name)
    const targets = referencedInstances(
      this.plan.root,
      this.plan,
      instance,
      references,
      'aws_iam_policy'
    )
    const arns = targets
      .map((target) => this.managed.get(target)?.arn)
      .filter((arn): arn is string => arn !== undefined)
    if (arns.length > 0) return arns
    const location = this.plan.attributeLocation(instance, name)
    return [this.plan.markUnknown(instance, name, location)]
  }

  private unknownPolicy(
    instance: ResourceInstance,
    name: string,
    location: SourceLocation | undefined
  ): string {
    return this.plan.markUnknown(instance, name, location)
  }

  /** Resolves attached ARNs to documents and adds group policies for users. */
  private finish(entity: Entity, groups: Map<string, Entity>) {
    const policies = [...entity.inline]
    const missing = [...entity.unknownInline]
    const attach = (arns: string[]) => {
      for (const arn of arns) {
        if (this.destroyedManaged.has(arn)) continue
        const managed = this.managedByArn.get(arn)
        if (managed?.policy) policies.push(managed.policy)
        else missing.push(arn)
      }
    }
    attach([...new Set(entity.attached)])
    for (const groupName of new Set(entity.groups)) {
      const group = groups.get(groupName)
      if (!group) {
        missing.push(`arn:${this.plan.partition}:iam::${entity.accountId}:group/${groupName}`)
        continue
      }
      policies.push(...group.inline)
      missing.push(...group.unknownInline)
      attach([...new Set(group.attached)])
    }

    const { instance } = entity
    const location = this.plan.blockLocation(instance)
    const tags = readTags(this.plan, instance)
    const boundary = this.boundary(instance)
    return {
      arn: entity.arn,
      name: entity.name,
      path: entity.path,
      accountId: entity.accountId,
      policies: uniquePolicies(policies),
      missingPolicies: [...new Set(missing)],
      tags: tags ?? {},
      ...(tags === undefined && { tagsUnknown: true }),
      ...(boundary && { permissionsBoundary: boundary }),
      references: this.plan.references(instance),
      ...(instance.created && { pending: true }),
      fromCode: true,
      ...(location && { location })
    }
  }

  private boundary(instance: ResourceInstance): BoundaryRef | undefined {
    const value = this.plan.value(instance, 'permissions_boundary')
    if (value.known && (typeof value.value !== 'string' || value.value === '')) return undefined
    const [arn] = this.resolveArns(
      instance,
      'permissions_boundary',
      value.known ? (value.value as string) : undefined
    )
    const managed = this.managedByArn.get(arn)
    if (!managed?.policy) return { arn }
    return { arn, policy: { ...managed.policy, kind: 'permissions-boundary' } }
  }
}

function uniquePolicies(policies: Policy[]): Policy[] {
  return [...new Set(policies)]
}
