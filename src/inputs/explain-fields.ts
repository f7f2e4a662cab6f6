/**
 * Checks shared by the AccessDenied message and CloudTrail readers: the action must be a
 * KMS action, the caller a principal and the resource a key that an expectation accepts.
 */

import { kmsAction, kmsActionNames } from '../engine/kms-actions.js'
import type { SourceLocation } from '../engine/model.js'
import { InputError } from './errors.js'
import {
  explainInvalidKey,
  explainInvalidPrincipal,
  type ParsedKeyReference,
  type ParsedPrincipal,
  parseKeyReference,
  parsePrincipal
} from './manifest-formats.js'
import { didYouMean } from './suggest.js'

/** Values longer than this are cut in messages, so that a hostile paste cannot flood the terminal. */
const MAX_QUOTED_LENGTH = 120

/** Quotes `value` in backticks, cut to `MAX_QUOTED_LENGTH` characters. */
export function quoteValue(value: string): string {
  return `\`${shorten(value)}\``
}

/**
 * Returns the canonical name of a KMS action, matched case-insensitively as IAM does.
 * Throws an `InputError` for another service's action or a name that KMS does not have.
 * Any KMS action is accepted here, including ones an expectation cannot check.
 */
export function canonicalKmsAction(name: string, location?: SourceLocation): string {
  const info = kmsAction(name)
  if (info) return info.name

  const prefix = name.slice(0, Math.max(name.indexOf(':'), 0)).toLowerCase()
  if (prefix !== 'kms') {
    throw new InputError(
      `${quoteValue(name)} is not a KMS action: explain reads requests that AWS KMS denied, ` +
        'for actions such as kms:Decrypt; for other services, use their own tools',
      location
    )
  }
  throw new InputError(
    `${quoteValue(name)} is not a KMS action${didYouMean(name, kmsActionNames())}`,
    location
  )
}

/** Parses the caller ARN, or throws an `InputError` that lists the accepted principal forms. */
export function checkPrincipal(value: string, location?: SourceLocation): ParsedPrincipal {
  const principal = parsePrincipal(value)
  if (principal) return principal
  throw new InputError(
    `the caller is not a principal that explain can check: ${explainInvalidPrincipal(shorten(value))}`,
    location
  )
}

/** Parses a key ARN, alias ARN, key ID or alias name, or throws an `InputError`. */
export function checkKey(value: string, location?: SourceLocation): ParsedKeyReference {
  const key = parseKeyReference(value)
  if (key) return key
  throw new InputError(
    `the resource is not a KMS key that explain can check: ${explainInvalidKey(shorten(value))}`,
    location
  )
}

function shorten(value: string): string {
  return value.length > MAX_QUOTED_LENGTH ? `${value.slice(0, MAX_QUOTED_LENGTH - 3)}...` : value
}
