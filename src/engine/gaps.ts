/**
 * Facts a live run could not read. A key that AWS reports missing denies the request; anything
 * the gate could not read makes the affected lock `unknown`, with the gap's reason (which
 * names the missing permission and where to grant it) in place of a generic one.
 */
import type { FactGap, Facts } from './model.js'

export type KeyGaps = Partial<Record<FactGap['part'], string>>

/** Finds the gap for a key that is not in the facts, as the expectation named it. */
export function missingKeyGap(
  facts: Facts,
  input: string,
  accountId: string | undefined,
  region: string | undefined
): FactGap | undefined {
  return (facts.gaps ?? []).find(
    (gap) =>
      gap.part === 'key' &&
      gap.subject === input &&
      (gap.accountId === undefined || gap.accountId === accountId) &&
      (gap.region === undefined || gap.region === region)
  )
}

/** Returns the reasons of the gaps in a key that is in the facts (policy, grants, aliases, tags). */
export function keyGaps(facts: Facts, keyArn: string): KeyGaps {
  const gaps: KeyGaps = {}
  for (const gap of facts.gaps ?? []) {
    if (gap.subject === keyArn && gap.part !== 'key') gaps[gap.part] = gap.reason
  }
  return gaps
}

/** Returns the reason a principal could not be read, for any of the ARNs it goes by. */
export function principalGap(facts: Facts, arns: (string | undefined)[]): string | undefined {
  const wanted = new Set(arns.filter((arn): arn is string => arn !== undefined))
  return (facts.gaps ?? []).find(
    (gap) => (gap.part === 'principal' || gap.part === 'iam-simulation') && wanted.has(gap.subject)
  )?.reason
}
