/**
 * A parsed YAML file that keeps source positions, so errors about a value can point at
 * the line and column where the value is written.
 */
import {
  type Document,
  isAlias,
  isCollection,
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
    return map.items.find((pair) => keyText(pair.key, this.document) === String(key))
  }

  private resolve(node: Node | null | undefined): Node | undefined {
    if (isAlias(node)) return node.resolve(this.document) ?? undefined
    return node ?? undefined
  }
}

/**
 * Parses `text` as one YAML document. Throws an `InputError` at the first syntax error,
 * mapping or list used as a key, or duplicate mapping key, because each would make the
 * values ambiguous.
 */
export function parseYamlSource(text: string, file: string): YamlSource {
  const lineCounter = new LineCounter()
  // The `error` log level stops the library from writing warnings such as "Keys with
  // collection values will be stringified" to the process. Errors still go to `document.errors`.
  const document = parseDocument(text, {
    lineCounter,
    logLevel: 'error',
    prettyErrors: false,
    uniqueKeys: false
  })
  const source = new YamlSource(file, document, lineCounter)

  const [syntaxError] = document.errors
  if (syntaxError) {
    throw new InputError(
      `invalid YAML: ${describeYamlError(syntaxError.code, syntaxError.message)}`,
      source.locationAt(syntaxError.pos[0])
    )
  }

  rejectInvalidKeys(source)
  return source
}

function describeYamlError(code: string, message: string): string {
  if (code === 'MULTIPLE_DOCS') {
    return 'the file contains more than one YAML document; remove the `---` separator and keep one document'
  }
  return message
}

interface KeyProblem {
  /** The key node, or null for an empty key such as `: x`. */
  node: Node | null
  message: string
}

/** Throws the first mapping or list used as a key, or duplicate key, in document order. */
function rejectInvalidKeys(source: YamlSource): void {
  const problems = [...findCollectionKeys(source), ...findDuplicateKeys(source)]

  // A parent mapping is visited before its children, so sort to report the earliest problem.
  const [earliest] = problems.sort((a, b) => startOffset(a.node) - startOffset(b.node))
  if (earliest) throw source.errorAt(earliest.node, earliest.message)
}

/**
 * Finds keys that are mappings or lists, or aliases of them. Converting them to data would
 * turn them into strings such as `{ a: 1 }`, which no manifest field is named.
 */
function findCollectionKeys(source: YamlSource): KeyProblem[] {
  const problems: KeyProblem[] = []
  visit(source.document, {
    Pair(_, pair) {
      const key = pair.key as Node | null
      const target = isAlias(key) ? key.resolve(source.document) : key
      if (!key || !isCollection(target)) return

      const kind = isMap(target) ? 'mapping' : 'list'
      const subject = isAlias(key)
        ? `the alias \`*${key.source}\` names a YAML ${kind} and`
        : `a YAML ${kind}`
      problems.push({
        node: key,
        message: `${subject} is used as a mapping key; manifest keys must be plain strings, such as \`name\` or \`kms:ViaService\``
      })
    }
  })
  return problems
}

function findDuplicateKeys(source: YamlSource): KeyProblem[] {
  const problems: KeyProblem[] = []
  visit(source.document, {
    Map(_, map) {
      const firstByKey = new Map<string, Node | null>()
      for (const pair of map.items) {
        const keyNode = pair.key as Node | null
        const key = keyText(keyNode, source.document)
        const first = firstByKey.get(key)
        if (first === undefined) {
          firstByKey.set(key, keyNode)
          continue
        }
        const firstLine = source.locationOf(first).line
        problems.push({
          node: keyNode,
          message: `duplicate key \`${key}\`: it is already set on line ${firstLine}`
        })
      }
    }
  })
  return problems
}

function startOffset(node: Node | null): number {
  return node?.range?.[0] ?? 0
}

/** Returns a key as text, following an alias to the key it names (`*name: x`). */
function keyText(key: unknown, document: Document.Parsed): string {
  const target = isAlias(key) ? key.resolve(document) : key
  if (isScalar(target)) return String(target.value)
  return String(target)
}
