import { describe, expect, test } from '@jest/globals'
import { renderText } from '../../src/reports/text.js'
import {
  APP_KEY,
  APP_KEY_POLICY_STATEMENT,
  buildReport,
  crossAccountFailure,
  explicitDenyFailure,
  mixedReport,
  PARTNER_ACCOUNT,
  PARTNER_IAM_STATEMENT,
  PARTNER_KEY_POLICY_STATEMENT,
  PARTNER_ROLE,
  passingResult,
  sameAccountFailure,
  UNKNOWN_REASON,
  unexpectedAccess,
  unknownResult,
  VIA_S3_STATEMENT
} from './fixtures.js'

const plain = { color: false }

/** Returns the lines of the block that starts with the given status and expectation name. */
function blockOf(text: string, heading: string): string {
  const start = text.indexOf(heading)
  expect(start).toBeGreaterThanOrEqual(0)
  const end = text.indexOf('\n\n', start)
  return text.slice(start, end === -1 ? undefined : end)
}

/** Extracts every pretty-printed JSON object that starts on a line of its own. */
function jsonObjects(text: string): unknown[] {
  const lines = text.split('\n')
  const objects: unknown[] = []
  lines.forEach((line, position) => {
    const indent = /^(\s*)\{$/.exec(line)?.[1]
    if (indent === undefined) return
    const end = lines.indexOf(`${indent}}`, position)
    objects.push(JSON.parse(lines.slice(position, end + 1).join('\n')))
  })
  return objects
}

describe('renderText', () => {
  test('lists failures and unknowns before passes', () => {
    const text = renderText(mixedReport(), plain)
    const firstPass = text.indexOf('PASS  app-describes-key')
    expect(text.indexOf('FAIL  app-uses-data-key')).toBeLessThan(firstPass)
    expect(text.indexOf('UNKNOWN  batch-signs-reports')).toBeLessThan(firstPass)
    expect(text.indexOf('FAIL  app-uses-data-key')).toBeLessThan(text.indexOf('UNKNOWN'))
  })

  test('prints a pass on one line', () => {
    const text = renderText(buildReport([passingResult()]), plain)
    const line = text.split('\n').find((candidate) => candidate.startsWith('PASS'))
    expect(line).toContain('app-describes-key')
    expect(line).toContain('kms:DescribeKey')
    expect(line).toContain(APP_KEY)
  })

  test('shows the request, the expectation and its manifest line', () => {
    const block = blockOf(
      renderText(buildReport([sameAccountFailure()]), plain),
      'FAIL  app-uses-data-key'
    )
    expect(block).toContain('kms-access.yml:4:5')
    expect(block).toContain('arn:aws:iam::111122223333:role/App')
    expect(block).toContain(`→ ${APP_KEY}`)
    expect(block).toContain('Expected allow, decision implicit-deny.')
  })

  test('shows closed locks with their accounts and reasons', () => {
    const block = blockOf(
      renderText(buildReport([crossAccountFailure()]), plain),
      'FAIL  partner-reads-exports'
    )
    expect(block).toContain('Closed locks: key-policy, iam')
    expect(block).toContain(
      'key-policy (account 111122223333): The key policy does not allow account'
    )
    expect(block).toContain(
      `iam (account ${PARTNER_ACCOUNT}): No identity policy of the role allows`
    )
  })

  test('shows the deciding statement with Sid and location', () => {
    const block = blockOf(renderText(buildReport([explicitDenyFailure()]), plain), 'FAIL')
    expect(block).toContain('Deciding statements:')
    expect(block).toContain('Deny in SCP "DenyKmsOutsideVpc"')
    expect(block).toContain('Sid "DenyKmsOutsideVpc"')
    expect(block).toContain('account 999988887777')
    expect(block).toContain('facts/org/scp.json:3:5')
  })

  test('names a statement without a Sid by its index', () => {
    const failure = explicitDenyFailure()
    const [deny] = failure.evidence.deniedBy
    if (!deny) throw new Error('fixture has no deny statement')
    failure.evidence.deniedBy = [{ ...deny, sid: undefined, index: 4 }]
    failure.evidence.locks = []
    const block = blockOf(renderText(buildReport([failure]), plain), 'FAIL')
    expect(block).toContain('Deny in SCP "DenyKmsOutsideVpc"')
    expect(block).toContain('#4')
  })

  test('shows near misses with each mismatch and hint', () => {
    const block = blockOf(renderText(buildReport([sameAccountFailure()]), plain), 'FAIL')
    expect(block).toContain('Near misses:')
    expect(block).toContain(`Sid "${VIA_S3_STATEMENT.sid}"`)
    expect(block).toContain('facts/key-policy.json:21:7')
    expect(block).toContain(
      'condition StringEquals kms:ViaService: expected s3.us-east-1.amazonaws.com;'
    )
    expect(block).toMatch(/actual \(not in the\s+request context\)/)
    expect(block).toContain('hint: The request context has no kms:ViaService')
  })

  test('lists missing context keys with advice', () => {
    const block = blockOf(renderText(buildReport([sameAccountFailure()]), plain), 'FAIL')
    expect(block).toContain('Missing context keys: kms:ViaService')
    expect(block).toContain(
      "Add these to the expectation's `context` if the real request carries them."
    )
  })

  test('prints the statement to paste as JSON that parses back', () => {
    const block = blockOf(renderText(buildReport([sameAccountFailure()]), plain), 'FAIL')
    expect(block).toContain('Fix: Add a statement to the key policy of')
    expect(block).toContain('1. key-policy in account 111122223333:')
    expect(jsonObjects(block)).toEqual([APP_KEY_POLICY_STATEMENT])
  })

  test('prints both sides of a cross-account fix', () => {
    const block = blockOf(renderText(buildReport([crossAccountFailure()]), plain), 'FAIL')
    expect(block).toContain('1. key-policy in account 111122223333:')
    expect(block).toContain(`2. iam in account ${PARTNER_ACCOUNT}: ${PARTNER_ROLE}`)
    expect(jsonObjects(block)).toEqual([PARTNER_KEY_POLICY_STATEMENT, PARTNER_IAM_STATEMENT])
  })

  test('prints the verify commands', () => {
    const block = blockOf(renderText(buildReport([crossAccountFailure()]), plain), 'FAIL')
    expect(block).toContain('Verify:')
    expect(block).toContain(
      `$ aws iam simulate-principal-policy --policy-source-arn ${PARTNER_ROLE}`
    )
  })

  test('lists statements to remove or narrow', () => {
    const block = blockOf(renderText(buildReport([explicitDenyFailure()]), plain), 'FAIL')
    const afterHeading = block.slice(block.indexOf('Statements to remove or narrow:'))
    expect(afterHeading).toContain('Sid "DenyKmsOutsideVpc"')
  })

  test('shows the reasons of an unknown result', () => {
    const block = blockOf(renderText(buildReport([unknownResult()]), plain), 'UNKNOWN')
    expect(block).toContain('Undecided locks: key-policy')
    expect(block).toContain('key-policy [unknown] (account 111122223333)')
    expect(block).toContain('Reasons:')
    expect(block.replace(/\s+/g, ' ')).toContain(UNKNOWN_REASON)
  })

  test('shows what let in an unexpected access', () => {
    const block = blockOf(renderText(buildReport([unexpectedAccess()]), plain), 'FAIL')
    expect(block).toContain('Expected deny, decision allowed.')
    expect(block).toContain('Allowed by:')
    expect(block).toContain('Sid "OpenToEveryone"')
    expect(block).toContain('Access paths: key-policy-names-principal')
    expect(block).not.toContain('Closed locks')
  })

  test('prints warnings with their locations', () => {
    const text = renderText(mixedReport(), plain)
    expect(text).toContain('Warnings:')
    expect(text).toContain('- facts/key-policy.json:30:5: Statement #3 has no Resource element')
    expect(text).toContain('[statement-ignored]')
    expect(text).toContain('- No Organizations facts were supplied')
  })

  test('ends with the totals and the gate', () => {
    const lines = renderText(mixedReport(), plain).trimEnd().split('\n')
    expect(lines.at(-1)).toBe(
      '1 passed, 5 failed, 1 unknown (7 results from 6 expectations). Gate failed.'
    )
  })

  test('says when unknowns do not fail the gate', () => {
    const text = renderText(buildReport([unknownResult()], { failOnUnknown: false }), plain)
    expect(text).toContain('0 passed, 0 failed, 1 unknown (1 result from 1 expectation).')
    expect(text).toContain(
      'Gate passed: unknown results do not fail it because fail-on-unknown is off.'
    )
  })

  test('keeps prose within 100 columns and ARNs whole', () => {
    const text = renderText(mixedReport(), plain)
    for (const line of text.split('\n')) {
      if (line.length <= 100) continue
      // Only the one-line passes and the commands to copy may be longer.
      expect(line).toMatch(/^(PASS {2}| +\$ aws )/)
    }
    for (const arn of [APP_KEY, PARTNER_ROLE, 'arn:aws:iam::111122223333:role/App']) {
      expect(text).toContain(arn)
    }
  })

  test('adds no escape codes without colour', () => {
    expect(renderText(mixedReport(), plain)).not.toContain('\u001b')
  })

  test('colours the status words with colour on', () => {
    const text = renderText(mixedReport(), { color: true })
    expect(text).toContain('\u001b[31m\u001b[1mFAIL\u001b[22m\u001b[39m')
    expect(text).toContain('\u001b[32mPASS\u001b[39m')
    expect(text).toContain('\u001b[33m\u001b[1mUNKNOWN\u001b[22m\u001b[39m')
  })

  test('removes control characters from policy text', () => {
    const failure = explicitDenyFailure()
    failure.expectation = 'name\u001b[2J\u001b]0;title\u0007'
    failure.evidence.reasons = ['line one\nline two']
    const text = renderText(buildReport([failure]), plain)
    expect(text).not.toContain('\u001b')
    expect(text).not.toContain('\u0007')
    expect(text).toContain('name\ufffd[2J\ufffd]0;title\ufffd')
    expect(text).toContain('line one line two')
  })
})
