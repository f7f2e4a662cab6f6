import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { readActionInputs } from '../../src/inputs/action-inputs.js'
import { InputError } from '../../src/inputs/errors.js'

const VARIABLES = [
  'INPUT_MANIFEST',
  'INPUT_FACTS',
  'INPUT_JSON-REPORT',
  'INPUT_FAIL-ON-UNKNOWN',
  'GITHUB_WORKSPACE'
]

let saved: Record<string, string | undefined>

beforeEach(() => {
  saved = Object.fromEntries(VARIABLES.map((name) => [name, process.env[name]]))
  for (const name of VARIABLES) delete process.env[name]
})

afterEach(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name]
    else process.env[name] = value
  }
})

function readError(): InputError {
  try {
    readActionInputs()
  } catch (error) {
    if (error instanceof InputError) return error
    throw error
  }
  throw new Error('expected an InputError')
}

describe('readActionInputs', () => {
  test('applies defaults without inputs', () => {
    expect(readActionInputs()).toEqual({
      manifestPath: '.github/kms-access.yml',
      factPaths: [],
      format: 'text',
      failOnUnknown: true,
      mode: 'offline',
      accountRoles: {},
      cwd: process.cwd()
    })
  })

  test('reads every input', () => {
    process.env.INPUT_MANIFEST = ' config/kms.yml '
    process.env.INPUT_FACTS = 'facts/\n\n  iam/*.json  \n   \n!iam/old.json\n'
    process.env['INPUT_JSON-REPORT'] = 'out/report.json'
    process.env['INPUT_FAIL-ON-UNKNOWN'] = 'false'
    process.env.INPUT_MODE = 'auto'
    process.env['INPUT_ACCOUNT-ROLES'] =
      '444455556666=arn:aws:iam::444455556666:role/reader\n\n777788889999 = arn:aws:iam::777788889999:role/r2\n'
    process.env['INPUT_CONFIRM-DRY-RUN'] = 'true'
    process.env.GITHUB_WORKSPACE = '/home/runner/work/repo'

    expect(readActionInputs()).toEqual({
      manifestPath: 'config/kms.yml',
      factPaths: ['facts/', 'iam/*.json', '!iam/old.json'],
      format: 'text',
      jsonReportPath: 'out/report.json',
      failOnUnknown: false,
      mode: 'auto',
      accountRoles: {
        '444455556666': 'arn:aws:iam::444455556666:role/reader',
        '777788889999': 'arn:aws:iam::777788889999:role/r2'
      },
      confirmWithDryRun: true,
      cwd: '/home/runner/work/repo'
    })
  })

  test('reads Windows line endings in facts', () => {
    process.env.INPUT_FACTS = 'a/\r\nb/\r\n'
    expect(readActionInputs().factPaths).toEqual(['a/', 'b/'])
  })

  test.each([
    ['true', true],
    ['True', true],
    ['FALSE', false]
  ])('reads fail-on-unknown %s', (value, expected) => {
    process.env['INPUT_FAIL-ON-UNKNOWN'] = value
    expect(readActionInputs().failOnUnknown).toBe(expected)
  })

  test('falls back to the current directory for an empty workspace', () => {
    process.env.GITHUB_WORKSPACE = ''
    expect(readActionInputs().cwd).toBe(process.cwd())
  })

  test('rejects a non-boolean fail-on-unknown', () => {
    process.env['INPUT_FAIL-ON-UNKNOWN'] = 'yes'
    const error = readError()
    expect(error.message).toBe('input `fail-on-unknown` must be true or false; got `yes`')
    expect(error.location).toBeUndefined()
  })

  test('rejects several manifest paths', () => {
    process.env.INPUT_MANIFEST = 'a.yml\nb.yml'
    expect(readError().message).toBe('input `manifest` must be one path; got 2 lines')
  })

  test('rejects several json-report paths', () => {
    process.env['INPUT_JSON-REPORT'] = 'a.json\nb.json\nc.json'
    expect(readError().message).toBe('input `json-report` must be one path; got 3 lines')
  })
})
