import { describe, expect, test } from '@jest/globals'
import type { CheckReport, ExpectationResult } from '../../src/check/results.js'
import {
  commentMarker,
  MAX_COMMENT_LENGTH,
  renderPullRequestComment
} from '../../src/reports/pr-comment.js'
import {
  APP_KEY_POLICY_STATEMENT,
  buildReport,
  crossAccountFailure,
  HOSTILE,
  hostileResult,
  mixedReport,
  passingResult,
  sameAccountFailure
} from './fixtures.js'

const SUMMARY_URL = 'https://github.test/octo/repo/actions/runs/42'

/** Builds a report compared with its base: one result broke, another failed before too. */
function reportWithBaseline(): CheckReport {
  const broken: ExpectationResult = {
    ...sameAccountFailure(),
    change: 'breaks',
    baseStatus: 'pass'
  }
  const alreadyFailing: ExpectationResult = {
    ...crossAccountFailure(),
    change: 'unchanged',
    baseStatus: 'fail'
  }
  const report = buildReport([passingResult(), alreadyFailing, broken])
  return {
    ...report,
    baseline: {
      source: 'git revision abc123',
      counts: { ...report.counts, passed: 2, failed: 1 },
      breaks: 1,
      fixes: 0
    }
  }
}

/** Splits a table row on the pipes that GitHub treats as cell borders. */
function countCells(row: string): number {
  return row.replace(/\\./g, '').split('|').length - 2
}

/** Builds a failing report with `count` results whose expectation names are `nameLength` long. */
function largeReport(count: number, nameLength: number): CheckReport {
  const results = Array.from({ length: count }, (_, position) => ({
    ...sameAccountFailure(),
    expectation: `expectation-${position}-${'x'.repeat(nameLength)}`
  }))
  return buildReport(results)
}

