/**
 * Strict JSON (RFC 8259) parsing that records where each object, array and member
 * starts. JSON.parse gives no positions, so this builds the values from the events of
 * the `visit` parser of Microsoft's `jsonc-parser`, with comments, trailing commas and
 * empty text rejected.
 *
 * `visit` is used rather than `parseTree` because both recurse once per nesting level,
 * and `parseTree` offers no callback that could stop a deep text. In jsonc-parser 3.3.1
 * on Node 20, `parseTree` overflows the call stack on 10,000 nested arrays. Here the
 * begin callbacks throw at the depth limit, before the recursion goes deeper.
 */
import { type JSONVisitor, type ParseErrorCode, visit } from 'jsonc-parser'
import { InputError } from '../inputs/errors.js'
import { type ContainerOffsets, JsonIndex } from './json-index.js'
import { describeSyntaxError, type Expectation, isTokenError } from './json-syntax-error.js'
import type { TextMap } from './text-map.js'

/** A parsed JSON text: its value and the positions of its objects and arrays. */
export interface ParsedJson {
  value: unknown
  index: JsonIndex
}

/** Deeper nesting is rejected, so that hostile input cannot overflow the call stack. */
export const MAX_JSON_DEPTH = 512

const STRICT_JSON = { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false }

/**
 * Parses `text` as one JSON value. Objects and arrays are plain ones, as JSON.parse
 * returns them, and a `__proto__` key is an ordinary own property. Throws an
 * `InputError` at the line and column of the first syntax error, on nesting deeper than
 * `MAX_JSON_DEPTH`, and on duplicate keys, because parsers disagree on which value wins.
 */
export function parseJson(text: string, map: TextMap): ParsedJson {
  const builder = new ValueBuilder(text, map)
  visit(text, builder, STRICT_JSON)
  builder.throwPendingError()
  return { value: builder.root, index: new JsonIndex(text, map, builder.containers) }
}

interface ReportedError {
  code: ParseErrorCode
  offset: number
  length: number
}

type Frame =
  | { container: unknown[]; members: number[] }
  | { container: Record<string, unknown>; members: Map<string, number>; key: string }

/** Builds the value and its offsets from the parse events, and throws at the first error. */
class ValueBuilder implements JSONVisitor {
  readonly containers = new WeakMap<object, ContainerOffsets>()
  root: unknown
  private readonly frames: Frame[] = []
  private expected: Expectation = 'value'
  private numberStart = -1
  private numberEnd = -1
  /** An error inside a string or number token, pending until the parser accepts or rejects the token. */
  private pendingError?: ReportedError

  constructor(
    private readonly text: string,
    private readonly map: TextMap
  ) {}

  // jsonc-parser calls the callbacks without `this`, so they are arrow functions.
  onObjectBegin = (offset: number) => {
    this.throwPendingError()
    const object: Record<string, unknown> = {}
    this.open(offset, { container: object, members: new Map(), key: '' })
    this.expected = 'name'
  }

  onArrayBegin = (offset: number) => {
    this.throwPendingError()
    this.open(offset, { container: [], members: [] })
    this.expected = 'value'
  }

  onObjectEnd = () => this.close()

  onArrayEnd = () => this.close()

  onObjectProperty = (name: string, offset: number) => {
    this.throwPendingError()
    const frame = this.frames[this.frames.length - 1]
    if (!('key' in frame)) return
    if (frame.members.has(name)) {
      this.fail(
        `duplicate key ${JSON.stringify(name)} in an object; keep one, because JSON parsers disagree on which value wins`,
        offset
      )
    }
    frame.key = name
    this.expected = 'colon'
  }

  onSeparator = (separator: string) => {
    this.throwPendingError()
    const frame = this.frames[this.frames.length - 1]
    if (separator === ':') this.expected = 'value'
    else this.expected = frame && 'key' in frame ? 'name' : 'value'
  }

  onLiteralValue = (value: unknown, offset: number, length: number) => {
    this.throwPendingError()
    this.add(value, offset)
    if (typeof value === 'number') {
      this.numberStart = offset
      this.numberEnd = offset + length
    }
    this.expected = this.afterValue()
  }

  /**
   * Throws at the first error. An error inside a token waits until the parser accepts or
   * rejects the token. When the token is not allowed at its position at all, as the string
   * in `[1 "a\n"]`, that error is at the token's start and is the one reported.
   */
  onError = (code: ParseErrorCode, offset: number, length: number) => {
    const pending = this.pendingError
    if (pending && pending.offset !== offset) this.throwSyntaxError(pending)
    if (!pending && isTokenError(code)) {
      this.pendingError = { code, offset, length }
      return
    }
    this.throwSyntaxError({ code, offset, length })
  }

  /** Throws the pending token error, if any, because the parser went on past the token or the text ended. */
  throwPendingError() {
    if (this.pendingError) this.throwSyntaxError(this.pendingError)
  }

  private throwSyntaxError({ code, offset, length }: ReportedError): never {
    const context = {
      expected: this.expected,
      numberStart: this.numberStart,
      numberEnd: this.numberEnd
    }
    const error = describeSyntaxError(this.text, code, offset, length, context)
    this.fail(error.message, error.offset)
  }

  private open(offset: number, frame: Frame) {
    if (this.frames.length >= MAX_JSON_DEPTH) {
      this.fail(`objects and arrays nested deeper than ${MAX_JSON_DEPTH} levels`, offset)
    }
    this.add(frame.container, offset)
    this.containers.set(frame.container, { start: offset, members: frame.members })
    this.frames.push(frame)
  }

  private close() {
    this.throwPendingError()
    this.frames.pop()
    this.expected = this.afterValue()
  }

  /** Adds a value to the open container, at the member named by the last property. */
  private add(value: unknown, offset: number) {
    const frame = this.frames[this.frames.length - 1]
    if (!frame) {
      this.root = value
    } else if ('key' in frame) {
      setMember(frame.container, frame.key, value)
      frame.members.set(frame.key, offset)
    } else {
      frame.container.push(value)
      frame.members.push(offset)
    }
  }

  private afterValue(): Expectation {
    const frame = this.frames[this.frames.length - 1]
    if (!frame) return 'end'
    return 'key' in frame ? 'object-next' : 'array-next'
  }

  private fail(message: string, offset: number): never {
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
