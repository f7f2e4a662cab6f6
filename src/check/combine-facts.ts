/**
 * Combining a live run's facts with fact files. What AWS returns wins: a key read live
 * replaces the same key from a file, a principal the simulator evaluated replaces the same
 * principal from authorization details, and a key or principal that AWS could not give
 * (not found, or not readable) is removed from the files too, so that its gap decides.
 * Files still supply what a live run does not read, such as Organizations policies (for
 * RCPs), VPC endpoints and session policies.
 */
import { resolveKeyAmong } from '../engine/key.js'
import type {
  AccountIamFacts,
  FactGap,
  Facts,
  KeyFact,
  PolicyAttachment,
  RoleFact,
  UserFact
} from '../engine/model.js'
import { applyAttachment, mergeKey, takeAliases } from '../facts/iac/read-iac.js'
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
  // Keys and principals from templates and plans describe the state the change deploys: they
  // are laid over what AWS returns, not replaced by it.
  const fromCode = (base?.keys ?? []).filter(isFromCode)
  const codeKeys = new Map(fromCode.map((key) => [key.arn, key]))
  const liveKeys = live.keys.facts.keys.map((key) => {
    const code = codeKeys.get(key.arn)
    return code ? mergeKey(key, code) : key
  })
  const liveKeyArns = new Set(live.keys.facts.keys.map((key) => key.arn))
  // What AWS could not give does not remove what the change creates.
  const gaps = withoutCodeSubjects(live.gaps, base)
  const unreadKeyArns = keysBehindGaps(base?.keys ?? [], gaps)
  const fileKeys = (base?.keys ?? []).filter(
    (key) => !liveKeyArns.has(key.arn) && (isFromCode(key) || !unreadKeyArns.has(key.arn))
  )
  const simulated = new Set(live.simulations.map((simulation) => simulation.principalArn))
  const keys = new Map([...liveKeys, ...fileKeys].map((key) => [key.arn, key]))
  // An alias that code points at its key leaves the key AWS still lists it on.
  for (const key of fromCode) takeAliases(keys, keys.get(key.arn) ?? key)
  const iam = mergeIam(
    withoutUnreadPrincipals(base?.iam ?? [], gaps),
    withoutCodeEntities(live.iam, base?.iam ?? [])
  )
  applyPendingAttachments(iam, base?.pendingAttachments ?? [])

  const facts: Facts = {
    iam,
    keys: [...keys.values()].sort((left, right) => compare(left.arn, right.arn)),
    organizations: base?.organizations ?? [],
    vpcEndpoints: base?.vpcEndpoints ?? [],
    sessionPolicies: base?.sessionPolicies ?? [],
    // A saved simulation of a principal the live run simulated would be out of date.
    iamSimulations: [
      ...live.simulations,
      ...(base?.iamSimulations ?? []).filter(
        (simulation) => !simulated.has(simulation.principalArn)
      )
    ],
    gaps,
    ...(base?.unresolved ? { unresolved: base.unresolved } : {})
  }
  return {
    facts,
    // The report's call summary lists what was read from AWS, so sources are the files.
    sources: files?.sources ?? [],
    warnings: [...(files?.warnings ?? []), ...live.keys.warnings]
  }
}

/**
 * Drops the gaps about keys and principals that code defines: a key a template creates is not
 * in AWS yet, and AWS's "not found" tells nothing about the state the change deploys.
 */
function withoutCodeSubjects(gaps: FactGap[], base: Facts | undefined): FactGap[] {
  if (!base) return gaps
  const codeKeys = base.keys.filter(isFromCode)
  const codeEntities = base.iam.flatMap((account) =>
    [...account.roles, ...account.users].filter(isFromCode)
  )
  return gaps.filter((gap) => {
    if (gap.part === 'key') {
      const resolved = resolveKeyAmong(gap.subject, codeKeys, {
        callerAccountId: gap.accountId,
        region: gap.region
      })
      return resolved.key === undefined
    }
    if (gap.part === 'principal' || gap.part === 'iam-simulation') {
      const named = entityOf(gap.subject)
      return !codeEntities.some(
        (entity) =>
          entity.arn === gap.subject ||
          (named !== undefined &&
            entity.accountId === named.accountId &&
            entity.kind === named.kind &&
            entity.name === named.name)
      )
    }
    return true
  })
}

