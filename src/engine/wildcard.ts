/**
 * IAM wildcard matching: `*` matches any run of characters (also none), `?` exactly one.
 */

const cache = new Map<string, RegExp>()

function toRegExp(pattern: string, ignoreCase: boolean): RegExp {
  const cacheKey = `${ignoreCase ? 'i' : 's'}:${pattern}`
  const cached = cache.get(cacheKey)
  if (cached) return cached

  let source = ''
  for (const character of pattern) {
    if (character === '*') source += '.*'
    else if (character === '?') source += '.'
    else source += character.replace(/[\\^$.|+()[\]{}]/g, '\\$&')
  }
  const regExp = new RegExp(`^${source}$`, ignoreCase ? 'is' : 's')
  cache.set(cacheKey, regExp)
  return regExp
}

/** Returns true when `value` matches `pattern` with IAM wildcards. */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  if (pattern === '*') return true
  if (!pattern.includes('*') && !pattern.includes('?')) {
    return ignoreCase ? pattern.toLowerCase() === value.toLowerCase() : pattern === value
  }
  return toRegExp(pattern, ignoreCase).test(value)
}

/**
 * Matches an ARN pattern against an ARN the way IAM does for `Resource` and `ArnLike`: each
 * of the first five colon-separated parts is matched on its own, and the resource part (which
 * may itself contain colons) is matched as a whole.
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
