/**
 * The GitHub Action: reads the inputs, runs the check, and writes the JSON report,
 * annotations, the job summary and outputs.
 */
import { randomUUID } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import * as core from '@actions/core'
import type { CheckReport } from './check/results.js'
import { runCheck } from './check/run-check.js'
import { readActionInputs } from './inputs/action-inputs.js'
import { EXIT_INVALID_INPUT, errorMessage, InputError } from './inputs/errors.js'
import { setOutputs, writeActionReport } from './reports/action-report.js'
import { renderJson } from './reports/json.js'
import { renderText } from './reports/text.js'

export async function run(): Promise<void> {
  try {
    const settings = readActionInputs()
    const report = await runCheck(settings)

    logReport(report)
    const jsonReport = settings.jsonReportPath
      ? await writeJsonReport(path.resolve(settings.cwd, settings.jsonReportPath), report)
      : undefined
    await writeActionReport(report, core)
    if (jsonReport) setOutputs(core, { 'json-report': jsonReport })

    if (!report.passed) {
      const { failed, unknown } = report.counts
      core.setFailed(`KMS access expectations do not hold: ${failed} failed, ${unknown} unknown.`)
    }
  } catch (error) {
    if (error instanceof InputError) {
      const { location } = error
      core.error(
        error.message,
        location
          ? {
              title: 'Invalid input',
              file: location.file,
              startLine: location.line,
              startColumn: location.column
            }
          : { title: 'Invalid input' }
      )
      core.setFailed(errorMessage(error))
      process.exitCode = EXIT_INVALID_INPUT
      return
    }
    core.setFailed(`kms-access-gate internal error: ${errorMessage(error)}`)
  }
}

/**
 * Prints the text report to the log with workflow commands switched off, because policy
 * text (a Sid, a condition value) could otherwise start a line with `::` and forge an
 * annotation or mask. Legacy `##[` markers are broken up for the same reason.
 */
function logReport(report: CheckReport): void {
  const token = randomUUID()
  const text = renderText(report, { color: false }).replaceAll('##[', '##\u200b[')
  core.info(`::stop-commands::${token}`)
  core.info(text)
  core.info(`::${token}::`)
}

async function writeJsonReport(file: string, report: CheckReport): Promise<string> {
  try {
    await mkdir(path.dirname(file), { recursive: true })
    await writeFile(file, renderJson(report), 'utf8')
    return file
  } catch (error) {
    throw new InputError(
      `cannot write the JSON report to ${file} (input \`json-report\`): ${errorMessage(error)}`
    )
  }
}
