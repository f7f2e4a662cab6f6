/**
 * The roles, users and groups of a plan, and how resources that attach policies or add
 * members name them: by name, by ARN, or through configuration references. Names the plan
 * does not define are entities outside it.
 */
import type { Policy, SourceLocation } from '../../../engine/model.js'
import { isAccountId, parseArn } from '../../arn.js'
import type { PlanContext } from './plan-context.js'
import type { ResourceInstance } from './plan-resources.js'
import { configExpressions, expressionReferences, unknownElements } from './plan-values.js'
import { referencedInstances } from './references.js'

/** A role, user or group of the plan being built, with policies still named by ARN. */
export interface Entity {
  kind: 'role' | 'user' | 'group'
  instance: ResourceInstance
  name: string
  arn: string
  path: string
  accountId: string
  inline: Policy[]
  /** Attached managed policy ARNs, and markers for ARNs known only after apply. */
  attached: string[]
  /** Markers for inline policies known only after apply. */
  unknownInline: string[]
  groups: string[]
}

/** A role, user or group that a plan resource names but the plan does not define. */
export interface OutsideEntity {
  accountId: string
  kind: Entity['kind']
  name: string
}

/** The entities an attribute names: those of the plan, and those outside it. */
export interface Targets {
  entities: Entity[]
  outside: OutsideEntity[]
}

/** The plan's roles, users and groups, found by kind and name or ARN, or by resource instance. */
export class EntityIndex {
  readonly all: Entity[] = []
  private readonly byName = new Map<string, Entity>()
  private readonly byInstance = new Map<ResourceInstance, Entity>()

  constructor(private readonly plan: PlanContext) {}

  add(entity: Entity) {
    this.all.push(entity)
    this.byInstance.set(entity.instance, entity)
    // The first entity with a name wins, as a search in plan order would find it.
    for (const name of [entity.name, entity.arn]) {
      const key = nameKey(entity.kind, name)
      if (!this.byName.has(key)) this.byName.set(key, entity)
    }
  }

  ofKind(kind: Entity['kind']): Entity[] {
    return this.all.filter((entity) => entity.kind === kind)
  }

  /** Returns the entity of `kind` with name or ARN `name`. */
  named(kind: Entity['kind'], name: string): Entity | undefined {
    return this.byName.get(nameKey(kind, name))
  }

  /**
   * Returns the entities of `kind` that attribute `name` (a name, or a list of names) of
   * `instance` names. Roles and users may be named by ARN as well as by name. A known name
   * the plan does not define is an entity outside it. When the value is known only after
   * apply, its configuration references name entities of the plan; when they name none,
   * the value is recorded as unresolved, with a warning.
   */
  targetsOf(instance: ResourceInstance, name: string, kind: Entity['kind']): Targets {
    const value = this.plan.value(instance, name)
    const location = this.plan.attributeLocation(instance, name)
    const elements = unknownElements(instance, name)
    if (value.known && elements !== true && !elements.includes(true)) {
      const names = (Array.isArray(value.value) ? value.value : [value.value]).filter(
        (item): item is string => typeof item === 'string' && item !== ''
      )
      const targets: Targets = { entities: [], outside: [] }
      for (const entityName of names) {
        const entity = this.named(kind, entityName)
        if (entity) targets.entities.push(entity)
        else targets.outside.push(this.outsideEntity(instance, kind, entityName, location))
      }
      return targets
    }

    const references = expressionReferences(configExpressions(instance.config), name)
    const entities = referencedInstances(this.plan.root, this.plan, instance, references)
      .map((target) => this.byInstance.get(target))
      .filter((entity): entity is Entity => entity?.kind === kind)
    if (entities.length === 0) {
      this.plan.markUnknown(instance, name, location)
      this.plan.warn(
        `cannot tell which ${kind} ${instance.address} applies to: ${name} is known only after apply and names no ${kind} of the plan, so its policies are not part of the facts`,
        location
      )
    }
    return { entities, outside: [] }
  }

  /** An entity named by ARN is in the ARN's account; one named by name is in the plan's account. */
  private outsideEntity(
    instance: ResourceInstance,
    kind: Entity['kind'],
    value: string,
    location: SourceLocation | undefined
  ): OutsideEntity {
    const parts = value.startsWith('arn:') ? parseArn(value) : undefined
    if (parts && isAccountId(parts.accountId)) {
      const name = parts.resource.slice(parts.resource.lastIndexOf('/') + 1)
      return { accountId: parts.accountId, kind, name }
    }
    const accountId = this.plan.accountId(
      `${kind} "${value}" that ${instance.address} names`,
      location
    )
    return { accountId, kind, name: value }
  }
}

function nameKey(kind: string, name: string): string {
  return `${kind}\n${name}`
}
