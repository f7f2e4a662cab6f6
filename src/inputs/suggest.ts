/**
 * "Did you mean" suggestions for misspelled field names, actions and option values.
 */

/**
 * Returns the optimal string alignment distance between two strings: the number of
 * insertions, deletions, substitutions and swaps of adjacent characters that turn one
 * into the other. The comparison is case-sensitive.
 */
export function editDistance(a: string, b: string): number {
  // Three rolling rows: the swap step looks two rows back.
  let beforePrevious: number[] = []
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)

  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let distance = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        distance = Math.min(distance, beforePrevious[j - 2] + 1)
      }
      current.push(distance)
    }
    beforePrevious = previous
    previous = current
  }

  return previous[b.length]
}

/**
 * Returns the candidate closest to `value`, compared case-insensitively, or undefined
 * when none is close enough to be a likely typo. "Close enough" means at most one edit
 * per three characters of `value` (at least one edit), so short words need a near match.
 */
export function closestMatch(value: string, candidates: Iterable<string>): string | undefined {
  const target = value.toLowerCase()
  const maxDistance = Math.max(1, Math.floor(target.length / 3))
  let best: string | undefined
  let bestDistance = Number.POSITIVE_INFINITY

  for (const candidate of candidates) {
    const distance = editDistance(target, candidate.toLowerCase())
    if (distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }

  return bestDistance <= maxDistance ? best : undefined
}

/** Returns `; did you mean `x`?` for the closest candidate, or an empty string when none is close. */
export function didYouMean(value: string, candidates: Iterable<string>): string {
  const match = closestMatch(value, candidates)
  return match === undefined ? '' : `; did you mean \`${match}\`?`
}
