/**
 * Merging of facts that one ID names, read from several documents: identical duplicates
 * are dropped, and the same ID with other content is an `InputError` that names both
 * sources. Results are sorted by ID, so they do not depend on the order of files.
 */
import type { SourceLocation } from '../engine/model.js'
import { InputError } from '../inputs/errors.js'
import { compareText, contentKey } from './content-key.js'

/** A fact read from `source`. */
export interface Sourced<T> {
  fact: T
  source: string
}

/** How to identify a fact and name it in messages. */
export interface MergeNaming<T> {
  idOf: (fact: T) => string
  /** Names the fact in messages, such as `VPC endpoint vpce-0123456789abcdef0`. */
  describe: (fact: T) => string
}

/**
 * Merges facts by ID and returns them sorted by ID. Inputs must come sorted by source,
 * so the copy that is kept, and its location, do not depend on the order of files.
 * Throws an `InputError` at the later copy when one ID has two different contents.
 */
export function mergeById<T extends { location?: SourceLocation }>(
  items: Sourced<T>[],
  naming: MergeNaming<T>
): T[] {
  const byId = new Map<string, Sourced<T>>()
  for (const candidate of items) {
    const id = naming.idOf(candidate.fact)
    const known = byId.get(id)
    if (!known) {
      byId.set(id, candidate)
      continue
    }
    if (contentKey(known.fact) === contentKey(candidate.fact)) continue

    const places =
      known.source === candidate.source
        ? `twice in ${known.source}`
        : `in ${known.source} and ${candidate.source}`
    throw new InputError(
      `${naming.describe(candidate.fact)} is defined differently ${places}; keep one version of it`,
      candidate.fact.location
    )
  }
  return [...byId.values()]
    .map(({ fact }) => fact)
    .sort((left, right) => compareText(naming.idOf(left), naming.idOf(right)))
}
