/**
 * Comparing a check with the same check at the base revision: which results this change
 * breaks (passed before, not now) and which it fixes.
 */
import type { Baseline, CheckReport, ExpectationResult } from './results.js'

/** Marks each result with its base status and what the change does to it. */
export function withBaseline(report: CheckReport, base: CheckReport, source: string): CheckReport {
  const baseStatus = new Map(base.results.map((result) => [resultKey(result), result.status]))
  const results = report.results.map((result) => {
    const before = baseStatus.get(resultKey(result))
    if (before === undefined) return result
    return { ...result, baseStatus: before, change: changeOf(before, result.status) }
  })
  const baseline: Baseline = {
    source,
    counts: base.counts,
    breaks: results.filter((result) => result.change === 'breaks').length,
    fixes: results.filter((result) => result.change === 'fixes').length
  }
  return { ...report, results, baseline }
}

function resultKey(result: ExpectationResult): string {
  return `${result.expectation}\u0000${result.action}`
}

function changeOf(
  before: ExpectationResult['status'],
  after: ExpectationResult['status']
): ExpectationResult['change'] {
  if (before === 'pass' && after !== 'pass') return 'breaks'
  if (before !== 'pass' && after === 'pass') return 'fixes'
  return 'unchanged'
}
