/**
 * A parsed YAML file that keeps source positions, so errors about a value can point at
 * the line and column where the value is written.
 */
import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  type Pair,
  parseDocument,
  visit,
  type YAMLMap
} from 'yaml'
import type { SourceLocation } from '../engine/model.js'
import { InputError } from './errors.js'

/** A step into a YAML value: a mapping key or a sequence index, as in a JSON Pointer. */
export type PathSegment = string | number

/** A YAML document with its file name and a way to turn offsets into 1-based lines and columns. */
export class YamlSource {
  constructor(
    readonly file: string,
    readonly document: Document.Parsed,
    private readonly lineCounter: LineCounter
  ) {}

  /** Returns the location of a character offset. */
  locationAt(offset: number): SourceLocation {
    const { line, col } = this.lineCounter.linePos(offset)
    return { file: this.file, line, column: col }
  }

  /** Returns the location where `node` starts, or the start of the file for a node without a range. */
  locationOf(node: Node | null | undefined): SourceLocation {
    return this.locationAt(node?.range?.[0] ?? 0)
  }

  /** Returns an `InputError` located at `node`. */
  errorAt(node: Node | null | undefined, message: string): InputError {
    return new InputError(message, this.locationOf(node))
  }

  /**
   * Returns the node at `path`, following aliases, or the deepest node on the path that
   * exists when the rest is missing.
   */
  nodeAt(path: readonly PathSegment[]): Node | undefined {
    let node = this.resolve(this.document.contents)
    for (const segment of path) {
      const next = isMap(node)
        ? this.pairAt(node, segment)?.value
        : isSeq(node)
          ? node.items[Number(segment)]
          : undefined
      const resolved = this.resolve(next as Node | null | undefined)
      if (!resolved) return node ?? undefined
      node = resolved
    }
    return node ?? undefined
  }

  /** Returns the key node of `key` in the mapping at `path`, for errors about the key itself. */
  keyNodeAt(path: readonly PathSegment[], key: string): Node | undefined {
    const map = this.nodeAt(path)
    if (!isMap(map)) return map
    return (this.pairAt(map, key)?.key as Node | undefined) ?? map
  }

  /** Returns the text of a plain scalar as written, such as `012345678901` for a number. */
  sourceText(node: Node | undefined): string | undefined {
    return isScalar(node) ? node.source : undefined
  }

  private pairAt(map: YAMLMap, key: PathSegment): Pair | undefined {
    return map.items.find((pair) => keyText(pair.key) === String(key))
  }

  private resolve(node: Node | null | undefined): Node | undefined {
    if (isAlias(node)) return node.resolve(this.document) ?? undefined
    return node ?? undefined
  }
}

/**
 * Parses `text` as one YAML document. Throws an `InputError` at the first syntax error
 * or duplicate mapping key, because either would make the values ambiguous.
 */
export function parseYamlSource(text: string, file: string): YamlSource {
  const lineCounter = new LineCounter()
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false })
  const source = new YamlSource(file, document, lineCounter)

  const [syntaxError] = document.errors
  if (syntaxError) {
    throw new InputError(
      `invalid YAML: ${describeYamlError(syntaxError.code, syntaxError.message)}`,
      source.locationAt(syntaxError.pos[0])
    )
  }

  rejectDuplicateKeys(source)
  return source
}

function describeYamlError(code: string, message: string): string {
  if (code === 'MULTIPLE_DOCS') {
    return 'the file contains more than one YAML document; remove the `---` separator and keep one document'
  }
  return message
}

function rejectDuplicateKeys(source: YamlSource): void {
  const duplicates: { key: string; node: Node; first: Node }[] = []
  visit(source.document, {
    Map(_, map) {
      const firstByKey = new Map<string, Node>()
      for (const pair of map.items) {
        const key = keyText(pair.key)
        const first = firstByKey.get(key)
        if (first) duplicates.push({ key, node: pair.key as Node, first })
        else firstByKey.set(key, pair.key as Node)
      }
    }
  })

  // A parent mapping is visited before its children, so sort to report the earliest duplicate.
  const [earliest] = duplicates.sort((a, b) => startOffset(a.node) - startOffset(b.node))
  if (earliest) {
    const firstLine = source.locationOf(earliest.first).line
    throw source.errorAt(
      earliest.node,
      `duplicate key \`${earliest.key}\`: it is already set on line ${firstLine}`
    )
  }
}

function startOffset(node: Node): number {
  return node.range?.[0] ?? 0
}

function keyText(key: unknown): string {
  if (isScalar(key)) return String(key.value)
  return String(key)
}
