/**
 * Turns one parsed AccessDenied message into a denied request: checks the caller, the
 * action and the key, and takes the cause as the message states it.
 */

import type { TextMap } from '../facts/text-map.js'
import { InputError } from './errors.js'
import { canonicalKmsAction, checkKey, checkPrincipal, quoteValue } from './explain-fields.js'
import type { DeniedRequest } from './explain-input.js'
import type { DeniedMessage } from './explain-message.js'

/**
 * Builds the request from one parsed message. Also used for a CloudTrail `errorMessage`, with
 * `map` locating its characters in the event file.
 */
export function requestFromMessage(message: DeniedMessage, map: TextMap): DeniedRequest {
  const principalLocation = map.locate(message.principalOffset)
  if (message.principal === '') {
    throw new InputError(
      'the AccessDenied message names no caller before `is not authorized to perform`; ' +
        'paste the whole message, starting at `User:`',
      principalLocation
    )
  }
  const principal = checkPrincipal(message.principal, principalLocation)
  const action = messageAction(message, map)

  const request: DeniedRequest = {
    principal: message.principal,
    action,
    context: {},
    source: 'message'
  }
  if (message.resource !== undefined && message.resource !== '*') {
    const key = checkKey(message.resource, map.locate(message.resourceOffset))
    request.key = message.resource
    if (key.region) request.region = key.region
    if (key.account) request.account = key.account
  }
  if (request.account === undefined && principal.account) request.account = principal.account
  if (message.cause.cause) request.cause = message.cause.cause

  const notes = [operationNote(message, action), causeNote(message)].filter(Boolean)
  if (notes.length > 0) request.note = notes.join(' ')
  return request
}

/** Returns the message's action. A message without one falls back to the operation in the CLI or SDK prefix. */
function messageAction(message: DeniedMessage, map: TextMap): string {
  if (message.action !== undefined) {
    return canonicalKmsAction(message.action, map.locate(message.actionOffset))
  }
  if (message.operation === undefined) {
    throw new InputError(
      'the AccessDenied message names no action after `is not authorized to perform`, and no ' +
        '`when calling the NAME operation` prefix names the operation; paste the whole CLI or SDK output',
      map.locate(message.actionOffset)
    )
  }
  if (message.operationIsKms === false) {
    throw new InputError(
      `the AccessDenied message names no action, and the operation ${quoteValue(message.operation)} ` +
        'belongs to another service than KMS',
      map.locate(message.operationOffset)
    )
  }
  if (message.operation === 'ReEncrypt') {
    throw new InputError(
      'the AccessDenied message names no action, and the ReEncrypt operation needs two: ' +
        'kms:ReEncryptFrom on the source key and kms:ReEncryptTo on the destination key',
      map.locate(message.operationOffset)
    )
  }
  return canonicalKmsAction(`kms:${message.operation}`, map.locate(message.operationOffset))
}

function operationNote(message: DeniedMessage, action: string): string | undefined {
  const operation = message.operation
  if (operation === undefined || message.action === undefined) return undefined
  const kmsOperation =
    message.operationIsKms ?? `kms:${operation}`.toLowerCase() === action.toLowerCase()
  if (kmsOperation || /^ReEncrypt$/iu.test(operation)) return undefined
  return (
    `The failed call was ${operation}, not a KMS operation, so an AWS service probably called KMS ` +
    'for the caller. The message does not name that service, so kms:ViaService is not set.'
  )
}

function causeNote(message: DeniedMessage): string | undefined {
  const unrecognized = message.cause.unrecognized
  if (unrecognized === undefined) return undefined
  return `The message gives a cause in a wording this version does not read: ${quoteValue(unrecognized)}.`
}
