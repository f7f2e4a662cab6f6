/**
 * Parsers for the elements of a policy statement: string lists (Action, Resource),
 * principals and conditions.
 */
import type { ConditionEntry, PrincipalSet } from '../engine/model.js'
import { accountRootArn, isAccountId } from './arn.js'
import { type DocumentReader, isObject, type JsonObject, quote } from './document-reader.js'

/** Reads `Action`, `NotAction`, `Resource` or `NotResource`: a string or a list of strings. */
export function readStringOrList(
  reader: DocumentReader,
  statement: JsonObject,
  element: string,
  label: string
): string[] {
  const value = statement[element]
  if (typeof value === 'string') return [value]
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value
  throw reader.error(
    `${element} in ${label} must be a string or a list of strings, found ${quote(value)}`,
    statement,
    element
  )
}

const PRINCIPAL_TYPES = ['AWS', 'Service', 'Federated', 'CanonicalUser'] as const

/** A parsed principal element with the AWS values as written, for the validity checks. */
export interface ParsedPrincipal {
  set: PrincipalSet
  writtenAws: string[]
}

/**
 * Reads `Principal` or `NotPrincipal`. `"*"` and `{"AWS": "*"}` set `wildcard`; a bare
 * 12-digit account ID becomes the account's root ARN, because AWS treats both the same.
 */
export function readPrincipal(
  reader: DocumentReader,
  statement: JsonObject,
  element: 'Principal' | 'NotPrincipal',
  label: string,
  partition: string
): ParsedPrincipal {
  const value = statement[element]
  const set: PrincipalSet = {
    wildcard: false,
    aws: [],
    service: [],
    federated: [],
    canonicalUser: []
  }
  if (value === '*') return { set: { ...set, wildcard: true }, writtenAws: [] }
  if (!isObject(value)) {
    throw reader.error(
      `${element} in ${label} must be "*" or an object such as {"AWS": "arn:aws:iam::111122223333:root"}, found ${quote(value)}`,
      statement,
      element
    )
  }

  for (const type of Object.keys(value)) {
    if (!(PRINCIPAL_TYPES as readonly string[]).includes(type)) {
      throw reader.error(
        `unknown principal type "${type}" in ${element} of ${label}; expected ${PRINCIPAL_TYPES.join(', ')}`,
        value,
        type
      )
    }
  }
  const list = (type: string) => readStringOrList(reader, value, type, `${element} of ${label}`)
  const writtenAws = value.AWS === undefined ? [] : list('AWS')
  for (const aws of writtenAws) {
    if (aws === '*') set.wildcard = true
    else set.aws.push(isAccountId(aws) ? accountRootArn(aws, partition) : aws)
  }
  if (value.Service !== undefined) set.service = list('Service')
  if (value.Federated !== undefined) set.federated = list('Federated')
  if (value.CanonicalUser !== undefined) set.canonicalUser = list('CanonicalUser')
  return { set, writtenAws }
}

/**
 * Reads `Condition`: `{ Operator: { Key: value | [values] } }` gives one entry per
 * operator and key, with booleans and numbers turned into the strings AWS compares.
 */
export function readConditions(
  reader: DocumentReader,
  statement: JsonObject,
  label: string
): ConditionEntry[] {
  const condition = statement.Condition
  if (condition === undefined) return []
  if (!isObject(condition)) {
    throw reader.error(
      `Condition in ${label} must be an object such as {"StringEquals": {"kms:CallerAccount": "111122223333"}}, found ${quote(condition)}`,
      statement,
      'Condition'
    )
  }

  const entries: ConditionEntry[] = []
  for (const [operator, block] of Object.entries(condition)) {
    if (!isObject(block)) {
      throw reader.error(
        `condition operator ${operator} in ${label} must map condition keys to values, found ${quote(block)}`,
        condition,
        operator
      )
    }
    for (const [key, value] of Object.entries(block)) {
      const items = Array.isArray(value) ? value : [value]
      const values = items.map((item) => conditionValue(item))
      if (values.some((item) => item === undefined)) {
        throw reader.error(
          `condition ${operator} ${key} in ${label} must have a string, number or boolean value, or a list of them, found ${quote(value)}`,
          block,
          key
        )
      }
      entries.push({ operator, key, values: values as string[] })
    }
  }
  return entries
}

function conditionValue(value: unknown): string | undefined {
  if (typeof value === 'string') return value
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  if (typeof value === 'number' && Number.isFinite(value)) return formatNumber(value)
  return undefined
}

/** Decimal notation even where JavaScript would print an exponent (`1e+21`). */
function formatNumber(value: number): string {
  const text = String(value)
  if (!/e/i.test(text)) return text
  return Number.isInteger(value) ? BigInt(value).toString() : value.toFixed(20).replace(/0+$/, '')
}
