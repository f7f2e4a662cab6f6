/** Parsing of one policy statement into the engine's `Statement`. */
import type { PolicyKind, SourceLocation, Statement } from '../engine/model.js'
import { type DocumentReader, isObject, type JsonObject, quote } from './document-reader.js'
import { readConditions, readPrincipal, readStringOrList } from './policy-elements.js'
import type { WrittenPrincipal, WrittenStatement } from './policy-warnings.js'

const STATEMENT_ELEMENTS = [
  'Sid',
  'Effect',
  'Principal',
  'NotPrincipal',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition'
]

/** Kinds whose statements must name a resource; AWS rejects such a statement without one. */
const RESOURCE_REQUIRED: readonly PolicyKind[] = [
  'identity',
  'permissions-boundary',
  'session-policy',
  'rcp',
  'vpce'
]

export interface StatementContext {
  reader: DocumentReader
  kind: PolicyKind
  partition: string
  /** Names the policy in messages, such as `key policy of arn:aws:kms:...`. */
  policyLabel: string
}

/** Reads the statement at `container[key]`, the `index`-th statement of its policy. */
export function readStatement(
  context: StatementContext,
  container: object,
  key: string | number,
  index: number
): WrittenStatement {
  const { reader } = context
  const value = (container as Record<string | number, unknown>)[key]
  const position = `statement ${index + 1} of ${context.policyLabel}`
  if (!isObject(value)) {
    throw reader.error(`${position} must be an object, found ${quote(value)}`, container, key)
  }
  checkElementNames(reader, value, position)

  const sid = reader.optionalString(value, 'Sid', `Sid of ${position}`)
  const label = sid === undefined ? `statement ${index + 1}` : `statement ${index + 1} ("${sid}")`
  const where = `${label} of ${context.policyLabel}`
  const statement: Statement = {
    index,
    ...(sid !== undefined && { sid }),
    effect: readEffect(reader, value, where),
    conditions: []
  }
  const writtenAws = readPrincipals(context, value, where, statement)
  readActionsAndResources(context, value, where, statement)
  statement.conditions = readConditions(reader, value, where)
  const location = reader.locate(container, key)
  if (location) statement.location = location
  return { statement, label, writtenAws, elementLocations: elementLocations(reader, value) }
}

function checkElementNames(reader: DocumentReader, value: JsonObject, position: string) {
  for (const name of Object.keys(value)) {
    if (!STATEMENT_ELEMENTS.includes(name)) {
      throw reader.error(
        `unknown element "${name}" in ${position}; a statement has only ${STATEMENT_ELEMENTS.join(', ')}`,
        value,
        name
      )
    }
  }
  for (const [first, second] of [
    ['Action', 'NotAction'],
    ['Resource', 'NotResource'],
    ['Principal', 'NotPrincipal']
  ]) {
    if (value[first] !== undefined && value[second] !== undefined) {
      throw reader.error(
        `${position} has both ${first} and ${second}; a statement has one or the other`,
        value,
        second
      )
    }
  }
}

function readEffect(reader: DocumentReader, value: JsonObject, where: string): 'Allow' | 'Deny' {
  const effect = value.Effect
  if (effect === 'Allow' || effect === 'Deny') return effect
  if (effect === undefined)
    throw reader.error(`Effect is missing in ${where}: expected "Allow" or "Deny"`, value)
  throw reader.error(
    `Effect in ${where} must be "Allow" or "Deny", found ${quote(effect)}`,
    value,
    'Effect'
  )
}

function readPrincipals(
  context: StatementContext,
  value: JsonObject,
  where: string,
  statement: Statement
): WrittenPrincipal[] {
  const written: WrittenPrincipal[] = []
  for (const element of ['Principal', 'NotPrincipal'] as const) {
    if (value[element] === undefined) continue
    const parsed = readPrincipal(context.reader, value, element, where, context.partition)
    if (element === 'Principal') statement.principal = parsed.set
    else statement.notPrincipal = parsed.set
    for (const aws of parsed.writtenAws) written.push({ value: aws, element })
  }
  return written
}

function readActionsAndResources(
  context: StatementContext,
  value: JsonObject,
  where: string,
  statement: Statement
) {
  const { reader, kind } = context
  if (value.Action !== undefined)
    statement.action = readStringOrList(reader, value, 'Action', where)
  if (value.NotAction !== undefined)
    statement.notAction = readStringOrList(reader, value, 'NotAction', where)
  if (value.Resource !== undefined)
    statement.resource = readStringOrList(reader, value, 'Resource', where)
  if (value.NotResource !== undefined)
    statement.notResource = readStringOrList(reader, value, 'NotResource', where)

  // Key policies are checked for missing elements later: AWS ignores such statements there.
  if (kind === 'key-policy') return
  if (!statement.action && !statement.notAction) {
    throw reader.error(`${where} has no Action or NotAction; AWS rejects such a statement`, value)
  }
  if (!statement.resource && !statement.notResource) {
    if (RESOURCE_REQUIRED.includes(kind)) {
      throw reader.error(
        `${where} has no Resource or NotResource; AWS rejects such a statement`,
        value
      )
    }
    // NOTE: older SCP syntax allowed Resource only in Deny statements. An SCP Allow without
    // Resource therefore covers every resource. Other kinds without Resource were rejected above.
    statement.resource = ['*']
  }
}

function elementLocations(
  reader: DocumentReader,
  value: JsonObject
): Partial<Record<string, SourceLocation>> {
  const locations: Partial<Record<string, SourceLocation>> = {}
  for (const name of Object.keys(value)) {
    const location = reader.locate(value, name)
    if (location) locations[name] = location
  }
  return locations
}
