/**
 * IAM wildcard matching: `*` matches any run of characters (also none), `?` exactly one.
 * Matching walks the strings once, backtracking only to the last `*`, so its time is at most
 * the product of the two lengths. It uses no regular expressions, because a pattern such as
 * `*a*a*a…b` could drive them into exponential backtracking.
 */

/**
 * Characters that stand for a literal `*`, `?` or `$` after policy-variable substitution of
 * `${*}`, `${?}` and `${$}`. They are in the Unicode private-use area, which AWS identifiers
 * and condition values do not use.
 */
export const LITERAL_STAR = '\uE000'
export const LITERAL_QUESTION = '\uE001'
export const LITERAL_DOLLAR = '\uE002'

/** Turns the literal markers back into the characters they stand for. */
export function withLiteralCharacters(value: string): string {
  return value
    .replaceAll(LITERAL_STAR, '*')
    .replaceAll(LITERAL_QUESTION, '?')
    .replaceAll(LITERAL_DOLLAR, '$')
}

function sameCharacter(patternCharacter: string, valueCharacter: string): boolean {
  return withLiteralCharacters(patternCharacter) === valueCharacter
}

/** Returns true when `value` matches `pattern` with IAM wildcards. */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  if (pattern === '*') return true
  const left = ignoreCase ? pattern.toLowerCase() : pattern
  const right = ignoreCase ? value.toLowerCase() : value
  if (!left.includes('*') && !left.includes('?')) return withLiteralCharacters(left) === right
  return globMatch(Array.from(left), Array.from(right))
}

function globMatch(pattern: string[], value: string[]): boolean {
  let patternIndex = 0
  let valueIndex = 0
  let starIndex = -1
  let resumeIndex = 0

  while (valueIndex < value.length) {
    const current = pattern[patternIndex]
    if (
      current === '?' ||
      (current !== undefined && current !== '*' && sameCharacter(current, value[valueIndex]))
    ) {
      patternIndex++
      valueIndex++
    } else if (current === '*') {
      // Remember the star; first try matching it against nothing.
      starIndex = patternIndex
      resumeIndex = valueIndex
      patternIndex++
    } else if (starIndex >= 0) {
      // Let the last star swallow one more character and try again from there.
      patternIndex = starIndex + 1
      resumeIndex++
      valueIndex = resumeIndex
    } else {
      return false
    }
  }
  while (pattern[patternIndex] === '*') patternIndex++
  return patternIndex === pattern.length
}

/**
 * Matches an ARN pattern against an ARN the way IAM does for `Resource` and `ArnLike`. Each of
 * the first five colon-separated parts is matched on its own. The resource part, which may
 * itself contain colons, is matched as a whole.
 */
export function arnMatch(pattern: string, arn: string): boolean {
  if (pattern === '*') return true
  const patternParts = splitArn(pattern)
  const arnParts = splitArn(arn)
  if (!patternParts || !arnParts) return wildcardMatch(pattern, arn)
  return patternParts.every((part, index) => wildcardMatch(part, arnParts[index] ?? ''))
}

function splitArn(arn: string): string[] | undefined {
  const parts = arn.split(':')
  if (parts.length < 6) return undefined
  return [...parts.slice(0, 5), parts.slice(5).join(':')]
}
