/**
 * Start offsets of the objects and arrays of a parsed JSON text, and of their members. Values are the plain objects the parser returned, so code that reads a document
 * works the same with and without positions.
 */
import type { SourceLocation } from '../engine/model.js'
import { decodeStringLiteral, type MappedText, type TextMap } from './text-map.js'

/** Start offsets of one object or array: its opening bracket and each member's value. */
export interface ContainerOffsets {
  start: number
  members: Map<string, number> | number[]
}

/** Positions of every object and array of one JSON text. */
export class JsonIndex {
  constructor(
    readonly text: string,
    readonly map: TextMap,
    private readonly containers: WeakMap<object, ContainerOffsets>
  ) {}

  /** Offset of `container` itself, or of its member `key` (a property name or array index). */
  offsetOf(container: object, key?: string | number): number | undefined {
    const offsets = this.containers.get(container)
    if (!offsets) return undefined
    if (key === undefined) return offsets.start
    if (Array.isArray(offsets.members))
      return typeof key === 'number' ? offsets.members[key] : undefined
    return typeof key === 'string' ? offsets.members.get(key) : undefined
  }

  /** Location of `container`, or of its member `key`; undefined when the value is not from this text. */
  locate(container: object, key?: string | number): SourceLocation | undefined {
    const offset = this.offsetOf(container, key)
    return offset === undefined ? undefined : this.map.locate(offset)
  }

  /**
   * Decodes the string member `key` of `container` and maps its characters to the file,
   * for JSON documents given as strings.
   */
  stringContent(container: object, key: string | number): MappedText | undefined {
    const offset = this.offsetOf(container, key)
    if (offset === undefined || this.text[offset] !== '"') return undefined
    return decodeStringLiteral(this.text, offset, this.map)
  }
}
