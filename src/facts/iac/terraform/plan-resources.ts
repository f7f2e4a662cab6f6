/**
 * The resource instances a plan leaves after apply, with their planned values, which
 * of those are unknown until apply, and their configuration entries.
 */
import { isObject, type JsonObject } from '../../document-reader.js'
import { type ModuleStep, moduleAddress, type ParsedAddress, parseAddress } from './address.js'

/** One resource instance as it will be after apply. */
export interface ResourceInstance {
  address: string
  /** Module part of the address, `''` for the root module. */
  module: string
  steps: ModuleStep[]
  type: string
  name: string
  /** Instance key as written (`[0]`, `["a"]`). */
  key?: string
  /** Planned values: `change.after`, or the `values` of `planned_values`. */
  values: JsonObject
  /** `change.after_unknown`; empty for values taken from `planned_values`. */
  unknown: JsonObject
  /** True for values from `planned_values`, where an unknown value is simply absent. */
  absentIsUnknown: boolean
  /** True when this change creates the instance (also when it replaces it). */
  created: boolean
  /**
   * True for the state before a deletion: an instance the plan deletes, or the old object of
   * one it replaces. `values` are then the `before` values.
   */
  deleted?: boolean
  /** For a deleted instance: true when the plan creates the address again (a replacement). */
  replaced?: boolean
  /** The resource's entry in `configuration`, when the plan has one. */
  config?: JsonObject
}

/** The instances of a plan: those that exist after apply, and those it deletes or replaces. */
export interface PlanInstances {
  instances: ResourceInstance[]
  /** The `before` state of instances the plan deletes or replaces, in plan order. */
  deleted: ResourceInstance[]
}

/**
 * Lists the managed resource instances that exist after apply, and apart from them the old
 * state of those the plan deletes or replaces. `resource_changes` comes first, because
 * only it marks unknown values; `planned_values` fills in instances it does not list.
 */
export function collectInstances(root: JsonObject): PlanInstances {
  const instances = new Map<string, ResourceInstance>()
  const deletedInstances: ResourceInstance[] = []
  const deleted = new Set<string>()
  const changes = Array.isArray(root.resource_changes) ? root.resource_changes : []
  for (const change of changes) {
    if (!isObject(change) || change.mode !== 'managed' || typeof change.address !== 'string')
      continue
    const body = isObject(change.change) ? change.change : {}
    const actions = Array.isArray(body.actions) ? body.actions : []
    const replaced = actions.includes('create')
    if (actions.includes('delete') && isObject(body.before)) {
      const old = makeInstance(root, change.address, body.before, {
        unknown: {},
        absentIsUnknown: false,
        created: false
      })
      if (old) deletedInstances.push({ ...old, deleted: true, ...(replaced && { replaced }) })
    }
    if (actions.includes('delete') && !replaced) {
      deleted.add(change.address)
      continue
    }
    if (!isObject(body.after)) continue
    const instance = makeInstance(root, change.address, body.after, {
      unknown: isObject(body.after_unknown) ? body.after_unknown : {},
      absentIsUnknown: false,
      created: actions.includes('create')
    })
    if (instance) instances.set(instance.address, instance)
  }

  for (const resource of moduleResources(plannedRoot(root))) {
    const address = resource.address as string
    if (resource.mode !== 'managed' || instances.has(address) || deleted.has(address)) continue
    const values = isObject(resource.values) ? resource.values : {}
    const instance = makeInstance(root, address, values, {
      unknown: {},
      absentIsUnknown: true,
      created: false
    })
    if (instance) instances.set(address, instance)
  }
  return { instances: [...instances.values()], deleted: deletedInstances }
}

/** Known values of the data sources of `type` that the plan read, from any part of the plan. */
export function dataSourceValues(root: JsonObject, type: string): JsonObject[] {
  const found: JsonObject[] = []
  const prior =
    isObject(root.prior_state) && isObject(root.prior_state.values)
      ? root.prior_state.values.root_module
      : undefined
  for (const resource of [...moduleResources(prior), ...moduleResources(plannedRoot(root))]) {
    if (resource.mode === 'data' && resource.type === type && isObject(resource.values))
      found.push(resource.values)
  }
  return found
}

/** Returns the configuration module for `steps`, following `module_calls`. */
export function configModule(root: JsonObject, steps: ModuleStep[]): JsonObject | undefined {
  let module = isObject(root.configuration) ? root.configuration.root_module : undefined
  for (const step of steps) {
    if (!isObject(module) || !isObject(module.module_calls)) return undefined
    const call = module.module_calls[step.name]
    module = isObject(call) ? call.module : undefined
  }
  return isObject(module) ? module : undefined
}

/** Configuration resources of each module by mode, type and name, built once per module. */
const resourceIndexes = new WeakMap<JsonObject, Map<string, JsonObject>>()

/** Returns the configuration entry of a resource, by its parsed address. */
export function configResource(root: JsonObject, address: ParsedAddress): JsonObject | undefined {
  const module = configModule(root, address.modules)
  if (!module) return undefined
  let index = resourceIndexes.get(module)
  if (!index) {
    index = new Map()
    const resources = Array.isArray(module.resources) ? module.resources : []
    for (const resource of resources) {
      if (!isObject(resource)) continue
      const key = resourceKey(resource.mode ?? 'managed', resource.type, resource.name)
      // The first entry wins, as a search from the start of the list would find it.
      if (!index.has(key)) index.set(key, resource)
    }
    resourceIndexes.set(module, index)
  }
  return index.get(resourceKey(address.mode, address.type, address.name))
}

function resourceKey(mode: unknown, type: unknown, name: unknown): string {
  return JSON.stringify([mode, type, name])
}

function plannedRoot(root: JsonObject): unknown {
  return isObject(root.planned_values) ? root.planned_values.root_module : undefined
}

/** Returns every resource of a values module and its child modules, depth first. */
function moduleResources(module: unknown): JsonObject[] {
  if (!isObject(module)) return []
  const resources = Array.isArray(module.resources)
    ? module.resources.filter(
        (resource): resource is JsonObject =>
          isObject(resource) && typeof resource.address === 'string'
      )
    : []
  const children = Array.isArray(module.child_modules) ? module.child_modules : []
  return resources.concat(children.flatMap(moduleResources))
}

function makeInstance(
  root: JsonObject,
  address: string,
  values: JsonObject,
  state: Pick<ResourceInstance, 'unknown' | 'absentIsUnknown' | 'created'>
): ResourceInstance | undefined {
  const parsed = parseAddress(address)
  if (parsed?.mode !== 'managed') return undefined
  const config = configResource(root, parsed)
  return {
    address,
    module: moduleAddress(parsed.modules),
    steps: parsed.modules,
    type: parsed.type,
    name: parsed.name,
    ...(parsed.key !== undefined && { key: parsed.key }),
    values,
    ...state,
    ...(config && { config })
  }
}
