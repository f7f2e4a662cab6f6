/** Tags of a planned resource. */
import { isObject } from '../../document-reader.js'
import type { PlanContext } from './plan-context.js'
import type { ResourceInstance } from './plan-resources.js'
import { hasUnknownPart } from './plan-values.js'

/**
 * Returns the tags after apply: `tags_all`, which adds the provider's default tags, or
 * `tags` from providers that have no `tags_all`. Undefined when they are known only after apply.
 */
export function readTags(
  plan: PlanContext,
  instance: ResourceInstance
): Record<string, string> | undefined {
  const name =
    Object.hasOwn(instance.values, 'tags_all') || Object.hasOwn(instance.unknown, 'tags_all')
      ? 'tags_all'
      : 'tags'
  if (hasUnknownPart(instance, name)) return undefined
  const planned = plan.value(instance, name)
  if (!planned.known) return undefined
  if (!isObject(planned.value)) return {}
  return Object.fromEntries(
    Object.entries(planned.value).filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string'
    )
  )
}
