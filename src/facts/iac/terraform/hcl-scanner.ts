/**
 * A scanner for the structure of HCL files: block headers (`resource "TYPE" "NAME" {`),
 * nested blocks and attribute names, with their positions. It skips comments (`#`, `//`,
 * `/* *\/`), heredocs and string templates with `${...}` and `%{...}`, so none of them
 * can start a block or an attribute. It does not evaluate expressions. Unbalanced text
 * ends the scan of the block it is in, so a syntax error loses positions, never crashes.
 */
import type { SourceLocation } from '../../../engine/model.js'
import { FileTextMap } from '../../text-map.js'

/** An attribute `name = value`: where its name starts and the value's text as written. */
export interface HclAttribute {
  name: string
  location: SourceLocation
  /** The value's source text, trimmed; a quoted string without interpolation can be read with `simpleString`. */
  valueText: string
}

/** A block such as `resource "aws_kms_key" "this" { ... }` or a nested `inline_policy { ... }`. */
export interface HclBlock {
  type: string
  labels: string[]
  location: SourceLocation
  attributes: HclAttribute[]
  blocks: HclBlock[]
}

/** Scans one file into its top-level blocks. Top-level attributes (in `.tfvars`-like files) are ignored. */
export function scanHclBlocks(file: string, text: string): HclBlock[] {
  const scanner = new HclScanner(text, new FileTextMap(file, text))
  return scanner.body(false).blocks
}

/** Returns the content of a quoted string without escapes or interpolation, such as `"app"`; else undefined. */
export function simpleString(valueText: string): string | undefined {
  const match = /^"([^"\\$%]*)"$/.exec(valueText)
  return match ? match[1] : undefined
}

const IDENTIFIER_START = /[A-Za-z_]/
const IDENTIFIER_PART = /[A-Za-z0-9_-]/

class HclScanner {
  private offset = 0

  constructor(
    private readonly text: string,
    private readonly map: FileTextMap
  ) {}

  /** Reads body items until the closing `}` (consumed) when `nested`, else until the end. */
  body(nested: boolean): { attributes: HclAttribute[]; blocks: HclBlock[] } {
    const attributes: HclAttribute[] = []
    const blocks: HclBlock[] = []
    for (;;) {
      this.skipSpace(true)
      if (this.offset >= this.text.length) return { attributes, blocks }
      const char = this.text[this.offset]
      if (char === '}') {
        this.offset++
        if (nested) return { attributes, blocks }
        continue
      }
      if (!IDENTIFIER_START.test(char)) {
        // Text that starts no item, such as a stray bracket: skip it to keep scanning.
        this.skipExpression()
        continue
      }
      const start = this.offset
      const name = this.identifier()
      this.skipSpace(false)
      if (this.text[this.offset] === '=' && this.text[this.offset + 1] !== '=') {
        this.offset++
        const valueStart = this.offset
        this.skipExpression()
        attributes.push({
          name,
          location: this.map.locate(start),
          valueText: this.text.slice(valueStart, this.offset).trim()
        })
        continue
      }
      const block = this.blockAfterType(name, start)
      if (block) blocks.push(block)
      else this.skipExpression()
    }
  }

  /** Reads labels and the body of a block whose type was just read; undefined when no `{` follows. */
  private blockAfterType(type: string, start: number): HclBlock | undefined {
    const labels: string[] = []
    for (;;) {
      this.skipSpace(false)
      const char = this.text[this.offset]
      if (char === '{') {
        this.offset++
        const body = this.body(true)
        return { type, labels, location: this.map.locate(start), ...body }
      }
      if (char === '"') {
        const labelStart = this.offset
        this.skipString()
        labels.push(decodeLabel(this.text.slice(labelStart, this.offset)))
      } else if (char !== undefined && IDENTIFIER_START.test(char)) {
        labels.push(this.identifier())
      } else {
        return undefined
      }
    }
  }

