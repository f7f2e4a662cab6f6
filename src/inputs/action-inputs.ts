/**
 * Inputs of the GitHub Action (see action.yml), turned into typed settings.
 */
import * as core from '@actions/core'
import { InputError } from './errors.js'
import { DEFAULT_MANIFEST_PATH } from './manifest.js'
import type { CheckSettings } from './settings.js'

/**
 * Reads the action inputs `manifest`, `facts`, `json-report` and `fail-on-unknown` through
 * `@actions/core`. Relative paths are resolved from `GITHUB_WORKSPACE` when it is set,
 * else from the current directory. The report is written as text to the log. Throws an
 * `InputError` that names the input when a value is invalid.
 */
export function readActionInputs(): CheckSettings {
  const jsonReportPath = readSinglePath('json-report')
  return {
    manifestPath: readSinglePath('manifest') ?? DEFAULT_MANIFEST_PATH,
    factPaths: readFactPaths(),
    format: 'text',
    ...(jsonReportPath === undefined ? {} : { jsonReportPath }),
    failOnUnknown: readBoolean('fail-on-unknown', true),
    cwd: process.env.GITHUB_WORKSPACE || process.cwd()
  }
}

/** Returns the input as one path, or undefined when it is empty. */
function readSinglePath(name: string): string | undefined {
  const value = core.getInput(name)
  if (value === '') return undefined
  if (value.includes('\n')) {
    const lines = value.split('\n').length
    throw new InputError(`input \`${name}\` must be one path; got ${lines} lines`)
  }
  return value
}

/** Returns the `facts` input: one path or glob pattern per line, blank lines skipped. */
function readFactPaths(): string[] {
  return core
    .getMultilineInput('facts')
    .map((line) => line.trim())
    .filter((line) => line !== '')
}

function readBoolean(name: string, defaultValue: boolean): boolean {
  const value = core.getInput(name)
  if (value === '') return defaultValue
  try {
    return core.getBooleanInput(name)
  } catch {
    throw new InputError(`input \`${name}\` must be true or false; got \`${value}\``)
  }
}
