/**
 * Merging of key and Organizations facts read from several documents. Identical
 * duplicates are dropped; the same thing defined differently is an `InputError` that
 * names both sources. Results are sorted, so they do not depend on the order of files.
 */
import type {
  KeyFact,
  OrganizationAccountFact,
  OrganizationFacts,
  OrganizationPolicyFact
} from '../engine/model.js'
import { InputError } from '../inputs/errors.js'
import { compareText, contentKey } from './content-key.js'

/** A key read from `source`. */
export interface SourcedKey {
  key: KeyFact
  source: string
}

/** Merges keys by ARN, sorted by ARN. Inputs must come sorted by source. */
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
  return [...byArn.values()]
    .map(({ key }) => key)
    .sort((left, right) => compareText(left.arn, right.arn))
}

/**
 * Merges Organizations documents of the same organization (documents without an
 * organization ID merge with each other). Inputs must come sorted by source.
 */
export function mergeOrganizations(documents: OrganizationFacts[]): OrganizationFacts[] {
  const byId = new Map<string, OrganizationFacts>()
  for (const document of documents) {
    const id = document.organizationId ?? ''
    const known = byId.get(id)
    byId.set(id, known ? mergeOrganization(known, document) : document)
  }
  return [...byId.values()]
    .map((organization) => ({
      ...organization,
      accounts: [...organization.accounts].sort((left, right) =>
        compareText(left.accountId, right.accountId)
      ),
      policies: [...organization.policies].sort((left, right) =>
        compareText(policyKey(left), policyKey(right))
      )
    }))
    .sort((left, right) => compareText(left.organizationId ?? '', right.organizationId ?? ''))
}

function mergeOrganization(known: OrganizationFacts, added: OrganizationFacts): OrganizationFacts {
  const conflict = (what: string) =>
    new InputError(
      `${what} is defined differently in ${known.source} and ${added.source}; keep one version of it`
    )
  if (
    known.managementAccountId !== undefined &&
    added.managementAccountId !== undefined &&
    known.managementAccountId !== added.managementAccountId
  ) {
    throw conflict(`the management account of organization ${known.organizationId ?? '(no ID)'}`)
  }

  const accounts = new Map<string, OrganizationAccountFact>(
    known.accounts.map((account) => [account.accountId, account])
  )
  for (const account of added.accounts) {
    const existing = accounts.get(account.accountId)
    if (existing && contentKey(existing) !== contentKey(account))
      throw conflict(`account ${account.accountId}`)
    accounts.set(account.accountId, account)
  }
  const policies = new Map<string, OrganizationPolicyFact>(
    known.policies.map((policy) => [policyKey(policy), policy])
  )
  for (const policy of added.policies) {
    const existing = policies.get(policyKey(policy))
    if (existing && contentKey(existing) !== contentKey(policy))
      throw conflict(`${policy.type.toUpperCase()} ${policyKey(policy)}`)
    if (!existing) policies.set(policyKey(policy), policy)
  }

  const merged: OrganizationFacts = {
    accounts: [...accounts.values()],
    policies: [...policies.values()],
    source: [known.source, added.source].join(', ')
  }
  if (known.organizationId !== undefined) merged.organizationId = known.organizationId
  const managementAccountId = known.managementAccountId ?? added.managementAccountId
  if (managementAccountId !== undefined) merged.managementAccountId = managementAccountId
  return merged
}

function policyKey(policy: OrganizationPolicyFact): string {
  return `${policy.type}:${policy.policy.arn ?? policy.policy.name}`
}
