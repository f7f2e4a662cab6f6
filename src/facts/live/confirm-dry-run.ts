/**
 * Confirmation of a live run's decisions by KMS itself: the gate assumes each role
 * principal and sends the expectation's request with `DryRun: true`. KMS returns
 * DryRunOperationException when the request would succeed, and AccessDeniedException
 * when it would be denied.
 */
import { KMSClient } from '@aws-sdk/client-kms'
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import pLimit from 'p-limit'
import type { DryRunConfirmation } from '../../check/results.js'
import type { Decision } from '../../engine/decision.js'
import { isAccountId, parseArn } from '../arn.js'
import {
  type AwsFailure,
  type CallContext,
  callAws,
  describeFailure,
  failureText
} from './aws-call.js'
import { CallRecorder, type CallSummary } from './call-summary.js'
import { callTimeoutMs, LIVE_DEFAULTS, roleArnOfIdentity, sdkClientSettings } from './clients.js'
import { canonicalContext } from './context-entries.js'
import { buildDryRunRequest, type DryRunRequest } from './dry-run-requests.js'
import type { LiveOptions } from './read-live-facts.js'

/** One result of the report to confirm. */
export interface DryRunTarget {
  /** Position of the result in `report.results`. */
  index: number
  principal: string
  action: string
  /** The key ARN as resolved. The request goes to its Region. */
  keyArn: string
  /** The engine's decision, which KMS's verdict is compared with. */
  decision: Decision
  /** The expectation's context: `kms:EncryptionContext:*` values become the request's encryption context. */
  context: Record<string, string | string[]>
  /** The role ARN with its path, for a principal that is an assumed-role session. */
  roleArn?: string
  /** `KeyMetadata.KeySpec`, which chooses the algorithm for asymmetric and HMAC keys. */
  keySpec?: string
}

/** The role session name of the dry runs, as CloudTrail shows it. */
export const DRY_RUN_SESSION_NAME = 'kms-access-gate-dry-run'

/**
 * Sends each target's request with `DryRun: true` as the target's role and compares KMS's
 * verdict with the engine's decision. Each role is assumed once with the default credentials,
 * and equal requests are sent once. A target that cannot be sent (not a role, an action
 * without DryRun, a role the gate may not assume, a failed call) is `not-checked` with the
 * reason, and never disagrees. Returns the confirmations by target index and the calls made,
 * in which KMS's verdicts (DryRunOperationException, AccessDeniedException, key state
 * errors) count as calls and not as failures.
 */
export async function confirmWithDryRun(
  targets: DryRunTarget[],
  options: LiveOptions
): Promise<{ confirmations: Map<number, DryRunConfirmation>; calls: CallSummary }> {
  const context: CallContext = {
    recorder: new CallRecorder(),
    limit: pLimit(options.concurrency ?? LIVE_DEFAULTS.concurrency),
    callTimeoutMs: callTimeoutMs(attemptSettings(options))
  }
  const sessions = new RoleSessions(options, context)
  const sent = new Map<string, Promise<KmsVerdict>>()
  const confirmations = new Map<number, DryRunConfirmation>()
  try {
    await Promise.all(
      targets.map(async (target) => {
        confirmations.set(target.index, await confirmTarget(target, sessions, sent))
      })
    )
  } finally {
    sessions.destroy()
  }
  return { confirmations, calls: context.recorder.summary() }
}

/** Returns the attempts and the timeout per attempt of the options, with the defaults filled in. */
function attemptSettings(options: LiveOptions) {
  return {
    maxAttempts: options.maxAttempts ?? LIVE_DEFAULTS.maxAttempts,
    requestTimeoutMs: options.requestTimeoutMs ?? LIVE_DEFAULTS.requestTimeoutMs
  }
}

/** KMS's verdict on one request, or why there is none. */
type KmsVerdict =
  | { kms: 'allowed' | 'denied'; detail: string }
  | { kms: 'not-checked'; detail: string }

async function confirmTarget(
  target: DryRunTarget,
  sessions: RoleSessions,
  sent: Map<string, Promise<KmsVerdict>>
): Promise<DryRunConfirmation> {
  const role = roleToAssume(target)
  if ('reason' in role) return notChecked(role.reason)

  const keyParts = parseArn(target.keyArn)
  if (keyParts?.service !== 'kms' || keyParts.region === '') {
    return notChecked(`key ${target.keyArn} is not a KMS key ARN, so its Region is unknown`)
  }
  const request = buildDryRunRequest({
    action: target.action,
    keyArn: target.keyArn,
    region: keyParts.region,
    context: target.context,
    ...(target.keySpec && { keySpec: target.keySpec })
  })
  if ('reason' in request) return notChecked(request.reason)

  const id = [
    role.roleArn,
    target.action.toLowerCase(),
    target.keyArn,
    canonicalContext(target.context)
  ].join('\u0000')
  let verdict = sent.get(id)
  if (!verdict) {
    verdict = askKms(request, role.roleArn, keyParts.region, target, sessions)
    sent.set(id, verdict)
  }
  return compare(target.decision, await verdict)
}