/**
 * Applies the policies that code attaches to entities AWS returned (no fact file defined
 * them). On a simulated entity they join the simulator's result. A removal makes that result
 * outdated, so the IAM side is undecided.
 */
function applyPendingAttachments(accounts: AccountIamFacts[], attachments: PolicyAttachment[]) {
  if (attachments.length === 0) return
  const byAccount = new Map(accounts.map((account) => [account.accountId, account]))
  for (const attachment of attachments) {
    const applied = applyAttachment(byAccount, attachment)
    if (!applied || !attachment.removes?.length) continue
    const account = byAccount.get(attachment.accountId)
    if (!account) continue
    const outdated = `The change removes ${attachment.removes.join(', ')} from ${attachment.kind} ${attachment.name}, which the IAM policy simulator still counts.`
    const mark = <T extends RoleFact | UserFact>(entity: T): T =>
      entity.identitySource === 'simulator' && entity.name === attachment.name
        ? { ...entity, simulationOutdated: outdated }
        : entity
    if (attachment.kind === 'role') account.roles = account.roles.map(mark)
    else account.users = account.users.map(mark)
  }
}

/** True for a key or principal that a template or plan defines. */
function isFromCode(fact: { fromCode?: boolean }): boolean {
  return fact.fromCode === true
}

/** Drops the live principals that a template or plan defines: the code's version is the one checked. */
function withoutCodeEntities(live: AccountIamFacts[], files: AccountIamFacts[]): AccountIamFacts[] {
  const inCode = new Set(
    files
      .flatMap((account) => [...account.roles, ...account.users].filter(isFromCode))
      .map((entity) => entity.arn)
  )
  if (inCode.size === 0) return live
  return live.map((account) => ({
    ...account,
    roles: account.roles.filter((role) => !inCode.has(role.arn)),
    users: account.users.filter((user) => !inCode.has(user.arn))
  }))
}

/**
 * Returns the ARNs of file keys that a key gap names: the key as the expectation wrote it
 * (ARN, alias or key ID), resolved in the files the way the engine would resolve it.
 */
function keysBehindGaps(keys: KeyFact[], gaps: FactGap[]): Set<string> {
  const arns = new Set<string>()
  for (const gap of gaps) {
    if (gap.part !== 'key') continue
    const resolution = resolveKeyAmong(gap.subject, keys, {
      callerAccountId: gap.accountId,
      region: gap.region
    })
    if (resolution.key) arns.add(resolution.key.arn)
  }
  return arns
}

/**
 * Removes from the file facts the roles and users that AWS reported missing or that the
 * gate could not read, by account and name (a session ARN names its role without the path).
 */
function withoutUnreadPrincipals(accounts: AccountIamFacts[], gaps: FactGap[]): AccountIamFacts[] {
  const unread = gaps
    .filter((gap) => gap.part === 'principal')
    .map((gap) => entityOf(gap.subject))
    .filter((entity) => entity !== undefined)
  if (unread.length === 0) return accounts
  const isUnread = (accountId: string, kind: 'role' | 'user', name: string) =>
    unread.some(
      (entity) => entity.accountId === accountId && entity.kind === kind && entity.name === name
    )
  return accounts.map((account) => ({
    ...account,
    roles: account.roles.filter((role) => !isUnread(account.accountId, 'role', role.name)),
    users: account.users.filter((user) => !isUnread(account.accountId, 'user', user.name))
  }))
}

/** Reads the account, kind and name of a role, user or session ARN. */
function entityOf(
  arn: string
): { accountId: string; kind: 'role' | 'user'; name: string } | undefined {
  const parts = arn.split(':')
  if (parts.length < 6) return undefined
  const accountId = parts[4]
  const resource = parts.slice(5).join(':')
  const [type, ...rest] = resource.split('/')
  if (type === 'assumed-role' && rest.length >= 2) return { accountId, kind: 'role', name: rest[0] }
  if (type === 'role' || type === 'user') {
    const name = rest[rest.length - 1]
    return name ? { accountId, kind: type, name } : undefined
  }
  return undefined
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
  if (left === right) return 0
  return left < right ? -1 : 1
}
