/**
 * Reading of the Organizations fact format: `Organization` as `aws organizations
 * describe-organization` prints it, `Accounts` with their parent chains, and `Policies`
 * as `describe-policy` prints them plus the policy's `Targets`.
 */
import type {
  OrganizationAccountFact,
  OrganizationFacts,
  OrganizationPolicyFact
} from '../engine/model.js'
import { isAccountId, parseArn } from './arn.js'
import { compareText } from './content-key.js'
import { DocumentReader, isObject, type JsonObject, quote } from './document-reader.js'
import { parseEmbeddedPolicy } from './embedded-policy.js'
import type { FactWarning, ParsedDocument } from './fact-types.js'

const POLICY_TYPES: Record<string, OrganizationPolicyFact['type']> = {
  SERVICE_CONTROL_POLICY: 'scp',
  RESOURCE_CONTROL_POLICY: 'rcp'
}

const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/
const ROOT_ID = /^r-[0-9a-z]{4,32}$/
const OU_ID = /^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/

/**
 * Reads an Organizations document; policies of other types are skipped with a warning.
 * Throws an `InputError` for a malformed `Organization`, and for an account listed both
 * in `Accounts` and in `ExternalAccounts`.
 */
export function readOrganizationDocument(
  document: ParsedDocument,
  warnings: FactWarning[]
): OrganizationFacts {
  const reader = new DocumentReader(document.source, document.index)
  const root = document.value as JsonObject
  const { organizationId, managementAccountId, partition } = readOrganization(reader, root)

  const accounts = readAccounts(reader, root)
  const facts: OrganizationFacts = {
    accounts,
    externalAccounts: readExternalAccounts(reader, root, accounts, managementAccountId),
    policies: reader
      .objectList(root, 'Policies', 'Policies')
      .flatMap((entry) => readPolicy(reader, entry, { managementAccountId, partition }, warnings)),
    source: document.source
  }
  if (organizationId !== undefined) facts.organizationId = organizationId
  if (managementAccountId !== undefined) facts.managementAccountId = managementAccountId
  return facts
}

interface OrganizationIdentity {
  organizationId?: string
  managementAccountId?: string
  partition: string
}

/**
 * Reads `Organization`. It may be left out, but when present it must be what
 * `describe-organization` prints, because without `MasterAccountId` the management
 * account, which no SCP or RCP affects, would be checked like a member account.
 */
function readOrganization(reader: DocumentReader, root: JsonObject): OrganizationIdentity {
  if (!Object.hasOwn(root, 'Organization')) return { partition: 'aws' }
  const organization = root.Organization
  const expected =
    'expected the "Organization" object that "aws organizations describe-organization" prints, with Id and MasterAccountId, or no Organization member'
  if (!isObject(organization)) {
    throw reader.error(
      `Organization must be an object, found ${quote(organization)}; ${expected}`,
      root,
      'Organization'
    )
  }
  if (Object.keys(organization).length === 0) {
    throw reader.error(`Organization is empty; ${expected}`, root, 'Organization')
  }

  const organizationId = reader.requireString(organization, 'Id', 'Id of Organization')
  if (!ORGANIZATION_ID.test(organizationId)) {
    throw reader.error(
      `Id of Organization must be an organization ID such as "o-a1b2c3d4e5", found ${quote(organizationId)}`,
      organization,
      'Id'
    )
  }
  const managementAccountId = reader.requireString(
    organization,
    'MasterAccountId',
    'MasterAccountId of Organization'
  )
  if (!isAccountId(managementAccountId)) {
    throw reader.error(
      `MasterAccountId of Organization must be a 12-digit account ID, found ${quote(managementAccountId)}`,
      organization,
      'MasterAccountId'
    )
  }
  const organizationArn = reader.optionalString(organization, 'Arn', 'Arn of Organization')
  const partition = (organizationArn && parseArn(organizationArn)?.partition) || 'aws'
  return { organizationId, managementAccountId, partition }
}

/** Reads `ExternalAccounts`: 12-digit IDs of accounts outside the organization, sorted and without duplicates. */
function readExternalAccounts(
  reader: DocumentReader,
  root: JsonObject,
  members: OrganizationAccountFact[],
  managementAccountId: string | undefined
): string[] {
  const written = reader.stringList(root, 'ExternalAccounts', 'ExternalAccounts')
  const list = root.ExternalAccounts as unknown[]
  const memberIds = new Set(members.map((account) => account.accountId))
  written.forEach((accountId, position) => {
    if (!isAccountId(accountId)) {
      throw reader.error(
        `entry ${position + 1} of ExternalAccounts must be a 12-digit account ID, found ${quote(accountId)}`,
        list,
        position
      )
    }
    if (memberIds.has(accountId)) {
      throw reader.error(
        `account ${accountId} is listed in both Accounts and ExternalAccounts; an account is either in the organization or outside it, so keep it in one list`,
        list,
        position
      )
    }
    if (accountId === managementAccountId) {
      throw reader.error(
        `account ${accountId} is the management account (Organization.MasterAccountId), so it cannot be in ExternalAccounts`,
        list,
        position
      )
    }
  })
  return [...new Set(written)].sort(compareText)
}

