/**
 * User errors: bad manifests, fact files, flags or inputs. They print as one line
 * with the location and exit with code 2; anything else is an internal fault.
 */
import type { SourceLocation } from '../engine/model.js'

export const EXIT_PASSED = 0
export const EXIT_FAILED = 1
export const EXIT_INVALID_INPUT = 2

/** An error in something the user supplied. The message names the value and what was expected. */
export class InputError extends Error {
  readonly location?: SourceLocation

  constructor(message: string, location?: SourceLocation) {
    super(message)
    this.name = 'InputError'
    this.location = location
  }

  /** Formats the error as `file:line:column: message`, or the bare message without a location. */
  format(): string {
    if (!this.location) return this.message
    const { file, line, column } = this.location
    return `${file}:${line}:${column}: ${this.message}`
  }
}

/** Returns a readable message for any thrown value, including non-Error values. */
export function errorMessage(error: unknown): string {
  if (error instanceof InputError) return error.format()
  if (error instanceof Error) return error.message
  return String(error)
}