/** Returns the role to sign the request as, or why the principal cannot be confirmed. */
function roleToAssume(target: DryRunTarget): { roleArn: string } | { reason: string } {
  const { principal } = target
  const parts = parseArn(principal)
  if (!parts) {
    if (isAccountId(principal)) return { reason: accountReason(principal) }
    if (principal.endsWith('.amazonaws.com')) return { reason: serviceReason(principal) }
    return {
      reason: `principal ${principal} is not a role, and only role principals can be confirmed with a dry run`
    }
  }
  if (parts.service === 'iam' && /^role\//.test(parts.resource)) return { roleArn: principal }
  if (parts.service === 'iam' && parts.resource === 'root')
    return { reason: accountReason(principal) }
  if (parts.service === 'iam' && /^user\//.test(parts.resource)) {
    return {
      reason: `principal ${principal} is an IAM user; a dry run must be signed with the principal's own credentials, and the gate can obtain them only for roles, by sts:AssumeRole`
    }
  }
  if (parts.service === 'sts' && parts.resource.startsWith('assumed-role/')) {
    const pathless = roleArnOfIdentity(principal)
    const roleName = pathless.split('/').pop()
    if (!target.roleArn) {
      return {
        reason: `the role ARN of session ${principal} is unknown, so the gate cannot assume the role`
      }
    }
    if (target.roleArn.split('/').pop() !== roleName) {
      return { reason: `role ${target.roleArn} is not the role of session ${principal}` }
    }
    // NOTE: KMS evaluates the gate's own session of the role, without the named session's
    // session policy or session tags.
    return { roleArn: target.roleArn }
  }
  return {
    reason: `principal ${principal} is not a role, and only role principals can be confirmed with a dry run`
  }
}

function accountReason(principal: string): string {
  return `principal ${principal} is an account, which represents every identity in it, but a dry run is signed by one identity`
}

function serviceReason(principal: string): string {
  return `principal ${principal} is an AWS service, which signs its own requests; the gate cannot sign as it`
}

async function askKms(
  request: DryRunRequest,
  roleArn: string,
  region: string,
  target: DryRunTarget,
  sessions: RoleSessions
): Promise<KmsVerdict> {
  const session = await sessions.assume(roleArn)
  if ('reason' in session) return { kms: 'not-checked', detail: session.reason }

  const subject = `${target.action} on ${target.keyArn} as ${roleArn}`
  const client = session.kms(region)
  const result = await callAws(sessions.context, request.operation, (abortSignal) =>
    sendForVerdict(request, client, abortSignal)
  )
  if (!result.ok) return { kms: 'not-checked', detail: failureText(result.failure, subject) }
  const { verdict } = result.value
  // A request with DryRun never succeeds, so a success means KMS ran it for real.
  if (!verdict) {
    return {
      kms: 'allowed',
      detail: `KMS ran ${subject} although DryRun was set: the request succeeded`
    }
  }
  return interpretVerdict(verdict, subject, request)
}

/** Errors that are KMS's verdict on a dry run rather than a failed call. */
const VERDICT_CODES = new Set([
  'DryRunOperationException',
  'AccessDeniedException',
  'DisabledException',
  'KMSInvalidStateException'
])

/**
 * Sends the request and returns KMS's verdict as a value, so that the call summary counts
 * it as a call and not as a failure. Other errors are thrown for `callAws` to record.
 */
async function sendForVerdict(
  request: DryRunRequest,
  client: KMSClient,
  abortSignal: AbortSignal
): Promise<{ $metadata?: { attempts?: number }; verdict?: AwsFailure }> {
  try {
    const output = await request.send(client, abortSignal)
    return { $metadata: output.$metadata ?? {} }
  } catch (error) {
    const failure = describeFailure(request.operation, error)
    if (!VERDICT_CODES.has(failure.code)) throw error
    return { $metadata: { attempts: failure.attempts }, verdict: failure }
  }
}

function interpretVerdict(
  verdict: AwsFailure,
  subject: string,
  request: DryRunRequest
): KmsVerdict {
  const { code, message } = verdict
  if (code === 'DryRunOperationException') {
    return {
      kms: 'allowed',
      detail: `KMS DryRun of ${subject}: the request would succeed (${code})`
    }
  }
  if (code === 'AccessDeniedException') {
    if (request.ambiguousDenial) {
      return {
        kms: 'not-checked',
        detail: `KMS DryRun of ${subject} was denied, but ${request.ambiguousDenial} (${code}: ${message})`
      }
    }
    return { kms: 'denied', detail: `KMS DryRun of ${subject} was denied (${code}: ${message})` }
  }
  // DisabledException and KMSInvalidStateException: KMS rejects the request for the key's
  // state, whatever the policies allow.
  return {
    kms: 'denied',
    detail: `KMS DryRun of ${subject} was rejected because of the key's state (${code}: ${message})`
  }
}

/** Compares KMS's verdict with the engine's decision. An engine `unknown` never disagrees. */
function compare(decision: Decision, verdict: KmsVerdict): DryRunConfirmation {
  if (verdict.kms === 'not-checked') return notChecked(verdict.detail)
  const engineDenies = decision === 'explicit-deny' || decision === 'implicit-deny'
  const agrees = verdict.kms === 'allowed' ? !engineDenies : decision !== 'allowed'
  let detail = verdict.detail
  if (decision === 'unknown')
    detail += `; the engine could not decide, and this is what AWS decides today`
  else if (!agrees) detail += `, but the engine decided ${decision}`
  return { kms: verdict.kms, agrees, detail }
}

function notChecked(detail: string): DryRunConfirmation {
  return { kms: 'not-checked', agrees: true, detail }
}

/** The KMS clients of one assumed role, by Region. */
interface RoleSession {
  kms(region: string): KMSClient
}

/**
 * The sessions of the roles the dry runs sign as: sts:AssumeRole once per role with the
 * default credentials, and sts:GetCallerIdentity only to name the gate when a role
 * rejects it.
 */
class RoleSessions {
  private readonly sessions = new Map<string, Promise<RoleSession | { reason: string }>>()
  private readonly clients: { destroy(): void }[] = []
  private readonly sts: STSClient
  private gateArn?: Promise<string>

  constructor(
    private readonly options: LiveOptions,
    readonly context: CallContext
  ) {
    this.sts = this.track(
      new STSClient({ ...this.clientSettings(), ...(options.region && { region: options.region }) })
    )
  }

  assume(roleArn: string): Promise<RoleSession | { reason: string }> {
    let session = this.sessions.get(roleArn)
    if (!session) {
      session = this.startSession(roleArn)
      this.sessions.set(roleArn, session)
    }
    return session
  }

  destroy(): void {
    for (const client of this.clients) client.destroy()
  }

  private async startSession(roleArn: string): Promise<RoleSession | { reason: string }> {
    const assumed = await callAws(this.context, 'sts:AssumeRole', (abortSignal) =>
      this.sts.send(
        new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: DRY_RUN_SESSION_NAME }),
        { abortSignal }
      )
    )
    if (!assumed.ok) {
      const { failure } = assumed
      if (failure.code !== 'AccessDenied' && failure.code !== 'AccessDeniedException') {
        return { reason: `the gate could not assume ${roleArn}: ${failureText(failure, roleArn)}` }
      }
      const gate = await this.nameGate()
      return {
        reason: `the trust policy of ${roleArn} does not let the gate (${gate}) assume it, so KMS could not be asked as the role (${failure.code}: ${failure.message}); to confirm with a dry run, allow ${gate} sts:AssumeRole in that trust policy and in the gate's own policies`
      }
    }
    const issued = assumed.value.Credentials
    if (!issued?.AccessKeyId || !issued.SecretAccessKey) {
      return { reason: `sts:AssumeRole on ${roleArn} returned no credentials` }
    }
    const credentials = {
      accessKeyId: issued.AccessKeyId,
      secretAccessKey: issued.SecretAccessKey,
      sessionToken: issued.SessionToken,
      expiration: issued.Expiration
    }
    const byRegion = new Map<string, KMSClient>()
    return {
      kms: (region) => {
        let client = byRegion.get(region)
        if (!client) {
          client = this.track(new KMSClient({ ...this.clientSettings(), region, credentials }))
          byRegion.set(region, client)
        }
        return client
      }
    }
  }

  /** Returns the role ARN of the gate's credentials, or a description when it is unknown. */
  private nameGate(): Promise<string> {
    this.gateArn ??= callAws(this.context, 'sts:GetCallerIdentity', (abortSignal) =>
      this.sts.send(new GetCallerIdentityCommand({}), { abortSignal })
    ).then((identity) =>
      identity.ok && identity.value.Arn
        ? roleArnOfIdentity(identity.value.Arn)
        : "the gate's credentials"
    )
    return this.gateArn
  }

  private clientSettings() {
    return sdkClientSettings(attemptSettings(this.options))
  }

  private track<T extends { destroy(): void }>(client: T): T {
    this.clients.push(client)
    return client
  }
}
