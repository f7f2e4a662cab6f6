import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import * as core from '@actions/core'
import { afterAll, afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { writeActionReport } from '../../src/reports/action-report.js'
import { buildReport, mixedReport, passingResult, unknownResult } from './fixtures.js'

// `core.summary` remembers the first summary path it checks, so every test in this file
// uses the same path and empties the file instead of choosing a new one.
const directory = mkdtempSync(path.join(tmpdir(), 'kms-access-gate-action-report-'))
const summaryFile = path.join(directory, 'step-summary.md')
const outputFile = path.join(directory, 'output.txt')

const savedEnvironment = {
  GITHUB_STEP_SUMMARY: process.env.GITHUB_STEP_SUMMARY,
  GITHUB_OUTPUT: process.env.GITHUB_OUTPUT
}
const originalWrite = process.stdout.write
let stdout: string[] = []

function restoreVariable(name: keyof typeof savedEnvironment): void {
  const value = savedEnvironment[name]
  if (value === undefined) delete process.env[name]
  else process.env[name] = value
}

beforeEach(() => {
  rmSync(summaryFile, { recursive: true, force: true })
  writeFileSync(summaryFile, '')
  writeFileSync(outputFile, '')
  process.env.GITHUB_STEP_SUMMARY = summaryFile
  process.env.GITHUB_OUTPUT = outputFile
  stdout = []
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout.push(String(chunk))
    return true
  }) as typeof process.stdout.write
})

afterEach(() => {
  process.stdout.write = originalWrite
  restoreVariable('GITHUB_STEP_SUMMARY')
  restoreVariable('GITHUB_OUTPUT')
  core.summary.emptyBuffer()
})

afterAll(() => {
  rmSync(directory, { recursive: true, force: true })
})

/** Returns the workflow commands written to standard output, one per line. */
function commands(name: string): string[] {
  return stdout
    .join('')
    .split('\n')
    .filter((line) => line.startsWith(`::${name} `) || line.startsWith(`::${name}::`))
}

/** Parses the `name<<delimiter` blocks that `core.setOutput` appends to `GITHUB_OUTPUT`. */
function outputs(): Record<string, string> {
  const text = readFileSync(outputFile, 'utf8')
  const values: Record<string, string> = {}
  for (const match of text.matchAll(/^(\w+)<<(\S+)\n([\s\S]*?)\n\2$/gm)) {
    values[match[1] ?? ''] = match[3] ?? ''
  }
  return values
}

describe('writeActionReport', () => {
  test('emits an error annotation with title and manifest location', async () => {
    await writeActionReport(mixedReport(), core)
    const errors = commands('error')
    expect(errors).toHaveLength(5)
    expect(errors[0]).toMatch(
      /^::error title=Closed lock%3A key-policy,file=kms-access\.yml,line=4,col=5::Expectation "app-uses-data-key"/
    )
    expect(errors[0]).toContain(
      '%0Akms:Decrypt: implicit-deny%0Akms:GenerateDataKey: implicit-deny'
    )
    expect(errors[1]).toMatch(
      /^::error title=Closed locks%3A key-policy%2C iam,file=kms-access\.yml,line=12,col=5::/
    )
  })

  test('emits warning annotations with their locations', async () => {
    await writeActionReport(mixedReport(), core)
    const warnings = commands('warning')
    expect(warnings).toContain(
      '::warning title=Warning%3A statement-ignored,file=facts/key-policy.json,line=30,col=5::' +
        'Statement #3 has no Resource element; AWS ignores it.'
    )
    expect(warnings).toContain(
      '::warning title=Warning%3A organizations-not-supplied::' +
        'No Organizations facts were supplied, so SCPs and RCPs were not checked.'
    )
  })

  test('emits unknown as warning without fail-on-unknown', async () => {
    await writeActionReport(buildReport([unknownResult()], { failOnUnknown: false }), core)
    expect(commands('error')).toEqual([])
    expect(commands('warning')[0]).toMatch(
      /^::warning title=Unknown%3A The key policy of arn%3Aaws%3Akms%3A/
    )
  })

  test('writes the job summary file', async () => {
    await writeActionReport(mixedReport(), core)
    const summary = readFileSync(summaryFile, 'utf8')
    expect(summary.startsWith('## ❌ KMS access gate failed\n')).toBe(true)
    expect(summary).toContain('| Status | Expectation |')
    expect(summary).toContain('```json')
  })

  test('sets the count and result outputs', async () => {
    await writeActionReport(mixedReport(), core)
    expect(outputs()).toEqual({
      passed: '1',
      failed: '5',
      unknown: '1',
      total: '7',
      result: 'fail',
      mode: 'offline'
    })
  })

  test('sets result to pass when the gate passes', async () => {
    await writeActionReport(buildReport([passingResult()]), core)
    expect(outputs()).toEqual({
      passed: '1',
      failed: '0',
      unknown: '0',
      total: '1',
      result: 'pass',
      mode: 'offline'
    })
    expect(commands('error')).toEqual([])
  })

  test('turns a summary write failure into a warning', async () => {
    rmSync(summaryFile)
    mkdirSync(summaryFile)

    await expect(writeActionReport(buildReport([passingResult()]), core)).resolves.toBeUndefined()

    const warning = commands('warning').find((line) =>
      line.includes('Failed to write the job summary')
    )
    expect(warning).toBeDefined()
    expect(outputs().result).toBe('pass')
    expect(core.summary.isEmptyBuffer()).toBe(true)
  })

  test('does not repeat a failed summary in the next one', async () => {
    rmSync(summaryFile)
    mkdirSync(summaryFile)
    await writeActionReport(buildReport([passingResult()]), core)

    rmSync(summaryFile, { recursive: true })
    writeFileSync(summaryFile, '')
    await writeActionReport(buildReport([passingResult()]), core)

    const summary = readFileSync(summaryFile, 'utf8')
    expect(summary.match(/KMS access gate passed/g)).toHaveLength(1)
  })
})
