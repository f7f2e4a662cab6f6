/**
 * Typed access to the members of a parsed fact document. Every failed check throws an
 * `InputError` at the offending value when positions are known, and otherwise names
 * the source in the message.
 */
import type { SourceLocation } from '../engine/model.js'
import { InputError } from '../inputs/errors.js'
import type { JsonIndex } from './json-index.js'

export type JsonObject = Record<string, unknown>

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Shows a value in a message: JSON, cut to 60 characters. */
export function quote(value: unknown): string {
  const text = value === undefined ? 'nothing' : JSON.stringify(value)
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}

/** Reader of one document. `source` names it in messages, and `index` contains its positions when known. */
export class DocumentReader {
  constructor(
    readonly source: string,
    readonly index?: JsonIndex
  ) {}

  /** Location of `container`, or of its member `key`. */
  locate(container: object, key?: string | number): SourceLocation | undefined {
    return this.index?.locate(container, key)
  }

  /**
   * Creates an `InputError` located at `container[key]`, or at `container` when that
   * member is absent. Without positions, the message starts with the source name.
   */
  error(message: string, container?: object, key?: string | number): InputError {
    const location = container ? (this.locate(container, key) ?? this.locate(container)) : undefined
    if (location) return new InputError(message, location)
    return new InputError(this.source ? `${this.source}: ${message}` : message)
  }

  /** `container[key]` as a string; `what` describes the value in the message. */
  requireString(container: JsonObject, key: string, what: string): string {
    const value = container[key]
    if (typeof value === 'string' && value !== '') return value
    if (value === undefined)
      throw this.error(`${what} is missing: expected "${key}" with a string`, container)
    throw this.error(`${what} must be a non-empty string, found ${quote(value)}`, container, key)
  }

  optionalString(container: JsonObject, key: string, what: string): string | undefined {
    const value = container[key]
    if (value === undefined || value === null) return undefined
    if (typeof value === 'string') return value
    throw this.error(`${what} must be a string, found ${quote(value)}`, container, key)
  }

  optionalBoolean(container: JsonObject, key: string, what: string): boolean | undefined {
    const value = container[key]
    if (value === undefined || value === null) return undefined
    if (typeof value === 'boolean') return value
    throw this.error(`${what} must be true or false, found ${quote(value)}`, container, key)
  }

  /** `container[key]` as a list of objects; absent or null gives an empty list. */
  objectList(container: JsonObject, key: string, what: string): JsonObject[] {
    const value = container[key]
    if (value === undefined || value === null) return []
    if (!Array.isArray(value))
      throw this.error(`${what} must be a list, found ${quote(value)}`, container, key)
    value.forEach((item, position) => {
      if (!isObject(item)) {
        throw this.error(
          `each entry of ${what} must be an object, found ${quote(item)}`,
          value,
          position
        )
      }
    })
    return value as JsonObject[]
  }

  /** `container[key]` as a list of strings; absent or null gives an empty list. */
  stringList(container: JsonObject, key: string, what: string): string[] {
    const value = container[key]
    if (value === undefined || value === null) return []
    if (!Array.isArray(value))
      throw this.error(`${what} must be a list of strings, found ${quote(value)}`, container, key)
    value.forEach((item, position) => {
      if (typeof item !== 'string') {
        throw this.error(
          `each entry of ${what} must be a string, found ${quote(item)}`,
          value,
          position
        )
      }
    })
    return value as string[]
  }

  /** `container[key]` as an object; absent or null gives undefined. */
  optionalObject(container: JsonObject, key: string, what: string): JsonObject | undefined {
    const value = container[key]
    if (value === undefined || value === null) return undefined
    if (isObject(value)) return value
    throw this.error(`${what} must be an object, found ${quote(value)}`, container, key)
  }
}
