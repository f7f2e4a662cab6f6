/**
 * The GitHub Action: reads the inputs, runs the check, and writes the JSON report,
 * annotations, the job summary and outputs.
 */
import { randomUUID } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import * as core from '@actions/core'
import { context } from '@actions/github'
import type { CheckReport } from './check/results.js'
import { runCheck } from './check/run-check.js'
import { publishToGitHub, type RunContext } from './github/publish.js'
import { type GitHubInputs, readActionInputs, readGitHubInputs } from './inputs/action-inputs.js'
import { EXIT_INVALID_INPUT, errorMessage, InputError } from './inputs/errors.js'
import { setOutputs, writeActionReport } from './reports/action-report.js'
import { renderJson } from './reports/json.js'
import { renderSarif } from './reports/sarif.js'
import { renderText } from './reports/text.js'

export async function run(): Promise<void> {
  try {
    const settings = readActionInputs()
    const github = readGitHubInputs()
    const report = await runCheck(settings)

    logReport(report)
    const jsonReport = settings.jsonReportPath
      ? await writeJsonReport(path.resolve(settings.cwd, settings.jsonReportPath), report)
      : undefined
    await writeActionReport(report, core)
    if (jsonReport) setOutputs(core, { 'json-report': jsonReport })
    if (github.sarifFile) {
      const sarif = await writeSarif(path.resolve(settings.cwd, github.sarifFile), report)
      setOutputs(core, { 'sarif-file': sarif })
    }
    await publish(report, github)

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

/** Writes the pull-request comment and the drift issue; API problems become warnings. */
async function publish(report: CheckReport, inputs: GitHubInputs): Promise<void> {
  const outcome = await publishToGitHub(report, inputs, runContext())
  for (const warning of outcome.warnings) core.warning(warning)
  if (Object.keys(outcome.outputs).length > 0) setOutputs(core, outcome.outputs)
}

/** Reads the repository, pull request and run from the workflow's environment. */
function runContext(): RunContext {
  const [owner = '', repo = ''] = (process.env.GITHUB_REPOSITORY ?? '/').split('/')
  const server = process.env.GITHUB_SERVER_URL ?? 'https://github.com'
  const runId = process.env.GITHUB_RUN_ID
  const pullRequest = context.payload.pull_request?.number
  const event = process.env.GITHUB_EVENT_NAME ?? ''
  return {
    owner,
    repo,
    ...(typeof pullRequest === 'number' ? { pullRequest } : {}),
    pullRequestEvent: event === 'pull_request' || event === 'pull_request_target',
    apiUrl: process.env.GITHUB_API_URL ?? 'https://api.github.com',
    ...(runId && process.env.GITHUB_REPOSITORY
      ? { runUrl: `${server}/${process.env.GITHUB_REPOSITORY}/actions/runs/${runId}` }
      : {})
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

async function writeSarif(file: string, report: CheckReport): Promise<string> {
  try {
    await mkdir(path.dirname(file), { recursive: true })
    await writeFile(file, renderSarif(report), 'utf8')
    return file
  } catch (error) {
    throw new InputError(
      `cannot write the SARIF file ${file} (input \`sarif-file\`): ${errorMessage(error)}`
    )
  }
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
