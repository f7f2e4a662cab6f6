/**
 * SARIF 2.1.0 output for GitHub code scanning: one result per failing or unknown
 * expectation and rule, placed on the expectation's line in the manifest, with related
 * locations where the fix belongs and at the statements that decided the result. Report
 * warnings become results of their own.
 */
import { createHash } from 'node:crypto'
import { posix } from 'node:path'
import type { CheckReport, ReportWarning } from '../check/results.js'
import type { SourceLocation } from '../engine/model.js'
import { escapeMarkdown, inlineCode } from './escape.js'
import { formatLocation } from './format.js'
import {
  buildFindings,
  type Finding,
  findingActions,
  type RelatedPlace,
  relatedPlaces
} from './sarif-findings.js'
import { describeFinding, type MessageLine, type MessagePart } from './sarif-messages.js'
import {
  type FindingKind,
  ruleFor,
  ruleIndexOf,
  SARIF_RULES,
  type SarifRuleDefinition,
  warningKind
} from './sarif-rules.js'

/** The schema URI that the SARIF 2.1.0 specification (errata 01, section 3.13.3) names. */
export const SARIF_SCHEMA_URI =
  'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json'

/** The project's home page, from the repository that the README's `uses:` line names. */
export const INFORMATION_URI = 'https://github.com/kms-access-gate/kms-access-gate'

/** Key of the fingerprint in `partialFingerprints`; the version part changes if the hash input does. */
export const FINGERPRINT_KEY = 'kmsAccessGate/v1'

/** The base URI ID that GitHub code scanning resolves to the repository checkout. */
const SOURCE_ROOT = '%SRCROOT%'

type SarifLevel = 'error' | 'warning' | 'note'

interface SarifMessage {
  text: string
  markdown?: string
}

interface SarifPhysicalLocation {
  artifactLocation: { uri: string; uriBaseId?: string }
  region: { startLine: number; startColumn?: number }
}

interface SarifLocation {
  id?: number
  physicalLocation: SarifPhysicalLocation
  message?: SarifMessage
}

interface SarifResult {
  ruleId: string
  ruleIndex: number
  level: SarifLevel
  message: SarifMessage
  locations?: SarifLocation[]
  relatedLocations?: SarifLocation[]
  partialFingerprints: Record<string, string>
  properties: Record<string, unknown>
}

/** The SARIF log object, with the fields this renderer writes. */
export interface SarifLog {
  $schema: string
  version: '2.1.0'
  runs: [
    {
      tool: { driver: Record<string, unknown> }
      columnKind: 'utf16CodeUnits'
      results: SarifResult[]
    }
  ]
}

/**
 * Renders a report as a SARIF 2.1.0 log: JSON indented by two spaces, ending with a newline.
 * Paths are written relative to `%SRCROOT%`, so the report's locations must be relative to
 * the repository root, which is the check's working directory. Absolute paths become `file:` URIs.
 */
export function renderSarif(report: CheckReport): string {
  return `${JSON.stringify(buildSarifLog(report), null, 2)}\n`
}

/** Builds the SARIF log object that `renderSarif` prints. */
export function buildSarifLog(report: CheckReport): SarifLog {
  const results = [
    ...buildFindings(report.results).map((finding) => findingResult(finding, report.failOnUnknown)),
    ...report.warnings.map((warning) => warningResult(warning, report.manifest))
  ]
  return {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: report.tool.name,
            version: report.tool.version,
            informationUri: INFORMATION_URI,
            rules: SARIF_RULES.map(reportingDescriptor)
          }
        },
        // Columns in the report are JavaScript string positions, which count UTF-16 code units.
        columnKind: 'utf16CodeUnits',
        results
      }
    ]
  }
}

function reportingDescriptor(rule: SarifRuleDefinition): Record<string, unknown> {
  const properties: Record<string, unknown> = { tags: rule.tags }
  if (rule.securitySeverity) properties['security-severity'] = rule.securitySeverity
  return {
    id: rule.id,
    name: rule.name,
    shortDescription: { text: rule.shortDescription },
    fullDescription: { text: rule.fullDescription },
    help: { text: rule.help, markdown: rule.helpMarkdown },
    defaultConfiguration: { level: rule.level },
    properties
  }
}

function findingResult(finding: Finding, failOnUnknown: boolean): SarifResult {
  const [first] = finding.results
  const rule = ruleFor(finding.kind)
  const actions = findingActions(finding)
  // Code scanning shows files of the repository only: places outside it are left out.
  const places = relatedPlaces(finding).filter((place) => insideRepository(place.location.file))
  const lines = [...describeFinding(finding), ...linkLines(places)]
  const result: SarifResult = {
    ruleId: rule.id,
    ruleIndex: ruleIndexOf(rule),
    level: levelOf(finding.kind, failOnUnknown),
    message: { text: messageText(lines), markdown: messageMarkdown(lines) },
    ...locationsOf(first.manifestLocation),
    partialFingerprints: {
      [FINGERPRINT_KEY]: fingerprint([first.expectation, [...actions].sort().join(','), rule.id])
    },
    properties: {
      expectation: first.expectation,
      actions,
      status: first.status,
      locks: [...new Set(finding.locks.map((check) => check.lock))]
    }
  }
  if (places.length > 0) result.relatedLocations = places.map(relatedLocation)
  return result
}

function levelOf(kind: FindingKind, failOnUnknown: boolean): SarifLevel {
  return kind === 'unknown' && !failOnUnknown ? 'warning' : 'error'
}