/** Reads `Accounts`, sorted by ID. An account listed twice with different parents is an `InputError`. */
function readAccounts(reader: DocumentReader, root: JsonObject): OrganizationAccountFact[] {
  const byId = new Map<string, OrganizationAccountFact>()
  for (const entry of reader.objectList(root, 'Accounts', 'Accounts')) {
    const account = readAccount(reader, entry)
    const known = byId.get(account.accountId)
    if (known && known.parents.join('/') !== account.parents.join('/')) {
      throw reader.error(
        `account ${account.accountId} is listed twice in Accounts with different parents (${known.parents.join(', ')} and ${account.parents.join(', ')}); keep the current one`,
        entry
      )
    }
    byId.set(account.accountId, account)
  }
  return [...byId.values()].sort((left, right) => compareText(left.accountId, right.accountId))
}

function readAccount(reader: DocumentReader, account: JsonObject): OrganizationAccountFact {
  const accountId = reader.requireString(account, 'Id', 'Id of an Accounts entry')
  if (!isAccountId(accountId)) {
    throw reader.error(
      `Id of an Accounts entry must be a 12-digit account ID, found ${quote(accountId)}`,
      account,
      'Id'
    )
  }
  const written = account.Parents
  if (!Array.isArray(written) || written.length === 0) {
    throw reader.error(
      `Parents of account ${accountId} must list the parent IDs from the root down, such as ["r-ab12", "ou-ab12-11111111"], found ${quote(written)}`,
      account,
      'Parents'
    )
  }
  const parents = written.map((parent, position) => {
    const id = isObject(parent) ? parent.Id : parent
    const valid = typeof id === 'string' && (position === 0 ? ROOT_ID.test(id) : OU_ID.test(id))
    if (!valid) {
      const expected = position === 0 ? 'the root ID (r-...)' : 'an OU ID (ou-...-...)'
      throw reader.error(
        `parent ${position + 1} of account ${accountId} must be ${expected}, found ${quote(parent)}; list the parents from the root down`,
        written,
        position
      )
    }
    return id
  })
  return { accountId, parents }
}

interface PolicyDefaults {
  managementAccountId?: string
  partition: string
}

function readPolicy(
  reader: DocumentReader,
  entry: JsonObject,
  defaults: PolicyDefaults,
  warnings: FactWarning[]
): OrganizationPolicyFact[] {
  const described = reader.optionalObject(entry, 'Policy', 'Policy of a Policies entry')
  if (!described)
    throw reader.error(
      'each Policies entry must hold "Policy", as "aws organizations describe-policy" prints it',
      entry
    )
  const summary = reader.optionalObject(described, 'PolicySummary', 'PolicySummary')
  if (!summary)
    throw reader.error('Policy of a Policies entry must hold "PolicySummary"', described)
  const id = reader.requireString(summary, 'Id', 'Id of a PolicySummary')
  const arn = reader.optionalString(summary, 'Arn', `Arn of policy ${id}`)
  const name = reader.optionalString(summary, 'Name', `Name of policy ${id}`) ?? id
  const type = reader.requireString(summary, 'Type', `Type of policy ${id}`)

  const kind = readPolicyType(reader, summary, type, `${name} (${id})`)
  if (!kind) {
    warnings.push({
      code: 'facts',
      message: `policy ${name} (${id}) has type ${type}, which does not affect KMS access, so it is skipped`,
      location: reader.locate(summary, 'Type')
    })
    return []
  }
  if (described.Content === undefined) {
    throw reader.error(
      `policy ${name} (${id}) has no Content; expected the policy JSON as a string`,
      described
    )
  }

  const policy = parseEmbeddedPolicy(reader, described, 'Content', {
    kind,
    name,
    ...(arn !== undefined && { arn }),
    ...(defaults.managementAccountId !== undefined && { accountId: defaults.managementAccountId }),
    partition: (arn && parseArn(arn)?.partition) || defaults.partition,
    label: `${kind.toUpperCase()} ${name} (${id})`
  })
  return [
    {
      type: kind,
      policy,
      targets: readTargets(reader, entry, `${kind.toUpperCase()} ${name} (${id})`)
    }
  ]
}

/**
 * Returns the kind of an SCP or RCP type, in any case because the Organizations API
 * prints upper case but other tools may not. Other types give undefined, except a type
 * that names a control policy in another spelling: skipping a misspelled SCP could hide
 * a Deny, so that is an `InputError`.
 */
function readPolicyType(
  reader: DocumentReader,
  summary: JsonObject,
  type: string,
  policy: string
): OrganizationPolicyFact['type'] | undefined {
  const kind = POLICY_TYPES[type.toUpperCase()]
  if (kind || !/CONTROL/i.test(type)) return kind
  throw reader.error(
    `Type of policy ${policy} must be SERVICE_CONTROL_POLICY or RESOURCE_CONTROL_POLICY for a control policy, found ${quote(type)}`,
    summary,
    'Type'
  )
}

/** Reads target IDs, given as strings or as `list-targets-for-policy` entries. */
function readTargets(reader: DocumentReader, entry: JsonObject, owner: string): string[] {
  const written = entry.Targets
  if (written === undefined || written === null) return []
  if (!Array.isArray(written)) {
    throw reader.error(
      `Targets of ${owner} must be a list of root, OU or account IDs, found ${quote(written)}`,
      entry,
      'Targets'
    )
  }
  const targets = written.map((target, position) => {
    const id = isObject(target) ? target.TargetId : target
    if (typeof id !== 'string' || !(ROOT_ID.test(id) || OU_ID.test(id) || isAccountId(id))) {
      throw reader.error(
        `target ${position + 1} of ${owner} must be a root, OU or account ID, or an object with TargetId, found ${quote(target)}`,
        written,
        position
      )
    }
    return id
  })
  return [...new Set(targets)].sort(compareText)
}
