/**
 * iam:SimulatePrincipalPolicy, evaluated with the project's engine pieces: the principal's
 * identity policies and permissions boundary matched with `matchPolicy`, and the SCPs with
 * `evaluateGuardrail`.
 */
import type { Policy } from '../../../src/engine/model.js'
import { evaluateGuardrail } from '../../../src/engine/organizations.js'
import { type PrincipalIdentity, resolvePrincipal } from '../../../src/engine/principal.js'
import { RequestContextValues } from '../../../src/engine/request-context.js'
import {
  type MatchRequest,
  matchPolicy,
  type StatementMatch
} from '../../../src/engine/statement-match.js'
import { parsePolicyDocument } from '../../../src/facts/policy-document.js'
import {
  accessDeniedMessage,
  type CallContext,
  numberParam,
  pageLimit,
  stringParam
} from './context.js'
import {
  noSuchEntity,
  paginate,
  type WireResponse,
  XmlMap,
  xmlError,
  xmlResponse
} from './protocol.js'
import { policyText, type StatementSpan, statementSpans } from './raw-json.js'
import {
  arnAccount,
  defaultVersionDocument,
  type EmulatorWorld,
  findByName,
  findEntity,
  findManagedPolicy,
  isObject,
  type JsonObject
} from './world.js'

type EvalDecision = 'allowed' | 'explicitDeny' | 'implicitDeny'

/** One policy of the principal, parsed, with where its statements are in its text. */
interface PolicySource {
  policy: Policy
  /** `SourcePolicyType`: role, user, group, aws-managed or user-managed. */
  type: string
  spans: StatementSpan[]
}

/** The simulation of one action on one resource. */
interface ResourceResult {
  action: string
  resource: string
  decision: EvalDecision
  matched: { source: PolicySource; index: number }[]
  missing: string[]
  allowedByBoundary?: boolean
  allowedByOrganizations?: boolean
}

/** Handles SimulatePrincipalPolicy for a role or user of the caller's account. */
export function simulatePrincipalPolicy(context: CallContext): WireResponse {
  const { params, world } = context
  const sourceArn = stringParam(params, 'PolicySourceArn')
  const actions = Array.isArray(params.ActionNames) ? (params.ActionNames as string[]) : []
  if (!sourceArn || actions.length === 0) {
    return xmlError('iam', 400, 'ValidationError', 'PolicySourceArn and ActionNames are required')
  }
  const resourcesGiven = Array.isArray(params.ResourceArns) && params.ResourceArns.length > 0
  const resources = resourcesGiven ? (params.ResourceArns as string[]) : ['*']

  if (arnAccount(sourceArn) !== context.caller.accountId) {
    return xmlError(
      'iam',
      403,
      'AccessDenied',
      accessDeniedMessage(context.caller.arn, 'iam:SimulatePrincipalPolicy', sourceArn)
    )
  }
  const entity = findEntity(world, sourceArn)
  if (!entity) {
    const kind = /:user\//.test(sourceArn) ? 'user' : 'role'
    return noSuchEntity(`The ${kind} with name ${sourceArn.split('/').pop()} cannot be found.`)
  }

  const principal: Principal = {
    identity: resolvePrincipal(sourceArn, world.facts, 'aws'),
    accountId: context.caller.accountId,
    sources: identitySources(world, entity.kind, entity.entry, context.caller.accountId),
    boundary: boundarySource(world, entity.entry),
    context: requestContext(params.ContextEntries)
  }
  const results = actions.map((action) =>
    resources.map((resource) => simulateOne(world, principal, action, resource))
  )
  const members =
    context.simulateShape === 'per-resource'
      ? results.flat().map((result) => perResourceMember(result, resourcesGiven))
      : results.map((perAction) => resourceSpecificMember(perAction, resourcesGiven))

  const limit = pageLimit(numberParam(params, 'MaxItems'), context.pageSizes.simulate)
  const page = paginate(members, params.Marker, limit)
  if ('invalidMarker' in page) return xmlError('iam', 400, 'InvalidInput', 'Invalid Marker')
  return xmlResponse('iam', 'SimulatePrincipalPolicy', {
    EvaluationResults: page.page,
    IsTruncated: page.nextMarker !== undefined,
    ...(page.nextMarker && { Marker: page.nextMarker })
  })
}

interface Principal {
  identity: PrincipalIdentity
  accountId: string
  sources: PolicySource[]
  /** Absent when the principal has no boundary; `policy` is absent when its document is not in the facts. */
  boundary?: { source?: PolicySource }
  context: RequestContextValues
}

function requestContext(entries: unknown): RequestContextValues {
  const context = new RequestContextValues()
  if (!Array.isArray(entries)) return context
  for (const entry of entries) {
    if (!isObject(entry) || typeof entry.ContextKeyName !== 'string') continue
    const values = Array.isArray(entry.ContextKeyValues) ? entry.ContextKeyValues.map(String) : []
    context.set(entry.ContextKeyName, values)
  }
  return context
}

