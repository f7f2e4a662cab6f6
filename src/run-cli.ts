/**
 * The command line: `kms-access-gate check …`. Returns the exit code instead of exiting,
 * so tests can run it in-process.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { runCheck } from './check/run-check.js'
import { runExplain } from './check/run-explain.js'
import { runSnapshot } from './check/run-snapshot.js'
import { renderCallSummary } from './facts/live/call-summary.js'
import { type CliCommand, parseCliArgs } from './inputs/cli-args.js'
import {
  EXIT_FAILED,
  EXIT_INVALID_INPUT,
  EXIT_PASSED,
  errorMessage,
  InputError
} from './inputs/errors.js'
import { describeGate, formatCounts } from './reports/format.js'
import { renderJson } from './reports/json.js'
import { renderPullRequestComment } from './reports/pr-comment.js'
import { renderSarif } from './reports/sarif.js'
import { renderText } from './reports/text.js'
import { TOOL_VERSION } from './version.js'

/** Exit code for a fault in the tool itself, as opposed to bad input. */
export const EXIT_INTERNAL_ERROR = 3

export interface CliIo {
  cwd: string
  stdout: (text: string) => void
  stderr: (text: string) => void
  /** True when standard output is a terminal, so colour is used (unless NO_COLOR is set). */
  color: boolean
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  try {
    const command = parseCliArgs(argv, io.cwd)
    if (command.command === 'help') {
      io.stdout(command.text.endsWith('\n') ? command.text : `${command.text}\n`)
      return EXIT_PASSED
    }
    if (command.command === 'version') {
      io.stdout(`${TOOL_VERSION}\n`)
      return EXIT_PASSED
    }

    if (command.command === 'snapshot') return await snapshot(command.settings, io)
    if (command.command === 'explain') return await explain(command.settings, io)
    return await check(command.settings, io)
  } catch (error) {
    if (error instanceof InputError) {
      io.stderr(`kms-access-gate: error: ${errorMessage(error)}\n`)
      return EXIT_INVALID_INPUT
    }
    io.stderr(`kms-access-gate: internal error: ${errorMessage(error)}\n`)
    return EXIT_INTERNAL_ERROR
  }
}

type SettingsOf<Name extends 'check' | 'snapshot' | 'explain'> = Extract<
  CliCommand,
  { command: Name }
>['settings']

async function check(settings: SettingsOf<'check'>, io: CliIo): Promise<number> {
  const report = await runCheck(settings)
  const toFile = settings.outputPath !== undefined
  const rendered =
    settings.format === 'json'
      ? renderJson(report)
      : renderText(report, { color: io.color && !toFile })

  if (settings.outputPath) {
    await writeReport(path.resolve(settings.cwd, settings.outputPath), rendered)
    io.stdout(
      `Report written to ${settings.outputPath}: ${formatCounts(report.counts)}. ${describeGate(report)}\n`
    )
  } else {
    io.stdout(rendered.endsWith('\n') ? rendered : `${rendered}\n`)
  }
  if (settings.jsonReportPath)
    await writeReport(path.resolve(settings.cwd, settings.jsonReportPath), renderJson(report))
  if (settings.sarifPath)
    await writeReport(path.resolve(settings.cwd, settings.sarifPath), renderSarif(report))
  if (settings.markdownPath) {
    const markdown = renderPullRequestComment(report, { key: 'default' })
    await writeReport(path.resolve(settings.cwd, settings.markdownPath), markdown)
  }

  return report.passed ? EXIT_PASSED : EXIT_FAILED
}

/** Writes the snapshot; exits 1 when some facts could not be read, so a pipeline notices. */
async function snapshot(settings: SettingsOf<'snapshot'>, io: CliIo): Promise<number> {
  const outcome = await runSnapshot(settings)
  const lines = [
    `Wrote ${outcome.files.length} fact file(s):`,
    ...outcome.files.map((file) => `  ${file}`),
    'AWS calls:',
    ...renderCallSummary(outcome.calls).map((line) => `  ${line}`)
  ]
  io.stdout(`${lines.join('\n')}\n`)
  if (outcome.gaps.length === 0) return EXIT_PASSED
  const gaps = outcome.gaps.map((gap) => `  ${gap.subject}: ${gap.reason}`)
  io.stderr(`kms-access-gate: some facts could not be read:\n${gaps.join('\n')}\n`)
  return EXIT_FAILED
}

async function explain(settings: SettingsOf<'explain'>, io: CliIo): Promise<number> {
  const outcome = await runExplain(settings, { readStdin })
  io.stdout(outcome.text.endsWith('\n') ? outcome.text : `${outcome.text}\n`)
  return outcome.exitCode
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk))
  return Buffer.concat(chunks).toString('utf8')
}

async function writeReport(file: string, text: string): Promise<void> {
  try {
    await mkdir(path.dirname(file), { recursive: true })
    await writeFile(file, text.endsWith('\n') ? text : `${text}\n`, 'utf8')
  } catch (error) {
    throw new InputError(`cannot write the report to ${file}: ${errorMessage(error)}`)
  }
}
