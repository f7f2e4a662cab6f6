/**
 * The SDK clients of a live run: the gate's own credentials (the SDK default chain) for
 * its own account, and the credentials of an assumed role for each mapped account.
 */
import { IAMClient } from '@aws-sdk/client-iam'
import { KMSClient } from '@aws-sdk/client-kms'
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { parseArn } from '../arn.js'
import { type CallContext, callAws, failureText } from './aws-call.js'

/** Client settings shared by every client of the run. */
export interface ClientSettings {
  /** Region of the STS and IAM clients. Undefined lets the SDK read `AWS_REGION`. */
  region?: string
  maxAttempts: number
  requestTimeoutMs: number
  /** Account ID -> role ARN to assume there. */
  accountRoles: Record<string, string>
}

/** The clients that read one account, and the ARN to name when that account must grant the gate something. */
export interface AccountAccess {
  accountId: string
  /** The role (or user) ARN the gate reads this account as, for policies to name. */
  gateArn: string
  kms(region: string): KMSClient
  iam: IAMClient
}

/** The gate's clients per account; an account without clients gives the reason. */
export interface LiveClients {
  gateIdentity?: { arn: string; accountId: string }
  /** Why sts:GetCallerIdentity gave no identity, when it did not. */
  identityProblem?: string
  forAccount(accountId: string): Promise<AccountAccess | { reason: string }>
  destroy(): void
}

/** Temporary credentials from sts:AssumeRole. */
interface Credentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
  expiration?: Date
}

/** Defaults of the live options: concurrent calls, SDK attempts per call, timeout per attempt (ms). */
export const LIVE_DEFAULTS = { concurrency: 4, maxAttempts: 5, requestTimeoutMs: 10_000 }

/**
 * The maximum backoff the SDK's standard retry mode waits before one retry, in ms
 * (`MAXIMUM_RETRY_DELAY` of `@smithy/core` 3.41, the retry code of `@aws-sdk/*` 3.1178).
 */
export const SDK_MAX_RETRY_DELAY_MS = 20_000

/**
 * Returns the deadline of one call with all its attempts, in ms: per attempt the connection
 * timeout and the request timeout (both `requestTimeoutMs`), plus the longest backoff
 * before each retry. With the defaults (5 attempts, 10 s) that is 5 x 2 x 10 s + 4 x 20 s
 * = 180 s. The SDK's request timeout only measures silence on the socket, so without this
 * deadline a response that trickles in never times out. A call that stays silent fails
 * first with the SDK's own `TimeoutError`.
 */
export function callTimeoutMs(
  settings: Pick<ClientSettings, 'maxAttempts' | 'requestTimeoutMs'>
): number {
  const attempts = Math.max(1, settings.maxAttempts)
  return attempts * 2 * settings.requestTimeoutMs + (attempts - 1) * SDK_MAX_RETRY_DELAY_MS
}

/**
 * The settings every AWS client of a run gets: the SDK's standard retry mode (backoff with
 * jitter, longer for throttling) and a timeout per attempt that fails the attempt.
 */
export function sdkClientSettings(
  settings: Pick<ClientSettings, 'maxAttempts' | 'requestTimeoutMs'>
) {
  return {
    maxAttempts: settings.maxAttempts,
    retryMode: 'standard',
    requestHandler: {
      connectionTimeout: settings.requestTimeoutMs,
      requestTimeout: settings.requestTimeoutMs,
      // Without this the SDK only logs a warning when the request timeout passes.
      throwOnRequestTimeout: true
    }
  }
}

/**
 * Calls sts:GetCallerIdentity once with the default credential chain and prepares the
 * clients. Roles are assumed on first use, once per account. No endpoint is set here: the
 * SDK takes `AWS_ENDPOINT_URL` from the environment when it is set.
 */
