/**
 * Laying KMS's DryRun verdicts over a report. A disagreement between the engine and KMS
 * means the facts or the engine are wrong for this request, so the result fails whatever
 * `expect` is, and the gate with it.
 */
import type { Facts } from '../engine/model.js'
import type { CheckReport, DryRunConfirmation, ExpectationResult } from './results.js'

export interface DryRunRequest {
  index: number
  principal: string
  action: string
  keyArn: string
  decision: ExpectationResult['decision']
  context: Record<string, string | string[]>
  roleArn?: string
  keySpec?: string
}

/** Lists the results DryRun can confirm: those whose key was resolved to an ARN. */
export function dryRunRequests(
  report: CheckReport,
  contexts: Map<string, Record<string, string | string[]>>,
  facts: Facts
): DryRunRequest[] {
  return report.results.flatMap((result, index) => {
    const { key, principal } = result.evidence
    if (!key.arn) return []
    // A result that templates or plans change describes the state after deployment, which
    // KMS cannot be asked about yet.
    if (key.policyOrigin || principal.policyOrigin || key.arn.includes(':key/pending:')) return []
    const keySpec = facts.keys.find((candidate) => candidate.arn === key.arn)?.metadata.keySpec
    return [
      {
        index,
        principal: principal.input,
        action: result.action,
        keyArn: key.arn,
        decision: result.decision,
        context: contexts.get(result.expectation) ?? {},
        ...(principal.roleArn ? { roleArn: principal.roleArn } : {}),
        ...(keySpec ? { keySpec } : {})
      }
    ]
  })
}

/** Returns the report with each confirmation attached and disagreements failed. */
export function withDryRun(
  report: CheckReport,
  confirmations: Map<number, DryRunConfirmation>
): CheckReport {
  const results = report.results.map((result, index) => {
    const dryRun = confirmations.get(index)
    if (!dryRun) return result
    if (dryRun.agrees) return { ...result, dryRun }
    return { ...result, dryRun, passed: false, status: 'fail' as const }
  })
  const count = (status: ExpectationResult['status']) =>
    results.filter((result) => result.status === status).length
  const counts = {
    ...report.counts,
    passed: count('pass'),
    failed: count('fail'),
    unknown: count('unknown')
  }
  return {
    ...report,
    results,
    counts,
    passed: counts.failed === 0 && (!report.failOnUnknown || counts.unknown === 0)
  }
}

/**
 * Marks the results that templates or plans change as not checked, because KMS decides for the
 * deployed state, which the change has not reached yet.
 */
export function codeChangedResults(report: CheckReport): Map<number, DryRunConfirmation> {
  const marked = new Map<number, DryRunConfirmation>()
  report.results.forEach((result, index) => {
    const { key, principal } = result.evidence
    if (key.policyOrigin || principal.policyOrigin || key.arn?.includes(':key/pending:')) {
      marked.set(index, {
        kms: 'not-checked',
        agrees: true,
        detail: 'Templates or plans change this result; KMS can answer only for the deployed state.'
      })
    }
  })
  return marked
}
