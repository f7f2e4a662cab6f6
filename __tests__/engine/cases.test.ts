/**
 * Table-driven engine cases: every JSON file under `__tests__/cases/<family>/` contains cases
 * named by a plain sentence. Each case gives fact documents (in the same shapes as fact
 * files), a request and the expected decision. Set `"only": true` on a case to run it alone,
 * `"skip": "reason"` to skip it.
 */
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from '@jest/globals'
import { evaluateRequest } from '../../src/engine/evaluate.js'
import { buildFacts } from '../../src/facts/build-facts.js'

interface CaseFile {
  description?: string
  /** Documents shared by every case of the file; a case's own `facts` are added to them. */
  facts?: unknown[]
  cases: EngineCase[]
}

interface EngineCase {
  name: string
  /** Where the behaviour is documented, restated in our own words. */
  source: string
  facts?: unknown[]
  /** Replaces the file's shared facts instead of adding to them. */
  replaceFacts?: boolean
  request: {
    principal: string
    action: string
    key: string
    context?: Record<string, string | string[]>
    region?: string
    partition?: string
  }
  expected: {
    decision: string
    closedLocks?: string[]
    accessPaths?: string[]
    lockStatus?: Record<string, string>
    deniedBySids?: string[]
    allowedBySids?: string[]
    missingContextKeys?: string[]
    nearMissHint?: string
    reasonIncludes?: string
  }
  only?: boolean
  skip?: string
}

const CASES_DIR = path.join(import.meta.dirname, '..', 'cases')

function caseFiles(): { family: string; file: string; content: CaseFile }[] {
  return readdirSync(CASES_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((family) =>
      readdirSync(path.join(CASES_DIR, family.name))
        .filter((file) => file.endsWith('.json'))
        .map((file) => ({
          family: family.name,
          file,
          content: JSON.parse(
            readFileSync(path.join(CASES_DIR, family.name, file), 'utf8')
          ) as CaseFile
        }))
    )
}

const files = caseFiles()
const focused = files.some(({ content }) => content.cases.some((engineCase) => engineCase.only))

for (const { family, file, content } of files) {
  describe(`${family}/${file}`, () => {
    for (const engineCase of content.cases) {
      const run = engineCase.skip || (focused && !engineCase.only) ? it.skip : it
      run(engineCase.name, () => {
        const documents = [
          ...(engineCase.replaceFacts ? [] : (content.facts ?? [])),
          ...(engineCase.facts ?? [])
        ]
        const { facts } = buildFacts(
          documents.map((value, index) => ({ source: `${file}#${index}`, value }))
        )
        const { request, expected } = engineCase
        const evaluation = evaluateRequest(
          {
            principal: request.principal,
            action: request.action,
            key: request.key,
            context: request.context ?? {},
            region: request.region ?? 'us-east-1',
            partition: request.partition ?? 'aws'
          },
          facts
        )

        expect(evaluation.decision).toBe(expected.decision)
        if (expected.closedLocks) expect(evaluation.closedLocks).toEqual(expected.closedLocks)
        if (expected.accessPaths) expect(evaluation.accessPaths).toEqual(expected.accessPaths)
        for (const [lock, status] of Object.entries(expected.lockStatus ?? {})) {
          expect({
            lock,
            status: evaluation.locks.find((check) => check.lock === lock)?.status
          }).toEqual({ lock, status })
        }
        if (expected.deniedBySids)
          expect(evaluation.deniedBy.map((ref) => ref.sid)).toEqual(expected.deniedBySids)
        if (expected.allowedBySids)
          expect(evaluation.allowedBy.map((ref) => ref.sid)).toEqual(expected.allowedBySids)
        if (expected.missingContextKeys)
          expect(evaluation.missingContextKeys).toEqual(expected.missingContextKeys)
        if (expected.nearMissHint) {
          const hints = evaluation.nearMisses.flatMap((miss) =>
            miss.mismatches.map((mismatch) => mismatch.hint ?? '')
          )
          expect(hints.join('\n')).toContain(expected.nearMissHint)
        }
        if (expected.reasonIncludes)
          expect(evaluation.reasons.join('\n')).toContain(expected.reasonIncludes)
      })
    }
  })
}
