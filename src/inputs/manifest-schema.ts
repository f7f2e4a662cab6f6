/**
 * Structural validation of a manifest against `schema/manifest.schema.json`, the same file
 * that editors use. Each ajv error is turned into an `InputError` at the YAML node it is
 * about, with a message that quotes the value and names what was expected.
 */
import { Ajv, type ErrorObject } from 'ajv'
import type { Node } from 'yaml'
import schema from '../../schema/manifest.schema.json' with { type: 'json' }
import type { InputError } from './errors.js'
import { explainInvalidAction } from './manifest-actions.js'
import {
  explainInvalidAccount,
  explainInvalidConditionKey,
  explainInvalidKey,
  explainInvalidPrincipal,
  explainInvalidRegion
} from './manifest-formats.js'
import { didYouMean } from './suggest.js'
import type { PathSegment, YamlSource } from './yaml-source.js'

const ajv = new Ajv({ allErrors: true, verbose: true, allowUnionTypes: true })
const validateShape = ajv.compile(schema)

/** Where a field sits in the manifest, which decides how its errors are worded. */
type FieldKind =
  | 'manifest'
  | 'version'
  | 'defaults'
  | 'facts'
  | 'expectations'
  | 'expectation'
  | 'context'
  | 'context-value'
  | 'live'
  | 'live-account'
  | 'iac'
  | 'field'

interface Field {
  kind: FieldKind
  /** The field name as a message quotes it, such as `defaults.region` or `principal`. */
  label: string
  /** The schema property name, such as `region`, or the condition key for a context value. */
  name: string
}

interface Problem {
  /** Character offset that orders problems in document order. */
  offset: number
  error: InputError
}

/**
 * Validates `value` (the manifest as plain data) against the manifest schema, and throws
 * the first problem in document order as an `InputError`. Errors inside a mapping come
 * before a missing field of that mapping, because a misspelled field also shows up as missing.
 */
export function validateManifestShape(value: unknown, source: YamlSource): void {
  if (validateShape(value)) return

  const problems = (validateShape.errors ?? [])
    .filter((error) => error.keyword !== 'propertyNames')
    .map((error) => toProblem(error, source))
  problems.sort((a, b) => a.offset - b.offset)
  throw problems[0].error
}

function toProblem(error: ErrorObject, source: YamlSource): Problem {
  const path = parsePointer(error.instancePath)
  const field = describeField(path)

  if (error.keyword === 'required') return missingField(error, path, field, source)
  if (error.keyword === 'additionalProperties') return unknownField(error, path, field, source)
  if (error.propertyName !== undefined) {
    const node = source.keyNodeAt(path, error.propertyName)
    const message =
      path[0] === 'live'
        ? explainInvalidAccountKey(error.propertyName)
        : explainInvalidConditionKey(error.propertyName)
    return problemAt(node, source, message)
  }

  if (error.keyword === 'uniqueItems') {
    const index = Math.max(error.params.i, error.params.j)
    const node = source.nodeAt([...path, index])
    const item = (error.data as unknown[])[index]
    return problemAt(node, source, `\`${String(item)}\` is listed twice in \`${field.label}\``)
  }

  const node = source.nodeAt(path)
  return problemAt(node, source, describeValueError(error, field, source.sourceText(node)))
}

function missingField(
  error: ErrorObject,
  path: PathSegment[],
  field: Field,
  source: YamlSource
): Problem {
  const missing: string = error.params.missingProperty
  const node = source.nodeAt(path)
  const hint = MISSING_FIELD_HINTS[missing]
  const where = field.kind === 'expectation' ? 'this expectation is' : 'the manifest is'
  const message = `${where} missing the required field \`${missing}\`${hint ? `: ${hint}` : ''}`
  // Sorted by the mapping's end, so errors inside the mapping are reported first.
  return { offset: node?.range?.[1] ?? 0, error: source.errorAt(node, message) }
}

const MISSING_FIELD_HINTS: Record<string, string> = {
  version: 'add `version: 1`',
  expectations: 'list at least one expectation',
  name: 'name the expectation for reports',
  principal: 'set the role, user or service that makes the request',
  key: 'set the key ARN, key ID or alias',
  actions: 'list the KMS actions to check, such as kms:Decrypt',
  expect: 'set `expect: allow` or `expect: deny`'
}

