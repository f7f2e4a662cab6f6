/**
 * Parsing of IAM policy documents (key policies, identity policies, boundaries, SCPs,
 * RCPs) into the engine's `Policy`, with validity warnings and source locations.
 */
import type {
  Policy,
  PolicyKind,
  PolicyWarning,
  SourceLocation,
  Statement
} from '../engine/model.js'
import { InputError } from '../inputs/errors.js'
import { appendAll } from './append.js'
import { DocumentReader, isObject, quote } from './document-reader.js'
import { JsonIndex } from './json-index.js'
import { parseJson } from './json-parser.js'
import { readStatement, type StatementContext } from './policy-statement.js'
import { checkStatement } from './policy-warnings.js'
import {
  decodeStringLiteral,
  decodeUrlEncoded,
  FileTextMap,
  type MappedText,
  type TextMap
} from './text-map.js'

export interface PolicyDocumentOptions {
  kind: PolicyKind
  /** The inline or managed policy name, or `default` for a key policy. */
  name: string
  arn?: string
  accountId?: string
  /** Partition for account principals given as bare account IDs; `aws` when absent. */
  partition?: string
  /** Names the source in messages and locations. */
  file?: string
  /**
   * Positions of the input in its file: the `JsonIndex` of the parsed file when the input
   * is an object taken from it, or a `TextMap` for the characters of a string input.
   * A string input without positions is located as if it were the whole of `file`.
   */
  positions?: JsonIndex | TextMap
  /** Names the policy in messages; derived from `kind`, `name` and `arn` when absent. */
  label?: string
}

/**
 * Parses a policy document given as an object, a JSON string, a URL-encoded JSON string
 * (as the raw IAM API returns it) or a JSON string that contains the policy as a string.
 * Statements get their 0-based index, Sid and, when positions are known, the location
 * of their opening brace. Key-policy statements that AWS ignores (no Resource or no
 * Action) stay in `statements`, as written, with a `statement-ignored` warning; the
 * engine skips them.
 * Throws an `InputError` at the bad value when the document is malformed.
 */
export function parsePolicyDocument(input: unknown, options: PolicyDocumentOptions): Policy {
  const label = options.label ?? policyLabel(options)
  const { value, index, start } = decodePolicyInput(input, options, label)
  const reader = new DocumentReader(options.file ?? '', index)
  if (!isObject(value)) {
    const message = notPolicyDocumentMessage(label, value)
    throw start ? new InputError(message, start) : reader.error(message)
  }

  const context: StatementContext = {
    reader,
    kind: options.kind,
    partition: options.partition ?? 'aws',
    policyLabel: label
  }
  const statements: Statement[] = []
  const warnings: PolicyWarning[] = []
  statementSlots(reader, value, label).forEach(([container, key], position) => {
    const written = readStatement(context, container, key, position)
    appendAll(warnings, checkStatement(options.kind, written, label))
    statements.push(written.statement)
  })

  const policy: Policy = { kind: options.kind, name: options.name, statements, warnings }
  if (typeof value.Version === 'string') policy.version = value.Version
  if (options.arn !== undefined) policy.arn = options.arn
  if (options.accountId !== undefined) policy.accountId = options.accountId
  const location = reader.locate(value)
  if (location) policy.location = location
  return policy
}

/** Describes a value that is not a policy document, for the policy named `label`. */
export function notPolicyDocumentMessage(label: string, value: unknown): string {
  return `${label} must be a policy document: a JSON object with a Statement element, or that object as a JSON string, found ${quote(value)}`
}

/** Names a policy in messages by kind and ARN, or by kind and name, such as `SCP "FullAWSAccess"`. */
export function policyLabel(options: { kind: PolicyKind; name: string; arn?: string }): string {
  const names: Record<PolicyKind, string> = {
    'key-policy': 'key policy',
    identity: 'policy',
    'permissions-boundary': 'permissions boundary',
    scp: 'SCP',
    rcp: 'RCP',
    'session-policy': 'session policy',
    vpce: 'VPC endpoint policy'
  }
  return `${names[options.kind]} ${options.arn ?? `"${options.name}"`}`
}

/** Lists the container and key of each statement, which is `Statement` itself when it is one object. */
function statementSlots(
  reader: DocumentReader,
  document: Record<string, unknown>,
  label: string
): Array<[object, string | number]> {
  const statement = document.Statement
  if (Array.isArray(statement)) return statement.map((_, position) => [statement, position])
  if (isObject(statement)) return [[document, 'Statement']]
  if (statement === undefined) {
    throw reader.error(`${label} has no Statement element; expected "Statement": [ ... ]`, document)
  }
  throw reader.error(
    `Statement of ${label} must be an object or a list of objects, found ${quote(statement)}`,
    document,
    'Statement'
  )
}

interface DecodedInput {
  value: unknown
  index?: JsonIndex
  /** Location of the value's first character, when the input was located text. */
  start?: SourceLocation
}

function decodePolicyInput(
  input: unknown,
  options: PolicyDocumentOptions,
  label: string
): DecodedInput {
  if (typeof input !== 'string') {
    return {
      value: input,
      index: options.positions instanceof JsonIndex ? options.positions : undefined
    }
  }
  if (options.positions && !(options.positions instanceof JsonIndex)) {
    return parsePolicyText({ text: input, map: options.positions }, label, 0)
  }
  const text = stripByteOrderMark(input)
  if (options.file !== undefined) {
    return parsePolicyText({ text, map: new FileTextMap(options.file, text) }, label, 0)
  }
  return withoutLocations(() => parsePolicyText({ text, map: new FileTextMap('', text) }, label, 0))
}

/** Parses policy text; a URL-encoded text is decoded first, and a JSON string is parsed once more. */
function parsePolicyText(mapped: MappedText, label: string, depth: number): DecodedInput {
  const start = mapped.text.search(/\S/)
  if (start < 0)
    throw new InputError(`${label} is empty; expected a JSON policy document`, mapped.map.locate(0))
  if (mapped.text[start] === '%') return parsePolicyText(decodeUrlEncoded(mapped), label, depth + 1)

  const { value, index } = parseJson(mapped.text, mapped.map)
  if (typeof value === 'string' && depth < 2) {
    return parsePolicyText(decodeStringLiteral(mapped.text, start, mapped.map), label, depth + 1)
  }
  return { value, index, start: mapped.map.locate(start) }
}

/** Runs `parse` on text that has no file: its errors keep line and column in the message only. */
function withoutLocations(parse: () => DecodedInput): DecodedInput {
  try {
    const { value } = parse()
    return { value }
  } catch (error) {
    if (!(error instanceof InputError) || !error.location) throw error
    const { line, column } = error.location
    throw new InputError(`${error.message} (line ${line}, column ${column} of the policy text)`)
  }
}

function stripByteOrderMark(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
}
