/**
 * Reading of the IAM simulation format: the output of `aws iam simulate-principal-policy`
 * with the simulated principal and the expectation context it stands for:
 * `{"PolicySourceArn", "Context", "EvaluationResults"}`. Live runs produce it, and a saved
 * copy reproduces a live run's IAM side offline. Both response shapes are read: one result
 * per action and resource (`EvalResourceName`), and one result per action with
 * `ResourceSpecificResults`.
 */
import type {
  AccountIamFacts,
  IamSimulationFact,
  RoleFact,
  SimulatedResult,
  SimulatedStatement,
  UserFact
} from '../engine/model.js'
import { parseArn } from './arn.js'
import { DocumentReader, isObject, type JsonObject, quote } from './document-reader.js'
import type { FactWarning, ParsedDocument } from './fact-types.js'
import { checkMemberNames } from './member-names.js'

const DOCUMENT_MEMBERS = [
  'PolicySourceArn',
  'Context',
  'EvaluationResults',
  'IsTruncated',
  'Marker'
]
const DECISIONS = new Set(['allowed', 'explicitDeny', 'implicitDeny'])

/** Reads one simulation document. Throws an `InputError` for a malformed one. */
export function readSimulationDocument(
  document: ParsedDocument,
  warnings: FactWarning[]
): IamSimulationFact {
  const reader = new DocumentReader(document.source, document.index)
  const root = document.value as JsonObject
  checkMemberNames(reader, root, DOCUMENT_MEMBERS, 'the IAM simulation file', warnings)

  const principalArn = reader.requireString(root, 'PolicySourceArn', 'PolicySourceArn')
  if (!simulatedPrincipal(principalArn)) {
    throw reader.error(
      `PolicySourceArn must be an IAM role or user ARN, such as "arn:aws:iam::111122223333:role/App", found ${quote(principalArn)}`,
      root,
      'PolicySourceArn'
    )
  }
  if (root.IsTruncated === true) {
    throw reader.error(
      'IsTruncated is true: the simulation output is one page of several; save every page (the AWS CLI does when --max-items is not set)',
      root,
      'IsTruncated'
    )
  }
  return {
    principalArn,
    context: readContext(reader, root),
    results: reader
      .objectList(root, 'EvaluationResults', 'EvaluationResults')
      .flatMap((entry) => readResult(reader, entry)),
    source: document.source
  }
}

/** Reads `Context`: condition keys to a string or a list of strings. */
function readContext(reader: DocumentReader, root: JsonObject): Record<string, string[]> {
  const context = reader.optionalObject(root, 'Context', 'Context') ?? {}
  const read: Record<string, string[]> = {}
  for (const [key, value] of Object.entries(context)) {
    if (typeof value === 'string') read[key] = [value]
    else if (Array.isArray(value) && value.every((item) => typeof item === 'string')) {
      read[key] = value as string[]
    } else {
      throw reader.error(
        `Context value of ${key} must be a string or a list of strings, found ${quote(value)}`,
        context,
        key
      )
    }
  }
  return read
}

/** Reads one `EvaluationResults` entry into one result per resource. */
function readResult(reader: DocumentReader, entry: JsonObject): SimulatedResult[] {
  const action = reader.requireString(entry, 'EvalActionName', 'EvalActionName')
  const specific = entry.ResourceSpecificResults
  if (Array.isArray(specific) && specific.length > 0) {
    return reader
      .objectList(entry, 'ResourceSpecificResults', 'ResourceSpecificResults')
      .map((resource) =>
        withDetails(
          reader,
          entry,
          {
            action,
            resourceArn: reader.requireString(resource, 'EvalResourceName', 'EvalResourceName'),
            decision: readDecision(reader, resource, 'EvalResourceDecision'),
            matchedStatements: readStatements(reader, resource),
            missingContextValues: reader.stringList(
              resource,
              'MissingContextValues',
              'MissingContextValues'
            )
          },
          resource
        )
      )
  }
  return [
    withDetails(reader, entry, {
      action,
      resourceArn: reader.requireString(entry, 'EvalResourceName', 'EvalResourceName'),
      decision: readDecision(reader, entry, 'EvalDecision'),
      matchedStatements: readStatements(reader, entry),
      missingContextValues: reader.stringList(entry, 'MissingContextValues', 'MissingContextValues')
    })
  ]
}

