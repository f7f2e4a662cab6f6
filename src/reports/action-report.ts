/**
 * Writes a report to GitHub Actions: annotations, the job summary and the step outputs.
 * The `@actions/core` module is passed in so the rest of the reports layer stays pure.
 */
import type { CheckReport } from '../check/results.js'
import { errorMessage } from '../inputs/errors.js'
import { buildAnnotations } from './annotations.js'
import { renderSummaryMarkdown } from './summary.js'

/** The `@actions/core` module. */
export type ActionsCore = typeof import('@actions/core')

/**
 * Emits one annotation per failing or unknown expectation and per warning, appends the
 * job summary, and sets the outputs `passed`, `failed`, `unknown`, `total` (result counts)
 * `result` (`pass` or `fail`) and `mode` (`offline` or `live`). A summary or output file that cannot be written becomes
 * a warning annotation and does not change the gate.
 */
export async function writeActionReport(report: CheckReport, core: ActionsCore): Promise<void> {
  for (const annotation of buildAnnotations(report)) {
    const emit = core[annotation.level]
    emit(annotation.message, {
      title: annotation.title,
      file: annotation.file,
      startLine: annotation.startLine,
      startColumn: annotation.startColumn
    })
  }

  await writeSummary(report, core)

  setOutputs(core, {
    passed: String(report.counts.passed),
    failed: String(report.counts.failed),
    unknown: String(report.counts.unknown),
    total: String(report.counts.results),
    result: report.passed ? 'pass' : 'fail',
    mode: report.mode
  })
}

/**
 * Sets step outputs. When the output file (GITHUB_OUTPUT) cannot be written, reports it once
 * as a warning instead of failing: the gate's result does not depend on its outputs.
 */
export function setOutputs(core: ActionsCore, outputs: Record<string, string>): void {
  try {
    for (const [name, value] of Object.entries(outputs)) core.setOutput(name, value)
  } catch (error) {
    core.warning(`Failed to set the step outputs (GITHUB_OUTPUT): ${errorMessage(error)}`)
  }
}

async function writeSummary(report: CheckReport, core: ActionsCore): Promise<void> {
  try {
    await core.summary.addRaw(renderSummaryMarkdown(report)).write()
  } catch (error) {
    // `write` keeps the buffer when it fails; clear it so a later write does not repeat it.
    core.summary.emptyBuffer()
    core.warning(`Failed to write the job summary: ${errorMessage(error)}`)
  }
}
