/**
 * A strict JSON parser (RFC 8259) that records where each object, array and member
 * starts. JSON.parse gives no positions, and in Node 20 many of its error messages give
 * none either. The `yaml` package gives positions, but it accepts text that is not JSON
 * (trailing commas, unquoted keys, comments). On a generated 5.9 MB authorization-details
 * file (Node 20, 2 cores of an AMD EPYC), `yaml` took 1.1 to 1.5 s, this parser 0.1 to
 * 0.23 s and JSON.parse 15 ms.
 */
import { InputError } from '../inputs/errors.js'
import { type ContainerOffsets, JsonIndex } from './json-index.js'
import type { TextMap } from './text-map.js'

/** A parsed JSON text: its value and the positions of its objects and arrays. */
export interface ParsedJson {
  value: unknown
  index: JsonIndex
}

/** Deeper nesting is rejected, so that hostile input cannot overflow the call stack. */
export const MAX_JSON_DEPTH = 512

/**
 * Parses `text` as one JSON value. Throws an `InputError` at the line and column of the
 * first syntax error, and on duplicate keys, because parsers disagree on which value wins.
 */
export function parseJson(text: string, map: TextMap): ParsedJson {
  const parser = new JsonParser(text, map)
  const value = parser.parseDocument()
  return { value, index: new JsonIndex(text, map, parser.containers) }
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y
const ESCAPE = /\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/y

class JsonParser {
  readonly containers = new WeakMap<object, ContainerOffsets>()
  private offset = 0

  constructor(
    private readonly text: string,
    private readonly map: TextMap
  ) {}

  parseDocument(): unknown {
    this.skipWhitespace()
    if (this.offset >= this.text.length)
      this.fail('expected a JSON value, found the end of the text')
    const value = this.parseValue(0)
    this.skipWhitespace()
    if (this.offset < this.text.length)
      this.fail(`expected the end of the text, found ${this.describeNext()}`)
    return value
  }

  private parseValue(depth: number): unknown {
    const char = this.text[this.offset]
    if (char === '{') return this.parseObject(depth + 1)
    if (char === '[') return this.parseArray(depth + 1)
    if (char === '"') return this.parseString()
    if (char === '-' || (char >= '0' && char <= '9')) return this.parseNumber()
    if (this.text.startsWith('true', this.offset)) return this.literal(4, true)
    if (this.text.startsWith('false', this.offset)) return this.literal(5, false)
    if (this.text.startsWith('null', this.offset)) return this.literal(4, null)
    return this.fail(`expected a JSON value, found ${this.describeNext()}`)
  }

  private literal<T>(length: number, value: T): T {
    this.offset += length
    return value
  }

  private parseObject(depth: number): Record<string, unknown> {
    this.checkDepth(depth)
    const start = this.offset
    const result: Record<string, unknown> = {}
    const members = new Map<string, number>()
    this.containers.set(result, { start, members })
    this.offset++
    this.skipWhitespace()
    if (this.text[this.offset] === '}') {
      this.offset++
      return result
    }
    for (;;) {
      this.skipWhitespace()
      if (this.text[this.offset] !== '"')
        this.fail(`expected a property name in double quotes, found ${this.describeNext()}`)
      const keyOffset = this.offset
      const key = this.parseString()
      if (members.has(key)) this.fail(`duplicate key "${key}" in an object`, keyOffset)
      this.skipWhitespace()
      if (this.text[this.offset] !== ':')
        this.fail(`expected ':' after the property name, found ${this.describeNext()}`)
      this.offset++
      this.skipWhitespace()
      members.set(key, this.offset)
      setMember(result, key, this.parseValue(depth))
      this.skipWhitespace()
      const next = this.text[this.offset]
      this.offset++
      if (next === '}') return result
      if (next !== ',')
        this.fail(
          `expected ',' or '}' after a property value, found ${this.describeNext(-1)}`,
          this.offset - 1
        )
    }
  }

  private parseArray(depth: number): unknown[] {
    this.checkDepth(depth)
    const start = this.offset
    const result: unknown[] = []
    const members: number[] = []
    this.containers.set(result, { start, members })
    this.offset++
    this.skipWhitespace()
    if (this.text[this.offset] === ']') {
      this.offset++
      return result
    }
    for (;;) {
      this.skipWhitespace()
      members.push(this.offset)
      result.push(this.parseValue(depth))
      this.skipWhitespace()
      const next = this.text[this.offset]
      this.offset++
      if (next === ']') return result
      if (next !== ',')
        this.fail(
          `expected ',' or ']' after an array element, found ${this.describeNext(-1)}`,
          this.offset - 1
        )
    }
  }

  private parseString(): string {
    const start = this.offset
    this.offset++
    const parts: string[] = []
    let runStart = this.offset
    for (;;) {
      const code = this.text.charCodeAt(this.offset)
      if (Number.isNaN(code)) this.fail("unterminated string: the closing '\"' is missing", start)
      if (code === 0x22) break
      if (code < 0x20) {
        const hex = code.toString(16).padStart(4, '0').toUpperCase()
        this.fail(
          `control character U+${hex} in a string; write it as an escape such as \\n or \\u${hex}`
        )
      }
      if (code === 0x5c) {
        parts.push(this.text.slice(runStart, this.offset))
        parts.push(this.parseEscape())
        runStart = this.offset
        continue
      }
      this.offset++
    }
    parts.push(this.text.slice(runStart, this.offset))
    this.offset++
    return parts.length === 1 ? parts[0] : parts.join('')
  }

  private parseEscape(): string {
    ESCAPE.lastIndex = this.offset
    const match = ESCAPE.exec(this.text)
    if (!match) {
      this.fail(
        `invalid escape "${this.text.slice(this.offset, this.offset + 2)}" in a string; JSON allows \\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX`
      )
    }
    this.offset += match[0].length
    return JSON.parse(`"${match[0]}"`) as string
  }

  private parseNumber(): number {
    NUMBER.lastIndex = this.offset
    const match = NUMBER.exec(this.text)
    if (!match) this.fail(`invalid number starting with ${this.describeNext()}`)
    this.offset += match[0].length
    const next = this.text[this.offset]
    if (next !== undefined && /[0-9A-Za-z.+-]/.test(next)) {
      this.fail(`invalid number "${match[0]}${next}"`, this.offset)
    }
    return Number(match[0])
  }

  private skipWhitespace() {
    for (;;) {
      const code = this.text.charCodeAt(this.offset)
      if (code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09) this.offset++
      else return
    }
  }

  private checkDepth(depth: number) {
    if (depth > MAX_JSON_DEPTH) this.fail(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`)
  }

  /** Names the character at the current offset (plus `shift`) for an error message. */
  private describeNext(shift = 0): string {
    const char = this.text[this.offset + shift]
    if (char === undefined) return 'the end of the text'
    return JSON.stringify(char)
  }

  private fail(message: string, offset = this.offset): never {
    throw new InputError(`invalid JSON: ${message}`, this.map.locate(offset))
  }
}

/** Sets a member without invoking the `__proto__` setter, so a key can never change the prototype. */
function setMember(target: Record<string, unknown>, key: string, value: unknown) {
  if (key === '__proto__') {
    Object.defineProperty(target, key, {
      value,
      writable: true,
      enumerable: true,
      configurable: true
    })
  } else {
    target[key] = value
  }
}