/** Parses a policy document for the engine; undefined when it is missing or malformed. */
function parseSource(
  document: unknown,
  world: EmulatorWorld,
  options: {
    kind: 'identity' | 'permissions-boundary'
    name: string
    arn?: string
    accountId: string
    type: string
  }
): PolicySource | undefined {
  const text = policyText(document, world.textOf)
  if (text === undefined) return undefined
  try {
    const policy = parsePolicyDocument(text, {
      kind: options.kind,
      name: options.name,
      arn: options.arn,
      accountId: options.accountId,
      file: options.name
    })
    return { policy, type: options.type, spans: statementSpans(text) }
  } catch {
    return undefined
  }
}

const INLINE_LISTS = {
  role: 'RolePolicyList',
  user: 'UserPolicyList',
  group: 'GroupPolicyList'
} as const

/** Inline and attached managed policies of a role or user, and of the user's groups. */
function identitySources(
  world: EmulatorWorld,
  kind: 'role' | 'user',
  entry: JsonObject,
  accountId: string
): PolicySource[] {
  const holders: { kind: 'role' | 'user' | 'group'; entry: JsonObject }[] = [{ kind, entry }]
  if (kind === 'user' && Array.isArray(entry.GroupList)) {
    for (const name of entry.GroupList) {
      const group =
        typeof name === 'string' ? findByName(world, accountId, 'GroupDetailList', name) : undefined
      if (group) holders.push({ kind: 'group', entry: group })
    }
  }
  const sources: PolicySource[] = []
  for (const holder of holders) {
    const inline = holder.entry[INLINE_LISTS[holder.kind]]
    for (const item of Array.isArray(inline) ? inline : []) {
      if (!isObject(item)) continue
      const name = String(item.PolicyName)
      const source = parseSource(item.PolicyDocument, world, {
        kind: 'identity',
        name,
        accountId,
        type: holder.kind
      })
      if (source) sources.push(source)
    }
    const attached = holder.entry.AttachedManagedPolicies
    for (const item of Array.isArray(attached) ? attached : []) {
      if (!isObject(item) || typeof item.PolicyArn !== 'string') continue
      const source = managedSource(world, item.PolicyArn, 'identity', accountId)
      // NOTE: an attached managed policy whose document is not in the facts is left out.
      if (source) sources.push(source)
    }
  }
  return sources
}

function managedSource(
  world: EmulatorWorld,
  arn: string,
  kind: 'identity' | 'permissions-boundary',
  accountId: string
): PolicySource | undefined {
  const policy = findManagedPolicy(world, arn)
  if (!policy) return undefined
  const type = arnAccount(arn) === 'aws' ? 'aws-managed' : 'user-managed'
  const name = String(policy.PolicyName ?? arn.split('/').pop())
  return parseSource(defaultVersionDocument(policy), world, { kind, name, arn, accountId, type })
}

function boundarySource(world: EmulatorWorld, entry: JsonObject): Principal['boundary'] {
  const boundary = entry.PermissionsBoundary
  if (!isObject(boundary) || typeof boundary.PermissionsBoundaryArn !== 'string') return undefined
  const accountId = arnAccount(String(entry.Arn)) ?? ''
  return {
    source: managedSource(world, boundary.PermissionsBoundaryArn, 'permissions-boundary', accountId)
  }
}

interface SourcedMatch {
  source: PolicySource
  match: StatementMatch
}

function matchSources(sources: PolicySource[], request: MatchRequest): SourcedMatch[] {
  return sources.flatMap((source) =>
    matchPolicy(source.policy, request).map((match) => ({ source, match }))
  )
}

function simulateOne(
  world: EmulatorWorld,
  principal: Principal,
  action: string,
  resource: string
): ResourceResult {
  const request: MatchRequest = {
    identity: principal.identity,
    action,
    resourceArn: resource,
    context: principal.context
  }
  const identityMatches = matchSources(principal.sources, request)
  const boundarySources = principal.boundary?.source ? [principal.boundary.source] : []
  const boundaryMatches = matchSources(boundarySources, request)

  const applying = (matches: SourcedMatch[], effect: 'Allow' | 'Deny') =>
    matches.filter(({ match }) => match.statement.effect === effect && match.applies === true)
  const denies = [...applying(identityMatches, 'Deny'), ...applying(boundaryMatches, 'Deny')]
  const allows = applying(identityMatches, 'Allow')
  const allowedByBoundary = principal.boundary
    ? applying(boundaryMatches, 'Allow').length > 0 &&
      applying(boundaryMatches, 'Deny').length === 0
    : undefined

  const organizations = organizationsDecision(world, principal, request)
  let decision: EvalDecision = 'implicitDeny'
  if (denies.length > 0 || organizations?.denied) decision = 'explicitDeny'
  else if (allows.length > 0 && allowedByBoundary !== false && organizations?.allowed !== false)
    decision = 'allowed'

  const matched = decision === 'explicitDeny' ? denies : allows
  return {
    action,
    resource,
    decision,
    matched: matched.map(({ source, match }) => ({ source, index: match.statement.index })),
    missing: missingKeys([...identityMatches, ...boundaryMatches], principal.context),
    ...(allowedByBoundary !== undefined && { allowedByBoundary }),
    ...(organizations && { allowedByOrganizations: organizations.allowed })
  }
}

