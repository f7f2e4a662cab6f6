/**
 * iam:SimulatePrincipalPolicy for one principal and one request context, with the actions
 * and keys of that group in as few requests as their implicit contexts allow, read into
 * `SimulatedResult`s per action and key.
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
import type { CallContext } from './aws-call.js'
import { buildContextEntries, canonicalContext, contextAsLists } from './context-entries.js'
import { iamGap } from './gap-reasons.js'
import { implicitContext, type KeyObject } from './implicit-context.js'
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
  /** Key objects read live, by key ARN; a key DescribeKey did not resolve has none. */
  keys: Map<string, KeyObject>
}

/** One SimulatePrincipalPolicy request: the action and key pairs that share an implicit context. */
interface SimulationRequest {
  implicit: RequestContext
  actions: string[]
  keyArns: string[]
  /** The pairs (see `pairId`) whose results this request supplies; it may return results for more. */
  pairs: Set<string>
}

/**
 * Runs the simulation of one group and returns its fact, or undefined with gaps pushed
 * when a call failed. The API documents no maximum count of actions or resources per
 * request (only the length of each name), so pairs are sent together, one request per
 * distinct implicit context (usually one for the whole group). Large responses come in
 * pages, which are followed through `Marker`.
 */
export async function simulateGroup(
  group: SimulationGroup,
  context: CallContext,
  gaps: FactGap[]
): Promise<IamSimulationFact | undefined> {
  const { principal } = group
  const requests = planRequests(group)
  const responses = await Promise.all(
    requests.map((request) => sendSimulation(group, request, context))
  )

  const results: SimulatedResult[] = []
  const problems = new Map<string, string>()
  for (const [index, response] of responses.entries()) {
    if (!response.ok) {
      const { gateArn, accountId } = principal.access
      const gap = iamGap('iam-simulation', principal.arn, response.failure, gateArn, accountId)
      for (const subject of principal.written) gaps.push({ ...gap, subject })
      return undefined
    }
    const { actions, keyArns, pairs } = requests[index]
    const read = readSimulation(response.value, actions, keyArns, pairs)
    results.push(...read.results)
    for (const [pair, reason] of read.problems) problems.set(pair, reason)
  }
  reportMissingResults(group, results, problems, gaps)
  return {
    principalArn: principal.arn,
    context: contextAsLists(group.context),
    results,
    source: `iam:SimulatePrincipalPolicy (account ${principal.access.accountId})`
  }
}

function sendSimulation(group: SimulationGroup, request: SimulationRequest, context: CallContext) {
  const { principal } = group
  const entries = buildContextEntries(group.context, request.implicit)
  return readAllPages(context, 'iam:SimulatePrincipalPolicy', async (marker, abortSignal) => {
    const page = await principal.access.iam.send(
      new SimulatePrincipalPolicyCommand({
        PolicySourceArn: principal.arn,
        ActionNames: request.actions,
        ResourceArns: request.keyArns,
        ContextEntries: entries,
        Marker: marker
      }),
      { abortSignal }
    )
    return {
      items: page.EvaluationResults ?? [],
      truncated: page.IsTruncated === true,
      next: page.Marker,
      $metadata: page.$metadata
    }
  })
}

/**
 * Splits the group's action and key pairs by the implicit context each needs, because one
 * request carries one context for all its pairs.
 */
function planRequests(group: SimulationGroup): SimulationRequest[] {
  const requests = new Map<string, SimulationRequest>()
  for (const action of group.actions) {
    for (const keyArn of group.keyArns) {
      const implicit = implicitContext(
        group.principal.fact,
        group.context,
        action,
        keyArn,
        group.keys.get(keyArn)
      )
      const id = canonicalContext(implicit)
      let request = requests.get(id)
      if (!request) {
        request = { implicit, actions: [], keyArns: [], pairs: new Set() }
        requests.set(id, request)
      }
      if (!request.actions.includes(action)) request.actions.push(action)
      if (!request.keyArns.includes(keyArn)) request.keyArns.push(keyArn)
      request.pairs.add(pairId(action, keyArn))
    }
  }
  return [...requests.values()]
}

function pairId(action: string, keyArn: string): string {
  return `${action}\u0000${keyArn}`
}

/**
 * Reads both response shapes: one result per action and resource (with
 * `EvalResourceName`), and one per action whose `ResourceSpecificResults` hold the
 * decision per resource. Results for resources not asked about, and decisions the
 * model does not know, are skipped. A pair whose results contradict each other gets no
 * result. The caller reports a missing pair as a gap.
 */
export function readEvaluationResults(
  evaluations: EvaluationResult[],
  actions: string[],
  keyArns: string[]
): SimulatedResult[] {
  return readSimulation(evaluations, actions, keyArns).results
}

/** The results of a simulation, and why the pairs without a result have none. */
interface SimulationReading {
  results: SimulatedResult[]
  /** Reason by pair (see `pairId`) for the pairs whose results contradict each other. */
  problems: Map<string, string>
}

const STRICTNESS = { allowed: 0, implicitDeny: 1, explicitDeny: 2 } as const

/**
 * Reads the evaluation results of every page of one request. With `ResourceSpecificResults`
 * the action-level `EvalDecision` is the aggregate over the resources, which the IAM API
 * Reference defines as the most restrictive of their decisions (explicitDeny over
 * implicitDeny over allowed), and its `MissingContextValues` apply to each resource. An
 * action whose aggregate is not that decision gets no result for any of its resources.
 * Results for the same pair that repeat (within a page or across pages) collapse when they
 * are equal, and give no result when they differ.
 */
