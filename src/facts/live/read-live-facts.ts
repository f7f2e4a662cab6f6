/**
 * Live mode: reads the facts the expectations need from AWS instead of exported files.
 * Key facts come back as key objects in the offline format, for `buildFacts`; the IAM
 * lock comes from the IAM policy simulator.
 */
import pLimit from 'p-limit'
import type {
  AccountIamFacts,
  FactGap,
  IamSimulationFact,
  RoleFact,
  UserFact
} from '../../engine/model.js'
import type { Expectation, ManifestDefaults } from '../../inputs/settings.js'
import type { FactDocument } from '../fact-types.js'
import type { CallContext } from './aws-call.js'
import { CallRecorder, type CallSummary } from './call-summary.js'
import { callTimeoutMs, LIVE_DEFAULTS, type LiveClients, openLiveClients } from './clients.js'
import { canonicalContext } from './context-entries.js'
import { planReads, type ReadPlan, uniqueGaps } from './plan.js'
import { type KeyReadResult, readKeys, referenceId } from './read-keys.js'
import { type PrincipalRequest, type ReadPrincipal, readPrincipal } from './read-principals.js'
import { entityId } from './references.js'
import { type SimulationGroup, simulateGroup } from './simulate.js'

export type { CallSummary } from './call-summary.js'
export { renderCallSummary } from './call-summary.js'

export interface LiveOptions {
  /** Default Region for clients and for expectations without one. */
  region?: string
  /** Account ID -> role ARN the gate assumes to read that account (keys and principals). */
  accountRoles: Record<string, string>
  /** Maximum concurrent AWS calls (default 4). */
  concurrency?: number
  /** SDK attempts per call including retries (default 5; standard retry mode with backoff). */
  maxAttempts?: number
  /**
   * Per-attempt socket timeout in ms (default 10000). Each call as a whole, retries
   * included, is also bounded (see `callTimeoutMs`).
   */
  requestTimeoutMs?: number
  /**
   * ARNs of keys that templates or plans define, by the key as an expectation writes it
   * (a reference or an alias the code points at its key); they are simulated as well.
   */
  codeKeyArns?: Record<string, string>
}

export interface LiveFacts {
  /** KMS key objects in the offline format (one per key), ready for `buildFacts`; `source` like `kms:us-east-1:111122223333:key/ID`. */
  keyDocuments: FactDocument[]
  /**
   * One AccountIamFacts per principal account with at least one role or user read, with
   * `identitySource: 'simulator'`, `policies: []`, and `tagsUnknown` unless the tags were read.
   */
  iam: AccountIamFacts[]
  simulations: IamSimulationFact[]
  gaps: FactGap[]
  /** Calls, attempts and failures per operation, and the gate's identity per account. */
  calls: CallSummary
  gateIdentity?: { arn: string; accountId: string }
  /** Reason the gate's own identity is unknown (no credentials, say). Nothing else is read then. */
  identityProblem?: string
}

/** A run's shared state: counts, the concurrency limit and the clients. */
export interface LiveRun {
  context: CallContext
  clients: LiveClients
  plan: ReadPlan
}

/** Opens the clients (one sts:GetCallerIdentity) and plans the reads. Call `clients.destroy()` when done. */
export async function startLiveRun(
  expectations: Expectation[],
  defaults: ManifestDefaults,
  options: LiveOptions
): Promise<LiveRun> {
  const attempts = {
    maxAttempts: options.maxAttempts ?? LIVE_DEFAULTS.maxAttempts,
    requestTimeoutMs: options.requestTimeoutMs ?? LIVE_DEFAULTS.requestTimeoutMs
  }
  const context: CallContext = {
    recorder: new CallRecorder(),
    limit: pLimit(options.concurrency ?? LIVE_DEFAULTS.concurrency),
    callTimeoutMs: callTimeoutMs(attempts)
  }
  const clients = await openLiveClients(
    { region: options.region ?? defaults.region, ...attempts, accountRoles: options.accountRoles },
    context
  )
  return { context, clients, plan: planReads(expectations, defaults, options.region) }
}

/**
 * Reads the keys, principals and simulations the expectations need. A failed or denied
 * call becomes a `FactGap` and never stops the other reads; nothing that failed is
 * reported as allowed. Each key and principal is read once per run.
 */
