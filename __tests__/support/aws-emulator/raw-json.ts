/**
 * JSON parsing that keeps the original text of every object, so the emulator can return
 * policy documents exactly as the fact file writes them.
 */
import { type Node, type ParseError, parseTree } from 'jsonc-parser'

/**
 * Parses `text` (a leading byte order mark is skipped) and stores the original text of
 * each object and array in `textOf`. Returns undefined when the text is not valid JSON.
 */
export function parseRawJson(text: string, textOf: WeakMap<object, string>): unknown {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  const errors: ParseError[] = []
  const root = parseTree(source, errors, { disallowComments: true, allowTrailingComma: false })
  if (!root || errors.length > 0) return undefined
  return buildValue(root, source, textOf)
}

function buildValue(node: Node, text: string, textOf: WeakMap<object, string>): unknown {
  if (node.type === 'array') {
    const items = (node.children ?? []).map((child) => buildValue(child, text, textOf))
    textOf.set(items, text.slice(node.offset, node.offset + node.length))
    return items
  }
  if (node.type === 'object') {
    const object: Record<string, unknown> = {}
    for (const property of node.children ?? []) {
      const [name, value] = property.children ?? []
      if (!name || !value) continue
      Object.defineProperty(object, String(name.value), {
        value: buildValue(value, text, textOf),
        enumerable: true,
        writable: true,
        configurable: true
      })
    }
    textOf.set(object, text.slice(node.offset, node.offset + node.length))
    return object
  }
  return node.value
}

/** A 1-based line and column. */
export interface TextPosition {
  line: number
  column: number
}

/** Start and end of one statement within a policy document's text. */
export interface StatementSpan {
  start: TextPosition
  end: TextPosition
}

/**
 * Finds the span of each statement of a policy document, by its 0-based index. A
 * `Statement` that is a single object is statement 0. The end is the position just after
 * the closing brace.
 */
export function statementSpans(documentText: string): StatementSpan[] {
  const root = parseTree(documentText)
  const statement = root?.children?.find(
    (property) => property.children?.[0]?.value === 'Statement'
  )?.children?.[1]
  if (!statement) return []
  const nodes = statement.type === 'array' ? (statement.children ?? []) : [statement]
  return nodes.map((node) => ({
    start: positionAt(documentText, node.offset),
    end: positionAt(documentText, node.offset + node.length)
  }))
}

function positionAt(text: string, offset: number): TextPosition {
  let line = 1
  let lineStart = 0
  for (let index = 0; index < offset; index++) {
    if (text[index] === '\n') {
      line++
      lineStart = index + 1
    }
  }
  return { line, column: offset - lineStart + 1 }
}

/**
 * Returns a policy document as JSON text: an object as the file writes it, a string as it
 * is (decoded first when it is URL-encoded, as the IAM API returns it).
 */
export function policyText(document: unknown, textOf: WeakMap<object, string>): string | undefined {
  if (typeof document === 'string') {
    const trimmed = document.trimStart()
    if (trimmed.startsWith('{')) return document
    try {
      return decodeURIComponent(document)
    } catch {
      return document
    }
  }
  if (document !== null && typeof document === 'object') {
    return textOf.get(document) ?? JSON.stringify(document, null, 2)
  }
  return undefined
}
