/**
 * Terminal helpers for the text report: ANSI colours, control-character removal and
 * word wrapping.
 */

/** Column at which prose is wrapped. Words longer than this, such as ARNs, stay whole. */
export const TEXT_WIDTH = 100

/** Applies one text style. Returns the text unchanged when colour is off. */
export type Paint = (text: string) => string

export interface Palette {
  bold: Paint
  dim: Paint
  red: Paint
  green: Paint
  yellow: Paint
}

function ansi(on: number, off: number): Paint {
  return (text) => `\u001b[${on}m${text}\u001b[${off}m`
}

/** Returns the ANSI styles, or styles that leave text unchanged when `color` is false. */
export function createPalette(color: boolean): Palette {
  if (!color) {
    const plain: Paint = (text) => text
    return { bold: plain, dim: plain, red: plain, green: plain, yellow: plain }
  }
  return {
    bold: ansi(1, 22),
    dim: ansi(2, 22),
    red: ansi(31, 39),
    green: ansi(32, 39),
    yellow: ansi(33, 39)
  }
}

// C0 and C1 control characters, which could move the cursor or recolour the terminal, and
// the bidirectional controls, which could make a Sid display as different text.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u200e\u200f]/g

/** Replaces line breaks and tabs with spaces and other control characters with `�`. */
export function removeControlCharacters(text: string): string {
  return text.replace(/\r\n|[\r\n\t]/g, ' ').replace(CONTROL_CHARACTERS, '\ufffd')
}

/**
 * Returns a copy of a value with `removeControlCharacters` applied to every string in it,
 * except inside objects under a `statement` key: those are printed with `JSON.stringify`,
 * which escapes control characters itself, and must stay exactly as generated.
 */
export function withoutControlCharacters<T>(value: T): T {
  return clean(value, false) as T
}

function clean(value: unknown, keepVerbatim: boolean, field = ''): unknown {
  if (keepVerbatim) return value
  // A snippet is code on several lines: keep its line breaks, clean each line.
  if (typeof value === 'string' && field === 'text') {
    return value.split('\n').map(removeControlCharacters).join('\n')
  }
  if (typeof value === 'string') return removeControlCharacters(value)
  if (Array.isArray(value)) return value.map((item) => clean(item, false))
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, clean(item, key === 'statement', key)])
    )
  }
  return value
}

/**
 * Wraps text at word boundaries so that no line is longer than `width`, unless a single
 * word is. The first line starts with `firstPrefix`, the others with `restPrefix`.
 */
export function wrap(
  text: string,
  firstPrefix: string,
  restPrefix: string,
  width = TEXT_WIDTH
): string[] {
  const words = text.split(' ').filter((word) => word !== '')
  const lines: string[] = []
  let line = firstPrefix
  let lineHasWord = false

  for (const word of words) {
    if (lineHasWord && line.length + 1 + word.length > width) {
      lines.push(line)
      line = restPrefix + word
    } else {
      line = lineHasWord ? `${line} ${word}` : line + word
    }
    lineHasWord = true
  }
  lines.push(line)
  return lines
}
