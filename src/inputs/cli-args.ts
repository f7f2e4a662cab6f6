/**
 * Command-line flags of `kms-access-gate`, turned into typed settings.
 */
import { parseArgs } from 'node:util'
import { InputError } from './errors.js'
import { DEFAULT_MANIFEST_PATH } from './manifest.js'
import type { CheckSettings, OutputFormat } from './settings.js'
import { didYouMean } from './suggest.js'

/** The command that the arguments select. The entry point prints the help text or the version. */
export type CliCommand =
  | { command: 'help'; text: string }
  | { command: 'version' }
  | { command: 'check'; settings: CheckSettings }

const PROGRAM = 'kms-access-gate'
const COMMANDS = ['check']
const FORMATS: OutputFormat[] = ['text', 'json']

const OPTIONS = {
  manifest: { type: 'string' },
  facts: { type: 'string', multiple: true },
  format: { type: 'string' },
  output: { type: 'string' },
  'fail-on-unknown': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' }
} as const

type OptionName = keyof typeof OPTIONS

/** Help text for `--help`. */
export const HELP_TEXT = `Usage: ${PROGRAM} check [options]

Checks the expectations in a manifest against the facts (key policies, IAM
policies, grants, SCPs, RCPs, permissions boundaries and key states) and
reports, for each expectation and action, whether AWS KMS allows the request.

Options:
  --manifest FILE       Manifest with the expectations.
                        Default: ${DEFAULT_MANIFEST_PATH}
  --facts PATH          File, directory or glob pattern with facts. Repeat the
                        flag for more paths. Replaces the manifest's \`facts\`
                        list. Default: the manifest's \`facts\` list.
  --format text|json    Report format. Default: text
  --output FILE         File to write the report to. Default: standard output
  --fail-on-unknown true|false
                        Whether a result that cannot be decided from the facts
                        fails the check. Default: true
  -h, --help            Print this help and exit.
  --version             Print the version and exit.

Relative paths are resolved from the current directory.

Exit codes:
  0  every expectation holds
  1  an expectation does not hold, or a result is unknown and
     --fail-on-unknown is true
  2  invalid input: flags, manifest or facts
  3  internal error in kms-access-gate
`

/**
 * Parses the arguments after the program name (`process.argv.slice(2)`). `--help` and
 * `--version` win over everything else. Throws an `InputError` for an unknown flag, a
 * flag without its value, a flag given twice, a missing or unknown command, or a bad value.
 */
export function parseCliArgs(argv: string[], cwd: string): CliCommand {
  const { values, positionals, tokens } = parseArgs({
    args: argv,
    options: OPTIONS,
    strict: false,
    allowPositionals: true,
    tokens: true
  })

  if (values.help === true) return { command: 'help', text: HELP_TEXT }
  if (values.version === true) return { command: 'version' }

  const seen = new Set<string>()
  for (const token of tokens) {
    if (token.kind === 'option') checkOptionToken(token, seen)
  }

  checkCommand(positionals)
  return { command: 'check', settings: buildSettings(values, cwd) }
}

interface OptionToken {
  name: string
  rawName: string
  value?: string
  inlineValue?: boolean
}

function checkOptionToken(token: OptionToken, seen: Set<string>): void {
  const { name, rawName, value, inlineValue } = token
  if (!(name in OPTIONS)) {
    const longNames = Object.keys(OPTIONS).map((option) => `--${option}`)
    throw new InputError(
      withHelpHint(`unknown option \`${rawName}\`${didYouMean(rawName, longNames)}`)
    )
  }

  const option = OPTIONS[name as OptionName]
  if (option.type === 'boolean') {
    if (inlineValue) throw new InputError(withHelpHint(`option \`--${name}\` takes no value`))
    return
  }
  // Without strict parsing, `--manifest --format json` would take `--format` as the file name.
  if (value === undefined || value === '' || (!inlineValue && value.startsWith('-'))) {
    throw new InputError(withHelpHint(`option \`--${name}\` needs a value`))
  }
  if (!('multiple' in option) && seen.has(name)) {
    throw new InputError(`option \`--${name}\` is given more than once; give it once`)
  }
  seen.add(name)
}

function checkCommand(positionals: string[]): void {
  const [command, ...extra] = positionals
  if (command === undefined) {
    throw new InputError(withHelpHint(`missing command: expected \`${PROGRAM} check\``))
  }
  if (!COMMANDS.includes(command)) {
    throw new InputError(
      withHelpHint(`unknown command \`${command}\`${didYouMean(command, COMMANDS)}`)
    )
  }
  if (extra.length > 0) {
    throw new InputError(
      `unexpected argument \`${extra[0]}\`: \`${command}\` takes only options; to pass fact paths, use --facts PATH`
    )
  }
}

type ParsedValues = Record<string, string | boolean | (string | boolean)[] | undefined>

function buildSettings(values: ParsedValues, cwd: string): CheckSettings {
  const output = values.output as string | undefined
  return {
    manifestPath: (values.manifest as string | undefined) ?? DEFAULT_MANIFEST_PATH,
    factPaths: (values.facts as string[] | undefined) ?? [],
    format: parseFormat(values.format as string | undefined),
    ...(output === undefined ? {} : { outputPath: output }),
    failOnUnknown: parseFailOnUnknown(values['fail-on-unknown'] as string | undefined),
    cwd
  }
}

function parseFormat(value: string | undefined): OutputFormat {
  if (value === undefined) return 'text'
  if ((FORMATS as string[]).includes(value)) return value as OutputFormat
  throw new InputError(
    withHelpHint(
      `invalid \`--format\` value \`${value}\`: expected ${FORMATS.join(' or ')}${didYouMean(value, FORMATS)}`
    )
  )
}

function parseFailOnUnknown(value: string | undefined): boolean {
  if (value === undefined) return true
  const normalized = value.toLowerCase()
  if (normalized === 'true') return true
  if (normalized === 'false') return false
  throw new InputError(
    withHelpHint(`invalid \`--fail-on-unknown\` value \`${value}\`: expected true or false`)
  )
}

/** Appends the pointer to `--help` as a second sentence. */
function withHelpHint(message: string): string {
  const separator = message.endsWith('?') ? ' ' : '. '
  return `${message}${separator}Run \`${PROGRAM} --help\` for usage`
}
