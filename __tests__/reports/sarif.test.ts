import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from '@jest/globals'
import { Ajv } from 'ajv'
import type { CheckReport, ExpectationResult } from '../../src/check/results.js'
import { runCheck } from '../../src/check/run-check.js'
import type { Lock } from '../../src/engine/decision.js'
import {
  artifactLocation,
  FINGERPRINT_KEY,
  INFORMATION_URI,
  renderSarif
} from '../../src/reports/sarif.js'
import { SARIF_RULES } from '../../src/reports/sarif-rules.js'
import {
  APP_ACCOUNT,
  at,
  buildReport,
  crossAccountFailure,
  DENY_STATEMENT,
  explicitDenyFailure,
  hostileResult,
  IGNORED_STATEMENT_WARNING,
  MANIFEST,
  mixedReport,
  OPEN_STATEMENT,
  ORGANIZATIONS_WARNING,
  passingResult,
  sameAccountFailure,
  UNKNOWN_REASON,
  unexpectedAccess,
  unknownResult,
  VIA_S3_STATEMENT
} from './fixtures.js'

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const SCHEMA_PATH = join(
  REPO_ROOT,
  'node_modules/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'
)

interface Region {
  startLine: number
  startColumn?: number
}
interface Location {
  id?: number
  physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string }; region: Region }
  message?: { text: string }
}
interface Result {
  ruleId: string
  ruleIndex: number
  level: string
  message: { text: string; markdown: string }
  locations: Location[]
  relatedLocations?: Location[]
  partialFingerprints: Record<string, string>
  properties: { actions?: string[]; expectation?: string }
}
interface Rule {
  id: string
  name: string
  shortDescription: { text: string }
  fullDescription: { text: string }
  help: { text: string; markdown: string }
  defaultConfiguration: { level: string }
  properties: { tags: string[]; 'security-severity'?: string }
}
interface Log {
  $schema: string
  version: string
  runs: {
    tool: { driver: { name: string; version: string; informationUri: string; rules: Rule[] } }
    results: Result[]
  }[]
}

/** Characters RFC 3986 allows in a URI reference, with `%` only before two hex digits. */
const URI_REFERENCE = /^(?:[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$/

/**
 * Compiles the SARIF schema that @microsoft/jest-sarif ships. That file is written for JSON
 * Schema draft-04 (`id`, draft-04 `$schema`), which Ajv 8 does not load, so the draft-04
 * header is swapped for a draft-07 `$id`. This is safe because the schema uses only keywords
 * that mean the same in both drafts: no `exclusiveMinimum`, and nothing beside a `$ref`. Ajv 8 has no built-in formats, so the three the schema uses are
 * defined here. The `language` pattern has a stray `]`, which only a regular expression
 * without the `u` flag accepts (as draft-04 validators read it), hence `unicodeRegExp: false`.
 */
function compileSarifSchema() {
  const { $schema: _draft, id, ...schema } = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8'))
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false })
  ajv.addFormat('uri', (value: string) => URL.canParse(value) && URI_REFERENCE.test(value))
  ajv.addFormat('uri-reference', (value: string) => URI_REFERENCE.test(value))
  ajv.addFormat('date-time', (value: string) => !Number.isNaN(Date.parse(value)))
  return ajv.compile({ ...schema, $id: id })
}

const validateSarif = compileSarifSchema()

function render(report: CheckReport): Log {
  return JSON.parse(renderSarif(report)) as Log
}

function resultsOf(report: CheckReport): Result[] {
  return render(report).runs[0]?.results ?? []
}

function only(report: CheckReport): Result {
  const results = resultsOf(report)
  expect(results).toHaveLength(1)
  const [result] = results
  if (!result) throw new Error('no result')
  return result
}

function expectValid(text: string): void {
  const log = JSON.parse(text)
  const valid = validateSarif(log)
  expect(validateSarif.errors ?? []).toEqual([])
  expect(valid).toBe(true)
}

