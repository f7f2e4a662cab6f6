/**
 * Combining a live run's facts with fact files. What AWS said wins: a key read live
 * replaces the same key from a file, and a principal the simulator evaluated replaces the
 * same principal from authorization details. Files still supply what a live run does not
 * read, such as Organizations policies (for RCPs), VPC endpoints and session policies.
 */
import type { AccountIamFacts, Facts } from '../engine/model.js'
import type { LoadedFacts } from '../facts/load-facts.js'

/** A live run's facts, in the engine's terms. */
export interface LiveFactsForCheck {
  keys: LoadedFacts
  iam: AccountIamFacts[]
  simulations: NonNullable<Facts['iamSimulations']>
  gaps: NonNullable<Facts['gaps']>
}

export function combineFacts(files: LoadedFacts | undefined, live: LiveFactsForCheck): LoadedFacts {
  const base = files?.facts
  const liveKeyArns = new Set(live.keys.facts.keys.map((key) => key.arn))
  const facts: Facts = {
    iam: mergeIam(base?.iam ?? [], live.iam),
    keys: [
      ...live.keys.facts.keys,
      ...(base?.keys ?? []).filter((key) => !liveKeyArns.has(key.arn))
    ].sort((left, right) => compare(left.arn, right.arn)),
    organizations: base?.organizations ?? [],
    vpcEndpoints: base?.vpcEndpoints ?? [],
    sessionPolicies: base?.sessionPolicies ?? [],
    iamSimulations: [...(base?.iamSimulations ?? []), ...live.simulations],
    gaps: live.gaps
  }
  return {
    facts,
    // The report's call summary says what was read from AWS; sources are the files.
    sources: files?.sources ?? [],
    warnings: [...(files?.warnings ?? []), ...live.keys.warnings]
  }
}

/** Merges the simulated principals into the file accounts, replacing principals with the same ARN. */
function mergeIam(files: AccountIamFacts[], live: AccountIamFacts[]): AccountIamFacts[] {
  const accounts = new Map(files.map((account) => [account.accountId, account]))
  for (const account of live) {
    const existing = accounts.get(account.accountId)
    if (!existing) {
      accounts.set(account.accountId, account)
      continue
    }
    const replaced = new Set([...account.roles, ...account.users].map((entity) => entity.arn))
    accounts.set(account.accountId, {
      ...existing,
      roles: [...existing.roles.filter((role) => !replaced.has(role.arn)), ...account.roles],
      users: [...existing.users.filter((user) => !replaced.has(user.arn)), ...account.users],
      source: `${existing.source}, ${account.source}`
    })
  }
  return [...accounts.values()].sort((left, right) => compare(left.accountId, right.accountId))
}

function compare(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0
}
