/**
 * Command-line flags of `kms-access-gate`, turned into typed settings.
 */
import { parseArgs } from 'node:util'
import { parseAccountRoles } from './account-roles.js'
import { InputError } from './errors.js'
import { DEFAULT_MANIFEST_PATH } from './manifest.js'
import type {
  CheckMode,
  CheckSettings,
  ExplainSettings,
  OutputFormat,
  SnapshotSettings
} from './settings.js'
import { didYouMean } from './suggest.js'

/** The command that the arguments select. The entry point prints the help text or the version. */
export type CliCommand =
  | { command: 'help'; text: string }
  | { command: 'version' }
  | { command: 'check'; settings: CheckSettings }
  | { command: 'snapshot'; settings: SnapshotSettings }
  | { command: 'explain'; settings: ExplainSettings }

const PROGRAM = 'kms-access-gate'
const FORMATS: OutputFormat[] = ['text', 'json']
const MODES: CheckMode[] = ['offline', 'live', 'auto']

const OPTIONS = {
  manifest: { type: 'string' },
  facts: { type: 'string', multiple: true },
  format: { type: 'string' },
  output: { type: 'string' },
  'fail-on-unknown': { type: 'string' },
  mode: { type: 'string' },
  'account-role': { type: 'string', multiple: true },
  'confirm-dry-run': { type: 'boolean' },
  'base-ref': { type: 'string' },
  'base-facts': { type: 'string', multiple: true },
  sarif: { type: 'string' },
  markdown: { type: 'string' },
  out: { type: 'string' },
  key: { type: 'string' },
  region: { type: 'string' },
  input: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' }
} as const

type OptionName = keyof typeof OPTIONS

/** The options each command takes, besides --help and --version. */
const COMMAND_OPTIONS: Record<string, OptionName[]> = {
  check: [
    'manifest',
    'facts',
    'format',
    'output',
    'fail-on-unknown',
    'mode',
    'account-role',
    'confirm-dry-run',
    'base-ref',
    'base-facts',
    'sarif',
    'markdown'
  ],
  snapshot: ['manifest', 'out', 'account-role'],
  explain: ['input', 'key', 'region', 'facts', 'mode', 'account-role', 'format']
}
const COMMANDS = Object.keys(COMMAND_OPTIONS)