/** Builds a same-account failure whose only closed lock is `lock`. */
function closedBy(lock: Lock): ExpectationResult {
  const base = sameAccountFailure()
  return {
    ...base,
    closedLocks: [lock],
    evidence: {
      ...base.evidence,
      closedLocks: [lock],
      nearMisses: [],
      missingContextKeys: [],
      locks: [
        {
          lock,
          status: 'closed',
          accountId: APP_ACCOUNT,
          reason: `The ${lock} lock is closed.`,
          statements: [],
          grants: []
        }
      ]
    }
  }
}

/** Returns the targets of the embedded links in a SARIF plain-text message: `[text](id)`. */
function linkTargets(text: string): number[] {
  return [...text.matchAll(/\[(?:[^\\\]]|\\.)*\]\((\d+)\)/g)].map((match) => Number(match[1]))
}

/**
 * Returns the Markdown that renders as Markdown: code spans and backslash-escaped characters
 * are dropped, because both show their text literally.
 */
function outsideCodeSpans(markdown: string): string {
  let output = ''
  let position = 0
  while (position < markdown.length) {
    const character = markdown[position] ?? ''
    if (character === '\\') {
      position += 2
      continue
    }
    const fence = /^`+/.exec(markdown.slice(position))?.[0]
    if (fence) {
      const closing = new RegExp(`(?<!\`)${fence}(?!\`)`, 'g')
      closing.lastIndex = position + fence.length
      const end = closing.exec(markdown)
      // An unmatched run of backticks is literal text.
      position = end ? end.index + fence.length : position + fence.length
      if (!end) output += fence
      continue
    }
    output += character
    position += 1
  }
  return output
}

function exampleCheck(): Promise<CheckReport> {
  return runCheck(
    {
      manifestPath: 'examples/06-cloudformation-key-policy/broken.yml',
      factPaths: [],
      format: 'text',
      failOnUnknown: true,
      mode: 'offline',
      accountRoles: {},
      cwd: REPO_ROOT
    },
    {}
  )
}

describe('renderSarif schema', () => {
  test('mixed report matches the SARIF schema', () => {
    expectValid(renderSarif(mixedReport()))
  })

  test('report without findings matches the schema', () => {
    const text = renderSarif(buildReport([passingResult()]))
    expectValid(text)
    expect(JSON.parse(text).runs[0].results).toEqual([])
  })

  test('hostile report matches the schema', () => {
    expectValid(renderSarif(buildReport([hostileResult()], { failOnUnknown: false })))
  })

  test('every lock kind matches the schema', () => {
    const locks: Lock[] = ['grant', 'key-state', 'key-usage', 'key-not-found', 'scp', 'vpce']
    expectValid(renderSarif(buildReport(locks.map(closedBy))))
  })

  test('real check of example 06 matches the schema', async () => {
    expectValid(renderSarif(await exampleCheck()))
  })

  test('schema check rejects a broken log', () => {
    const log = render(mixedReport())
    const broken = { ...log, runs: [{ ...log.runs[0], results: [{ ruleId: 'KAG101' }] }] }
    expect(validateSarif(broken)).toBe(false)
  })
})

describe('renderSarif output', () => {
  test('prints JSON indented by two spaces with a final newline', () => {
    const text = renderSarif(mixedReport())
    expect(text.endsWith('}\n')).toBe(true)
    expect(text.split('\n')[1]).toMatch(/^ {2}"\$schema"/)
  })

  test('names the tool and its version', () => {
    const driver = render(mixedReport()).runs[0]?.tool.driver
    expect(driver?.name).toBe('kms-access-gate')
    expect(driver?.version).toBe('0.1.0')
    expect(driver?.informationUri).toBe(INFORMATION_URI)
  })

  test('adds nothing for passing results', () => {
    expect(resultsOf(buildReport([passingResult()]))).toEqual([])
  })

  test('orders failures before unknowns and warnings last', () => {
    const ids = resultsOf(mixedReport()).map((result) => result.ruleId)
    expect(ids).toEqual([
      'KAG108',
      'KAG101',
      'KAG102',
      'KAG103',
      'KAG201',
      'KAG203',
      'KAG301',
      'KAG309'
    ])
  })
})

