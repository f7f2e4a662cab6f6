/** Conversion of SDK outputs back to the JSON that the AWS CLI prints for them. */

/**
 * Returns `value` as the AWS CLI would print it: `Date` objects become ISO 8601 strings,
 * `undefined` members are left out, and the SDK's `$metadata` is dropped.
 */
export function toCliJson(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString()
  if (Array.isArray(value)) return value.map(toCliJson)
  if (typeof value !== 'object' || value === null) return value
  const result: Record<string, unknown> = {}
  for (const [name, member] of Object.entries(value)) {
    if (member === undefined || name === '$metadata') continue
    result[name] = toCliJson(member)
  }
  return result
}
