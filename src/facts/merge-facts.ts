/**
 * Merging of key facts read from several documents. Identical duplicates are dropped;
 * the same key defined differently is an `InputError` that names both sources. Results
 * are sorted, so they do not depend on the order of files.
 */
import type { KeyFact } from '../engine/model.js'
import { InputError } from '../inputs/errors.js'
import { compareText, contentKey } from './content-key.js'

/** A key read from `source`. */
export interface SourcedKey {
  key: KeyFact
  source: string
}

/**
 * Merges keys by ARN, sorted by ARN. Inputs must come sorted by source. Throws an
 * `InputError` for a key defined differently twice, and for an alias that two keys of
 * one account and Region claim.
 */
export function mergeKeys(keys: SourcedKey[]): KeyFact[] {
  const byArn = new Map<string, SourcedKey>()
  for (const candidate of keys) {
    const known = byArn.get(candidate.key.arn)
    if (!known) {
      byArn.set(candidate.key.arn, candidate)
    } else if (contentKey(known.key) !== contentKey(candidate.key)) {
      const places =
        known.source === candidate.source
          ? `twice in ${known.source}`
          : `in ${known.source} and ${candidate.source}`
      throw new InputError(
        `key ${candidate.key.arn} is defined differently ${places}; keep one version of it`,
        candidate.key.location
      )
    }
  }
  checkAliasOwners([...byArn.values()])
  return [...byArn.values()]
    .map(({ key }) => key)
    .sort((left, right) => compareText(left.arn, right.arn))
}

/**
 * Throws when two keys claim the same alias in one account and Region. AWS lets an alias
 * name one key only, so one of the two key objects is stale, and guessing which could
 * resolve an expectation to the wrong key.
 */
function checkAliasOwners(keys: SourcedKey[]) {
  const owners = new Map<string, SourcedKey>()
  for (const candidate of keys) {
    const { key } = candidate
    for (const alias of key.aliases ?? []) {
      const slot = [key.partition, key.accountId, key.region, alias].join(':')
      const known = owners.get(slot)
      if (!known) {
        owners.set(slot, candidate)
        continue
      }
      throw new InputError(
        `${alias} names two keys in account ${key.accountId}, ${key.region}: ${known.key.arn} in ${known.source} and ${key.arn} in ${candidate.source}; an alias names one key, so remove the alias from the stale key object`,
        key.location
      )
    }
  }
}