describe('renderSarif rules', () => {
  const rules = render(mixedReport()).runs[0]?.tool.driver.rules ?? []

  test('keeps rule IDs and names stable', () => {
    expect(Object.fromEntries(rules.map((rule) => [rule.id, rule.name]))).toEqual({
      KAG101: 'KeyPolicyDoesNotAllowPrincipal',
      KAG102: 'IdentityPolicyDoesNotAllow',
      KAG103: 'ExplicitDeny',
      KAG104: 'GrantMissing',
      KAG105: 'KeyStateBlocksUse',
      KAG106: 'WrongKeyUsage',
      KAG107: 'KeyNotFound',
      KAG108: 'ConditionNotSatisfied',
      KAG109: 'ScpDoesNotAllow',
      KAG110: 'RcpDoesNotAllow',
      KAG111: 'PermissionsBoundaryDoesNotAllow',
      KAG112: 'SessionPolicyDoesNotAllow',
      KAG113: 'VpcEndpointPolicyDoesNotAllow',
      KAG201: 'UnexpectedAccess',
      KAG202: 'KmsDryRunDisagrees',
      KAG203: 'UnknownResult',
      KAG204: 'ExpectationNotMet',
      KAG301: 'KeyPolicyStatementIgnored',
      KAG302: 'ConditionKeyNotAllowedInKeyPolicy',
      KAG303: 'PrincipalWildcardInArn',
      KAG304: 'KeyPolicyResourceNotStar',
      KAG305: 'GroupPrincipal',
      KAG306: 'OrphanedPrincipal',
      KAG307: 'InvalidPolicyElement',
      KAG308: 'IncompleteFacts',
      KAG309: 'OrganizationsNotSupplied',
      KAG399: 'InputWarning'
    })
  })

  test('describes every rule with help and a level', () => {
    for (const rule of rules) {
      expect(rule.shortDescription.text.length).toBeGreaterThan(10)
      expect(rule.fullDescription.text.length).toBeGreaterThan(rule.shortDescription.text.length)
      expect(rule.help.text).toContain('How to fix:')
      expect(rule.help.markdown).toContain('## How to fix')
      expect(['error', 'warning']).toContain(rule.defaultConfiguration.level)
      expect(rule.properties.tags.length).toBeGreaterThan(0)
    }
  })

  test('scores security severity only on security rules', () => {
    for (const rule of rules) {
      const severity = rule.properties['security-severity']
      if (severity === undefined) continue
      expect(rule.properties.tags).toContain('security')
      expect(Number(severity)).toBeGreaterThan(0)
      expect(Number(severity)).toBeLessThanOrEqual(10)
    }
    const unexpected = rules.find((rule) => rule.id === 'KAG201')
    expect(unexpected?.properties['security-severity']).toBe('8.0')
    const denied = rules.find((rule) => rule.id === 'KAG101')
    expect(denied?.properties['security-severity']).toBeUndefined()
  })

  test('points each result at its rule by index', () => {
    for (const result of resultsOf(mixedReport())) {
      expect(rules[result.ruleIndex]?.id).toBe(result.ruleId)
    }
  })

  test('lists rules in ID order', () => {
    const ids = SARIF_RULES.map((rule) => rule.id)
    expect(ids).toEqual([...ids].sort())
    expect(new Set(ids).size).toBe(ids.length)
  })
})