function unknownField(
  error: ErrorObject,
  path: PathSegment[],
  field: Field,
  source: YamlSource
): Problem {
  const unknown: string = error.params.additionalProperty
  const known = Object.keys((error.parentSchema?.properties as object | undefined) ?? {})
  const suggestion = didYouMean(unknown, known)
  const where = {
    manifest: ' at the top level',
    defaults: ' in `defaults`',
    expectation: ' in an expectation',
    live: ' in `live`',
    iac: ' in `iac`'
  }[field.kind as string]
  const message =
    `unknown field \`${unknown}\`${where ?? ''}` +
    (suggestion || `; expected one of: ${known.join(', ')}`)
  return problemAt(source.keyNodeAt(path, unknown), source, message)
}

function describeValueError(error: ErrorObject, field: Field, sourceText?: string): string {
  const value = error.data
  switch (error.keyword) {
    case 'type':
      return describeTypeError(field, value, sourceText, error.params.type)
    case 'const':
      return describeVersionError(value, sourceText)
    case 'enum': {
      const allowed = (error.params.allowedValues as string[]).map(String)
      const suggestion = typeof value === 'string' ? didYouMean(value, allowed) : ''
      const shown = typeof value === 'string' ? `\`${value}\`` : describeValue(value, sourceText)
      return `${shown} is not a valid \`${field.label}\` value: expected ${listAlternatives(allowed)}${suggestion}`
    }
    case 'pattern':
      return explainPattern(field, String(value))
    case 'minItems':
      return describeEmptyList(field)
    case 'minLength':
      return `\`${field.label}\` must not be empty`
    default:
      return `\`${field.label}\` ${error.message ?? 'is invalid'}`
  }
}

/** Explains a `version` other than 1. Only `version` has a `const` in the schema. */
function describeVersionError(value: unknown, sourceText?: string): string {
  if (typeof value === 'number') {
    return `unsupported manifest version ${sourceText ?? value}: this tool reads version 1`
  }
  const quotesHint = typeof value === 'string' ? ' without quotes' : ''
  return `\`version\` must be the number 1${quotesHint}; got ${describeValue(value, sourceText)}`
}

function describeTypeError(
  field: Field,
  value: unknown,
  sourceText: string | undefined,
  types: string | string[]
): string {
  if ((field.name === 'account' || field.name === 'principal') && typeof value === 'number') {
    const digits = sourceText && /^[0-9]+$/u.test(sourceText) ? sourceText : String(value)
    return (
      `\`${field.label}\` must be a 12-digit account ID in quotes; got the YAML number ${digits}. ` +
      `YAML reads unquoted digits as a number and drops leading zeros, so write "${digits}"`
    )
  }
  const expected = EXPECTED_TYPES[field.kind] ?? describeTypes(types)
  return `\`${field.label}\` must be ${expected}; got ${describeValue(value, sourceText)}`
}

const EXPECTED_TYPES: Partial<Record<FieldKind, string>> = {
  manifest: 'a mapping with `version` and `expectations`',
  version: 'the number 1',
  defaults: 'a mapping with region, account or partition',
  facts: 'a path or a list of paths',
  expectations: 'a list of expectations',
  expectation: 'a mapping with name, principal, key, actions and expect',
  context: 'a mapping from condition keys to values',
  live: 'a mapping with accounts, concurrency or confirm-with-dry-run',
  'context-value': 'a string or a list of strings'
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  array: 'a list',
  object: 'a mapping',
  number: 'a number',
  integer: 'an integer',
  boolean: 'true or false',
  null: 'an empty value'
}

function describeTypes(types: string | string[]): string {
  const names = (Array.isArray(types) ? types : types.split(',')).map((type) => TYPE_NAMES[type])
  return listAlternatives(names)
}

