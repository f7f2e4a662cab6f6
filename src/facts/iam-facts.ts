/**
 * Builds `AccountIamFacts` from authorization-details drafts: files of the same account
 * merge, and attached managed policies are resolved across all files, because AWS
 * managed policies may be in any of them.
 */
import type { AccountIamFacts, BoundaryRef, Policy, RoleFact, UserFact } from '../engine/model.js'
import { InputError } from '../inputs/errors.js'
import { appendAll } from './append.js'
import { compareText, contentKey } from './content-key.js'
import type { FactWarning } from './fact-types.js'
import type { EntityDraft, IamDocumentDraft, ManagedPolicyDraft } from './iam-document.js'

/** Builds one `AccountIamFacts` per account, sorted by account ID. Drafts must come sorted by source. */
export function buildIamFacts(
  drafts: IamDocumentDraft[],
  warnings: FactWarning[]
): AccountIamFacts[] {
  const resolver = new PolicyResolver(mergeManagedPolicies(drafts, warnings))
  const accounts = new Map<string, IamDocumentDraft[]>()
  for (const draft of drafts) {
    if (draft.accountId === undefined) continue
    accounts.set(draft.accountId, [...(accounts.get(draft.accountId) ?? []), draft])
  }

  const facts = [...accounts.entries()].map(([accountId, files]) =>
    buildAccount(accountId, files, resolver)
  )
  resolver.reportMissing(warnings)
  return facts.sort((left, right) => compareText(left.accountId, right.accountId))
}

function buildAccount(
  accountId: string,
  files: IamDocumentDraft[],
  resolver: PolicyResolver
): AccountIamFacts {
  const roles = mergeEntities(files.flatMap((file) => file.roles))
  const users = mergeEntities(files.flatMap((file) => file.users))
  const groups = mergeEntities(files.flatMap((file) => file.groups))
  const groupsByName = new Map(groups.map((group) => [group.name, group]))
  const partition = files[0].partition

  return {
    accountId,
    roles: roles.map((role): RoleFact => ({ kind: 'role', ...resolveEntity(role, [], resolver) })),
    users: users.map((user): UserFact => {
      const memberships = user.groups.map((name) => ({
        name,
        group: groupsByName.get(name),
        arn: `arn:${partition}:iam::${accountId}:group/${name}`
      }))
      return {
        kind: 'user',
        ...resolveEntity(user, memberships, resolver),
        groups: [...user.groups].sort(compareText)
      }
    }),
    groups: groups.map((group) => group.name).sort(compareText),
    source: [...new Set(files.map((file) => file.source))].join(', ')
  }
}

interface GroupMembership {
  name: string
  group?: EntityDraft
  /** Stands for the group's unknown policies when the group is not in the facts. */
  arn: string
}

function resolveEntity(
  entity: EntityDraft,
  memberships: GroupMembership[],
  resolver: PolicyResolver
) {
  const policies: Policy[] = [...entity.inlinePolicies]
  const missing: string[] = []
  const attach = (arns: string[]) => {
    for (const arn of arns) {
      const policy = resolver.policy(arn, entity.arn)
      if (policy) policies.push(policy)
      else missing.push(arn)
    }
  }
  attach(entity.attachedArns)
  for (const membership of memberships) {
    if (membership.group) {
      appendAll(policies, membership.group.inlinePolicies)
      attach(membership.group.attachedArns)
    } else {
      // NOTE: the group's policies are unknown; its ARN in missingPolicies makes results unknown.
      missing.push(membership.arn)
      resolver.noteMissingGroup(membership.arn, entity.arn)
    }
  }

  const resolved = {
    arn: entity.arn,
    name: entity.name,
    path: entity.path,
    accountId: entity.accountId,
    policies: [...new Set(policies)],
    missingPolicies: [...new Set(missing)].sort(compareText),
    tags: entity.tags
  }
  return {
    ...resolved,
    ...(entity.id !== undefined && { id: entity.id }),
    ...(entity.boundaryArn !== undefined && {
      permissionsBoundary: resolver.boundary(entity.boundaryArn, entity.arn)
    }),
    ...(entity.location && { location: entity.location })
  }
}

/** Looks up managed policies by ARN and remembers the ones that are missing, for one warning each. */
class PolicyResolver {
  private readonly boundaries = new Map<string, Policy>()
  private readonly missing = new Map<string, { what: string; principals: Set<string> }>()