describe('renderSarif findings', () => {
  test('groups failing actions of one expectation', () => {
    const report = buildReport([
      sameAccountFailure('kms:Decrypt'),
      sameAccountFailure('kms:GenerateDataKey')
    ])
    const result = only(report)
    expect(result.properties.actions).toEqual(['kms:Decrypt', 'kms:GenerateDataKey'])
    expect(result.message.text).toContain('kms:Decrypt, kms:GenerateDataKey are denied')
  })

  test('places the result on the expectation line', () => {
    const [first] = resultsOf(buildReport([crossAccountFailure()]))
    expect(first?.locations).toEqual([
      {
        physicalLocation: {
          artifactLocation: { uri: MANIFEST, uriBaseId: '%SRCROOT%' },
          region: { startLine: 12, startColumn: 5 }
        }
      }
    ])
  })

  test('reports each closed lock of a cross-account failure', () => {
    const results = resultsOf(buildReport([crossAccountFailure()]))
    expect(results.map((result) => result.ruleId)).toEqual(['KAG101', 'KAG102'])
    expect(results[0]?.message.text).toContain('Closed lock: key policy in account 111122223333')
    expect(results[1]?.message.text).toContain('Closed lock: IAM in account 444455556666')
    for (const result of results) {
      expect(result.message.text).toContain('Fix: Allow the role in the key policy')
    }
  })

  test('reports a condition-only near miss as its own rule', () => {
    const result = only(buildReport([sameAccountFailure()]))
    expect(result.ruleId).toBe('KAG108')
    expect(result.message.text).toContain('condition StringEquals kms:ViaService')
    expect(result.message.text).toContain('Context keys the request did not supply: kms:ViaService')
    expect(result.relatedLocations?.[0]?.physicalLocation.region.startLine).toBe(
      VIA_S3_STATEMENT.location?.line
    )
  })

  test('points an explicit deny at the Deny statement', () => {
    const result = only(buildReport([explicitDenyFailure()]))
    expect(result.ruleId).toBe('KAG103')
    expect(result.message.text).toContain('Denied by: Deny in SCP "DenyKmsOutsideVpc"')
    expect(result.relatedLocations).toEqual([
      {
        id: 1,
        physicalLocation: {
          artifactLocation: { uri: 'facts/org/scp.json', uriBaseId: '%SRCROOT%' },
          region: { startLine: DENY_STATEMENT.location?.line, startColumn: 5 }
        },
        message: { text: expect.stringContaining('Deny in SCP "DenyKmsOutsideVpc"') }
      }
    ])
    expect(result.message.text).toContain('Deciding statements: [facts/org/scp.json:3:5](1).')
  })

  test('reports unexpected access with what allowed it', () => {
    const result = only(buildReport([unexpectedAccess()]))
    expect(result.ruleId).toBe('KAG201')
    expect(result.level).toBe('error')
    expect(result.message.text).toContain('kms:Decrypt is allowed')
    expect(result.message.text).toContain(
      'Allowed by: Allow in key policy "default", Sid "OpenToEveryone"'
    )
    expect(result.relatedLocations?.[0]?.physicalLocation.region.startLine).toBe(
      OPEN_STATEMENT.location?.line
    )
  })

  test('maps each closed lock to its rule', () => {
    const expected: [Lock, string][] = [
      ['key-policy', 'KAG101'],
      ['iam', 'KAG102'],
      ['explicit-deny', 'KAG103'],
      ['grant', 'KAG104'],
      ['key-state', 'KAG105'],
      ['key-usage', 'KAG106'],
      ['key-not-found', 'KAG107'],
      ['scp', 'KAG109'],
      ['rcp', 'KAG110'],
      ['permissions-boundary', 'KAG111'],
      ['session-policy', 'KAG112'],
      ['vpce', 'KAG113']
    ]
    for (const [lock, ruleId] of expected) {
      const result = only(buildReport([closedBy(lock)]))
      expect({ lock, ruleId: result.ruleId }).toEqual({ lock, ruleId })
      expect(result.message.text).toContain(`The ${lock} lock is closed.`)
    }
  })

  test('makes unknown results errors when they fail the gate', () => {
    const result = only(buildReport([unknownResult()], { failOnUnknown: true }))
    expect(result.ruleId).toBe('KAG203')
    expect(result.level).toBe('error')
    expect(result.message.text).toContain(`Reason: ${UNKNOWN_REASON}`)
    expect(result.message.text).toContain('Undecided locks: key policy.')
  })

  test('makes unknown results warnings when fail-on-unknown is off', () => {
    expect(only(buildReport([unknownResult()], { failOnUnknown: false })).level).toBe('warning')
  })

  test('reports a KMS DryRun disagreement', () => {
    const disagreement: ExpectationResult = {
      ...passingResult(),
      passed: false,
      status: 'fail',
      dryRun: { kms: 'denied', agrees: false, detail: 'KMS answered AccessDeniedException.' }
    }
    const result = only(buildReport([disagreement]))
    expect(result.ruleId).toBe('KAG202')
    expect(result.message.text).toContain(
      'kms:DescribeKey: KMS answered denied; the gate decided allowed: KMS answered AccessDeniedException.'
    )
  })

  test('says when this change breaks a result', () => {
    const broken: ExpectationResult = {
      ...explicitDenyFailure(),
      baseStatus: 'pass',
      change: 'breaks'
    }
    expect(only(buildReport([broken])).message.text).toContain(
      'This change breaks the expectation: it passed before the change.'
    )
    expect(only(buildReport([explicitDenyFailure()])).message.text).not.toContain('breaks')
  })

  test('never drops a failure that no rule describes', () => {
    const odd: ExpectationResult = { ...closedBy('key-policy'), closedLocks: [] }
    expect(only(buildReport([odd])).ruleId).toBe('KAG204')
  })

  test('reports warnings at their location', () => {
    const [ignored, organizations] = resultsOf(
      buildReport([], { warnings: [IGNORED_STATEMENT_WARNING, ORGANIZATIONS_WARNING] })
    )
    expect(ignored?.ruleId).toBe('KAG301')
    expect(ignored?.level).toBe('warning')
    expect(ignored?.locations[0]?.physicalLocation).toEqual({
      artifactLocation: { uri: 'facts/key-policy.json', uriBaseId: '%SRCROOT%' },
      region: { startLine: 30, startColumn: 5 }
    })
    expect(organizations?.ruleId).toBe('KAG309')
    expect(organizations?.locations[0]?.physicalLocation).toEqual({
      artifactLocation: { uri: MANIFEST, uriBaseId: '%SRCROOT%' },
      region: { startLine: 1, startColumn: 1 }
    })
  })

  test('gives warning codes it does not know one rule', () => {
    const warning = { code: 'new-code', message: 'Something new.' } as never
    expect(only(buildReport([], { warnings: [warning] })).ruleId).toBe('KAG399')
  })
})

