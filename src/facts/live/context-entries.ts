/**
 * The `ContextEntries` of a SimulatePrincipalPolicy request: the expectation's context,
 * typed by condition key, plus the values every real request carries.
 */
import type { ContextEntry, ContextKeyTypeEnum } from '@aws-sdk/client-iam'
import type { RequestContext } from '../../inputs/settings.js'

/** Keys whose values are dates. */
const DATE_KEYS = new Set(['aws:currenttime', 'aws:epochtime', 'aws:tokenissuetime', 'kms:validto'])

const BOOLEAN_KEYS = new Set([
  'aws:multifactorauthpresent',
  'aws:securetransport',
  'aws:viaawsservice',
  'aws:principalisawsservice',
  'kms:bypasspolicylockoutsafetycheck',
  'kms:grantisforawsresource',
  'kms:multiregion',
  'kms:reencryptonsamekey'
])

const NUMERIC_KEYS = new Set([
  'aws:multifactorauthage',
  'kms:schedulekeydeletionpendingwindowindays',
  'kms:rotationperiodindays'
])

/** Keys that carry a set of values in a real request. */
const MULTI_VALUE_KEYS = new Set([
  'aws:tagkeys',
  'aws:calledvia',
  'aws:principalservicenameslist',
  'aws:principalorgpaths',
  'kms:resourcealiases',
  'kms:grantoperations',
  'kms:encryptioncontextkeys'
])

const IP_KEYS = new Set(['aws:sourceip', 'aws:vpcsourceip'])

/**
 * Returns the `ContextKeyType` for a condition key: `ip`, `date`, `boolean` or `numeric`
 * for keys of those types, `stringList` for multi-value keys, else `string`. A key of a
 * single-value type given several values gets the list form of its type.
 */
export function contextKeyType(key: string, valueCount: number): ContextKeyTypeEnum {
  const name = key.toLowerCase()
  if (MULTI_VALUE_KEYS.has(name)) return 'stringList'
  let type: 'ip' | 'date' | 'boolean' | 'numeric' | 'string' = 'string'
  if (IP_KEYS.has(name)) type = 'ip'
  else if (DATE_KEYS.has(name)) type = 'date'
  else if (BOOLEAN_KEYS.has(name)) type = 'boolean'
  else if (NUMERIC_KEYS.has(name)) type = 'numeric'
  return (valueCount > 1 ? `${type}List` : type) as ContextKeyTypeEnum
}

/** Returns the context with every value as a list, keys as written. */
export function contextAsLists(context: RequestContext): Record<string, string[]> {
  return Object.fromEntries(
    Object.entries(context).map(([key, value]) => [
      key,
      Array.isArray(value) ? [...value] : [value]
    ])
  )
}

/**
 * Builds the entries: the expectation's context, then each implicit value whose key the
 * context does not set (condition keys are case-insensitive). Each entry is typed by its
 * condition key.
 */
export function buildContextEntries(
  context: RequestContext,
  implicit: RequestContext
): ContextEntry[] {
  const lists = contextAsLists(context)
  const contextKeys = new Set(Object.keys(lists).map((key) => key.toLowerCase()))
  const implicitLists = Object.entries(contextAsLists(implicit)).filter(
    ([key]) => !contextKeys.has(key.toLowerCase())
  )
  return [...Object.entries(lists), ...implicitLists].map(([key, values]) => ({
    ContextKeyName: key,
    ContextKeyValues: values,
    ContextKeyType: contextKeyType(key, values.length)
  }))
}

/**
 * Serialises a context so that contexts IAM evaluates alike give equal text: key names in
 * lower case (IAM compares condition key names case-insensitively) and sorted, values in
 * their order and case (values are compared as given).
 */
export function canonicalContext(context: RequestContext): string {
  const lists = Object.entries(contextAsLists(context)).map(
    ([key, values]) => [key.toLowerCase(), values] as const
  )
  lists.sort(([left], [right]) => left.localeCompare(right, 'en'))
  return JSON.stringify(lists)
}
