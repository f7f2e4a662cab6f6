/**
 * The command line: `kms-access-gate check …`. Returns the exit code instead of exiting,
 * so tests can run it in-process.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { runCheck } from './check/run-check.js'
import { parseCliArgs } from './inputs/cli-args.js'
import {
  EXIT_FAILED,
  EXIT_INVALID_INPUT,
  EXIT_PASSED,
  errorMessage,
  InputError
} from './inputs/errors.js'
import { describeGate, formatCounts } from './reports/format.js'
import { renderJson } from './reports/json.js'
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

    const { settings } = command
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

    return report.passed ? EXIT_PASSED : EXIT_FAILED
  } catch (error) {
    if (error instanceof InputError) {
      io.stderr(`kms-access-gate: error: ${errorMessage(error)}\n`)
      return EXIT_INVALID_INPUT
    }
    io.stderr(`kms-access-gate: internal error: ${errorMessage(error)}\n`)
    return EXIT_INTERNAL_ERROR
  }
}

async function writeReport(file: string, text: string): Promise<void> {
  try {
    await mkdir(path.dirname(file), { recursive: true })
    await writeFile(file, text.endsWith('\n') ? text : `${text}\n`, 'utf8')
  } catch (error) {
    throw new InputError(`cannot write the report to ${file}: ${errorMessage(error)}`)
  }
}
