/**
 * iam:SimulatePrincipalPolicy for one principal and one request context, with every
 * action and key of that group in one request, read into `SimulatedResult`s per action
 * and key.
 */
import {
  type EvaluationResult,
  type ResourceSpecificResult,
  SimulatePrincipalPolicyCommand,
  type Statement
} from '@aws-sdk/client-iam'
import type {
  FactGap,
  IamSimulationFact,
  SimulatedResult,
  SimulatedStatement
} from '../../engine/model.js'
import type { RequestContext } from '../../inputs/settings.js'
import { parseArn } from '../arn.js'
import type { CallContext } from './aws-call.js'
import { buildContextEntries, contextAsLists } from './context-entries.js'
import { iamGap } from './gap-reasons.js'
import { readAllPages } from './pages.js'
import type { ReadPrincipal } from './read-principals.js'

/** The expectations of one principal and one context, merged. */
export interface SimulationGroup {
  principal: ReadPrincipal
  /** The context as the expectations give it. */
  context: RequestContext
  /** Actions as written, without duplicates that differ only in case. */
  actions: string[]
  keyArns: string[]
}

/**
 * Runs the simulation of one group and returns its fact, or undefined with gaps pushed
 * when the call failed. The API documents no maximum count of actions or resources per
 * request (only the length of each name), so a group is sent whole. Large responses come
 * in pages, which are followed through `Marker`.
 */
export async function simulateGroup(
  group: SimulationGroup,
  context: CallContext,
  gaps: FactGap[]
): Promise<IamSimulationFact | undefined> {
  const { principal } = group
  const entries = buildContextEntries(group.context, implicitContext(group))
  const pages = await readAllPages(context, 'iam:SimulatePrincipalPolicy', async (marker) => {
    const page = await principal.access.iam.send(
      new SimulatePrincipalPolicyCommand({
        PolicySourceArn: principal.arn,
        ActionNames: group.actions,
        ResourceArns: group.keyArns,
        ContextEntries: entries,
        Marker: marker
      })
    )
    return {
      items: page.EvaluationResults ?? [],
      next: page.IsTruncated ? page.Marker : undefined,
      $metadata: page.$metadata
    }
  })
  if (!pages.ok) {
    const { gateArn, accountId } = principal.access
    const gap = iamGap('iam-simulation', principal.arn, pages.failure, gateArn, accountId)
    for (const subject of principal.written) gaps.push({ ...gap, subject })
    return undefined
  }

  const results = readEvaluationResults(pages.value, group.actions, group.keyArns)
  reportMissingResults(group, results, gaps)
  return {
    principalArn: principal.arn,
    context: contextAsLists(group.context),
    results,
    source: `iam:SimulatePrincipalPolicy (account ${principal.access.accountId})`
  }
}

/**
 * Values a real request carries whatever the manifest sets: the principal and its
 * account, and the key's account and Region when every key of the group shares them
 * (one request has one Region and one resource account).
 */
function implicitContext(group: SimulationGroup): Record<string, string> {
  const { fact } = group.principal
  const implicit: Record<string, string> = {
    'aws:PrincipalArn': fact.arn,
    'aws:PrincipalAccount': fact.accountId,
    'kms:CallerAccount': fact.accountId
  }
  const keyParts = group.keyArns.map((arn) => parseArn(arn))
  const regions = new Set(keyParts.map((parts) => parts?.region))
  const accounts = new Set(keyParts.map((parts) => parts?.accountId))
  const [region] = regions
  const [account] = accounts
  if (regions.size === 1 && region) {
    implicit['aws:RequestedRegion'] = region
    if (accounts.size === 1 && account) implicit['aws:ResourceAccount'] = account
  }
  return implicit
}

/**
 * Reads both response shapes: one result per action and resource (with
 * `EvalResourceName`), and one per action whose `ResourceSpecificResults` hold the
 * decision per resource. Results for resources not asked about, and decisions the
 * model does not know, are skipped; the missing pair is then reported as a gap.
 */
