/**
 * Offset-to-location maps. A fact file's text maps offsets to line and column directly.
 * Text decoded from inside the file (a policy held in a JSON string, or URL-encoded)
 * maps each decoded character back to the raw characters it came from, so locations
 * found in the decoded text still point into the file.
 */
import type { SourceLocation } from '../engine/model.js'
import { InputError } from '../inputs/errors.js'

/** Maps offsets in a text to 1-based line and column in the file the text came from. */
export interface TextMap {
  readonly file: string
  locate(offset: number): SourceLocation
}

/** Text together with the map that locates its characters in the file. */
export interface MappedText {
  text: string
  map: TextMap
}

/** Locates offsets in a whole file. `\n`, `\r\n` and a lone `\r` each end a line. */
export class FileTextMap implements TextMap {
  readonly file: string
  private readonly lineStarts: number[]

  constructor(file: string, text: string) {
    this.file = file
    this.lineStarts = [0]
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i)
      if (code === 0x0a) {
        this.lineStarts.push(i + 1)
      } else if (code === 0x0d && text.charCodeAt(i + 1) !== 0x0a) {
        this.lineStarts.push(i + 1)
      }
    }
  }

  /** Columns count UTF-16 code units, as JavaScript string offsets do. */
  locate(offset: number): SourceLocation {
    let low = 0
    let high = this.lineStarts.length - 1
    while (low < high) {
      const middle = (low + high + 1) >> 1
      if (this.lineStarts[middle] <= offset) low = middle
      else high = middle - 1
    }
    return { file: this.file, line: low + 1, column: offset - this.lineStarts[low] + 1 }
  }
}

/** Locates offsets in decoded text through the raw offset each decoded character came from. */
class DecodedTextMap implements TextMap {
  readonly file: string

  constructor(
    private readonly parent: TextMap,
    private readonly rawOffsets: Int32Array
  ) {
    this.file = parent.file
  }

  locate(offset: number): SourceLocation {
    const last = this.rawOffsets.length - 1
    return this.parent.locate(this.rawOffsets[Math.min(Math.max(offset, 0), last)])
  }
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t'
}

/**
 * Decodes the JSON string literal that starts with the quote at `quoteOffset` in `raw`,
 * and maps each decoded character to the raw character or escape it came from. The
 * literal must already have been validated by the JSON parser.
 */
export function decodeStringLiteral(raw: string, quoteOffset: number, parent: TextMap): MappedText {
  const parts: string[] = []
  const offsets: number[] = []
  let i = quoteOffset + 1
  while (i < raw.length && raw[i] !== '"') {
    if (raw[i] !== '\\') {
      parts.push(raw[i])
      offsets.push(i)
      i++
      continue
    }
    const escapeChar = raw[i + 1]
    if (escapeChar === 'u') {
      parts.push(String.fromCharCode(Number.parseInt(raw.slice(i + 2, i + 6), 16)))
      offsets.push(i)
      i += 6
    } else {
      parts.push(SIMPLE_ESCAPES[escapeChar] ?? escapeChar)
      offsets.push(i)
      i += 2
    }
  }
  offsets.push(i)
  return { text: parts.join(''), map: new DecodedTextMap(parent, Int32Array.from(offsets)) }
}

const HEX_PAIR = /^[0-9a-fA-F]{2}$/

/**
 * Decodes percent-encoded text, as the IAM API returns policy documents (RFC 3986, so
 * `+` stays `+`), and maps each decoded character to the `%XX` sequence it starts with.
 * Throws an `InputError` at the bad sequence when the text is not percent-encoded UTF-8.
 */
export function decodeUrlEncoded(mapped: MappedText): MappedText {
  const { text, map } = mapped
  const parts: string[] = []
  const offsets: number[] = []
  let i = 0
  while (i < text.length) {
    if (text[i] !== '%') {
      parts.push(text[i])
      offsets.push(i)
      i++
      continue
    }
    const start = i
    const lead = readEncodedByte(text, i, map)
    const bytes = [lead]
    i += 3
    for (let k = 1; k < utf8SequenceLength(lead); k++) {
      if (text[i] !== '%') break
      bytes.push(readEncodedByte(text, i, map))
      i += 3
    }
    let decoded: string
    try {
      decoded = new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes))
    } catch {
      throw new InputError(
        `invalid URL-encoded policy: "${text.slice(start, i)}" is not valid UTF-8`,
        map.locate(start)
      )
    }
    for (const unit of decoded.split('')) {
      parts.push(unit)
      offsets.push(start)
    }
  }
  offsets.push(text.length)
  return { text: parts.join(''), map: new DecodedTextMap(map, Int32Array.from(offsets)) }
}

function readEncodedByte(text: string, offset: number, map: TextMap): number {
  const hex = text.slice(offset + 1, offset + 3)
  if (!HEX_PAIR.test(hex)) {
    throw new InputError(
      `invalid URL-encoded policy: "${text.slice(offset, offset + 3)}" is not a %XX byte`,
      map.locate(offset)
    )
  }
  return Number.parseInt(hex, 16)
}

/** Number of bytes in the UTF-8 sequence that starts with `lead`; invalid leads count 1 and fail decoding. */
function utf8SequenceLength(lead: number): number {
  if (lead >= 0xf0) return 4
  if (lead >= 0xe0) return 3
  if (lead >= 0xc0) return 2
  return 1
}
