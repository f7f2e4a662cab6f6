/**
 * Policy variables (`${aws:username}`, `${aws:PrincipalTag/team, 'none'}`, `${*}`) in
 * `Resource` and condition values.
 */
import type { RequestContextValues } from './request-context.js'
import { LITERAL_DOLLAR, LITERAL_QUESTION, LITERAL_STAR } from './wildcard.js'

const VARIABLE = /\$\{([^}]*)\}/g
// `${*}`, `${?}` and `${$}` stand for the literal characters, which wildcard matching must not expand.
const SPECIAL: Record<string, string> = {
  '*': LITERAL_STAR,
  '?': LITERAL_QUESTION,
  $: LITERAL_DOLLAR
}

/** Returned when a variable names a key whose value the request carries but the tool cannot know. */
export const UNKNOWN_VALUE = Symbol('unknown value')

/**
 * Replaces the policy variables in `value`. Returns undefined when a variable has no value
 * in the request and no default: AWS then treats the value as not matching. Returns
 * `UNKNOWN_VALUE` when a variable's key is in the request with a value the tool cannot know.
 * `${*}`, `${?}` and `${$}` become marker characters that wildcard matching reads literally;
 * `withLiteralCharacters` turns them back for exact comparisons.
 */
export function substituteVariables(
  value: string,
  context: RequestContextValues
): string | undefined | typeof UNKNOWN_VALUE {
  if (!value.includes('${')) return value

  let unresolved = false
  let unknown = false
  const result = value.replace(VARIABLE, (_match, inner: string) => {
    const trimmed = inner.trim()
    if (trimmed in SPECIAL) return SPECIAL[trimmed]

    const [name, fallback] = splitDefault(trimmed)
    const values = context.get(name)
    if (values && values.length === 1) return values[0]
    if (context.hasUnknownValue(name) || context.hasUnknownPresence(name)) {
      unknown = true
      return ''
    }
    if (fallback !== undefined) return fallback
    unresolved = true
    return ''
  })
  if (unknown) return UNKNOWN_VALUE
  return unresolved ? undefined : result
}

/** Splits `aws:x, 'default'` into the key and the default value. */
function splitDefault(inner: string): [string, string | undefined] {
  const comma = inner.indexOf(',')
  if (comma < 0) return [inner, undefined]
  const name = inner.slice(0, comma).trim()
  const rest = inner.slice(comma + 1).trim()
  const quoted = /^'(.*)'$/.exec(rest)
  return [name, quoted ? quoted[1] : rest]
}
