/** Counting of the AWS calls a live run makes, per operation, and its rendering for the terminal. */

/** The calls of one operation, such as `kms:DescribeKey`. */
export interface OperationCalls {
  operation: string
  /** SDK commands sent; each page of a paged list counts as one call. */
  calls: number
  /** HTTP attempts, retries included, from `$metadata.attempts` of the response or the error. */
  attempts: number
  /** Calls that still failed after the SDK's retries. */
  failures: number
}

/** The identity the gate used in one account: its own, or the role it assumed there. */
export interface GateAccountIdentity {
  accountId: string
  arn: string
}

/** The AWS calls of a live run, sorted by operation, and the gate's identity per account. */
export interface CallSummary {
  operations: OperationCalls[]
  identities: GateAccountIdentity[]
}

/** Collects call counts while a run is in progress. */
export class CallRecorder {
  private readonly counts = new Map<string, OperationCalls>()
  private readonly identities = new Map<string, string>()

  /** Records one finished call: `attempts` from its `$metadata`, at least 1. */
  record(operation: string, attempts: number, failed: boolean): void {
    const entry = this.counts.get(operation) ?? { operation, calls: 0, attempts: 0, failures: 0 }
    entry.calls += 1
    entry.attempts += Math.max(1, attempts)
    if (failed) entry.failures += 1
    this.counts.set(operation, entry)
  }

  recordIdentity(accountId: string, arn: string): void {
    this.identities.set(accountId, arn)
  }

  /** Returns the counts so far, sorted by operation and account. */
  summary(): CallSummary {
    return {
      operations: [...this.counts.values()]
        .map((entry) => ({ ...entry }))
        .sort((left, right) => left.operation.localeCompare(right.operation, 'en')),
      identities: [...this.identities]
        .map(([accountId, arn]) => ({ accountId, arn }))
        .sort((left, right) => left.accountId.localeCompare(right.accountId, 'en'))
    }
  }
}

/** Returns the number of calls of `operation` in `summary`, 0 when it was not called. */
export function callCount(summary: CallSummary, operation: string): number {
  return summary.operations.find((entry) => entry.operation === operation)?.calls ?? 0
}

/**
 * Renders the summary for the terminal: one line per operation with its calls, attempts
 * and failures, then one line per account with the identity the gate used there.
 */
export function renderCallSummary(summary: CallSummary): string[] {
  const width = Math.max(0, ...summary.operations.map((entry) => entry.operation.length))
  const lines = summary.operations.map(
    (entry) =>
      `${entry.operation.padEnd(width)}  ${plural(entry.calls, 'call')}, ${plural(entry.attempts, 'attempt')}, ${plural(entry.failures, 'failure')}`
  )
  for (const identity of summary.identities) {
    lines.push(`account ${identity.accountId} read as ${identity.arn}`)
  }
  return lines
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`
}
