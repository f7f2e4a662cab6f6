/** List helpers that work on lists of any length. */

/**
 * Appends every item of `items` to `target` and returns `target`. Unlike
 * `target.push(...items)`, which passes each item as an argument on the call stack and
 * throws `RangeError: Maximum call stack size exceeded` above about 120,000 items on
 * Node 20, this works for lists of any length.
 */
export function appendAll<T>(target: T[], items: readonly T[]): T[] {
  for (const item of items) target.push(item)
  return target
}
