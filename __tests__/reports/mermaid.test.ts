/** The lock diagram: its shape, its escaping, and Mermaid's own parser accepting it. */
import { execFile } from 'node:child_process'
import path from 'node:path'
import { describe, expect, test } from '@jest/globals'
import type { ExpectationResult } from '../../src/check/results.js'
import type { LockCheck } from '../../src/engine/decision.js'
import { escapeMermaidLabel, lockDiagram } from '../../src/reports/mermaid.js'
import {
  APP_ACCOUNT,
  crossAccountFailure,
  explicitDenyFailure,
  HOSTILE,
  PARTNER_ACCOUNT,
  sameAccountFailure,
  unknownResult
} from './fixtures.js'

interface MermaidApi {
  parse(text: string): Promise<unknown>
}

const PARSER = path.join(import.meta.dirname, '..', 'support', 'mermaid', 'parse-diagrams.mjs')

/**
 * Mermaid's own parser, run in a child Node process: Mermaid needs a DOM, which jsdom gives
 * it there, outside Jest's module sandbox. `parse` rejects with Mermaid's message.
 */
function mermaid(): Promise<MermaidApi> {
  return Promise.resolve({
    async parse(text: string) {
      const [result] = await parseDiagrams([text])
      if (!result.ok) throw new Error(result.error)
      return result
    }
  })
}

function parseDiagrams(diagrams: string[]): Promise<{ ok: boolean; error?: string }[]> {
  return new Promise((resolve, reject) => {
    const child = execFile('node', [PARSER], { maxBuffer: 16 * 1024 * 1024 }, (error, stdout) => {
      if (error) reject(error)
      else resolve(JSON.parse(stdout))
    })
    child.stdin?.end(JSON.stringify(diagrams))
  })
}

/** Builds a same-account failure with the given lock checks. */
function withLocks(locks: LockCheck[]): ExpectationResult {
  const base = sameAccountFailure()
  return { ...base, evidence: { ...base.evidence, locks } }
}

function lock(overrides: Partial<LockCheck> & Pick<LockCheck, 'lock' | 'status'>): LockCheck {
  return { reason: 'Reason.', statements: [], grants: [], ...overrides }
}

/** Builds a cross-account failure whose ARNs, account IDs and names are hostile. */
function hostileDiagramResult(): ExpectationResult {
  const base = crossAccountFailure()
  const injected = `x"]\n  click principal call alert(1)\n  y["`
  const principalArn = `arn:aws:iam::${PARTNER_ACCOUNT}:role/${injected}#quot;<img src=x>\`${HOSTILE.backticks}`
  const keyArn = `arn:aws:kms:us-east-1:${APP_ACCOUNT}:key/%%{init: {"securityLevel": "loose"}}%%;end`
  return {
    ...base,
    principal: principalArn,
    key: keyArn,
    evidence: {
      ...base.evidence,
      principal: {
        ...base.evidence.principal,
        input: principalArn,
        arn: principalArn,
        accountId: `1"]\nend`
      },
      key: { ...base.evidence.key, input: keyArn, arn: keyArn },
      locks: base.evidence.locks.map((check) => ({
        ...check,
        accountId: check.lock === 'iam' ? `1"]\nend` : check.accountId
      }))
    }
  }
}

