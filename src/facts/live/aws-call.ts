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

/** The state every call of a run shares: the call counts and the concurrency limit. */
export interface CallContext {
  recorder: CallRecorder
  limit: LimitFunction
}

interface ResponseMetadata {
  $metadata?: { attempts?: number }
}

/**
 * Runs `send` (one SDK `client.send`) when the concurrency limit allows, and records it
 * under `operation`. The SDK has already retried throttling, 5xx responses and timeouts
 * when the promise settles, so a rejection is final.
 */
export async function callAws<T extends ResponseMetadata>(
  context: CallContext,
  operation: string,
  send: () => Promise<T>
): Promise<AwsResult<T>> {
  return context.limit(async (): Promise<AwsResult<T>> => {
    try {
      const value = await send()
      context.recorder.record(operation, value.$metadata?.attempts ?? 1, false)
      return { ok: true, value }
    } catch (error) {
      const failure = describeFailure(operation, error)
      context.recorder.record(operation, failure.attempts, true)
      return { ok: false, failure }
    }
  })
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