/** Lines with embedded links to the related locations, whose IDs are their positions from 1. */
function linkLines(places: readonly RelatedPlace[]): MessageLine[] {
  const numbered = places.map((place, position) => ({ place, id: position + 1 }))
  const fixes = numbered.filter(({ place }) => place.role === 'fix')
  const statements = numbered.filter(({ place }) => place.role === 'statement')
  const lines: MessageLine[] = []
  if (fixes.length > 0) lines.push(['Where the fix goes: ', ...links(fixes), '.'])
  if (statements.length > 0) lines.push(['Deciding statements: ', ...links(statements), '.'])
  return lines
}

function links(entries: readonly { place: RelatedPlace; id: number }[]): MessagePart[] {
  return entries.flatMap(({ place, id }, position) => [
    ...(position > 0 ? [', '] : []),
    { link: formatLocation(place.location), target: id }
  ])
}

function relatedLocation(place: RelatedPlace, position: number): SarifLocation {
  return {
    id: position + 1,
    physicalLocation: physicalLocation(place.location),
    message: { text: messageText([[{ data: place.description }]]) }
  }
}

function warningResult(warning: ReportWarning, manifest: string): SarifResult {
  const rule = ruleFor(warningKind(warning.code))
  // A warning about the inputs as a whole (such as missing Organizations facts) goes on the
  // manifest, which lists the inputs, because code scanning needs a location for each alert.
  const inside = warning.location && insideRepository(warning.location.file)
  const location =
    inside && warning.location ? warning.location : { file: manifest, line: 1, column: 1 }
  const outside = warning.location && !inside ? ` in ${formatLocation(warning.location)}` : ''
  const lines: MessageLine[] = [[{ data: warning.message }, ` (${warning.code})${outside}`]]
  return {
    ruleId: rule.id,
    ruleIndex: ruleIndexOf(rule),
    level: 'warning',
    message: { text: messageText(lines), markdown: messageMarkdown(lines) },
    ...locationsOf(location),
    partialFingerprints: {
      [FINGERPRINT_KEY]: fingerprint([warning.code, location.file, warning.message])
    },
    properties: { code: warning.code }
  }
}

function fingerprint(parts: readonly string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex')
}

/** True for a path inside the working directory (the repository): relative, and not climbing out. */
function insideRepository(file: string): boolean {
  const slashed = file.replace(/\\/g, '/')
  if (/^[A-Za-z]:\//.test(slashed) || slashed.startsWith('/')) return false
  const normalized = posix.normalize(slashed)
  return normalized !== '..' && !normalized.startsWith('../')
}

/**
 * The `locations` of a result: the place when it is in the repository. A manifest outside the
 * repository (an absolute path) cannot be shown by code scanning, so the result has none;
 * its message still names the expectation.
 */
function locationsOf(location: SourceLocation): { locations?: SarifLocation[] } {
  if (!insideRepository(location.file)) return {}
  return { locations: [{ physicalLocation: physicalLocation(location) }] }
}

function physicalLocation(location: SourceLocation): SarifPhysicalLocation {
  const region: SarifPhysicalLocation['region'] = { startLine: Math.max(1, location.line) }
  if (location.column >= 1) region.startColumn = location.column
  return { artifactLocation: artifactLocation(location.file), region }
}

/**
 * Turns a file path into a SARIF artifact location: a relative path becomes a URI reference
 * against `%SRCROOT%`, an absolute path a `file:` URI. Each segment is percent-encoded, so
 * spaces, `#`, `?` and `%` in names stay part of the path.
 */
export function artifactLocation(path: string): SarifPhysicalLocation['artifactLocation'] {
  const slashed = path.replace(/\\/g, '/')
  const drive = /^[A-Za-z]:\//.test(slashed)
  if (drive || slashed.startsWith('/')) {
    const segments = slashed
      .split('/')
      .map((segment, position) => (drive && position === 0 ? segment : encodeURIComponent(segment)))
    return { uri: `file://${drive ? '/' : ''}${segments.join('/')}` }
  }
  const relative = posix.normalize(slashed).replace(/^(\.\/)+/, '')
  return { uri: relative.split('/').map(encodeURIComponent).join('/'), uriBaseId: SOURCE_ROOT }
}

/** Bidirectional control characters, which could make text display reordered. */
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069\u200e\u200f]/g

/**
 * Renders message lines as SARIF plain text. Text from the facts stays on one line, and a
 * `](` inside it gets a zero-width space, so it cannot form an embedded link. The link text
 * of real links escapes `\`, `[` and `]`, as SARIF 2.1.0 section 3.11.6 requires.
 */
function messageText(lines: readonly MessageLine[]): string {
  const rendered = lines.map((line) =>
    line
      .map((part) => {
        if (typeof part === 'string') return part
        if ('link' in part) return `[${part.link.replace(/[\\[\]]/g, '\\$&')}](${part.target})`
        return plainText('data' in part ? part.data : part.code).replace(/\]\(/g, ']\u200b(')
      })
      .join('')
  )
  return doubleBraces(rendered.join('\n'))
}

/** Renders message lines as GitHub-flavoured Markdown, escaping all text from the facts. */
function messageMarkdown(lines: readonly MessageLine[]): string {
  const rendered = lines.map((line) =>
    line
      .map((part) => {
        if (typeof part === 'string') return part
        if ('link' in part) return `[${escapeMarkdown(part.link)}](${part.target})`
        return 'data' in part ? escapeMarkdown(part.data) : inlineCode(part.code)
      })
      .join('')
  )
  return doubleBraces(rendered.join('\n\n'))
}

function plainText(text: string): string {
  return text.replace(/\r\n|\r|\n/g, ' ').replace(BIDI_CONTROLS, '\ufffd')
}

/** SARIF reads `{0}` in a message as a placeholder, so literal braces are written `{{` and `}}`. */
function doubleBraces(text: string): string {
  return text.replace(/[{}]/g, '$&$&')
}