/** Adds the boundary and Organizations details; a resource's own details win over its action's. */
function withDetails(
  reader: DocumentReader,
  action: JsonObject,
  result: SimulatedResult,
  resource?: JsonObject
): SimulatedResult {
  const boundary =
    detail(reader, resource, 'PermissionsBoundaryDecisionDetail', 'AllowedByPermissionsBoundary') ??
    detail(reader, action, 'PermissionsBoundaryDecisionDetail', 'AllowedByPermissionsBoundary')
  const organizations = detail(
    reader,
    action,
    'OrganizationsDecisionDetail',
    'AllowedByOrganizations'
  )
  return {
    ...result,
    ...(boundary === undefined ? {} : { allowedByPermissionsBoundary: boundary }),
    ...(organizations === undefined ? {} : { allowedByOrganizations: organizations })
  }
}

function detail(
  reader: DocumentReader,
  container: JsonObject | undefined,
  member: string,
  flag: string
): boolean | undefined {
  if (!container) return undefined
  const object = reader.optionalObject(container, member, member)
  return object ? reader.optionalBoolean(object, flag, `${member}.${flag}`) : undefined
}

function readDecision(
  reader: DocumentReader,
  container: JsonObject,
  member: string
): SimulatedResult['decision'] {
  const value = reader.requireString(container, member, member)
  if (!DECISIONS.has(value)) {
    throw reader.error(
      `${member} must be allowed, explicitDeny or implicitDeny, found ${quote(value)}`,
      container,
      member
    )
  }
  return value as SimulatedResult['decision']
}

function readStatements(reader: DocumentReader, container: JsonObject): SimulatedStatement[] {
  return reader.objectList(container, 'MatchedStatements', 'MatchedStatements').map((entry) => {
    const start = isObject(entry.StartPosition) ? entry.StartPosition : undefined
    const statement: SimulatedStatement = {
      sourcePolicyId: reader.optionalString(entry, 'SourcePolicyId', 'SourcePolicyId') ?? '',
      sourcePolicyType:
        reader.optionalString(entry, 'SourcePolicyType', 'SourcePolicyType') ?? 'none'
    }
    if (typeof start?.Line === 'number') statement.startLine = start.Line
    if (typeof start?.Column === 'number') statement.startColumn = start.Column
    return statement
  })
}

/** True for the ARNs the simulator takes as PolicySourceArn that a KMS request can come from. */
function simulatedPrincipal(arn: string): boolean {
  const parts = parseArn(arn)
  if (parts?.service !== 'iam') return false
  return parts.resource.startsWith('role/') || parts.resource.startsWith('user/')
}

/**
 * Builds the entity of a principal known only through the simulator: its path and name come
 * from the ARN, its tags are unknown, and its policies are the simulator's to evaluate.
 */
export function simulatedEntity(principalArn: string, source: string): RoleFact | UserFact {
  const parts = parseArn(principalArn)
  if (!parts) throw new Error(`not an ARN: ${principalArn}`)
  const [type, ...rest] = parts.resource.split('/')
  const name = rest[rest.length - 1] ?? ''
  const path = rest.length > 1 ? `/${rest.slice(0, -1).join('/')}/` : '/'
  const base = {
    arn: principalArn,
    name,
    path,
    accountId: parts.accountId,
    policies: [],
    missingPolicies: [],
    tags: {},
    tagsUnknown: true,
    identitySource: 'simulator' as const,
    location: { file: source, line: 1, column: 1 }
  }
  return type === 'user' ? { ...base, kind: 'user', groups: [] } : { ...base, kind: 'role' }
}

/**
 * Adds simulated principals to the IAM facts, for those that no authorization-details file
 * defines (a principal read as documents keeps its documents). Returns new account facts.
 */
export function addSimulatedEntities(
  accounts: AccountIamFacts[],
  entities: (RoleFact | UserFact)[]
): AccountIamFacts[] {
  const byAccount = new Map(accounts.map((account) => [account.accountId, { ...account }]))
  for (const entity of entities) {
    const account = byAccount.get(entity.accountId) ?? {
      accountId: entity.accountId,
      roles: [],
      users: [],
      groups: [],
      source: entity.location?.file ?? 'IAM policy simulator'
    }
    const known = [...account.roles, ...account.users].some(
      (existing) => existing.arn === entity.arn
    )
    if (!known) {
      if (entity.kind === 'role') account.roles = [...account.roles, entity]
      else account.users = [...account.users, entity]
    }
    byAccount.set(entity.accountId, account)
  }
  return [...byAccount.values()].sort((left, right) =>
    left.accountId < right.accountId ? -1 : left.accountId > right.accountId ? 1 : 0
  )
}