export function readEvaluationResults(
  evaluations: EvaluationResult[],
  actions: string[],
  keyArns: string[]
): SimulatedResult[] {
  const actionByName = new Map(actions.map((action) => [action.toLowerCase(), action]))
  const requested = new Set(keyArns)
  const results: SimulatedResult[] = []
  for (const evaluation of evaluations) {
    const action = actionByName.get((evaluation.EvalActionName ?? '').toLowerCase())
    if (!action) continue
    const organizations = evaluation.OrganizationsDecisionDetail?.AllowedByOrganizations
    const specific = evaluation.ResourceSpecificResults ?? []
    const perResource =
      specific.length > 0
        ? specific.map((entry) => fromResourceSpecific(entry, evaluation))
        : [fromEvaluation(evaluation)]
    for (const entry of perResource) {
      if (!entry.resourceArn || !requested.has(entry.resourceArn) || !entry.decision) continue
      results.push({
        action,
        resourceArn: entry.resourceArn,
        decision: entry.decision,
        matchedStatements: (entry.statements ?? []).map(readStatement),
        missingContextValues: entry.missing ?? [],
        ...(entry.boundary !== undefined && { allowedByPermissionsBoundary: entry.boundary }),
        ...(organizations !== undefined && { allowedByOrganizations: organizations })
      })
    }
  }
  return results
}

interface ResourceDecision {
  resourceArn?: string
  decision?: SimulatedResult['decision']
  statements?: Statement[]
  missing?: string[]
  boundary?: boolean
}

function fromEvaluation(evaluation: EvaluationResult): ResourceDecision {
  return {
    resourceArn: evaluation.EvalResourceName,
    decision: readDecision(evaluation.EvalDecision),
    statements: evaluation.MatchedStatements,
    missing: evaluation.MissingContextValues,
    boundary: evaluation.PermissionsBoundaryDecisionDetail?.AllowedByPermissionsBoundary
  }
}

/** Reads a resource-specific entry, taking the action's boundary detail when the entry has none. */
function fromResourceSpecific(
  entry: ResourceSpecificResult,
  evaluation: EvaluationResult
): ResourceDecision {
  const boundary =
    entry.PermissionsBoundaryDecisionDetail ?? evaluation.PermissionsBoundaryDecisionDetail
  return {
    resourceArn: entry.EvalResourceName,
    decision: readDecision(entry.EvalResourceDecision),
    statements: entry.MatchedStatements,
    missing: entry.MissingContextValues,
    boundary: boundary?.AllowedByPermissionsBoundary
  }
}

function readDecision(value: string | undefined): SimulatedResult['decision'] | undefined {
  return value === 'allowed' || value === 'explicitDeny' || value === 'implicitDeny'
    ? value
    : undefined
}

function readStatement(statement: Statement): SimulatedStatement {
  return {
    sourcePolicyId: statement.SourcePolicyId ?? '',
    sourcePolicyType: statement.SourcePolicyType ?? 'none',
    ...(statement.StartPosition?.Line !== undefined && {
      startLine: statement.StartPosition.Line
    }),
    ...(statement.StartPosition?.Column !== undefined && {
      startColumn: statement.StartPosition.Column
    })
  }
}

/** Pushes a gap for each action and key the simulator returned no usable decision for. */
function reportMissingResults(group: SimulationGroup, results: SimulatedResult[], gaps: FactGap[]) {
  const answered = new Set(results.map((result) => `${result.action}\u0000${result.resourceArn}`))
  const missing = group.actions.flatMap((action) =>
    group.keyArns
      .filter((keyArn) => !answered.has(`${action}\u0000${keyArn}`))
      .map((keyArn) => `${action} on ${keyArn}`)
  )
  if (missing.length === 0) return
  for (const subject of group.principal.written) {
    gaps.push({
      subject,
      part: 'iam-simulation',
      kind: 'unreadable',
      reason: `iam:SimulatePrincipalPolicy for ${group.principal.arn} returned no decision for ${missing.join(', ')}`
    })
  }
}
