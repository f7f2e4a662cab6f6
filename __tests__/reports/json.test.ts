import { readFileSync } from 'node:fs'
import { describe, expect, test } from '@jest/globals'
import type { CheckReport } from '../../src/check/results.js'
import { LOCKS } from '../../src/engine/decision.js'
import { renderJson } from '../../src/reports/json.js'
import {
  APP_KEY_POLICY_STATEMENT,
  buildReport,
  mixedReport,
  sameAccountFailure
} from './fixtures.js'

const DOCS = readFileSync(new URL('../../docs/json-report.md', import.meta.url), 'utf8')

/** Rebuilds every object with its fields in reverse order, except policy statements. */
function reverseFieldOrder(value: unknown, key = ''): unknown {
  if (key === 'statement') return value
  if (Array.isArray(value)) return value.map((item) => reverseFieldOrder(item))
  if (value === null || typeof value !== 'object') return value
  const entries = Object.entries(value).reverse()
  return Object.fromEntries(entries.map(([field, item]) => [field, reverseFieldOrder(item, field)]))
}

/** Collects every field name in a JSON value, skipping the content of policy statements. */
function fieldNames(value: unknown, names = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) fieldNames(item, names)
  } else if (value !== null && typeof value === 'object') {
    for (const [field, item] of Object.entries(value)) {
      names.add(field)
      // A remediation `statement` is a policy statement; a near miss `statement` is a StatementRef.
      if (field !== 'statement' || 'policyKind' in (item as object)) fieldNames(item, names)
    }
  }
  return names
}

describe('renderJson', () => {
  test('round-trips every field of the report', () => {
    const report = mixedReport()
    expect(JSON.parse(renderJson(report))).toEqual(JSON.parse(JSON.stringify(report)))
  })

  test('indents by two spaces and ends with a newline', () => {
    const json = renderJson(mixedReport())
    expect(json.startsWith('{\n  "reportVersion": 1,\n')).toBe(true)
    expect(json.endsWith('}\n')).toBe(true)
  })

  test('prints the same text whatever order the fields were built in', () => {
    const report = mixedReport()
    const reordered = reverseFieldOrder(report) as CheckReport
    expect(Object.keys(reordered)[0]).toBe('warnings')
    expect(renderJson(reordered)).toBe(renderJson(report))
  })

  test('orders the top-level fields as documented', () => {
    const parsed = JSON.parse(renderJson(mixedReport()))
    expect(Object.keys(parsed)).toEqual([
      'reportVersion',
      'tool',
      'manifest',
      'mode',
      'factSources',
      'passed',
      'failOnUnknown',
      'counts',
      'results',
      'warnings'
    ])
  })

  test('puts the evidence last in each result', () => {
    const parsed = JSON.parse(renderJson(buildReport([sameAccountFailure()])))
    expect(Object.keys(parsed.results[0]).at(-1)).toBe('evidence')
  })

  test('keeps the fields of a statement to paste in their written order', () => {
    const parsed = JSON.parse(renderJson(buildReport([sameAccountFailure()])))
    const statement = parsed.results[0].remediation.changes[0].statement
    expect(Object.keys(statement)).toEqual(Object.keys(APP_KEY_POLICY_STATEMENT))
  })

  test('leaves out absent optional fields instead of printing null', () => {
    const json = renderJson(mixedReport())
    expect(json).not.toContain('null')
    const passing = JSON.parse(json).results.find(
      (result: { status: string }) => result.status === 'pass'
    )
    expect(passing).not.toHaveProperty('remediation')
  })

  test('keeps fields the types do not list, sorted', () => {
    const report = buildReport([])
    const extended = { ...report, zeta: 1, alpha: 2 } as CheckReport
    expect(Object.keys(JSON.parse(renderJson(extended))).slice(-2)).toEqual(['alpha', 'zeta'])
  })
})

describe('docs/json-report.md', () => {
  test('documents every field the report prints', () => {
    const names = fieldNames(JSON.parse(renderJson(mixedReport())))
    expect(names.has('Sid')).toBe(false)
    expect(names.has('policyKind')).toBe(true)
    for (const name of names) expect(DOCS).toContain(`\`${name}`)
  })

  test('lists every lock', () => {
    for (const lock of LOCKS) expect(DOCS).toContain(`\`${lock}\``)
  })

  test('has an example that parses as a report', () => {
    const example = /```json\n([\s\S]*?)\n```/.exec(DOCS)?.[1]
    expect(example).toBeDefined()
    const parsed = JSON.parse(example ?? '')
    expect(parsed.reportVersion).toBe(1)
    expect(Object.keys(parsed)).toEqual(Object.keys(JSON.parse(renderJson(mixedReport()))))
  })

  test('says what raises reportVersion', () => {
    expect(DOCS).toContain('## Versions')
    expect(DOCS).toMatch(/a field is removed or renamed/)
  })
})
