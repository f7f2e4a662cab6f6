import { describe, expect, test } from '@jest/globals'
import type { ExpectationResult } from '../../src/check/results.js'
import { MAX_SUMMARY_BYTES, renderSummaryMarkdown } from '../../src/reports/summary.js'
import {
  APP_KEY_POLICY_STATEMENT,
  buildReport,
  crossAccountFailure,
  explicitDenyFailure,
  hostileResult,
  IGNORED_STATEMENT_WARNING,
  mixedReport,
  PARTNER_IAM_STATEMENT,
  PARTNER_KEY_POLICY_STATEMENT,
  passingResult,
  sameAccountFailure,
  unknownResult
} from './fixtures.js'

/** Splits a table row on the pipes that GitHub treats as cell borders. */
function tableCells(row: string): string[] {
  const cells: string[] = []
  let cell = ''
  for (let position = 0; position < row.length; position++) {
    const character = row[position]
    if (character === '\\') {
      cell += character + (row[position + 1] ?? '')
      position++
    } else if (character === '|') {
      cells.push(cell.trim())
      cell = ''
    } else {
      cell += character
    }
  }
  cells.push(cell.trim())
  // The leading and trailing pipes leave an empty cell at each end.
  return cells.slice(1, -1)
}

/** Returns the body rows of the results table. */
function tableRows(markdown: string): string[] {
  return markdown
    .split('\n')
    .filter(
      (line) => line.startsWith('| ') && !line.startsWith('| Status') && !line.startsWith('| ---')
    )
}

/** Removes inline code spans: a backtick run up to the next run of the same length. */
function withoutCodeSpans(markdown: string): string {
  let output = ''
  let position = 0
  while (position < markdown.length) {
    const run = /^`+/.exec(markdown.slice(position))?.[0]
    if (run === undefined) {
      output += markdown[position]
      position++
      continue
    }
    const closing = new RegExp(`(?<!\`)${run}(?!\`)`, 'g')
    closing.lastIndex = position + run.length
    const match = closing.exec(markdown)
    position = match ? match.index + run.length : position + run.length
  }
  return output
}

function decodeReferences(html: string): string {
  return html.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
}