/** Returns the quoted label texts of a diagram, in order. */
function labels(diagram: string): string[] {
  return [...diagram.matchAll(/\["([^"]*)"\]/g)].map((match) => match[1] ?? '')
}

describe('lockDiagram', () => {
  test('draws a same-account failure in evaluation order', () => {
    const diagram = lockDiagram(sameAccountFailure())
    expect(diagram.split('\n')).toEqual([
      'flowchart LR',
      '  principal["role/App"]',
      '  lock_iam["✅ IAM policy: passed"]',
      '  lock_key_policy["❌ key policy: closed"]',
      '  lock_explicit_deny["✅ no explicit deny: passed"]',
      '  key["key/1234abcd-12ab-34cd-56ef-1234567890ab"]',
      '  principal --> lock_iam',
      '  lock_iam --> lock_key_policy',
      '  lock_key_policy --x lock_explicit_deny',
      '  lock_explicit_deny --> key',
      '  classDef passed fill:#e6f4ea,stroke:#1e7e34,color:#0b3d1a',
      '  classDef closed fill:#fdecea,stroke:#c62828,color:#5f1111,stroke-width:2px',
      '  classDef unknown fill:#fff4e5,stroke:#b26a00,color:#4d2e00,stroke-dasharray:4 3',
      '  classDef notNeeded fill:#f1f3f4,stroke:#9aa0a6,color:#3c4043',
      '  classDef endpoint fill:#ffffff,stroke:#5f6368,color:#202124',
      '  class principal,key endpoint',
      '  class lock_iam,lock_explicit_deny passed',
      '  class lock_key_policy closed'
    ])
  })

  test('groups cross-account locks by account', () => {
    const diagram = lockDiagram(crossAccountFailure())
    const lines = diagram.split('\n')
    const partner = lines.indexOf(`  subgraph account_1 ["account ${PARTNER_ACCOUNT}"]`)
    const app = lines.indexOf(`  subgraph account_2 ["account ${APP_ACCOUNT}"]`)
    expect(partner).toBeGreaterThan(0)
    expect(app).toBeGreaterThan(partner)
    expect(lines.slice(partner + 1, partner + 4)).toEqual([
      '    principal["role/service-role/Reader"]',
      '    lock_iam["❌ IAM policy: closed"]',
      '  end'
    ])
    expect(lines.slice(app + 1, app + 4)).toEqual([
      '    lock_key_policy["❌ key policy: closed"]',
      '    key["key/1234abcd-12ab-34cd-56ef-1234567890ab"]',
      '  end'
    ])
    expect(lines).toContain('  principal --> lock_iam')
    expect(lines).toContain('  lock_iam --x lock_key_policy')
    expect(lines).toContain('  lock_key_policy --x key')
  })

  test('places locks without an account by side', () => {
    const base = crossAccountFailure()
    const result = {
      ...base,
      evidence: {
        ...base.evidence,
        locks: [
          lock({ lock: 'scp', status: 'open' }),
          lock({ lock: 'rcp', status: 'open' }),
          lock({ lock: 'explicit-deny', status: 'open' })
        ]
      }
    }
    const lines = lockDiagram(result).split('\n')
    const partner = lines.indexOf(`  subgraph account_1 ["account ${PARTNER_ACCOUNT}"]`)
    const app = lines.indexOf(`  subgraph account_2 ["account ${APP_ACCOUNT}"]`)
    expect(lines[partner + 2]).toBe('    lock_scp["✅ SCP: passed"]')
    expect(lines[app + 1]).toBe('    lock_rcp["✅ RCP: passed"]')
    // An explicit deny can sit in either account, so it is drawn outside both.
    expect(lines.indexOf('  lock_explicit_deny["✅ no explicit deny: passed"]')).toBeLessThan(
      partner
    )
  })

  test('marks unknown and unneeded locks', () => {
    const diagram = lockDiagram(
      withLocks([
        lock({ lock: 'key-policy', status: 'unknown' }),
        lock({ lock: 'grant', status: 'not-applicable' }),
        lock({ lock: 'key-state', status: 'open' })
      ])
    )
    expect(diagram).toContain('lock_key_policy["❔ key policy: unknown"]')
    expect(diagram).toContain('lock_grant["➖ grant: not needed"]')
    expect(diagram).toContain('class lock_key_policy unknown')
    expect(diagram).toContain('class lock_grant notNeeded')
    expect(diagram).toContain('lock_key_policy --> lock_grant')
  })

  test('orders every lock as the engine evaluates them', () => {
    const all: LockCheck['lock'][] = [
      'explicit-deny',
      'key-usage',
      'key-state',
      'grant',
      'key-policy',
      'rcp',
      'vpce',
      'iam',
      'session-policy',
      'permissions-boundary',
      'scp'
    ]
    const diagram = lockDiagram(withLocks(all.map((name) => lock({ lock: name, status: 'open' }))))
    const order = [...diagram.matchAll(/^ {2}(lock_\w+)\[/gm)].map((match) => match[1])
    expect(order).toEqual([
      'lock_scp',
      'lock_permissions_boundary',
      'lock_session_policy',
      'lock_iam',
      'lock_vpce',
      'lock_rcp',
      'lock_key_policy',
      'lock_grant',
      'lock_key_state',
      'lock_key_usage',
      'lock_explicit_deny'
    ])
  })

  test('cuts the edge after an explicit deny', () => {
    expect(lockDiagram(explicitDenyFailure())).toContain('lock_explicit_deny --x key')
  })

  test('shortens long names', () => {
    const base = sameAccountFailure()
    const longArn = `arn:aws:iam::${APP_ACCOUNT}:role/${'a'.repeat(200)}`
    const result = {
      ...base,
      principal: longArn,
      evidence: { ...base.evidence, principal: { ...base.evidence.principal, arn: longArn } }
    }
    const [principal] = labels(lockDiagram(result))
    expect(principal?.length).toBeLessThanOrEqual(48)
    expect(principal?.endsWith('…')).toBe(true)
  })
})

describe('lockDiagram hostile labels', () => {
  const diagram = lockDiagram(hostileDiagramResult())

  test('keeps every label on its own line', () => {
    const lines = diagram.split('\n')
    expect(lines).toHaveLength(lockDiagram(crossAccountFailure()).split('\n').length)
    expect(lines.filter((line) => line.includes('click'))).toHaveLength(1)
    expect(lines.some((line) => /^\s*click\b/.test(line))).toBe(false)
    expect(lines.filter((line) => line.trim() === 'end')).toHaveLength(2)
  })

  test('declares each node on one quoted line', () => {
    const declarations = diagram.split('\n').filter((line) => line.includes('['))
    expect(declarations).toHaveLength(6)
    for (const line of declarations) {
      expect(line).toMatch(/^ +(?:subgraph )?\w+ ?\["[^"]*"\]$/)
    }
  })

  test('leaves no Mermaid syntax in labels', () => {
    for (const label of labels(diagram)) {
      const withoutEntities = label.replace(/#(?:quot|\d+);/g, '')
      expect(withoutEntities).not.toMatch(/["#<>`[\](){}|;%&\\]/)
    }
  })

  test('cannot spell a directive', () => {
    expect(diagram).not.toContain('%%')
    expect(diagram).not.toMatch(/\{\s*init/)
  })
})

describe('escapeMermaidLabel', () => {
  test('encodes quotes, brackets and markup', () => {
    expect(escapeMermaidLabel('a"b')).toBe('a#quot;b')
    expect(escapeMermaidLabel('[x](y)')).toBe('#91;x#93;#40;y#41;')
    expect(escapeMermaidLabel('<b>`c`</b>')).toBe('#60;b#62;#96;c#96;#60;/b#62;')
  })

  test('encodes a hash so text cannot spell an entity', () => {
    expect(escapeMermaidLabel('#quot;')).toBe('#35;quot#59;')
  })

  test('turns line breaks and controls into spaces', () => {
    expect(escapeMermaidLabel('a\nb\r\nc\u2028d\u202ee')).toBe('a b  c d e')
  })
})

describe('lockDiagram with Mermaid', () => {
  test('parses a same-account diagram', async () => {
    await expect((await mermaid()).parse(lockDiagram(sameAccountFailure()))).resolves.toBeTruthy()
  })

  test('parses a cross-account diagram', async () => {
    await expect((await mermaid()).parse(lockDiagram(crossAccountFailure()))).resolves.toBeTruthy()
  })

  test('parses an unknown result', async () => {
    await expect((await mermaid()).parse(lockDiagram(unknownResult()))).resolves.toBeTruthy()
  })

  test('parses hostile labels', async () => {
    await expect((await mermaid()).parse(lockDiagram(hostileDiagramResult()))).resolves.toBeTruthy()
  })

  test('rejects a label left unescaped', async () => {
    const broken = lockDiagram(sameAccountFailure()).replace('role/App', 'role/"]App')
    await expect((await mermaid()).parse(broken)).rejects.toThrow()
  })
})