describe('renderSarif fingerprints', () => {
  function fingerprints(report: CheckReport): string[] {
    return resultsOf(report).map((result) => result.partialFingerprints[FINGERPRINT_KEY] ?? '')
  }

  test('repeats across runs', () => {
    expect(fingerprints(mixedReport())).toEqual(fingerprints(mixedReport()))
  })

  test('ignores moved lines and new wording', () => {
    const moved = { ...crossAccountFailure(), manifestLocation: at(40) }
    const reworded = {
      ...moved,
      evidence: { ...moved.evidence, reasons: ['Another reason.'] }
    }
    expect(fingerprints(buildReport([reworded]))).toEqual(
      fingerprints(buildReport([crossAccountFailure()]))
    )
  })

  test('differ for each result of a report', () => {
    const all = fingerprints(mixedReport())
    expect(all.every((value) => /^[0-9a-f]{64}$/.test(value))).toBe(true)
    expect(new Set(all).size).toBe(all.length)
  })

  test('change when the failing actions change', () => {
    const one = fingerprints(buildReport([sameAccountFailure('kms:Decrypt')]))
    const two = fingerprints(
      buildReport([sameAccountFailure('kms:Decrypt'), sameAccountFailure('kms:GenerateDataKey')])
    )
    expect(one).not.toEqual(two)
  })
})