/** Returns the SCP decision, or undefined when no Organizations facts cover the principal's account. */
function organizationsDecision(
  world: EmulatorWorld,
  principal: Principal,
  request: MatchRequest
): { allowed: boolean; denied: boolean } | undefined {
  const { accountId } = principal
  const covered = world.facts.organizations.some(
    (organization) =>
      organization.managementAccountId === accountId ||
      organization.accounts.some((account) => account.accountId === accountId)
  )
  if (!covered) return undefined
  const outcome = evaluateGuardrail('scp', accountId, world.facts, request)
  const denied = outcome.denies.some((match) => match.applies === true)
  const open = outcome.status === 'open' || outcome.status === 'not-applicable'
  return { allowed: open && !denied, denied }
}

/** Condition keys of statements whose action and resource match, that the context lacks. */
function missingKeys(matches: SourcedMatch[], context: RequestContextValues): string[] {
  const missing = new Set<string>()
  for (const { match } of matches) {
    if (!match.actionMatches || !match.resourceMatches) continue
    for (const condition of match.statement.conditions) {
      if (!context.has(condition.key)) missing.add(condition.key)
    }
  }
  return [...missing]
}

function statementMembers(matched: ResourceResult['matched']): unknown[] {
  return matched.map(({ source, index }) => {
    const span = source.spans[index]
    return {
      SourcePolicyId: source.policy.name,
      SourcePolicyType: source.type,
      ...(span && {
        StartPosition: { Line: span.start.line, Column: span.start.column },
        EndPosition: { Line: span.end.line, Column: span.end.column }
      })
    }
  })
}

function decisionDetails(result: {
  allowedByBoundary?: boolean
  allowedByOrganizations?: boolean
}) {
  return {
    ...(result.allowedByBoundary !== undefined && {
      PermissionsBoundaryDecisionDetail: { AllowedByPermissionsBoundary: result.allowedByBoundary }
    }),
    ...(result.allowedByOrganizations !== undefined && {
      OrganizationsDecisionDetail: { AllowedByOrganizations: result.allowedByOrganizations }
    })
  }
}

/**
 * AWS documents `EvalDecisionDetails` as filled only for cross-account simulations: present
 * but empty for a same-account simulation with resource ARNs, absent for `*`. The emulator
 * simulates only principals of the caller's account.
 */
function emptyDetails(resourcesGiven: boolean): XmlMap | undefined {
  return resourcesGiven ? new XmlMap() : undefined
}

/** Builds one member per action and resource, with `EvalResourceName`. */
function perResourceMember(result: ResourceResult, resourcesGiven: boolean): unknown {
  return {
    EvalActionName: result.action,
    EvalResourceName: result.resource,
    EvalDecision: result.decision,
    MatchedStatements: statementMembers(result.matched),
    MissingContextValues: result.missing,
    EvalDecisionDetails: emptyDetails(resourcesGiven),
    ...decisionDetails(result)
  }
}

const RESTRICTIVENESS: EvalDecision[] = ['allowed', 'implicitDeny', 'explicitDeny']

/**
 * Builds one member per action, as AWS now responds: the most restrictive decision across the
 * resources at the top, each resource's own in `ResourceSpecificResults`.
 */
function resourceSpecificMember(results: ResourceResult[], resourcesGiven: boolean): unknown {
  const decision = results.reduce<EvalDecision>(
    (worst, result) =>
      RESTRICTIVENESS.indexOf(result.decision) > RESTRICTIVENESS.indexOf(worst)
        ? result.decision
        : worst,
    'allowed'
  )
  const matched = uniqueMatches(
    results.filter((result) => result.decision === decision).flatMap((result) => result.matched)
  )
  const every = (values: (boolean | undefined)[]) =>
    values.some((value) => value === undefined) ? undefined : values.every(Boolean)
  return {
    EvalActionName: results[0].action,
    EvalResourceName: '*',
    EvalDecision: decision,
    MatchedStatements: statementMembers(matched),
    MissingContextValues: [...new Set(results.flatMap((result) => result.missing))],
    EvalDecisionDetails: emptyDetails(resourcesGiven),
    ...decisionDetails({
      allowedByBoundary: every(results.map((result) => result.allowedByBoundary)),
      allowedByOrganizations: every(results.map((result) => result.allowedByOrganizations))
    }),
    ResourceSpecificResults: results.map((result) => ({
      EvalResourceName: result.resource,
      EvalResourceDecision: result.decision,
      MatchedStatements: statementMembers(result.matched),
      MissingContextValues: result.missing,
      ...(result.allowedByBoundary !== undefined && {
        PermissionsBoundaryDecisionDetail: {
          AllowedByPermissionsBoundary: result.allowedByBoundary
        }
      })
    }))
  }
}

function uniqueMatches(matched: ResourceResult['matched']): ResourceResult['matched'] {
  const seen = new Set<string>()
  return matched.filter(({ source, index }) => {
    const id = `${source.type}\u0000${source.policy.name}\u0000${index}`
    if (seen.has(id)) return false
    seen.add(id)
    return true
  })
}
