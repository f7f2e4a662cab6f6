/**
 * One AWS SDK call under the run's concurrency limit, counted per operation, with its
 * failure turned into a value so one failed call never stops the others.
 */
import type { LimitFunction } from 'p-limit'
import type { CallRecorder } from './call-summary.js'

/** A call that still failed after the SDK's retries. */
export interface AwsFailure {
  /** Such as `kms:GetKeyPolicy`. */
  operation: string
  /** The AWS error code (`AccessDeniedException`, `NoSuchEntity`, `TimeoutError`, ...). */
  code: string
  message: string
  attempts: number
}

export type AwsResult<T> = { ok: true; value: T } | { ok: false; failure: AwsFailure }

/** The state every call of a run shares: the call counts, the concurrency limit and the deadline. */
export interface CallContext {
  recorder: CallRecorder
  limit: LimitFunction
  /** Maximum time of one call with all its SDK attempts and backoff, in ms (see `callTimeoutMs`). */
  callTimeoutMs: number
}

/** The error code of a call that `callTimeoutMs` ended. */
export const CALL_TIMED_OUT = 'CallTimedOut'

interface ResponseMetadata {
  $metadata?: { attempts?: number }
}

/**
 * Runs `send` (one SDK `client.send`) when the concurrency limit allows, and records it
 * under `operation`. The SDK has already retried throttling, 5xx responses and timeouts
 * when the promise settles, so a rejection is final.
 *
 * `send` must pass `abortSignal` to the SDK (`client.send(command, { abortSignal })`). The
 * signal fires `context.callTimeoutMs` after the call leaves the queue. The call then fails
 * with `CallTimedOut`, even if the SDK ignores the signal. This deadline exists because the
 * SDK's own timeout only measures silence on the socket, so a trickling response never ends.
 */
export async function callAws<T extends ResponseMetadata>(
  context: CallContext,
  operation: string,
  send: (abortSignal: AbortSignal) => Promise<T>
): Promise<AwsResult<T>> {
  return context.limit(async (): Promise<AwsResult<T>> => {
    const signal = AbortSignal.timeout(context.callTimeoutMs)
    try {
      const value = await settleBefore(send(signal), signal)
      context.recorder.record(operation, value.$metadata?.attempts ?? 1, false)
      return { ok: true, value }
    } catch (error) {
      const failure = signal.aborted
        ? timedOut(operation, context.callTimeoutMs)
        : describeFailure(operation, error)
      context.recorder.record(operation, failure.attempts, true)
      return { ok: false, failure }
    }
  })
}

/** Settles with `promise`, or rejects when `signal` aborts first. */
function settleBefore<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    if (signal.aborted) onAbort()
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      }
    )
  })
}

function timedOut(operation: string, timeoutMs: number): AwsFailure {
  return {
    operation,
    code: CALL_TIMED_OUT,
    message: `the call did not finish within ${timeoutMs} ms, SDK retries included`,
    // The attempts made before the deadline are not known; at least one was made.
    attempts: 1
  }
}

/** Reads the error code, message and attempt count from an SDK error or any other thrown value. */
export function describeFailure(operation: string, error: unknown): AwsFailure {
  if (!(error instanceof Error)) {
    return { operation, code: 'Error', message: String(error), attempts: 1 }
  }
  const fields = error as Error & {
    Code?: unknown
    code?: unknown
    $metadata?: { attempts?: number }
  }
  let code = error.name
  // IAM and STS (awsQuery) put the code in `Code`; Node network errors put it in `code`.
  if (typeof fields.Code === 'string' && fields.Code !== '') code = fields.Code
  else if (code === 'Error' && typeof fields.code === 'string') code = fields.code
  const message = error.message.trim() === '' ? '(no message)' : error.message.trim()
  return { operation, code, message, attempts: fields.$metadata?.attempts ?? 1 }
}

const ACCESS_DENIED_CODES = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'UnrecognizedClientException',
  'InvalidClientTokenId'
])

/** True when AWS rejected the caller rather than the request: a missing permission or bad credentials. */
export function isAccessDenied(failure: AwsFailure): boolean {
  return ACCESS_DENIED_CODES.has(failure.code)
}

/** Returns `operation failed with CODE after N attempts: message`. */
export function failureText(failure: AwsFailure, subject: string): string {
  const attempts = failure.attempts > 1 ? ` after ${failure.attempts} attempts` : ''
  return `${failure.operation} on ${subject} failed with ${failure.code}${attempts}: ${failure.message}`
}