describe('renderPullRequestComment', () => {
  test('starts with the marker for the key', () => {
    const body = renderPullRequestComment(mixedReport(), { key: 'default' })

    expect(body.startsWith('<!-- kms-access-gate:default -->\n')).toBe(true)
  })

  test('encodes a key that could end the marker', () => {
    const key = 'leg --> <img src=x onerror=alert(1)> --!> @octocat'
    const marker = commentMarker(key)

    const encodedKey = marker.slice('<!-- kms-access-gate:'.length, -' -->'.length)

    expect(marker.startsWith('<!-- kms-access-gate:')).toBe(true)
    expect(marker.endsWith(' -->')).toBe(true)
    expect(encodedKey).toMatch(/^[A-Za-z0-9._~%-]+$/)
    expect(decodeURIComponent(encodedKey)).toBe(key)
  })

  test('keeps markers of similar keys apart', () => {
    expect(commentMarker('prod')).not.toBe(commentMarker('prod '))
    expect(commentMarker('prod/eu')).not.toBe(commentMarker('prod-eu'))
    expect(commentMarker('a').startsWith(commentMarker('a').slice(0, -4))).toBe(true)
    expect(commentMarker('ab').startsWith(commentMarker('a'))).toBe(false)
  })

  test('hashes a long key into a bounded marker', () => {
    const key = 'k'.repeat(100_000)

    expect(commentMarker(key).length).toBeLessThan(120)
    expect(commentMarker(key)).toBe(commentMarker(`${'k'.repeat(99_999)}k`))
    expect(commentMarker(key)).not.toBe(commentMarker(`${key}x`))
  })

  test('leads with what fails before the table', () => {
    const body = renderPullRequestComment(mixedReport(), { key: 'default' })

    expect(body).toContain('## ❌ KMS access gate failed')
    expect(body.indexOf('### What fails')).toBeGreaterThan(0)
    expect(body.indexOf('### What fails')).toBeLessThan(body.indexOf('### All expectations'))
    expect(body).toContain('**app\\-uses\\-data\\-key**')
  })

  test('leads with what the change breaks', () => {
    const body = renderPullRequestComment(reportWithBaseline(), { key: 'default' })
    const breaksAt = body.indexOf('### What this change breaks')
    const section = body.slice(breaksAt, body.indexOf('### Also failing'))

    expect(breaksAt).toBeGreaterThan(0)
    expect(breaksAt).toBeLessThan(body.indexOf('### Also failing'))
    expect(section).toContain('app\\-uses\\-data\\-key')
    expect(section).toContain('PASS before, FAIL now')
    expect(section).toContain('`git revision abc123`')
    expect(section).not.toContain('partner\\-reads\\-exports')
  })

  test('says when the change breaks nothing', () => {
    const report = reportWithBaseline()
    const results = report.results.map((result) => ({ ...result, change: 'unchanged' as const }))
    const body = renderPullRequestComment({ ...report, results }, { key: 'default' })

    expect(body).toContain(
      'Nothing: compared with `git revision abc123`, no result that passed fails now.'
    )
  })

  test('lists every result in the table', () => {
    const report = mixedReport()
    const body = renderPullRequestComment(report, { key: 'default' })
    const rows = body.split('\n').filter((line) => /^\| (✅|❌|❔) /.test(line))

    expect(rows).toHaveLength(report.results.length)
    for (const row of rows) expect(countCells(row)).toBe(8)
  })

  test('gives locks, statements, fix and checks per failure', () => {
    const body = renderPullRequestComment(mixedReport(), { key: 'default' })

    expect(body).toContain('### Failures and unknown results')
    expect(body).toContain('**Closed locks**')
    expect(body).toContain('**Deciding statements**')
    expect(body).toContain(`"Sid": "${APP_KEY_POLICY_STATEMENT.Sid}"`)
    expect(body).toContain('```sh\naws kms get-key-policy')
    // One block per failure or unknown result, and one for the report's warnings.
    expect(body.match(/<details>/g)).toHaveLength(7)
    expect(body).toContain('<details><summary>')
  })

  test('lists the report warnings in a collapsed block', () => {
    const report = mixedReport()
    const body = renderPullRequestComment(report, { key: 'default' })

    expect(report.warnings.length).toBeGreaterThan(0)
    expect(body).toContain(`${report.warnings.length} warning`)
  })

  test('gives the fix in the template language', () => {
    const failure = sameAccountFailure()
    const change = failure.remediation?.changes[0]
    if (!change) throw new Error('the fixture has no change')
    change.snippet = { language: 'yaml', text: 'Sid: AllowAppUseOfTheKey\nEffect: Allow' }
    const body = renderPullRequestComment(buildReport([failure]), { key: 'default' })

    expect(body).toContain('```yaml\nSid: AllowAppUseOfTheKey\nEffect: Allow\n```')
    expect(body).not.toContain('```json')
  })

  test('draws the lock diagram of each failure', () => {
    const body = renderPullRequestComment(mixedReport(), { key: 'default' })
    const failures = mixedReport().results.filter((result) => result.status === 'fail')

    expect(body.match(/```mermaid\nflowchart LR\n/g) ?? []).toHaveLength(failures.length)
  })

  test('links an https summary URL', () => {
    const body = renderPullRequestComment(mixedReport(), {
      key: 'default',
      summaryUrl: SUMMARY_URL
    })

    expect(body).toContain(`Full report: [job summary](<${SUMMARY_URL}>).`)
  })

  test('links no summary URL of another scheme', () => {
    for (const summaryUrl of ['javascript:alert(1)', 'data:text/html,x', 'not a url']) {
      const body = renderPullRequestComment(mixedReport(), { key: 'default', summaryUrl })

      expect(body).not.toContain('Full report')
    }
  })

  test('says the gate passed', () => {
    const body = renderPullRequestComment(buildReport([passingResult()]), { key: 'default' })

    expect(body).toContain('## ✅ KMS access gate passed')
    expect(body).not.toContain('### What fails')
    expect(body).not.toContain('<details>')
  })
})

describe('renderPullRequestComment with hostile text', () => {
  const HOSTILE_ARN = 'arn:aws:iam::111122223333:role/<img src=x onerror=alert(1)>@octocat'

  function hostileReport(): CheckReport {
    const base = hostileResult()
    const result: ExpectationResult = {
      ...base,
      principal: HOSTILE_ARN,
      change: 'breaks',
      baseStatus: 'pass',
      evidence: {
        ...base.evidence,
        principal: { ...base.evidence.principal, input: HOSTILE_ARN, arn: HOSTILE_ARN },
        locks: base.evidence.locks.map((check) => ({
          ...check,
          reason: `${HOSTILE.script} ${HOSTILE.image} ${HOSTILE.mention}`,
          statements: [
            {
              policyKind: 'key-policy' as const,
              policyName: `${HOSTILE.link}`,
              sid: `Sid\`\`\` ${HOSTILE.script} | ${HOSTILE.mention}`,
              index: 0,
              effect: 'Allow' as const
            }
          ]
        }))
      }
    }
    const report = buildReport([result, passingResult()])
    return {
      ...report,
      manifest: `${HOSTILE.script}.yml`,
      baseline: { source: HOSTILE.link, counts: report.counts, breaks: 1, fixes: 0 }
    }
  }

  /** Returns the text outside code spans and fenced blocks, where GitHub would render syntax. */
  function renderedText(markdown: string): string {
    return markdown
      .replace(/(`{3,})[^\n]*\n[\s\S]*?\n\1/g, '')
      .replace(/(`+)(?!`)[\s\S]*?(?<!`)\1(?!`)/g, '')
  }

  test('renders no HTML from policy text', () => {
    const text = renderedText(renderPullRequestComment(hostileReport(), { key: 'default' }))

    expect(text).not.toContain('<script>')
    expect(text).not.toContain('<img')
    const tags = text.match(/<[^>]*>/g) ?? []
    expect(new Set(tags)).toEqual(
      new Set([
        '<!-- kms-access-gate:default -->',
        '<details>',
        '<summary>',
        '</summary>',
        '</details>'
      ])
    )
  })

  test('creates no mention from policy text', () => {
    const text = renderedText(renderPullRequestComment(hostileReport(), { key: 'default' }))

    expect(text).not.toMatch(/@octocat/)
  })

  test('creates no link or image from policy text', () => {
    const text = renderedText(renderPullRequestComment(hostileReport(), { key: 'default' }))

    expect(text).not.toMatch(/\]\(http/)
    expect(text).not.toMatch(/https?:\/\//)
    expect(text).not.toMatch(/!\[x\]/)
  })

  test('starts no heading from a name', () => {
    const body = renderPullRequestComment(hostileReport(), { key: 'default' })

    expect(body).not.toMatch(/^## heading/m)
  })

  test('keeps table rows whole with pipes in names', () => {
    const body = renderPullRequestComment(hostileReport(), { key: 'default' })
    const rows = body.split('\n').filter((line) => /^\| (✅|❌|❔) /.test(line))

    expect(rows).toHaveLength(2)
    for (const row of rows) expect(countCells(row)).toBe(8)
  })

  test('keeps hostile text inert in the short comment', () => {
    const report = hostileReport()
    const many = Array.from({ length: 400 }, () => report.results[0])
    const body = renderPullRequestComment({ ...report, results: many }, { key: 'default' })
    const text = renderedText(body)

    expect(body).toContain('this comment is shortened')
    expect(body).toMatch(/\n\| ❌ FAIL \| x /)
    expect(text).not.toContain('<script>')
    expect(text).not.toContain('<img')
    expect(text).not.toMatch(/@octocat/)
    expect(text).not.toMatch(/\]\(http/)
  })
})

describe('renderPullRequestComment size limit', () => {
  test('keeps a comment that fits whole', () => {
    const body = renderPullRequestComment(largeReport(20, 10), { key: 'default' })

    expect(body.length).toBeLessThanOrEqual(MAX_COMMENT_LENGTH)
    expect(body).not.toContain('this comment is shortened')
    expect(body.match(/<details>/g)).toHaveLength(20)
  })

  test('shortens a comment over the limit', () => {
    const body = renderPullRequestComment(largeReport(3000, 10), {
      key: 'default',
      summaryUrl: SUMMARY_URL
    })

    expect(body.length).toBeLessThanOrEqual(MAX_COMMENT_LENGTH)
    expect(body.startsWith(commentMarker('default'))).toBe(true)
    expect(body).toContain('## ❌ KMS access gate failed')
    expect(body).toContain('this comment is shortened')
    expect(body).toMatch(/\n\d+ more results are left out of the table\.\n/)
    expect(body).toContain(`The [job summary](<${SUMMARY_URL}>) contains`)
    expect(body).not.toContain('<details>')
  })

  test('counts the rows it leaves out', () => {
    const body = renderPullRequestComment(largeReport(3000, 10), { key: 'default' })
    const rows = body.split('\n').filter((line) => line.startsWith('| ❌ '))
    const leftOut = Number(/\n(\d+) more results are left out/.exec(body)?.[1])

    expect(rows.length).toBeGreaterThan(100)
    expect(rows.length + leftOut).toBe(3000)
  })

  test('keeps what the change breaks in the short comment', () => {
    const report = largeReport(3000, 10)
    const results = report.results.map((result, position) =>
      position < 5 ? { ...result, change: 'breaks' as const, baseStatus: 'pass' as const } : result
    )
    const body = renderPullRequestComment(
      {
        ...report,
        results,
        baseline: { source: 'main', counts: report.counts, breaks: 5, fixes: 0 }
      },
      { key: 'default' }
    )
    const section = body.slice(body.indexOf('### What this change breaks'), body.indexOf('### All'))

    expect(body.length).toBeLessThanOrEqual(MAX_COMMENT_LENGTH)
    expect(section.match(/^- ❌ /gm)).toHaveLength(5)
  })

  test('fits whatever the length of the text', () => {
    const huge = `<@${'y'.repeat(100_000)}>`
    const cases: { name: string; report: CheckReport; key: string; summaryUrl?: string }[] = [
      { name: 'huge names', report: largeReport(5, 100_000), key: 'default' },
      { name: 'many huge names', report: largeReport(2000, 5_000), key: 'default' },
      { name: 'huge key', report: largeReport(3000, 10), key: huge },
      {
        name: 'huge URL',
        report: largeReport(3000, 10),
        key: 'default',
        summaryUrl: `https://github.test/${'z'.repeat(100_000)}`
      },
      {
        name: 'huge manifest and baseline',
        report: (() => {
          const base = largeReport(3000, 10)
          const results = base.results.map((result) => ({ ...result, change: 'breaks' as const }))
          return {
            ...base,
            manifest: huge,
            results,
            baseline: { source: huge, counts: base.counts, breaks: 3000, fixes: 0 }
          }
        })(),
        key: 'default'
      }
    ]
    for (const { name, report, key, summaryUrl } of cases) {
      const body = renderPullRequestComment(report, { key, summaryUrl })

      expect({ name, fits: body.length <= MAX_COMMENT_LENGTH }).toEqual({ name, fits: true })
      expect({ name, marker: body.startsWith(commentMarker(key)) }).toEqual({ name, marker: true })
    }
  })
})
