/**
 * Merging of Organizations facts read from several documents. Identical duplicates are
 * dropped; the same account or policy defined differently is an `InputError` that names
 * both sources. Results are sorted, so they do not depend on the order of files.
 */
import type {
  OrganizationAccountFact,
  OrganizationFacts,
  OrganizationPolicyFact
} from '../engine/model.js'
import { InputError } from '../inputs/errors.js'
import { compareText, contentKey } from './content-key.js'
import type { FactWarning } from './fact-types.js'

/**
 * Merges Organizations documents of the same organization (documents without an
 * organization ID merge with each other). Inputs must come sorted by source. Throws an
 * `InputError` for an account or policy defined differently, an account that is a member
 * in one document and external in another, and an account that is a member of two
 * organizations. Adds a warning for an organization that lists no account or names no
 * management account, because its SCP and RCP results cannot be trusted.
 */
export function mergeOrganizations(
  documents: OrganizationFacts[],
  warnings: FactWarning[]
): OrganizationFacts[] {
  const byId = new Map<string, OrganizationFacts>()
  for (const document of documents) {
    const id = document.organizationId ?? ''
    const known = byId.get(id)
    byId.set(id, known ? mergeOrganization(known, document) : document)
  }
  const organizations = [...byId.values()]
    .map((organization) => ({
      ...organization,
      accounts: [...organization.accounts].sort((left, right) =>
        compareText(left.accountId, right.accountId)
      ),
      externalAccounts: [...organization.externalAccounts].sort(compareText),
      policies: [...organization.policies].sort((left, right) =>
        compareText(policyKey(left), policyKey(right))
      )
    }))
    .sort((left, right) => compareText(left.organizationId ?? '', right.organizationId ?? ''))

  checkMembershipsAcrossOrganizations(organizations)
  for (const organization of organizations) warnAboutMissingAccounts(organization, warnings)
  return organizations
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
  const externalAccounts = new Set(known.externalAccounts.concat(added.externalAccounts))
  for (const accountId of externalAccounts) {
    if (accounts.has(accountId)) throw memberAndExternal(accountId, known, added)
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
    externalAccounts: [...externalAccounts],
    policies: [...policies.values()],
    source: [known.source, added.source].join(', ')
  }
  if (known.organizationId !== undefined) merged.organizationId = known.organizationId
  const managementAccountId = known.managementAccountId ?? added.managementAccountId
  if (managementAccountId !== undefined) merged.managementAccountId = managementAccountId
  return merged
}

function memberAndExternal(
  accountId: string,
  known: OrganizationFacts,
  added: OrganizationFacts
): InputError {
  const isMember = (organization: OrganizationFacts) =>
    organization.accounts.some((account) => account.accountId === accountId)
  const memberSource = isMember(known) ? known.source : added.source
  const externalSource = isMember(known) ? added.source : known.source
  return new InputError(
    `account ${accountId} is in Accounts in ${memberSource} but in ExternalAccounts in ${externalSource}; an account is either in the organization or outside it, so keep it in one list`
  )
}

/** Throws when an account is a member of two organizations, because it can belong to one only. */
function checkMembershipsAcrossOrganizations(organizations: OrganizationFacts[]) {
  const owners = new Map<string, OrganizationFacts>()
  for (const organization of organizations) {
    for (const { accountId } of organization.accounts) {
      const known = owners.get(accountId)
      if (known) {
        throw new InputError(
          `account ${accountId} is a member of organization ${organizationName(known)} in ${known.source} and of organization ${organizationName(organization)} in ${organization.source}; an account belongs to one organization, so remove the stale entry`
        )
      }
      owners.set(accountId, organization)
    }
  }
}

function warnAboutMissingAccounts(organization: OrganizationFacts, warnings: FactWarning[]) {
  const name = `the Organizations facts in ${organization.source}`
  if (organization.accounts.length === 0 && organization.externalAccounts.length === 0) {
    warnings.push({
      code: 'facts',
      message: `${name} list no account (neither Accounts nor ExternalAccounts), so SCP and RCP results will be unknown for every account; list member accounts with their parents under Accounts, and other accounts under ExternalAccounts`
    })
  }
  if (organization.managementAccountId === undefined && organization.accounts.length > 0) {
    warnings.push({
      code: 'facts',
      message: `${name} name no management account (Organization.MasterAccountId). SCPs and RCPs do not affect the management account, but without its ID it is checked like a member account if it is in Accounts; add Organization as "aws organizations describe-organization" prints it`
    })
  }
}

function organizationName(organization: OrganizationFacts): string {
  return organization.organizationId ?? '(no ID)'
}

function policyKey(policy: OrganizationPolicyFact): string {
  return `${policy.type}:${policy.policy.arn ?? policy.policy.name}`
}