function jsonBlocks(markdown: string): unknown[] {
  return [...markdown.matchAll(/^(`{3,})json\n([\s\S]*?)\n\1$/gm)].map((match) =>
    JSON.parse(match[2] ?? '')
  )
}

function detailsBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/<details>\n[\s\S]*?\n<\/details>/g)].map((match) => match[0])
}

function manyFailures(count: number): ExpectationResult[] {
  return Array.from({ length: count }, (_, position) => {
    const failure = crossAccountFailure()
    failure.expectation = `failure-${position}`
    failure.evidence.reasons = ['r'.repeat(2_000)]
    return failure
  })
}

describe('renderSummaryMarkdown', () => {
  test('opens with the gate and the counts', () => {
    const markdown = renderSummaryMarkdown(mixedReport())
    const [headline, , counts] = markdown.split('\n')
    expect(headline).toBe('## ❌ KMS access gate failed')
    expect(counts).toContain('**1 passed, 5 failed, 1 unknown** (7 results from 6 expectations')
    expect(counts).toContain('`kms-access.yml`')
  })

  test('says the gate passed', () => {
    const markdown = renderSummaryMarkdown(buildReport([passingResult()]))
    expect(markdown.startsWith('## ✅ KMS access gate passed\n')).toBe(true)
  })

  test('has a table row with eight cells per result', () => {
    const report = mixedReport()
    const rows = tableRows(renderSummaryMarkdown(report))
    expect(rows).toHaveLength(report.results.length)
    for (const row of rows) expect(tableCells(row)).toHaveLength(8)
  })

  test('fills the row cells from the result', () => {
    const [row] = tableRows(renderSummaryMarkdown(buildReport([crossAccountFailure()])))
    const cells = tableCells(row ?? '')
    expect(cells[0]).toBe('❌ FAIL')
    expect(cells[1]).toBe('partner\\-reads\\-exports')
    expect(cells[3]).toBe('kms:Decrypt')
    expect(cells[5]).toBe('allow')
    expect(cells[6]).toBe('implicit-deny')
    expect(cells[7]).toBe('key-policy, iam')
  })

  test('lists failures first in the table', () => {
    const rows = tableRows(renderSummaryMarkdown(mixedReport()))
    expect(rows.at(-1)).toContain('✅ PASS')
    expect(rows.at(-2)).toContain('❔ UNKNOWN')
  })

  test('adds a details block per failing or unknown result', () => {
    const blocks = detailsBlocks(renderSummaryMarkdown(mixedReport()))
    expect(blocks).toHaveLength(6)
    const summaries = blocks.map((block) => decodeReferences(block.split('\n')[1] ?? ''))
    expect(summaries[0]).toBe('<summary>❌ FAIL: app-uses-data-key: kms:Decrypt</summary>')
    expect(summaries.at(-1)).toBe('<summary>❔ UNKNOWN: batch-signs-reports: kms:Sign</summary>')
  })

  test('shows the closed locks and deciding statements', () => {
    const [block] = detailsBlocks(renderSummaryMarkdown(buildReport([explicitDenyFailure()])))
    expect(block).toContain('**Closed locks**')
    expect(block).toContain('- `explicit-deny`: An SCP statement denies the request\\.')
    expect(block).toContain('**Deciding statements**')
    expect(block).toContain('Deny in SCP `DenyKmsOutsideVpc`')
    expect(block).toContain('Sid `DenyKmsOutsideVpc`')
    expect(block).toContain('`facts/org/scp.json:3:5`')
  })

  test('shows near misses and missing context keys', () => {
    const [block] = detailsBlocks(renderSummaryMarkdown(buildReport([sameAccountFailure()])))
    expect(block).toContain('**Near misses**')
    expect(block).toContain(
      '  - condition `StringEquals kms:ViaService`: expected `s3.us-east-1.amazonaws.com`; actual not in the request context'
    )
    expect(block).toContain('**Missing context keys:** `kms:ViaService`.')
  })

  test('puts each statement to paste in a JSON fence', () => {
    const markdown = renderSummaryMarkdown(
      buildReport([sameAccountFailure(), crossAccountFailure()])
    )
    expect(jsonBlocks(markdown)).toEqual([
      APP_KEY_POLICY_STATEMENT,
      PARTNER_KEY_POLICY_STATEMENT,
      PARTNER_IAM_STATEMENT
    ])
  })

  test('names the account of each change', () => {
    const [block] = detailsBlocks(renderSummaryMarkdown(buildReport([crossAccountFailure()])))
    expect(block).toContain('**Change 1: key-policy** in account `111122223333`')
    expect(block).toContain('**Change 2: iam** in account `444455556666`')
    expect(block).toContain('```sh\naws kms get-key-policy')
  })

  test('shows the reasons of an unknown result', () => {
    const [block] = detailsBlocks(renderSummaryMarkdown(buildReport([unknownResult()])))
    expect(block).toContain('**Undecided locks**')
    expect(block).toContain('**Reasons**')
  })

  test('lists warnings with their locations', () => {
    const markdown = renderSummaryMarkdown(mixedReport())
    expect(markdown).toContain('### Warnings')
    expect(markdown).toContain(
      '- `facts/key-policy.json:30:5`: Statement \\#\u200b3 has no Resource element'
    )
    expect(markdown).toContain('(organizations-not-supplied)')
  })

  test('keeps a fence that backticks in a statement cannot close', () => {
    const failure = sameAccountFailure()
    const statement = { ...APP_KEY_POLICY_STATEMENT, Sid: 'a```b' }
    const [change] = failure.remediation?.changes ?? []
    if (!change) throw new Error('fixture has no change')
    change.statement = statement
    expect(jsonBlocks(renderSummaryMarkdown(buildReport([failure])))).toEqual([statement])
  })
})