function readSimulation(
  evaluations: EvaluationResult[],
  actions: string[],
  keyArns: string[],
  pairs?: Set<string>
): SimulationReading {
  const actionByName = new Map(actions.map((action) => [action.toLowerCase(), action]))
  const requested = new Set(keyArns)
  const candidates = new Map<string, SimulatedResult[]>()
  const problems = new Map<string, string>()
  const wanted = (action: string, resourceArn: string | undefined): resourceArn is string =>
    resourceArn !== undefined &&
    requested.has(resourceArn) &&
    (pairs === undefined || pairs.has(pairId(action, resourceArn)))

  for (const evaluation of evaluations) {
    const action = actionByName.get((evaluation.EvalActionName ?? '').toLowerCase())
    if (!action) continue
    const specific = evaluation.ResourceSpecificResults ?? []
    const perResource =
      specific.length > 0
        ? specific.map((entry) => fromResourceSpecific(entry, evaluation))
        : [fromEvaluation(evaluation)]

    const contradiction =
      specific.length > 0 ? aggregateProblem(evaluation, perResource) : undefined
    const organizations = evaluation.OrganizationsDecisionDetail?.AllowedByOrganizations
    for (const entry of perResource) {
      if (!wanted(action, entry.resourceArn)) continue
      const pair = pairId(action, entry.resourceArn)
      if (contradiction) {
        problems.set(pair, contradiction)
        continue
      }
      if (!entry.decision) continue
      const list = candidates.get(pair) ?? []
      list.push({
        action,
        resourceArn: entry.resourceArn,
        decision: entry.decision,
        matchedStatements: (entry.statements ?? []).map(readStatement),
        missingContextValues: entry.missing ?? [],
        ...(entry.boundary !== undefined && { allowedByPermissionsBoundary: entry.boundary }),
        ...(organizations !== undefined && { allowedByOrganizations: organizations })
      })
      candidates.set(pair, list)
    }
  }

  const results: SimulatedResult[] = []
  for (const [pair, list] of candidates) {
    if (problems.has(pair)) continue
    const distinct = new Set(list.map((result) => JSON.stringify(result)))
    if (distinct.size > 1) {
      const decisions = [...new Set(list.map((result) => result.decision))].join(', ')
      problems.set(
        pair,
        `it returned ${distinct.size} different answers for the same action and key (${decisions})`
      )
      continue
    }
    results.push(list[0])
  }
  return { results, problems }
}

/**
 * Returns why an action-level result does not agree with its per-resource results, or
 * undefined when its `EvalDecision` is the most restrictive of theirs. Per-resource
 * decisions the model does not know are left out of the comparison, since those
 * resources get no result anyway.
 */
function aggregateProblem(
  evaluation: EvaluationResult,
  perResource: ResourceDecision[]
): string | undefined {
  const decisions = perResource
    .map((entry) => entry.decision)
    .filter((decision) => decision !== undefined)
  if (decisions.length === 0) return undefined
  const strictest = decisions.reduce((left, right) =>
    STRICTNESS[right] > STRICTNESS[left] ? right : left
  )
  const aggregate = readDecision(evaluation.EvalDecision)
  if (aggregate === strictest) return undefined
  return `its action-level decision ${String(evaluation.EvalDecision)} is not the most restrictive of its per-resource decisions (${[...new Set(decisions)].join(', ')})`
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

/**
 * Reads a resource-specific entry, taking the action's boundary detail when the entry has
 * none, and adding the action's missing context values to the entry's.
 */
function fromResourceSpecific(
  entry: ResourceSpecificResult,
  evaluation: EvaluationResult
): ResourceDecision {
  const boundary =
    entry.PermissionsBoundaryDecisionDetail ?? evaluation.PermissionsBoundaryDecisionDetail
  // The action-level missing keys are those of the aggregate, so each resource may lack them.
  const missing = [
    ...new Set([...(entry.MissingContextValues ?? []), ...(evaluation.MissingContextValues ?? [])])
  ]
  return {
    resourceArn: entry.EvalResourceName,
    decision: readDecision(entry.EvalResourceDecision),
    statements: entry.MatchedStatements,
    missing,
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

/**
 * Pushes a gap for the actions and keys the simulator returned no usable decision for,
 * naming those whose result contradicts itself.
 */
function reportMissingResults(
  group: SimulationGroup,
  results: SimulatedResult[],
  problems: Map<string, string>,
  gaps: FactGap[]
) {
  const answered = new Set(results.map((result) => pairId(result.action, result.resourceArn)))
  const missing: string[] = []
  const contradicted: string[] = []
  for (const action of group.actions) {
    for (const keyArn of group.keyArns) {
      const pair = pairId(action, keyArn)
      if (answered.has(pair)) continue
      const problem = problems.get(pair)
      if (problem) contradicted.push(`${action} on ${keyArn}: ${problem}`)
      else missing.push(`${action} on ${keyArn}`)
    }
  }
  if (missing.length === 0 && contradicted.length === 0) return

  const operation = `iam:SimulatePrincipalPolicy for ${group.principal.arn}`
  const sentences = [
    ...(missing.length > 0 ? [`${operation} returned no decision for ${missing.join(', ')}.`] : []),
    ...(contradicted.length > 0
      ? [
          `The answer of ${operation} contradicts itself, so it is not used for ${contradicted.join('; ')}.`
        ]
      : [])
  ]
  for (const subject of group.principal.written) {
    gaps.push({
      subject,
      part: 'iam-simulation',
      kind: 'unreadable',
      reason: sentences.join(' ')
    })
  }
}