  constructor(private readonly policies: Map<string, ManagedPolicyDraft>) {}

  policy(arn: string, principal: string): Policy | undefined {
    const policy = this.policies.get(arn)?.policy
    if (!policy) this.note(arn, 'managed policy', principal)
    return policy
  }

  /** Returns the boundary reference; its policy shares the managed policy's statements under the `permissions-boundary` kind. */
  boundary(arn: string, principal: string): BoundaryRef {
    const policy = this.policies.get(arn)?.policy
    if (!policy) {
      this.note(arn, 'permissions boundary', principal)
      return { arn }
    }
    let boundary = this.boundaries.get(arn)
    if (!boundary) {
      boundary = { ...policy, kind: 'permissions-boundary' }
      this.boundaries.set(arn, boundary)
    }
    return { arn, policy: boundary }
  }

  noteMissingGroup(arn: string, principal: string) {
    this.note(arn, 'group', principal)
  }

  reportMissing(warnings: FactWarning[]) {
    const entries = [...this.missing.entries()].sort(([left], [right]) => compareText(left, right))
    for (const [arn, { what, principals }] of entries) {
      const names = [...principals].sort(compareText)
      const shown =
        names.length > 3
          ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`
          : names.join(', ')
      const source =
        what === 'group'
          ? 'no authorization-details file defines it'
          : 'its document is in no fact file'
      warnings.push({
        code: 'facts',
        message: `${what} ${arn} applies to ${shown}, but ${source}; results for these principals are unknown`
      })
    }
  }

  private note(arn: string, what: string, principal: string) {
    const entry = this.missing.get(arn) ?? { what, principals: new Set<string>() }
    entry.principals.add(principal)
    this.missing.set(arn, entry)
  }
}

/** Merges entities by ARN: identical duplicates are dropped, different ones are an `InputError`. */
function mergeEntities(entities: EntityDraft[]): EntityDraft[] {
  const byArn = new Map<string, EntityDraft>()
  for (const entity of entities) {
    const known = byArn.get(entity.arn)
    if (!known) {
      byArn.set(entity.arn, entity)
    } else if (entityKey(known) !== entityKey(entity)) {
      throw new InputError(
        `${entity.kind} ${entity.arn} is defined differently in ${known.source} and ${entity.source}; keep one version of it`,
        entity.location
      )
    }
  }
  return [...byArn.values()].sort((left, right) => compareText(left.arn, right.arn))
}

function entityKey(entity: EntityDraft): string {
  const { source: _source, attachedArns, groups, ...content } = entity
  return contentKey({
    ...content,
    attachedArns: [...attachedArns].sort(compareText),
    groups: [...groups].sort(compareText)
  })
}

/**
 * Merges managed policies by ARN. Two different documents for one ARN are an
 * `InputError`, unless their version IDs differ: files captured at different times can
 * hold different versions of an AWS managed policy, and the newer one is used.
 */
function mergeManagedPolicies(
  drafts: IamDocumentDraft[],
  warnings: FactWarning[]
): Map<string, ManagedPolicyDraft> {
  const byArn = new Map<string, ManagedPolicyDraft>()
  for (const candidate of drafts.flatMap((draft) => draft.managedPolicies)) {
    const known = byArn.get(candidate.arn)
    if (!known || (!known.policy && candidate.policy)) {
      byArn.set(candidate.arn, candidate)
      continue
    }
    if (!candidate.policy || contentKey(known.policy) === contentKey(candidate.policy)) continue

    const knownVersion = versionNumber(known.versionId)
    const candidateVersion = versionNumber(candidate.versionId)
    if (
      knownVersion === undefined ||
      candidateVersion === undefined ||
      knownVersion === candidateVersion
    ) {
      throw new InputError(
        `managed policy ${candidate.arn} has different documents in ${known.source} and ${candidate.source} under the same version; keep one version of it`,
        candidate.location
      )
    }
    const newer = candidateVersion > knownVersion ? candidate : known
    byArn.set(candidate.arn, newer)
    warnings.push({
      code: 'facts',
      message: `managed policy ${candidate.arn} is ${known.versionId} in ${known.source} and ${candidate.versionId} in ${candidate.source}; using ${newer.versionId}, the newer version`,
      location: newer.location
    })
  }
  return byArn
}

function versionNumber(versionId: string | undefined): number | undefined {
  const match = versionId === undefined ? null : /^v(\d+)$/.exec(versionId)
  return match ? Number(match[1]) : undefined
}