  private identifier(): string {
    const start = this.offset
    while (this.offset < this.text.length && IDENTIFIER_PART.test(this.text[this.offset])) {
      this.offset++
    }
    return this.text.slice(start, this.offset)
  }

  /**
   * Skips an expression up to the end of its line, or up to a `}` that closes the
   * enclosing block. Brackets, strings, heredocs and comments may span lines.
   */
  private skipExpression() {
    let depth = 0
    while (this.offset < this.text.length) {
      const char = this.text[this.offset]
      if (char === '\n' && depth === 0) return
      if (char === '}' && depth === 0) return
      if (this.skipComment(char) || this.skipHeredoc()) continue
      if (char === '"') {
        this.skipString()
        continue
      }
      if (char === '(' || char === '[' || char === '{') depth++
      else if ((char === ')' || char === ']' || char === '}') && depth > 0) depth--
      this.offset++
    }
  }

  /** Skips spaces and comments; line breaks too when `newlines`. A `#` or `//` comment stops before its line break. */
  private skipSpace(newlines: boolean) {
    while (this.offset < this.text.length) {
      const char = this.text[this.offset]
      if (char === ' ' || char === '\t' || char === '\r' || (newlines && char === '\n')) {
        this.offset++
      } else if (!this.skipComment(char)) {
        return
      }
    }
  }

  /** Skips one comment starting at the offset; false when none starts there. */
  private skipComment(char: string): boolean {
    const next = this.text[this.offset + 1]
    if (char === '#' || (char === '/' && next === '/')) {
      const end = this.text.indexOf('\n', this.offset)
      this.offset = end < 0 ? this.text.length : end
      return true
    }
    if (char === '/' && next === '*') {
      const end = this.text.indexOf('*/', this.offset + 2)
      this.offset = end < 0 ? this.text.length : end + 2
      return true
    }
    return false
  }

  /** Skips a heredoc `<<EOF` or `<<-EOF` through its closing marker line; false when none starts here. */
  private skipHeredoc(): boolean {
    const match = /<<-?([A-Za-z_][A-Za-z0-9_-]*)[ \t]*\r?\n/y
    match.lastIndex = this.offset
    const found = match.exec(this.text)
    if (!found) return false
    const marker = found[1]
    let lineStart = this.offset + found[0].length
    while (lineStart < this.text.length) {
      let lineEnd = this.text.indexOf('\n', lineStart)
      if (lineEnd < 0) lineEnd = this.text.length
      if (this.text.slice(lineStart, lineEnd).trim() === marker) {
        this.offset = lineEnd
        return true
      }
      lineStart = lineEnd + 1
    }
    this.offset = this.text.length
    return true
  }

  /** Skips a string template starting at its opening quote, with nested `${...}` and `%{...}`. */
  private skipString() {
    this.offset++
    while (this.offset < this.text.length) {
      const char = this.text[this.offset]
      if (char === '"') {
        this.offset++
        return
      }
      if (char === '\n') return
      if (char === '\\') {
        this.offset += 2
        continue
      }
      const next = this.text[this.offset + 1]
      if ((char === '$' || char === '%') && next === char && this.text[this.offset + 2] === '{') {
        this.offset += 3
        continue
      }
      if ((char === '$' || char === '%') && next === '{') {
        this.offset += 2
        this.skipInterpolation()
        continue
      }
      this.offset++
    }
  }

  /** Skips the inside of `${...}` through its closing brace. */
  private skipInterpolation() {
    let depth = 0
    while (this.offset < this.text.length) {
      const char = this.text[this.offset]
      if (this.skipComment(char) || this.skipHeredoc()) continue
      if (char === '"') {
        this.skipString()
        continue
      }
      if (char === '{') depth++
      else if (char === '}') {
        if (depth === 0) {
          this.offset++
          return
        }
        depth--
      }
      this.offset++
    }
  }
}

/** Decodes a quoted block label; labels are plain names, so only `\"` and `\\` are unescaped. */
function decodeLabel(raw: string): string {
  return raw.replace(/^"|"$/g, '').replace(/\\(["\\])/g, '$1')
}