/** Help text for `--help`. */
export const HELP_TEXT = `Usage: ${PROGRAM} check [options]
       ${PROGRAM} snapshot --out DIR [options]
       ${PROGRAM} explain [MESSAGE] [options]

check     Checks the expectations in a manifest against the facts (key policies,
          IAM policies, grants, SCPs, RCPs, permissions boundaries and key
          states) and reports, for each expectation and action, whether AWS KMS
          allows the request.
snapshot  Reads from AWS the facts the manifest needs and writes them as fact
          files, so that \`check --facts DIR\` reproduces the run offline.
explain   Takes an AccessDenied message as AWS printed it (or a CloudTrail event
          in JSON), checks that request and prints the closed lock and the fix.

Options of check:
  --manifest FILE       Manifest with the expectations.
                        Default: ${DEFAULT_MANIFEST_PATH}
  --facts PATH          File, directory or glob pattern with facts. Repeat the
                        flag for more paths. Replaces the manifest's \`facts\`
                        list. Default: the manifest's \`facts\` list.
  --mode offline|live|auto
                        offline: fact files only. live: read AWS (KMS and the
                        IAM policy simulator) with the credentials of the
                        environment, plus any fact files. auto: live when AWS
                        credentials are set in the environment, else offline.
                        Default: offline
  --account-role ACCOUNT=ROLE_ARN
                        Role the gate assumes to read another account (live).
                        Repeat for more accounts; wins over the manifest's
                        \`live.accounts\`.
  --confirm-dry-run     After evaluating (live), ask KMS itself with DryRun
                        where the gate may assume the principal's role.
  --base-ref REF        Also check the fact files as they were at git revision
                        REF (the pull request's base), and report which
                        results this change breaks or fixes.
  --base-facts PATH     Like --base-ref, with the base's facts given as paths
                        (repeatable) instead of read from git.
  --format text|json    Report format. Default: text
  --output FILE         File to write the report to. Default: standard output
  --sarif FILE          Also write a SARIF 2.1.0 file, for code scanning.
  --markdown FILE       Also write the report as the Markdown of a pull-request
                        comment, for CI systems other than GitHub Actions.
  --fail-on-unknown true|false
                        Whether a result that cannot be decided from the facts
                        fails the check. Default: true

Options of snapshot:
  --manifest FILE       As for check.
  --out DIR             Directory to write the fact files to (required).
  --account-role ACCOUNT=ROLE_ARN
                        As for check.

Options of explain:
  MESSAGE               The AccessDenied message, in quotes. Or:
  --input FILE          A file with the message or the CloudTrail event; \`-\`
                        reads standard input.
  --key KEY             The key, when the message does not name it (KMS's
                        "resource associated with this ciphertext").
  --region REGION       Region of a key given by key ID or alias name.
  --facts PATH, --mode, --account-role, --format
                        As for check. Default mode: live when AWS credentials
                        are set in the environment, else offline with --facts.

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

  // Options are checked before the command's arguments: a misspelled option makes its value
  // look like an argument, and the option is the better error to report.
  const named = positionals[0] ?? ''
  const seen = new Set<string>()
  for (const token of tokens) {
    if (token.kind === 'option') checkOptionToken(token, seen, named)
  }
  const command = checkCommand(positionals)

  if (command === 'snapshot') return { command, settings: buildSnapshotSettings(values, cwd) }
  if (command === 'explain') {
    return { command, settings: buildExplainSettings(values, positionals.slice(1), cwd) }
  }
  return { command: 'check', settings: buildSettings(values, cwd) }
}

interface OptionToken {
  name: string
  rawName: string
  value?: string
  inlineValue?: boolean
}

function checkOptionToken(token: OptionToken, seen: Set<string>, command: string): void {
  const { name, rawName, value, inlineValue } = token
  const allowed: OptionName[] = [
    ...(COMMAND_OPTIONS[command] ?? (Object.keys(OPTIONS) as OptionName[])),
    'help',
    'version'
  ]
  if (!(name in OPTIONS)) {
    const longNames = allowed.map((option) => `--${option}`)
    throw new InputError(
      withHelpHint(`unknown option \`${rawName}\`${didYouMean(rawName, longNames)}`)
    )
  }
  if (!allowed.includes(name as OptionName)) {
    throw new InputError(
      withHelpHint(
        `option \`--${name}\` does not apply to \`${command}\`; it takes ${COMMAND_OPTIONS[command].map((option) => `--${option}`).join(', ')}`
      )
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

function checkCommand(positionals: string[]): string {
  const [command, ...extra] = positionals
  if (command === undefined) {
    throw new InputError(
      withHelpHint(`missing command: expected \`${PROGRAM} check\`, \`snapshot\` or \`explain\``)
    )
  }
  if (!COMMANDS.includes(command)) {
    throw new InputError(
      withHelpHint(`unknown command \`${command}\`${didYouMean(command, COMMANDS)}`)
    )
  }
  // explain takes the message as its one argument.
  if (command === 'explain') {
    if (extra.length > 1) {
      throw new InputError(
        `\`explain\` takes one message argument, got ${extra.length}; put the whole message in quotes, or pass it with --input FILE`
      )
    }
    return command
  }
  if (extra.length > 0) {
    throw new InputError(
      `unexpected argument \`${extra[0]}\`: \`${command}\` takes only options; to pass fact paths, use --facts PATH`
    )
  }
  return command
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
    mode: parseMode(values.mode as string | undefined, 'offline'),
    accountRoles: parseAccountRoles(
      (values['account-role'] as string[] | undefined) ?? [],
      '--account-role'
    ),
    ...(values['confirm-dry-run'] === true ? { confirmWithDryRun: true } : {}),
    ...(values['base-ref'] === undefined ? {} : { baseRef: values['base-ref'] as string }),
    ...(values.sarif === undefined ? {} : { sarifPath: values.sarif as string }),
    ...(values.markdown === undefined ? {} : { markdownPath: values.markdown as string }),
    ...(values['base-facts'] === undefined
      ? {}
      : { baseFactPaths: values['base-facts'] as string[] }),
    cwd
  }
}

function buildSnapshotSettings(values: ParsedValues, cwd: string): SnapshotSettings {
  const out = values.out as string | undefined
  if (out === undefined) {
    throw new InputError(
      withHelpHint('`snapshot` needs --out DIR, the directory for the fact files')
    )
  }
  return {
    manifestPath: (values.manifest as string | undefined) ?? DEFAULT_MANIFEST_PATH,
    outDir: out,
    accountRoles: parseAccountRoles(
      (values['account-role'] as string[] | undefined) ?? [],
      '--account-role'
    ),
    cwd
  }
}

function buildExplainSettings(
  values: ParsedValues,
  messages: string[],
  cwd: string
): ExplainSettings {
  const input = values.input as string | undefined
  const message = messages[0]
  if ((input === undefined) === (message === undefined)) {
    throw new InputError(
      withHelpHint(
        message === undefined
          ? '`explain` needs the AccessDenied message as its argument, or --input FILE (`-` for standard input)'
          : '`explain` takes the message either as its argument or with --input FILE, not both'
      )
    )
  }
  const key = values.key as string | undefined
  const region = values.region as string | undefined
  return {
    ...(message === undefined ? { inputPath: input as string } : { message }),
    ...(key === undefined ? {} : { key }),
    ...(region === undefined ? {} : { region }),
    factPaths: (values.facts as string[] | undefined) ?? [],
    mode: parseMode(values.mode as string | undefined, 'auto'),
    accountRoles: parseAccountRoles(
      (values['account-role'] as string[] | undefined) ?? [],
      '--account-role'
    ),
    format: parseFormat(values.format as string | undefined),
    cwd
  }
}

function parseMode(value: string | undefined, fallback: CheckMode): CheckMode {
  if (value === undefined) return fallback
  if ((MODES as string[]).includes(value)) return value as CheckMode
  throw new InputError(
    withHelpHint(
      `invalid \`--mode\` value \`${value}\`: expected ${MODES.join(', ')}${didYouMean(value, MODES)}`
    )
  )
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