export async function readLiveFacts(
  expectations: Expectation[],
  defaults: ManifestDefaults,
  options: LiveOptions
): Promise<LiveFacts> {
  const run = await startLiveRun(expectations, defaults, options)
  try {
    const { context, clients, plan } = run
    if (!clients.gateIdentity) {
      // Every read would fail the same way; the caller reports it once.
      return {
        keyDocuments: [],
        iam: [],
        simulations: [],
        gaps: [],
        calls: context.recorder.summary(),
        identityProblem: clients.identityProblem ?? 'sts:GetCallerIdentity gave no identity'
      }
    }
    const gaps = [...plan.gaps]
    const keys = await readKeys(plan.keyReferences, clients, context, false)
    gaps.push(...keys.gaps)

    const requests = principalRequests(plan, keys)
    const principals = new Map<string, ReadPrincipal>()
    await Promise.all(
      [...requests].map(async ([id, request]) => {
        const principal = await readPrincipal(request, clients, context, gaps)
        if (principal) principals.set(id, principal)
      })
    )

    const groups = simulationGroups(plan, keys, principals, options.codeKeyArns ?? {})
    const simulations = (
      await Promise.all(groups.map((group) => simulateGroup(group, context, gaps)))
    ).filter((simulation) => simulation !== undefined)

    return {
      keyDocuments: keys.documents.map((document) => ({
        source: document.source,
        value: document.value
      })),
      iam: iamFacts([...principals.values()]),
      simulations,
      gaps: uniqueGaps(gaps),
      calls: context.recorder.summary(),
      ...(clients.gateIdentity && { gateIdentity: clients.gateIdentity })
    }
  } finally {
    run.clients.destroy()
  }
}

/** Lists the entities to read, marked for iam:GetRole/GetUser where a key policy needs their tags or IDs. */
function principalRequests(plan: ReadPlan, keys: KeyReadResult): Map<string, PrincipalRequest> {
  const requests = new Map<string, PrincipalRequest>()
  for (const [id, { entity, written }] of plan.entities) {
    requests.set(id, { entity, written, needsDetails: false })
  }
  for (const planned of plan.expectations) {
    if (!planned.entity || !planned.key) continue
    const keyArn = keys.resolved.get(referenceId(planned.key))
    const tests = keyArn ? keys.policyTests.get(keyArn) : undefined
    const request = requests.get(entityId(planned.entity))
    if (request && tests && (tests.principalTags || tests.uniqueIds)) request.needsDetails = true
  }
  return requests
}

/**
 * Groups the expectations by simulated principal and context. A key that DescribeKey
 * could not resolve is still simulated when the manifest gives its key ARN.
 */
function simulationGroups(
  plan: ReadPlan,
  keys: KeyReadResult,
  principals: Map<string, ReadPrincipal>,
  codeKeyArns: Record<string, string>
): SimulationGroup[] {
  const groups = new Map<string, SimulationGroup>()
  const keyObjects = new Map(keys.documents.map((document) => [document.keyArn, document.value]))
  for (const planned of plan.expectations) {
    if (!planned.entity) continue
    const principal = principals.get(entityId(planned.entity))
    const liveArn =
      planned.key &&
      (keys.resolved.get(referenceId(planned.key)) ??
        (planned.key.bare || planned.key.aliasName ? undefined : planned.key.keyId))
    // A key that templates or plans define (by reference, or an alias they move to it) is
    // simulated by its ARN from the code too, so the IAM side is known for the state they deploy.
    const codeArn = codeKeyArns[planned.expectation.key]
    const keyArns = [liveArn, codeArn].filter((arn): arn is string => arn !== undefined)
    if (!principal || keyArns.length === 0) continue

    const { context, actions } = planned.expectation
    const id = `${principal.arn}\u0000${canonicalContext(context)}`
    let group = groups.get(id)
    if (!group) {
      group = { principal, context, actions: [], keyArns: [], keys: keyObjects }
      groups.set(id, group)
    }
    for (const action of actions) {
      const known = group.actions.some((entry) => entry.toLowerCase() === action.toLowerCase())
      if (!known) group.actions.push(action)
    }
    for (const keyArn of keyArns) if (!group.keyArns.includes(keyArn)) group.keyArns.push(keyArn)
  }
  return [...groups.values()]
}

function iamFacts(principals: ReadPrincipal[]): AccountIamFacts[] {
  const accounts = new Map<string, AccountIamFacts>()
  for (const { fact } of principals) {
    let account = accounts.get(fact.accountId)
    if (!account) {
      account = {
        accountId: fact.accountId,
        roles: [],
        users: [],
        groups: [],
        source: `iam:${fact.accountId}`
      }
      accounts.set(fact.accountId, account)
    }
    if (fact.kind === 'role') account.roles.push(fact as RoleFact)
    else account.users.push(fact as UserFact)
  }
  const byArn = (left: { arn: string }, right: { arn: string }) =>
    left.arn.localeCompare(right.arn, 'en')
  return [...accounts.values()]
    .map((account) => ({
      ...account,
      roles: account.roles.sort(byArn),
      users: account.users.sort(byArn)
    }))
    .sort((left, right) => left.accountId.localeCompare(right.accountId, 'en'))
}
