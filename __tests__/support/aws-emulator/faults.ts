/** Injected failures: throttling, server errors, delayed responses and access denials. */
import { resolveKey } from '../../../src/engine/key.js'
import { accessDeniedMessage, type CallContext } from './context.js'
import { jsonError, type WireResponse, xmlError } from './protocol.js'

/** A failure to inject into the requests of one operation. */
export interface Fault {
  /** The operation with its service prefix, such as `kms:GetKeyPolicy` or `sts:AssumeRole`. */
  operation: string
  /** Limits the fault to requests whose decoded parameters pass this test. */
  when?: (params: Record<string, unknown>) => boolean
  /**
   * `throttle` and `server-error` return that error. `timeout` delays the response by
   * `delayMs`, then responds normally. `access-denied` returns AccessDenied.
   */
  kind: 'throttle' | 'server-error' | 'timeout' | 'access-denied'
  /** How many matching requests the fault affects; every one when absent. */
  times?: number
  /** For `timeout`: how long to delay the response, in milliseconds (default 10000). */
  delayMs?: number
}

/** A fault with the number of requests it may still affect. */
export interface ActiveFault {
  fault: Fault
  remaining: number
}

export function activate(fault: Fault): ActiveFault {
  return { fault, remaining: fault.times ?? Number.POSITIVE_INFINITY }
}

/** Finds the first fault that matches the request and counts the request against it. */
export function takeFault(
  faults: ActiveFault[],
  operation: string,
  params: Record<string, unknown>
): Fault | undefined {
  const active = faults.find((candidate) => {
    if (candidate.remaining <= 0 || candidate.fault.operation !== operation) return false
    try {
      return candidate.fault.when?.(params) ?? true
    } catch {
      return false
    }
  })
  if (!active) return undefined
  active.remaining--
  return active.fault
}

/** Builds the error response of a `throttle`, `server-error` or `access-denied` fault. */
export function faultResponse(fault: Fault, context: CallContext): WireResponse {
  const action = `${context.service}:${context.operation}`
  const kms = context.service === 'kms'
  if (fault.kind === 'throttle') {
    return kms
      ? jsonError(400, 'ThrottlingException', 'Rate exceeded')
      : xmlError(context.service, 400, 'Throttling', 'Rate exceeded')
  }
  if (fault.kind === 'server-error') {
    return kms
      ? jsonError(500, 'KMSInternalException', 'An internal error occurred.')
      : xmlError(
          context.service,
          500,
          'InternalFailure',
          'The request processing has failed because of an unknown error, exception or failure.'
        )
  }
  const message = accessDeniedMessage(context.caller.arn, action, faultResource(context))
  return kms
    ? jsonError(400, 'AccessDeniedException', message)
    : xmlError(context.service, 403, 'AccessDenied', message)
}

/** Returns the resource an access denial names: the key, role, user or policy source of the request. */
function faultResource(context: CallContext): string {
  const { params } = context
  const account = context.caller.accountId
  if (context.service === 'kms' && typeof params.KeyId === 'string') {
    const resolution = resolveKey(params.KeyId, context.world.facts, {
      callerAccountId: account,
      region: context.region
    })
    return resolution.key?.arn ?? params.KeyId
  }
  if (typeof params.PolicySourceArn === 'string') return params.PolicySourceArn
  if (typeof params.RoleArn === 'string') return params.RoleArn
  if (typeof params.RoleName === 'string') return `arn:aws:iam::${account}:role/${params.RoleName}`
  if (typeof params.UserName === 'string') return `arn:aws:iam::${account}:user/${params.UserName}`
  return '*'
}
