/**
 * Reading planned attribute values: whether each is known before apply, and what the
 * configuration says it depends on when it is not.
 */
import { isObject, type JsonObject } from '../../document-reader.js'
import type { ResourceInstance } from './plan-resources.js'

/** A planned value: known (possibly null), or known only after apply. */
export type PlannedValue = { known: true; value: unknown } | { known: false }

/** Returns the planned value of attribute `name` of `instance`. */
export function plannedValue(instance: ResourceInstance, name: string): PlannedValue {
  if (instance.unknown[name] === true) return { known: false }
  if (!Object.hasOwn(instance.values, name)) {
    return instance.absentIsUnknown ? { known: false } : { known: true, value: undefined }
  }
  return { known: true, value: instance.values[name] }
}

/** True when the value, or any element or member of it, is known only after apply. */
export function hasUnknownPart(instance: ResourceInstance, name: string): boolean {
  if (plannedValue(instance, name).known === false) return true
  return containsTrue(instance.unknown[name])
}

/**
 * Returns which elements of list attribute `name` are unknown (`after_unknown` gives a
 * list of booleans), or true when the whole list is.
 */
export function unknownElements(instance: ResourceInstance, name: string): boolean[] | true {
  const marks = instance.unknown[name]
  if (marks === true || plannedValue(instance, name).known === false) return true
  return Array.isArray(marks) ? marks.map(containsTrue) : []
}

/** True when the configuration sets attribute or block `name` (a computed attribute it does not set has no expression). */
export function isConfigured(instance: ResourceInstance, name: string): boolean {
  const expressions = configExpressions(instance.config)
  return expressions !== undefined && Object.hasOwn(expressions, name)
}

/**
 * Returns the references of the expression of `name` in `expressions` (a resource's, or a nested
 * block's), without those that are a prefix of another one, as Terraform lists
 * `aws_iam_role.app.arn` together with `aws_iam_role.app`.
 */
export function expressionReferences(expressions: JsonObject | undefined, name: string): string[] {
  const expression = expressions?.[name]
  const references =
    isObject(expression) && Array.isArray(expression.references) ? expression.references : []
  const names = references.filter((reference): reference is string => typeof reference === 'string')
  return [...new Set(names)].filter(
    (reference) =>
      !names.some(
        (other) =>
          other !== reference &&
          (other.startsWith(`${reference}.`) || other.startsWith(`${reference}[`))
      )
  )
}

/** Returns the `expressions` object of a configuration entry. */
export function configExpressions(config: JsonObject | undefined): JsonObject | undefined {
  return config && isObject(config.expressions) ? config.expressions : undefined
}

/** Text for an `UnresolvedValue`: `ADDRESS.ATTRIBUTE (known after apply; depends on REFS)`. */
export function knownAfterApply(subject: string, references: string[]): string {
  const dependsOn = references.length > 0 ? `; depends on ${references.join(', ')}` : ''
  return `${subject} (known after apply${dependsOn})`
}

function containsTrue(marks: unknown): boolean {
  if (marks === true) return true
  if (Array.isArray(marks)) return marks.some(containsTrue)
  if (isObject(marks)) return Object.values(marks).some(containsTrue)
  return false
}