export async function openLiveClients(
  settings: ClientSettings,
  context: CallContext
): Promise<LiveClients> {
  const created: { destroy(): void }[] = []
  const track = <T extends { destroy(): void }>(client: T): T => {
    created.push(client)
    return client
  }
  const common = {
    ...sdkClientSettings(settings)
  }
  const regionOption = settings.region ? { region: settings.region } : {}
  const sts = track(new STSClient({ ...common, ...regionOption }))

  const identity = await callAws(context, 'sts:GetCallerIdentity', (abortSignal) =>
    sts.send(new GetCallerIdentityCommand({}), { abortSignal })
  )
  const gateIdentity =
    identity.ok && identity.value.Arn && identity.value.Account
      ? { arn: identity.value.Arn, accountId: identity.value.Account }
      : undefined
  if (gateIdentity) context.recorder.recordIdentity(gateIdentity.accountId, gateIdentity.arn)
  const identityProblem = identity.ok
    ? 'sts:GetCallerIdentity returned no account'
    : failureText(identity.failure, 'the gate credentials')

  const makeAccess = (accountId: string, gateArn: string, credentials?: Credentials) => {
    const kmsClients = new Map<string, KMSClient>()
    const credentialOption = credentials ? { credentials } : {}
    return {
      accountId,
      gateArn,
      iam: track(new IAMClient({ ...common, ...regionOption, ...credentialOption })),
      kms(region: string) {
        let client = kmsClients.get(region)
        if (!client) {
          client = track(new KMSClient({ ...common, region, ...credentialOption }))
          kmsClients.set(region, client)
        }
        return client
      }
    } satisfies AccountAccess
  }

  const accounts = new Map<string, Promise<AccountAccess | { reason: string }>>()
  const assume = async (accountId: string, roleArn: string) => {
    const assumed = await callAws(context, 'sts:AssumeRole', (abortSignal) =>
      sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'kms-access-gate' }), {
        abortSignal
      })
    )
    if (!assumed.ok) {
      const gate = gateIdentity ? roleArnOfIdentity(gateIdentity.arn) : 'the gate credentials'
      return {
        reason: `${failureText(assumed.failure, roleArn)}; the trust policy of ${roleArn} must allow ${gate} sts:AssumeRole, and the gate's own policies must allow sts:AssumeRole on ${roleArn}`
      }
    }
    const { Credentials: issued, AssumedRoleUser } = assumed.value
    if (!issued?.AccessKeyId || !issued.SecretAccessKey) {
      return { reason: `sts:AssumeRole on ${roleArn} returned no credentials` }
    }
    context.recorder.recordIdentity(accountId, AssumedRoleUser?.Arn ?? roleArn)
    return makeAccess(accountId, roleArn, {
      accessKeyId: issued.AccessKeyId,
      secretAccessKey: issued.SecretAccessKey,
      sessionToken: issued.SessionToken,
      expiration: issued.Expiration
    })
  }

  return {
    gateIdentity,
    ...(gateIdentity ? {} : { identityProblem }),
    forAccount(accountId: string) {
      let access = accounts.get(accountId)
      if (access) return access
      const roleArn = settings.accountRoles[accountId]
      if (roleArn) access = assume(accountId, roleArn)
      else if (gateIdentity?.accountId === accountId) {
        access = Promise.resolve(
          makeAccess(accountId, roleArnOfIdentity(gateIdentity.arn), undefined)
        )
      } else
        access = Promise.resolve({
          reason: unmappedAccountReason(accountId, gateIdentity, identityProblem)
        })
      accounts.set(accountId, access)
      return access
    },
    destroy() {
      for (const client of created) client.destroy()
    }
  }
}

/**
 * Returns the role ARN of an assumed-role session ARN, which is what a policy names. The
 * session ARN carries no role path, so the result has none.
 */
export function roleArnOfIdentity(arn: string): string {
  const parts = parseArn(arn)
  if (parts?.service !== 'sts' || !parts.resource.startsWith('assumed-role/')) return arn
  const roleName = parts.resource.split('/')[1]
  return `arn:${parts.partition}:iam::${parts.accountId}:role/${roleName}`
}

function unmappedAccountReason(
  accountId: string,
  gateIdentity: { accountId: string } | undefined,
  identityProblem: string
): string {
  const own = gateIdentity
    ? `the gate's credentials belong to account ${gateIdentity.accountId}`
    : `the gate's own account is unknown (${identityProblem})`
  return `account ${accountId} has no role for the gate to assume, and ${own}; map ${accountId} to a role ARN (manifest \`live.accounts\`, CLI --account-role ${accountId}=ROLE_ARN, or action input \`account-roles\`)`
}