/** Joins alternatives as `a, b or c`. */
function listAlternatives(items: string[]): string {
  if (items.length < 2) return items.join('')
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`
}

/** Describes a YAML value for a message: `the string `x``, `the number 12`, `a list`. */
function describeValue(value: unknown, sourceText?: string): string {
  if (value === null || value === undefined) return 'an empty value'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a mapping'
  if (typeof value === 'string') return `the string \`${value}\``
  return `the ${typeof value} \`${sourceText ?? String(value)}\``
}

function explainPattern(field: Field, value: string): string {
  switch (field.name) {
    case 'account':
      return explainInvalidAccount(value)
    case 'region':
      return explainInvalidRegion(value)
    case 'principal':
      return explainInvalidPrincipal(value)
    case 'key':
      return explainInvalidKey(value)
    case 'actions':
      return explainInvalidAction(value)
    case 'name':
      return '`name` must not be blank'
    case 'account-role':
      return `\`${value}\` in \`${field.label}\` is not an IAM role ARN: expected arn:aws:iam::ACCOUNT:role/NAME, the role the gate assumes to read that account`
    default:
      return `\`${value}\` is not a valid \`${field.label}\``
  }
}

/** Explains a `live.accounts` entry whose name is not a 12-digit account ID. */
function explainInvalidAccountKey(name: string): string {
  const hint = /^[0-9]{1,11}$/u.test(name)
    ? '; YAML reads unquoted digits as a number and drops leading zeros, so put the account ID in quotes'
    : ''
  return `\`${name}\` in \`live.accounts\` is not a 12-digit account ID${hint}`
}

function describeEmptyList(field: Field): string {
  if (field.kind === 'expectations') return '`expectations` is empty; list at least one expectation'
  if (field.kind === 'context-value') {
    return `the list of values for \`${field.name}\` is empty; give at least one value or remove the key`
  }
  return `\`${field.label}\` is empty; list at least one ${field.name === 'actions' ? 'action' : 'value'}`
}

function problemAt(node: Node | undefined, source: YamlSource, message: string): Problem {
  return { offset: node?.range?.[0] ?? 0, error: source.errorAt(node, message) }
}

/** Splits a JSON Pointer such as `/expectations/0/key` into segments, with indexes as numbers. */
function parsePointer(pointer: string): PathSegment[] {
  if (pointer === '') return []
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((segment) => (/^[0-9]+$/u.test(segment) ? Number(segment) : segment))
}

function describeField(path: PathSegment[]): Field {
  const [top, second, third, fourth] = path
  if (top === undefined) return { kind: 'manifest', label: 'manifest', name: '' }
  if (top === 'version') return { kind: 'version', label: 'version', name: 'version' }
  if (top === 'facts') return { kind: 'facts', label: 'facts', name: 'facts' }
  if (top === 'defaults') {
    if (second === undefined) return { kind: 'defaults', label: 'defaults', name: 'defaults' }
    return { kind: 'field', label: `defaults.${second}`, name: String(second) }
  }
  if (top === 'iac') {
    if (second === undefined) return { kind: 'iac', label: 'iac', name: 'iac' }
    if (third !== undefined)
      return { kind: 'field', label: `iac.${second}.${third}`, name: String(second) }
    return { kind: 'field', label: `iac.${second}`, name: String(second) }
  }
  if (top === 'live') {
    if (second === undefined) return { kind: 'live', label: 'live', name: 'live' }
    if (second === 'accounts' && third !== undefined) {
      return { kind: 'live-account', label: `live.accounts.${third}`, name: 'account-role' }
    }
    return { kind: 'field', label: `live.${second}`, name: String(second) }
  }
  if (top === 'expectations') {
    if (second === undefined) {
      return { kind: 'expectations', label: 'expectations', name: 'expectations' }
    }
    if (third === undefined) return { kind: 'expectation', label: 'expectation', name: '' }
    if (third === 'context' && fourth !== undefined) {
      return { kind: 'context-value', label: `context.${fourth}`, name: String(fourth) }
    }
    if (third === 'context') return { kind: 'context', label: 'context', name: 'context' }
    return { kind: 'field', label: String(third), name: String(third) }
  }
  return { kind: 'field', label: String(top), name: String(top) }
}
