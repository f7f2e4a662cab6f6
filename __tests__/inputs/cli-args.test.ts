import { describe, expect, test } from '@jest/globals'
import { type CliCommand, HELP_TEXT, parseCliArgs } from '../../src/inputs/cli-args.js'
import { InputError } from '../../src/inputs/errors.js'
import type { CheckSettings } from '../../src/inputs/settings.js'

const CWD = '/repo'

function settingsOf(command: CliCommand): CheckSettings {
  if (command.command !== 'check')
    throw new Error(`expected a check command, got ${command.command}`)
  return command.settings
}

function parseError(argv: string[]): InputError {
  try {
    parseCliArgs(argv, CWD)
  } catch (error) {
    if (error instanceof InputError) return error
    throw error
  }
  throw new Error(`expected an InputError for ${JSON.stringify(argv)}`)
}

describe('parseCliArgs check', () => {
  test('applies defaults', () => {
    expect(parseCliArgs(['check'], CWD)).toEqual({
      command: 'check',
      settings: {
        manifestPath: '.github/kms-access.yml',
        factPaths: [],
        format: 'text',
        failOnUnknown: true,
        mode: 'offline',
        accountRoles: {},
        cwd: CWD
      }
    })
  })

  test('reads every flag', () => {
    const argv = [
      'check',
      '--manifest',
      'kms.yml',
      '--facts',
      'facts/',
      '--format',
      'json',
      '--output',
      'report.json',
      '--fail-on-unknown',
      'false',
      '--mode',
      'live',
      '--account-role',
      '444455556666=arn:aws:iam::444455556666:role/reader',
      '--confirm-dry-run'
    ]
    expect(settingsOf(parseCliArgs(argv, CWD))).toEqual({
      manifestPath: 'kms.yml',
      factPaths: ['facts/'],
      format: 'json',
      outputPath: 'report.json',
      failOnUnknown: false,
      mode: 'live',
      accountRoles: { '444455556666': 'arn:aws:iam::444455556666:role/reader' },
      confirmWithDryRun: true,
      cwd: CWD
    })
  })

  test('collects repeated --facts in order', () => {
    const argv = ['check', '--facts', 'a/', '--facts=b/*.json', '--facts', '!b/old.json']
    expect(settingsOf(parseCliArgs(argv, CWD)).factPaths).toEqual(['a/', 'b/*.json', '!b/old.json'])
  })

  test('accepts flags before the command', () => {
    const settings = settingsOf(parseCliArgs(['--format=json', 'check'], CWD))
    expect(settings.format).toBe('json')
  })

  test.each([
    ['true', true],
    ['TRUE', true],
    ['false', false],
    ['False', false]
  ])('reads --fail-on-unknown %s', (value, expected) => {
    const settings = settingsOf(parseCliArgs(['check', '--fail-on-unknown', value], CWD))
    expect(settings.failOnUnknown).toBe(expected)
  })

  test('accepts a value that starts with a dash after =', () => {
    expect(settingsOf(parseCliArgs(['check', '--output=-report.txt'], CWD)).outputPath).toBe(
      '-report.txt'
    )
  })
})

describe('parseCliArgs help and version', () => {
  test.each([[['--help']], [['-h']], [['check', '--help']], [['check', '--bogus', '-h']]])(
    'returns help for %j',
    (argv) => {
      expect(parseCliArgs(argv, CWD)).toEqual({ command: 'help', text: HELP_TEXT })
    }
  )

  test('returns the version command', () => {
    expect(parseCliArgs(['--version'], CWD)).toEqual({ command: 'version' })
  })

  test('help text documents every option and exit code', () => {
    for (const option of [
      '--manifest FILE',
      '--facts PATH',
      '--format text|json',
      '--output FILE',
      '--fail-on-unknown true|false',
      '-h, --help',
      '--version'
    ]) {
      expect(HELP_TEXT).toContain(option)
    }
    expect(HELP_TEXT).toContain('Default: .github/kms-access.yml')
    expect(HELP_TEXT).toMatch(/^ {2}0 {2}every expectation holds$/mu)
    expect(HELP_TEXT).toMatch(/^ {2}1 {2}an expectation does not hold/mu)
    expect(HELP_TEXT).toMatch(/^ {2}2 {2}invalid input/mu)
  })
})

describe('parseCliArgs errors', () => {
  const HINT = 'Run `kms-access-gate --help` for usage'

  test.each([
    [
      [],
      `missing command: expected \`kms-access-gate check\`, \`snapshot\` or \`explain\`. ${HINT}`
    ],
    [
      ['--format', 'json'],
      `missing command: expected \`kms-access-gate check\`, \`snapshot\` or \`explain\`. ${HINT}`
    ],
    [['chek'], `unknown command \`chek\`; did you mean \`check\`? ${HINT}`],
    [['lint'], `unknown command \`lint\`. ${HINT}`],
    [
      ['check', '--manfest', 'x.yml'],
      `unknown option \`--manfest\`; did you mean \`--manifest\`? ${HINT}`
    ],
    [['check', '-x'], `unknown option \`-x\`. ${HINT}`],
    [
      ['check', '--format', 'xml'],
      `invalid \`--format\` value \`xml\`: expected text or json. ${HINT}`
    ],
    [
      ['check', '--format', 'jsn'],
      `invalid \`--format\` value \`jsn\`: expected text or json; did you mean \`json\`? ${HINT}`
    ],
    [
      ['check', '--fail-on-unknown', 'yes'],
      `invalid \`--fail-on-unknown\` value \`yes\`: expected true or false. ${HINT}`
    ],
    [['check', '--manifest'], `option \`--manifest\` needs a value. ${HINT}`],
    [['check', '--manifest', '--format', 'json'], `option \`--manifest\` needs a value. ${HINT}`],
    [['check', '--facts='], `option \`--facts\` needs a value. ${HINT}`],
    [['check', '--version=1'], `option \`--version\` takes no value. ${HINT}`],
    [
      ['check', '--manifest', 'a.yml', '--manifest', 'b.yml'],
      'option `--manifest` is given more than once; give it once'
    ],
    [
      ['check', 'facts/'],
      'unexpected argument `facts/`: `check` takes only options; to pass fact paths, use --facts PATH'
    ]
  ])('rejects %j', (argv, message) => {
    const error = parseError(argv)
    expect(error.message).toBe(message)
    expect(error.location).toBeUndefined()
  })
})