describe('renderSummaryMarkdown with hostile text', () => {
  const markdown = renderSummaryMarkdown(buildReport([hostileResult()]))

  test('keeps the table row at eight cells', () => {
    const rows = tableRows(markdown)
    expect(rows).toHaveLength(1)
    expect(tableCells(rows[0] ?? '')).toHaveLength(8)
  })

  test('lets no HTML tag through', () => {
    expect(markdown).not.toContain('<script')
    expect(markdown).toContain('&lt;script&gt;')
  })

  test('lets no link or image through', () => {
    expect(markdown).not.toContain('](')
    expect(markdown).not.toMatch(/https?:\/\//)
  })

  test('lets no mention through outside code spans', () => {
    const outsideCode = withoutCodeSpans(markdown)
    expect(outsideCode).toContain('@\u200boctocat')
    expect(outsideCode).not.toMatch(/@[a-z]/i)
  })

  test('keeps a heading out of the expectation name', () => {
    expect(markdown).not.toMatch(/^#+ heading/m)
  })

  test('keeps the summary line inside its HTML block', () => {
    const summaryLine = markdown.split('\n').find((line) => line.startsWith('<summary>'))
    expect(summaryLine).toBeDefined()
    expect(summaryLine?.endsWith('</summary>')).toBe(true)
    expect(summaryLine).toContain('&lt;script&gt;')
  })

  test('puts backticks from policies in code spans that hold', () => {
    expect(markdown).toContain('Sid ``Sid`with`ticks | @octocat``')
    expect(markdown).toContain('expected ```` ``` ````, `` ` ``')
  })
})

describe('renderSummaryMarkdown size limit', () => {
  test('drops details after the first that fit and says so', () => {
    const maxBytes = 40_000
    const markdown = renderSummaryMarkdown(buildReport(manyFailures(30)), { maxBytes })
    expect(Buffer.byteLength(markdown, 'utf8')).toBeLessThanOrEqual(maxBytes)
    const shownDetails = detailsBlocks(markdown).length
    expect(shownDetails).toBeGreaterThan(0)
    expect(shownDetails).toBeLessThan(30)
    expect(markdown).toContain(`The details of ${30 - shownDetails} more results are left out`)
    expect(tableRows(markdown)).toHaveLength(30)
  })

  test('drops table rows when even the table does not fit', () => {
    const maxBytes = 8_000
    const markdown = renderSummaryMarkdown(buildReport(manyFailures(100)), { maxBytes })
    expect(Buffer.byteLength(markdown, 'utf8')).toBeLessThanOrEqual(maxBytes)
    expect(markdown).toMatch(/\d+ more table rows are left out/)
    expect(markdown).toContain('The details of 100 more results are left out')
  })

  test('drops warnings that do not fit and says so', () => {
    const warnings = Array.from({ length: 200 }, (_, position) => ({
      ...IGNORED_STATEMENT_WARNING,
      message: `Warning ${position}: ${'w'.repeat(200)}`
    }))
    const maxBytes = 10_000
    const markdown = renderSummaryMarkdown(buildReport([passingResult()], { warnings }), {
      maxBytes
    })
    expect(Buffer.byteLength(markdown, 'utf8')).toBeLessThanOrEqual(maxBytes)
    expect(markdown).toContain('- `facts/key-policy.json:30:5`: Warning 0:')
    expect(markdown).toMatch(/\d+ more warnings are left out/)
  })

  test('uses the singular for one row left out', () => {
    const report = buildReport(manyFailures(2))
    const full = renderSummaryMarkdown(report)
    const headerEnd = full.indexOf('| --- |')
    const secondRow = full.indexOf('\n| ❌', full.indexOf('\n| ❌', headerEnd) + 1)
    // Room for the headline, the header and one row (with a few bytes of slack) plus the
    // reserve kept for notes.
    const markdown = renderSummaryMarkdown(report, {
      maxBytes: Buffer.byteLength(full.slice(0, secondRow)) + 50 + 1024
    })
    expect(markdown).toContain('1 more table row is left out')
  })

  test('stays under 1 MiB by default', () => {
    const markdown = renderSummaryMarkdown(buildReport(manyFailures(1_000)))
    expect(Buffer.byteLength(markdown, 'utf8')).toBeLessThanOrEqual(MAX_SUMMARY_BYTES)
    expect(markdown).toMatch(/The details of \d+ more results are left out/)
  })

  test('keeps everything when it fits', () => {
    expect(renderSummaryMarkdown(mixedReport())).not.toContain('left out')
  })
})
