import { describe, expect, test } from '@jest/globals'
import type { Remediation } from '../../src/check/results.js'
import {
  type Annotation,
  buildAnnotations,
  fitLines,
  MAX_ANNOTATION_MESSAGE_LENGTH
} from '../../src/reports/annotations.js'
import {
  APP_ACCOUNT,
  APP_KEY_POLICY_STATEMENT,
  buildReport,
  crossAccountFailure,
  explicitDenyFailure,
  IGNORED_STATEMENT_WARNING,
  MANIFEST,
  mixedReport,
  PARTNER_ACCOUNT,
  PARTNER_IAM_STATEMENT,
  PARTNER_KEY_POLICY_STATEMENT,
  passingResult,
  sameAccountFailure,
  UNKNOWN_REASON,
  unexpectedAccess,
  unknownResult
} from './fixtures.js'

function only(annotations: Annotation[]): Annotation {
  expect(annotations).toHaveLength(1)
  const [annotation] = annotations
  if (!annotation) throw new Error('no annotation')
  return annotation
}

/** Parses every line of a message that contains a JSON object. */
function pastedStatements(message: string): unknown[] {
  return message
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line))
}

describe('buildAnnotations', () => {
  test('adds nothing for passing results', () => {
    expect(buildAnnotations(buildReport([passingResult()]))).toEqual([])
  })

  test('places a failure on the expectation line of the manifest', () => {
    const annotation = only(buildAnnotations(buildReport([crossAccountFailure()])))
    expect(annotation.level).toBe('error')
    expect(annotation.file).toBe(MANIFEST)
    expect(annotation.startLine).toBe(12)
    expect(annotation.startColumn).toBe(5)
  })

  test('combines failing actions of one expectation', () => {
    const report = buildReport([
      sameAccountFailure('kms:Decrypt'),
      sameAccountFailure('kms:GenerateDataKey')
    ])
    const annotation = only(buildAnnotations(report))
    expect(annotation.message).toContain('kms:Decrypt: implicit-deny')
    expect(annotation.message).toContain('kms:GenerateDataKey: implicit-deny')
    expect(annotation.startLine).toBe(4)
  })

  test('lists a shared statement to paste once', () => {
    const report = buildReport([
      sameAccountFailure('kms:Decrypt'),
      sameAccountFailure('kms:GenerateDataKey')
    ])
    const { message } = only(buildAnnotations(report))
    expect(pastedStatements(message)).toEqual([APP_KEY_POLICY_STATEMENT])
  })

  test('titles a failure with its closed lock', () => {
    expect(only(buildAnnotations(buildReport([sameAccountFailure()]))).title).toBe(
      'Closed lock: key-policy'
    )
  })

  test('titles a failure with several closed locks', () => {
    const annotation = only(buildAnnotations(buildReport([crossAccountFailure()])))
    expect(annotation.title).toBe('Closed locks: key-policy, iam')
  })

  test('titles an explicit deny', () => {
    expect(only(buildAnnotations(buildReport([explicitDenyFailure()]))).title).toBe(
      'Closed lock: explicit-deny'
    )
  })

  test('titles an allowed deny expectation as unexpected access', () => {
    const annotation = only(buildAnnotations(buildReport([unexpectedAccess()])))
    expect(annotation.title).toBe('Unexpected access')
    expect(annotation.message).toContain(
      'Allowed by: Allow in key policy "default", Sid "OpenToEveryone"'
    )
    expect(annotation.message).toContain('Remove or narrow:')
  })

  test('titles an unknown result with its first reason, shortened', () => {
    const annotation = only(buildAnnotations(buildReport([unknownResult()])))
    expect(annotation.title.startsWith('Unknown: The key policy of arn:aws:kms:')).toBe(true)
    expect(annotation.title.length).toBeLessThanOrEqual('Unknown: '.length + 80)
    expect(annotation.title.endsWith('…')).toBe(true)
    expect(annotation.message).toContain(`Reason: ${UNKNOWN_REASON}`)
  })

  test('reports unknown as error with fail-on-unknown', () => {
    const report = buildReport([unknownResult()], { failOnUnknown: true })
    expect(only(buildAnnotations(report)).level).toBe('error')
  })

  test('reports unknown as warning without fail-on-unknown', () => {
    const report = buildReport([unknownResult()], { failOnUnknown: false })
    expect(only(buildAnnotations(report)).level).toBe('warning')
  })

  test('says what to add and in which account', () => {
    const { message } = only(buildAnnotations(buildReport([crossAccountFailure()])))
    expect(message).toContain('Fix: Allow the role in the key policy')
    expect(message).toContain(`key-policy in account ${APP_ACCOUNT} (`)
    expect(message).toContain(`iam in account ${PARTNER_ACCOUNT} (`)
    expect(pastedStatements(message)).toEqual([PARTNER_KEY_POLICY_STATEMENT, PARTNER_IAM_STATEMENT])
  })

  test('names the missing context keys', () => {
    const { message } = only(buildAnnotations(buildReport([sameAccountFailure()])))
    expect(message).toContain('Context keys the request did not supply: kms:ViaService')
  })

  test('adds a warning with its location for each report warning', () => {
    const annotations = buildAnnotations(buildReport([], { warnings: [IGNORED_STATEMENT_WARNING] }))
    expect(only(annotations)).toEqual({
      level: 'warning',
      title: 'Warning: statement-ignored',
      message: IGNORED_STATEMENT_WARNING.message,
      file: 'facts/key-policy.json',
      startLine: 30,
      startColumn: 5
    })
  })

  test('orders failures, then unknowns, then warnings', () => {
    const levelsAndTitles = buildAnnotations(mixedReport()).map((annotation) => annotation.title)
    expect(levelsAndTitles).toEqual([
      'Closed lock: key-policy',
      'Closed locks: key-policy, iam',
      'Closed lock: explicit-deny',
      'Unexpected access',
      expect.stringMatching(/^Unknown: /),
      'Warning: statement-ignored',
      'Warning: organizations-not-supplied'
    ])
  })

  test('keeps a long message under 4,000 characters', () => {
    const failure = crossAccountFailure()
    const bigStatement = {
      ...PARTNER_KEY_POLICY_STATEMENT,
      Condition: { StringEquals: { tag: 'x'.repeat(300) } }
    }
    const remediation: Remediation = {
      summary: 'Many changes.',
      changes: Array.from({ length: 40 }, (_, position) => ({
        side: 'iam' as const,
        accountId: PARTNER_ACCOUNT,
        target: `arn:aws:iam::${PARTNER_ACCOUNT}:role/Role${position}`,
        description: 'Add this statement.',
        statement: bigStatement
      })),
      verifyCommands: []
    }
    failure.remediation = remediation
    const { message } = only(buildAnnotations(buildReport([failure])))
    expect(message.length).toBeLessThan(4000)
    expect(message.startsWith('Expectation "partner-reads-exports"')).toBe(true)
    expect(message).toMatch(/… \d+ more lines in the job summary and the text report\.$/)
    for (const statement of pastedStatements(message)) expect(statement).toEqual(bigStatement)
  })
})

describe('fitLines', () => {
  test('returns short text unchanged', () => {
    expect(fitLines(['a', 'b'], 10)).toBe('a\nb')
  })

  test('drops whole lines and counts them', () => {
    const fitted = fitLines(['first line', 'x'.repeat(100), 'third'], 80)
    expect(fitted).toBe('first line\n… 2 more lines in the job summary and the text report.')
  })

  test('cuts a first line that alone is too long', () => {
    const fitted = fitLines(['y'.repeat(500), 'z'], 100)
    expect(fitted.length).toBeLessThanOrEqual(100)
    expect(fitted.startsWith('yyy')).toBe(true)
    expect(fitted).toContain('…\n… 1 more line in the job summary')
  })

  test('never exceeds the limit', () => {
    const lines = Array.from(
      { length: 500 },
      (_, position) => `line ${position} ${'w'.repeat(position % 90)}`
    )
    expect(fitLines(lines, MAX_ANNOTATION_MESSAGE_LENGTH).length).toBeLessThanOrEqual(
      MAX_ANNOTATION_MESSAGE_LENGTH
    )
  })
})
