/** Comparison of facts by content, for telling identical duplicates from conflicts. */

/**
 * Serialises `value` with sorted keys and without `location` members, so the same
 * content read from two files, or written in another key order, gives the same key.
 */
export function contentKey(value: unknown): string {
  return JSON.stringify(normalise(value))
}

function normalise(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalise)
  if (typeof value !== 'object' || value === null) return value
  const result: Record<string, unknown> = {}
  for (const key of Object.keys(value).sort()) {
    if (key === 'location') continue
    const member = (value as Record<string, unknown>)[key]
    if (member !== undefined) result[key] = normalise(member)
  }
  return result
}

/** Compares strings by UTF-16 code units, independent of the locale. */
export function compareText(left: string, right: string): number {
  if (left < right) return -1
  return left > right ? 1 : 0
}
