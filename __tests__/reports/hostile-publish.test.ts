/**
 * Hostile inputs against the pull-request comment, the job summary, the lock diagram and
 * the SARIF log. Tests marked `failing` show a wrong output of the current renderers and
 * are named for the behaviour they should have.
 */
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, test } from '@jest/globals'
import { Ajv } from 'ajv'
import type { CheckReport, ExpectationResult } from '../../src/check/results.js'
import type { StatementRef } from '../../src/engine/decision.js'
import type { SourceLocation } from '../../src/engine/model.js'
import { lockDiagram } from '../../src/reports/mermaid.js'
import { MAX_COMMENT_LENGTH, renderPullRequestComment } from '../../src/reports/pr-comment.js'
import { renderSarif } from '../../src/reports/sarif.js'
import { renderSummaryMarkdown } from '../../src/reports/summary.js'
import {
  APP_ACCOUNT,
  buildReport,
  crossAccountFailure,
  explicitDenyFailure,
  passingResult,
  sameAccountFailure,
  unexpectedAccess,
  unknownResult,
  VIA_S3_STATEMENT
} from './fixtures.js'

const ROOT = path.join(import.meta.dirname, '..', '..')
const PARSER = path.join(import.meta.dirname, '..', 'support', 'mermaid', 'parse-diagrams.mjs')
const SUMMARY_URL = 'https://github.test/octo/repo/actions/runs/42'

// ---------------------------------------------------------------------------------------
// What GitHub renders
// ---------------------------------------------------------------------------------------

/** A fence opener or closer as CommonMark reads it: up to three spaces, then three or more. */
const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/

/**
 * Removes fenced code blocks as CommonMark does: a block ends at a line with a fence of the
 * same character at least as long as the opener and nothing but spaces after it. Any
 * `\r\n`, `\r` or `\n` ends a line. An unclosed block runs to the end of the text.
 */
function withoutFencedBlocks(markdown: string): { text: string; unclosed: boolean } {
  const lines = markdown.split(/\r\n|\r|\n/)
  const kept: string[] = []
  let open: string | undefined
  for (const line of lines) {
    const fence = FENCE.exec(line)
    if (open === undefined) {
      // A backtick fence's info string may not contain a backtick.
      if (fence && !(fence[1].startsWith('`') && fence[2].includes('`'))) open = fence[1]
      else kept.push(line)
      continue
    }
    if (
      fence &&
      fence[1][0] === open[0] &&
      fence[1].length >= open.length &&
      fence[2].trim() === ''
    ) {
      open = undefined
    }
  }
  return { text: kept.join('\n'), unclosed: open !== undefined }
}

/** Removes inline code spans: a backtick run up to the next run of exactly the same length. */
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
    if (!match) {
      output += run
      position += run.length
      continue
    }
    position = match.index + run.length
  }
  return output
}

/**
 * Returns the text nodes that GitHub's post-processing reads (mentions, issue references and
 * autolinks are found there): code removed, backslash escapes undone, entities decoded.
 * Zero-width spaces stay, because they do break references.
 */
