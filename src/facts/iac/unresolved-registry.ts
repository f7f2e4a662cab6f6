/**
 * Collects the values of one template or plan that could not be resolved, and hands out
 * the marker that stands for each in policy text. Shared by the IaC readers.
 */
import type { SourceLocation, UnresolvedValue } from '../../engine/model.js'
import { unresolvedMarker } from '../../engine/unresolved.js'

/**
 * Unresolved values of one source file. IDs are `<source>:<n>`, so IDs of different files
 * never collide; the same expression at the same place gets one ID.
 */
export class UnresolvedRegistry {
  private readonly values: UnresolvedValue[] = []
  private readonly byKey = new Map<string, UnresolvedValue>()
  private readonly prefix: string

  constructor(source: string) {
    // A `}` would end the marker early, so it cannot appear in an ID.
    this.prefix = source.replaceAll('}', ')')
  }

  /** Records `expression` (as written) at `location` and returns its marker. */
  marker(expression: string, location?: SourceLocation): string {
    return unresolvedMarker(this.add(expression, location).id)
  }

  /** Records `expression` at `location` and returns the entry, reusing an equal one. */
  add(expression: string, location?: SourceLocation): UnresolvedValue {
    const key = JSON.stringify([expression, location?.line, location?.column])
    const known = this.byKey.get(key)
    if (known) return known
    const value: UnresolvedValue = {
      id: `${this.prefix}:${this.values.length + 1}`,
      expression,
      ...(location && { location })
    }
    this.values.push(value)
    this.byKey.set(key, value)
    return value
  }

  /** The values recorded so far, in the order they were first met. */
  list(): UnresolvedValue[] {
    return [...this.values]
  }
}
