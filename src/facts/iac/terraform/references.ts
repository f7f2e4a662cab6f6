/**
 * Following configuration references (`aws_kms_key.this.id`, `var.key_id`,
 * `module.kms.key_arn`) to the resource instances of the plan they name, for values that
 * are known only after apply.
 */
import { isObject, type JsonObject } from '../../document-reader.js'
import { joinAddress, type ModuleStep, moduleAddress } from './address.js'
import { configModule, type ResourceInstance } from './plan-resources.js'
import { expressionReferences } from './plan-values.js'

/** How deep references are followed through variables and module outputs. */
const MAX_REFERENCE_DEPTH = 8

/** A resource a reference names: its module names, and the module keys and instance key when written. */
interface ResourcePattern {
  steps: ModuleStep[]
  /** True when the module keys were not written, as through `module.x.output`. */
  anyModuleKey: boolean
  type: string
  name: string
  key?: string
}

/** Finds the plan's instances by resource type and name, in any module. */
export interface InstanceLookup {
  instancesNamed(type: string, name: string): ResourceInstance[]
}

/**
 * Resolves the references of an expression of `from` (module-relative, as the configuration
 * lists them) to the instances they name. When several instances match, those with the
 * same instance key as `from` win, as `aws_kms_key.this[each.key]` inside a `for_each`
 * resource names its own counterpart.
 */
export function referencedInstances(
  root: JsonObject,
  lookup: InstanceLookup,
  from: ResourceInstance,
  references: string[],
  type?: string
): ResourceInstance[] {
  const patterns = references.flatMap((reference) =>
    resolvePatterns(root, from.steps, reference, 0)
  )
  const found = new Set<ResourceInstance>()
  for (const pattern of patterns) {
    if (type !== undefined && pattern.type !== type) continue
    for (const instance of lookup.instancesNamed(pattern.type, pattern.name)) {
      if (matchesPattern(instance, pattern)) found.add(instance)
    }
  }
  const matches = [...found]
  if (matches.length <= 1 || from.key === undefined) return matches
  const sameKey = matches.filter((instance) => instance.key === from.key)
  return sameKey.length > 0 ? sameKey : matches
}

function resolvePatterns(
  root: JsonObject,
  steps: ModuleStep[],
  reference: string,
  depth: number
): ResourcePattern[] {
  if (depth > MAX_REFERENCE_DEPTH) return []
  const parts = reference.split('.')

  if (parts[0] === 'var' && parts.length >= 2 && steps.length > 0) {
    const parentSteps = steps.slice(0, -1)
    const call = moduleCall(root, parentSteps, steps[steps.length - 1].name)
    const expressions = call && isObject(call.expressions) ? call.expressions : undefined
    return expressionReferences(expressions, stripKey(parts[1])).flatMap((next) =>
      resolvePatterns(root, parentSteps, next, depth + 1)
    )
  }

  if (parts[0] === 'module' && parts.length >= 3) {
    const name = stripKey(parts[1])
    const childSteps = [...steps, { name }]
    const module = configModule(root, childSteps)
    const output = module && isObject(module.outputs) ? module.outputs[parts[2]] : undefined
    const expression =
      isObject(output) && isObject(output.expression) ? output.expression : undefined
    return expressionReferences(expression ? { value: expression } : undefined, 'value').flatMap(
      (next) =>
        resolvePatterns(root, childSteps, next, depth + 1).map((pattern) => ({
          ...pattern,
          anyModuleKey: true
        }))
    )
  }

  if (!/^[a-z][a-z0-9]*_[A-Za-z0-9_-]+$/.test(parts[0]) || parts.length < 2) return []
  const match = /^([A-Za-z_][A-Za-z0-9_-]*)(\[.*\])?$/.exec(parts[1])
  if (!match) return []
  return [
    {
      steps,
      anyModuleKey: false,
      type: parts[0],
      name: match[1],
      ...(match[2] !== undefined && { key: match[2] })
    }
  ]
}

function moduleCall(root: JsonObject, steps: ModuleStep[], name: string): JsonObject | undefined {
  const module = configModule(root, steps)
  const call = module && isObject(module.module_calls) ? module.module_calls[name] : undefined
  return isObject(call) ? call : undefined
}

function matchesPattern(instance: ResourceInstance, pattern: ResourcePattern): boolean {
  if (instance.type !== pattern.type || instance.name !== pattern.name) return false
  if (pattern.key !== undefined && instance.key !== pattern.key) return false
  if (instance.steps.length !== pattern.steps.length) return false
  return instance.steps.every(
    (step, position) =>
      step.name === pattern.steps[position].name &&
      (pattern.anyModuleKey ||
        pattern.steps[position].key === undefined ||
        step.key === pattern.steps[position].key)
  )
}

function stripKey(part: string): string {
  return part.replace(/\[.*$/, '')
}

/**
 * Rewrites module-relative references for a message: `var.X` of a module becomes what
 * its module call passes, and the others get the module's address, as in
 * `module.kms.aws_kms_key.this.id`.
 */
export function describeReferences(
  root: JsonObject,
  steps: ModuleStep[],
  references: string[],
  depth = 0
): string[] {
  const described = references.flatMap((reference) => {
    if (!reference.startsWith('var.') || steps.length === 0 || depth > MAX_REFERENCE_DEPTH) {
      return [joinAddress(moduleAddress(steps), reference)]
    }
    const parentSteps = steps.slice(0, -1)
    const call = moduleCall(root, parentSteps, steps[steps.length - 1].name)
    const expressions = call && isObject(call.expressions) ? call.expressions : undefined
    const passed = expressionReferences(expressions, stripKey(reference.split('.')[1]))
    return passed.length > 0
      ? describeReferences(root, parentSteps, passed, depth + 1)
      : [joinAddress(moduleAddress(steps), reference)]
  })
  return [...new Set(described)]
}
