/**
 * The GitHub Action: reads the inputs, runs the check, and writes annotations, the job
 * summary, outputs and the JSON report.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import * as core from '@actions/core'
import { runCheck } from './check/run-check.js'
import { readActionInputs } from './inputs/action-inputs.js'
import { EXIT_INVALID_INPUT, errorMessage, InputError } from './inputs/errors.js'
import { writeActionReport } from './reports/action-report.js'
import { renderJson } from './reports/json.js'
import { renderText } from './reports/text.js'

export async function run(): Promise<void> {
  try {
    const settings = readActionInputs()
    const report = await runCheck(settings)

    core.info(renderText(report, { color: false }))
    await writeActionReport(report, core)

    if (settings.jsonReportPath) {
      const file = path.resolve(settings.cwd, settings.jsonReportPath)
      await mkdir(path.dirname(file), { recursive: true })
      await writeFile(file, renderJson(report), 'utf8')
      core.setOutput('json-report', file)
    }

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