function visibleText(markdown: string): string {
  return withoutCodeSpans(withoutFencedBlocks(markdown).text)
    .replace(/\\([!-/:-@[-`{-~])/g, '$1')
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
}

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
      cells.push(cell)
      cell = ''
    } else {
      cell += character
    }
  }
  cells.push(cell)
  return cells.slice(1, -1)
}

/** True when the text has no UTF-16 surrogate without its partner (`isWellFormed` of ES2024). */
function isWellFormed(text: string): boolean {
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text)
}

function tableRows(markdown: string): string[] {
  return markdown.split('\n').filter((line) => /^\| (✅|❌|❔) /.test(line))
}

// ---------------------------------------------------------------------------------------
// Hostile reports
// ---------------------------------------------------------------------------------------

/** Puts `text` into every field of a failing result that comes from the manifest or facts. */
function everywhere(text: string): ExpectationResult {
  const base = sameAccountFailure()
  const statement: StatementRef = { ...VIA_S3_STATEMENT, sid: text, policyName: text }
  const remediation = base.remediation
  if (!remediation) throw new Error('fixture without remediation')
  return {
    ...base,
    expectation: `name ${text}`,
    dryRun: { kms: 'allowed', agrees: false, detail: `detail ${text}` },
    evidence: {
      ...base.evidence,
      reasons: [`reason ${text}`],
      locks: base.evidence.locks.map((check) => ({
        ...check,
        reason: `lock ${text}`,
        statements: [statement]
      })),
      nearMisses: base.evidence.nearMisses.map((nearMiss) => ({
        statement,
        mismatches: nearMiss.mismatches.map((mismatch) => ({
          ...mismatch,
          hint: `hint ${text}`
        }))
      }))
    },
    remediation: {
      ...remediation,
      summary: `summary ${text}`,
      changes: remediation.changes.map((change) => ({
        ...change,
        description: `description ${text}`
      }))
    }
  }
}

function hostileReport(text: string): CheckReport {
  const report = buildReport([everywhere(text), passingResult()], {
    warnings: [{ code: 'facts', message: `warning ${text}` }]
  })
  return { ...report, modeReason: `mode ${text}` }
}

function comment(report: CheckReport): string {
  return renderPullRequestComment(report, { key: 'default', summaryUrl: SUMMARY_URL })
}

describe('issue references in report text', () => {
  // GitHub links `#1`, `owner/repo#1` and `GH-1` in rendered text, and `\#1` or `&#35;1` do
  // not stop it: the reference filter runs on the text after Markdown is rendered. A link
  // into another repository also adds a "mentioned this" event to that timeline.
  const references = 'see acme/secrets#1, #2 and GH-3'

  test('comment breaks issue references in names', () => {
    const text = visibleText(comment(hostileReport(references)))

    expect(text).not.toMatch(/acme\/secrets#1/)
    expect(text).not.toMatch(/(^|[^\w])#2\b/m)
    expect(text).not.toMatch(/GH-3/)
  })

  test('summary breaks issue references in names', () => {
    const text = visibleText(renderSummaryMarkdown(hostileReport(references)))

    expect(text).not.toMatch(/acme\/secrets#1/)
    expect(text).not.toMatch(/(^|[^\w])#2\b/m)
  })
})

describe('mentions in report text', () => {
  const mentions = '@acme/admins @octocat'

  test('comment mentions nobody from any field', () => {
    const text = visibleText(comment(hostileReport(mentions)))

    expect(text).toContain('acme/admins')
    expect(text).not.toMatch(/@[A-Za-z0-9]/)
  })

  test('summary mentions nobody from any field', () => {
    const text = visibleText(renderSummaryMarkdown(hostileReport(mentions)))

    expect(text).toContain('acme/admins')
    expect(text).not.toMatch(/@[A-Za-z0-9]/)
  })

  test('live gate identity mentions nobody', () => {
    const report: CheckReport = {
      ...hostileReport(mentions),
      mode: 'live',
      live: {
        gateArn: `arn:aws:sts::${APP_ACCOUNT}:assumed-role/@octocat/run`,
        assumedRoles: {},
        calls: []
      }
    }

    expect(visibleText(comment(report))).not.toMatch(/@[A-Za-z0-9]/)
    expect(visibleText(renderSummaryMarkdown(report))).not.toMatch(/@[A-Za-z0-9]/)
  })
})

describe('code fences and details blocks', () => {
  const breakout = 'x\n```\n</details>\n\n<img src=x onerror=alert(1)>\n~~~~\n````\r```\rend'

  function fencedReport(): CheckReport {
    const base = everywhere('Sid```</details>``')
    const remediation = base.remediation
    if (!remediation) throw new Error('fixture without remediation')
    const result: ExpectationResult = {
      ...base,
      remediation: {
        ...remediation,
        changes: remediation.changes.map((change) => ({
          ...change,
          snippet: { language: 'yaml', text: breakout }
        })),
        verifyCommands: [`aws kms describe-key --key-id '${breakout}'`]
      }
    }
    return buildReport([result, explicitDenyFailure(), unknownResult(), passingResult()])
  }

  for (const [name, render] of [
    ['comment', (report: CheckReport) => comment(report)],
    ['summary', (report: CheckReport) => renderSummaryMarkdown(report)]
  ] as const) {
    test(`${name} closes every fence it opens`, () => {
      expect(withoutFencedBlocks(render(fencedReport())).unclosed).toBe(false)
    })

    test(`${name} keeps one details block per problem`, () => {
      const { text } = withoutFencedBlocks(render(fencedReport()))
      const lines = text.split('\n')

      expect(lines.filter((line) => line === '<details>')).toHaveLength(3)
      expect(lines.filter((line) => line === '</details>')).toHaveLength(3)
      expect(withoutCodeSpans(text)).not.toContain('<img')
    })
  }
})

describe('tables with backslashes and pipes', () => {
  const names = ['|', 'a\\|b', 'trailing\\', '\\\\|\\', '| ---', 'x\r|y', '`|`']

  test('comment rows keep eight cells', () => {
    const results = names.map((name) => ({ ...sameAccountFailure(), expectation: name }))
    const rows = tableRows(comment(buildReport(results)))

    expect(rows).toHaveLength(names.length)
    for (const row of rows) expect(tableCells(row)).toHaveLength(8)
  })

  test('summary rows keep eight cells', () => {
    const results = names.map((name) => ({ ...sameAccountFailure(), action: name }))
    const rows = tableRows(renderSummaryMarkdown(buildReport(results)))

    expect(rows).toHaveLength(names.length)
    for (const row of rows) expect(tableCells(row)).toHaveLength(8)
  })
})

describe('text cut to a length', () => {
  // 198 ASCII characters, then an emoji whose two UTF-16 halves straddle the cut at 199.
  const cutThroughEmoji = `${'a'.repeat(198)}😀${'b'.repeat(20)}`

  test('comment stays well-formed Unicode when the manifest path is cut', () => {
    const report = { ...buildReport([sameAccountFailure()]), manifest: cutThroughEmoji }

    expect(isWellFormed(comment(report))).toBe(true)
  })

  test('lock diagram stays well-formed Unicode when a role name is cut', () => {
    // The label is the ARN's resource part cut at 47 characters, then `…`.
    const role = `arn:aws:iam::${APP_ACCOUNT}:role/${'r'.repeat(41)}😀tail`
    const base = sameAccountFailure()
    const result: ExpectationResult = {
      ...base,
      principal: role,
      evidence: {
        ...base.evidence,
        principal: { ...base.evidence.principal, input: role, arn: role }
      }
    }

    expect(isWellFormed(lockDiagram(result))).toBe(true)
  })
})

describe('comment size', () => {
  test('stays under the limit with text that grows when escaped', () => {
    const grows = '&<>@|'.repeat(4000)
    const results = Array.from({ length: 60 }, () => everywhere(grows))
    const report = {
      ...buildReport([...results, passingResult()]),
      manifest: grows,
      baseline: { source: grows, counts: buildReport(results).counts, breaks: 0, fixes: 3 }
    }
    const body = renderPullRequestComment(report, {
      key: grows,
      summaryUrl: `${SUMMARY_URL}?${'q'.repeat(2000)}`
    })

    expect(body.length).toBeLessThanOrEqual(MAX_COMMENT_LENGTH)
    expect(body).toContain('this comment is shortened')
  })
})

// ---------------------------------------------------------------------------------------
// Mermaid
// ---------------------------------------------------------------------------------------

function parseDiagrams(diagrams: string[]): Promise<{ ok: boolean; error?: string }[]> {
  return new Promise((resolve, reject) => {
    const child = execFile('node', [PARSER], { maxBuffer: 16 * 1024 * 1024 }, (error, stdout) => {
      if (error) reject(error)
      else resolve(JSON.parse(stdout))
    })
    child.stdin?.end(JSON.stringify(diagrams))
  })
}

/** Builds a cross-account failure whose principal, key and account IDs are `text`. */
function diagramWith(principal: string, key: string, account: string): ExpectationResult {
  const base = crossAccountFailure()
  return {
    ...base,
    principal,
    key,
    evidence: {
      ...base.evidence,
      principal: { ...base.evidence.principal, input: principal, arn: principal },
      key: { ...base.evidence.key, input: key, arn: key, accountId: account },
      locks: base.evidence.locks.map((check) => ({ ...check, accountId: account }))
    }
  }
}

describe('lock diagram with hostile names', () => {
  const labels = [
    'end',
    'subgraph',
    'click principal href "javascript:alert(1)"',
    '%%{init: {"securityLevel": "loose", "theme": "base"}}%%',
    '---\ntitle: x\n---',
    'a\u0085b\u2028c\u000bd',
    '#quot;#35;&#35;&quot;',
    'x:::closed',
    'A-->B; B-->C',
    '`**markdown string**`',
    '<a href="javascript:alert(1)">x</a>',
    '\\"]\\n',
    '😀'.repeat(30)
  ]

  test('Mermaid parses every diagram', async () => {
    const diagrams = labels.flatMap((label) => [
      lockDiagram(diagramWith(`arn:aws:iam::1:role/${label}`, label, label)),
      lockDiagram(diagramWith(label, `arn:aws:kms:us-east-1:1:key/${label}`, `1 ${label}`))
    ])
    const results = await parseDiagrams(diagrams)

    expect(results.filter((result) => !result.ok)).toEqual([])
  })

  test('declares only fixed statements', () => {
    for (const label of labels) {
      const diagram = lockDiagram(diagramWith(label, label, label))
      const statements = diagram
        .split('\n')
        .map((line) => line.trim().split(/[\s[]/)[0])
        .filter((word) => word !== '')
      for (const word of statements) {
        expect(['flowchart', 'subgraph', 'end', 'classDef', 'class']).toContain(
          /^(principal|key|lock_\w+)$/.test(word) ? 'class' : word
        )
      }
    }
  })
})

// ---------------------------------------------------------------------------------------
// SARIF
// ---------------------------------------------------------------------------------------

const SCHEMA_PATH = path.join(
  ROOT,
  'node_modules/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'
)

/** Characters RFC 3986 allows in a URI reference, with `%` only before two hex digits. */
const URI_REFERENCE = /^(?:[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$/

/** Compiles the draft-04 SARIF schema with Ajv 8, as `sarif.test.ts` explains. */
function compileSarifSchema() {
  const { $schema: _draft, id, ...schema } = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8'))
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false })
  ajv.addFormat('uri', (value: string) => URL.canParse(value) && URI_REFERENCE.test(value))
  ajv.addFormat('uri-reference', (value: string) => URI_REFERENCE.test(value))
  ajv.addFormat('date-time', (value: string) => !Number.isNaN(Date.parse(value)))
  return ajv.compile({ ...schema, $id: id })
}

const validateSarif = compileSarifSchema()

interface ArtifactLocation {
  uri: string
  uriBaseId?: string
}

/** Returns every artifact location in a SARIF log. */
function artifactLocations(log: unknown): ArtifactLocation[] {
  const found: ArtifactLocation[] = []
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit)
    else if (typeof value === 'object' && value !== null) {
      const record = value as Record<string, unknown>
      if (record.artifactLocation) found.push(record.artifactLocation as ArtifactLocation)
      Object.values(record).forEach(visit)
    }
  }
  visit(log)
  return found
}

/** Builds a report whose manifest line, Deny statement and warning sit in `file`. */
function reportAt(file: string): CheckReport {
  const location: SourceLocation = { file, line: 3, column: 5 }
  const failure = explicitDenyFailure()
  const statement = { ...(failure.evidence.deniedBy[0] as StatementRef), location }
  const result: ExpectationResult = {
    ...failure,
    manifestLocation: location,
    evidence: {
      ...failure.evidence,
      deniedBy: [statement],
      locks: failure.evidence.locks.map((check) => ({ ...check, statements: [statement] }))
    }
  }
  return buildReport([result, unexpectedAccess()], {
    warnings: [{ code: 'facts', message: 'odd file', location }]
  })
}

describe('SARIF locations', () => {
  const oddNames = [
    'a b/#?%.json',
    'é/ü 😀.json',
    '[x]/(y)/{z}.json',
    'C:relative.json',
    'http:/x.json',
    '%2e%2e/%2fetc.json',
    '\\\\server\\share\\key.json',
    'dir//key.json',
    ''
  ]

  test('log matches the schema with odd file names', () => {
    for (const name of oddNames) {
      const log = JSON.parse(renderSarif(reportAt(name)))
      validateSarif(log)

      expect({ name, errors: validateSarif.errors ?? [] }).toEqual({ name, errors: [] })
    }
  })

  test('odd relative names stay relative to the source root', () => {
    for (const name of oddNames.filter((candidate) => !candidate.startsWith('\\'))) {
      for (const location of artifactLocations(JSON.parse(renderSarif(reportAt(name))))) {
        expect({ name, location }).toEqual({
          name,
          location: { uri: expect.not.stringMatching(/^[a-z]+:/i), uriBaseId: '%SRCROOT%' }
        })
      }
    }
  })

  // Facts read from outside the working directory keep their absolute path
  // (`displayPath` in src/facts/load-facts.ts), and SARIF writes it as a `file:` URI that
  // points outside the checkout.
  test('keeps an absolute location inside the repository', () => {
    const locations = artifactLocations(JSON.parse(renderSarif(reportAt('/etc/kms/key.json'))))

    for (const location of locations) {
      expect(location.uri).not.toMatch(/^file:/)
      expect(location.uriBaseId).toBe('%SRCROOT%')
    }
  })

  test('keeps a relative location from climbing out of the source root', () => {
    const locations = artifactLocations(
      JSON.parse(renderSarif(reportAt('facts/../../../etc/kms/key.json')))
    )

    for (const location of locations) {
      expect(location.uri.split('/')).not.toContain('..')
    }
  })
})
