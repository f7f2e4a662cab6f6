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

const ROOT_ID = /^r-[0-9a-z]{4,32}$/
const OU_ID = /^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/

/** Reads an Organizations document; policies of other types are skipped with a warning. */
export function readOrganizationDocument(
  document: ParsedDocument,
  warnings: FactWarning[]
): OrganizationFacts {
  const reader = new DocumentReader(document.source, document.index)
  const root = document.value as JsonObject
  const organization = reader.optionalObject(root, 'Organization', 'Organization') ?? {}
  const organizationId = reader.optionalString(organization, 'Id', 'Id of Organization')
  const managementAccountId = reader.optionalString(
    organization,
    'MasterAccountId',
    'MasterAccountId of Organization'
  )
  const organizationArn = reader.optionalString(organization, 'Arn', 'Arn of Organization')
  const partition = (organizationArn && parseArn(organizationArn)?.partition) || 'aws'

  const facts: OrganizationFacts = {
    accounts: reader
      .objectList(root, 'Accounts', 'Accounts')
      .map((account) => readAccount(reader, account))
      .sort((left, right) => compareText(left.accountId, right.accountId)),
    policies: reader
      .objectList(root, 'Policies', 'Policies')
      .flatMap((entry) => readPolicy(reader, entry, { managementAccountId, partition }, warnings)),
    source: document.source
  }
  if (organizationId !== undefined) facts.organizationId = organizationId
  if (managementAccountId !== undefined) facts.managementAccountId = managementAccountId
  return facts
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

  const kind = POLICY_TYPES[type]
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