describe('renderSarif links', () => {
  test('link only to related locations that exist', () => {
    for (const result of resultsOf(mixedReport())) {
      const ids = (result.relatedLocations ?? []).map((location) => location.id)
      expect(linkTargets(result.message.text).sort()).toEqual([...ids].sort())
    }
  })

  test('point at the template line where the fix goes', async () => {
    const report = await exampleCheck()
    const results = resultsOf(report).filter((result) => result.level === 'error')
    expect(results.map((result) => result.ruleId)).toEqual(['KAG101', 'KAG101'])
    const [first] = results
    expect(first?.locations[0]?.physicalLocation).toEqual({
      artifactLocation: {
        uri: 'examples/06-cloudformation-key-policy/broken.yml',
        uriBaseId: '%SRCROOT%'
      },
      region: { startLine: 14, startColumn: 5 }
    })
    expect(first?.relatedLocations?.[0]?.physicalLocation).toEqual({
      artifactLocation: {
        uri: 'examples/06-cloudformation-key-policy/broken/app-key.yaml',
        uriBaseId: '%SRCROOT%'
      },
      region: { startLine: 29, startColumn: 11 }
    })
    expect(first?.message.text).toContain('Closed lock: key policy in account 111122223333')
    expect(first?.message.text).toContain(
      'Fix: To allow arn:aws:iam::111122223333:role/orders-prod'
    )
    expect(first?.message.text).toContain(
      'Where the fix goes: [examples/06-cloudformation-key-policy/broken/app-key.yaml:29:11](1).'
    )
  })
})

describe('renderSarif escaping', () => {
  const result = only(buildReport([hostileResult()]))

  test('keeps hostile Markdown inert', () => {
    const markdown = outsideCodeSpans(result.message.markdown)
    expect(markdown).not.toContain('<script>')
    expect(markdown).not.toMatch(/(^|[^`])@octocat/)
    expect(markdown).not.toContain('[click](http')
    expect(markdown).not.toMatch(/^#/m)
    expect(markdown).toContain('@\u200boctocat')
  })

  test('keeps hostile links out of plain text', () => {
    const text = result.message.text
    expect(text).not.toContain('[click](http')
    expect(text).toContain('[click]\u200b(http://x)')
    expect(linkTargets(text)).toEqual([1])
    expect(text.split('\n')[0]).toContain('@octocat ## heading')
  })

  test('doubles braces that would read as placeholders', () => {
    const braced = { ...sameAccountFailure(), expectation: 'uses {0} and \u0024{aws:username}' }
    const message = only(buildReport([braced])).message
    expect(message.text).toContain('uses {{0}} and \u0024{{aws:username}}')
    expect(message.markdown).toContain('uses {{0}} and \u0024{{aws:username}}')
  })

  test('escapes link text of related locations', () => {
    const failure = explicitDenyFailure()
    const odd = { ...DENY_STATEMENT, location: at(3, 5, 'facts/[org]/scp.json') }
    const moved: ExpectationResult = {
      ...failure,
      evidence: {
        ...failure.evidence,
        deniedBy: [odd],
        locks: failure.evidence.locks.map((check) => ({ ...check, statements: [odd] }))
      }
    }
    const text = only(buildReport([moved])).message.text
    expect(text).toContain('[facts/\\[org\\]/scp.json:3:5](1)')
  })
})

describe('artifactLocation', () => {
  test('percent-encodes relative paths', () => {
    expect(artifactLocation('infra/my app/key #1.yaml')).toEqual({
      uri: 'infra/my%20app/key%20%231.yaml',
      uriBaseId: '%SRCROOT%'
    })
  })

  test('drops a leading ./ and turns backslashes into slashes', () => {
    expect(artifactLocation('.\\infra\\key.yaml')).toEqual({
      uri: 'infra/key.yaml',
      uriBaseId: '%SRCROOT%'
    })
  })

  test('writes absolute paths as file URIs', () => {
    expect(artifactLocation('/tmp/facts/key policy.json')).toEqual({
      uri: 'file:///tmp/facts/key%20policy.json'
    })
    expect(artifactLocation('C:\\work\\key.json')).toEqual({ uri: 'file:///C:/work/key.json' })
  })
})
