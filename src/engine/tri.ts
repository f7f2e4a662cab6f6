/**
 * Three-valued logic for matches that the engine may not be able to decide: a condition
 * operator it does not model, or a fact that was not supplied. `unknown` never counts as a
 * match for an Allow, and never counts as a miss for a Deny, so the gate fails closed.
 */
export type Tri = true | false | 'unknown'

export function and3(values: Iterable<Tri>): Tri {
  let result: Tri = true
  for (const value of values) {
    if (value === false) return false
    if (value === 'unknown') result = 'unknown'
  }
  return result
}

export function or3(values: Iterable<Tri>): Tri {
  let result: Tri = false
  for (const value of values) {
    if (value === true) return true
    if (value === 'unknown') result = 'unknown'
  }
  return result
}

export function not3(value: Tri): Tri {
  return value === 'unknown' ? 'unknown' : !value
}
