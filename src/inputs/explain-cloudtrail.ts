/**
 * Reads a denied KMS request from CloudTrail JSON: one event, a trail file's `Records`, the
 * `Events` of `aws cloudtrail lookup-events` (each event a JSON string), a plain array, or an
 * EventBridge event whose `detail` is the CloudTrail record.
 */
import type { SourceLocation } from '../engine/model.js'
import type { JsonIndex } from '../facts/json-index.js'
import { type ParsedJson, parseJson } from '../facts/json-parser.js'
import { InputError } from './errors.js'
import { contextFromEvent } from './explain-cloudtrail-context.js'
import { canonicalKmsAction, checkKey, checkPrincipal, quoteValue } from './explain-fields.js'
import type { DeniedRequest } from './explain-input.js'
import { type DeniedMessage, findDeniedMessages } from './explain-message.js'
import { requestFromMessage } from './explain-message-request.js'

type JsonObject = Record<string, unknown>

const KMS_EVENT_SOURCE = 'kms.amazonaws.com'

/** An event and the index that locates its members in the file. */
interface LocatedEvent {
  event: JsonObject
  index: JsonIndex
}

/**
 * Builds the request from the first failed KMS event in `parsed`. Returns undefined when the
 * JSON is not CloudTrail, so that the caller can search the text for a message instead.
 */
export function requestFromCloudTrail(
  parsed: ParsedJson,
  origin: string
): DeniedRequest | undefined {
  const events = collectEvents(parsed)
  if (events === undefined) return undefined

  const { chosen, note } = chooseEvent(events, origin)
  return requestFromEvent(chosen, note)
}

/** Returns the events in the JSON, or undefined when it contains neither an event nor a list of them. */
function collectEvents(parsed: ParsedJson): LocatedEvent[] | undefined {
  const root = parsed.value
  let items: unknown[]
  let isList: boolean
  if (Array.isArray(root)) {
    items = root
    isList = root.length > 0
  } else if (asObject(root) && Array.isArray((root as JsonObject).Records)) {
    items = (root as JsonObject).Records as unknown[]
    isList = true
  } else if (asObject(root) && Array.isArray((root as JsonObject).Events)) {
    items = (root as JsonObject).Events as unknown[]
    isList = true
  } else {
    items = [root]
    isList = false
  }

  const events = items.flatMap((item) => unwrapEvent(item, parsed.index))
  if (events.length === 0 && !isList) return undefined
  return events
}

/** Returns the CloudTrail record in one list item: the item itself, its `detail`, or its parsed `CloudTrailEvent`. */
function unwrapEvent(item: unknown, index: JsonIndex): LocatedEvent[] {
  const object = asObject(item)
  if (!object) return []
  if (isEventLike(object)) return [{ event: object, index }]

  const detail = asObject(object.detail)
  if (detail && isEventLike(detail)) return [{ event: detail, index }]

  if (typeof object.CloudTrailEvent === 'string') {
    const mapped = index.stringContent(object, 'CloudTrailEvent')
    if (mapped) {
      const nested = parseJson(mapped.text, mapped.map)
      const event = asObject(nested.value)
      if (event && isEventLike(event)) return [{ event, index: nested.index }]
    }
  }
  return []
}

function isEventLike(object: JsonObject): boolean {
  return (
    typeof object.eventSource === 'string' ||
    typeof object.eventName === 'string' ||
    asObject(object.userIdentity) !== undefined
  )
}

/** Picks the first KMS event with an errorCode, or throws an `InputError` that explains why none fits. */
function chooseEvent(
  events: LocatedEvent[],
  origin: string
): { chosen: LocatedEvent; note?: string } {
  if (events.length === 0) {
    throw new InputError(`no CloudTrail events found in ${origin}; expected at least one KMS event`)
  }
  if (events.length === 1) {
    checkSingleEvent(events[0])
    return { chosen: events[0] }
  }

  const kmsEvents = events.filter(({ event }) => event.eventSource === KMS_EVENT_SOURCE)
  if (kmsEvents.length === 0) {
    throw new InputError(
      `none of the ${events.length} CloudTrail events in ${origin} is a KMS call ` +
        `(eventSource ${KMS_EVENT_SOURCE}); explain reads denied KMS requests`
    )
  }
  const failed = kmsEvents.filter(({ event }) => hasErrorCode(event))
  if (failed.length === 0) {
    throw new InputError(
      `none of the ${kmsEvents.length} KMS events in ${origin} has an errorCode; ` +
        'explain needs the event of a failed call'
    )
  }

  const chosen = failed[0]
  if (failed.length === 1) return { chosen }
  const line = chosen.index.locate(chosen.event)?.line
  const where = line === undefined ? '' : `, on line ${line}`
  return {
    chosen,
    note: `The file contains ${failed.length} failed KMS events. This uses the first${where}; pass the others one at a time.`
  }
}

function checkSingleEvent({ event, index }: LocatedEvent): void {
  const eventSource = event.eventSource
  if (eventSource !== KMS_EVENT_SOURCE) {
    const shown = typeof eventSource === 'string' ? quoteValue(eventSource) : 'missing'
    throw new InputError(
      `the CloudTrail event's eventSource is ${shown}, not ${KMS_EVENT_SOURCE}; explain reads ` +
        'denied KMS requests, so pass the KMS event of the failed call',
      index.locate(event, 'eventSource') ?? index.locate(event)
    )
  }
  if (!hasErrorCode(event)) {
    throw new InputError(
      'the CloudTrail event has no errorCode, so it records a call that succeeded; ' +
        'explain needs the event of a failed call',
      index.locate(event)
    )
  }
}

function hasErrorCode(event: JsonObject): boolean {
  return typeof event.errorCode === 'string' && event.errorCode !== ''
}

function requestFromEvent(located: LocatedEvent, selectionNote?: string): DeniedRequest {
  const { event } = located
  const errorMessage = parseErrorMessage(located)
  const principal = eventPrincipal(located, errorMessage)
  const parsedPrincipal = checkPrincipal(principal.value, principal.location)
  const action = eventAction(located, errorMessage)

  const request: DeniedRequest = {
    principal: principal.value,
    action,
    context: contextFromEvent(event, action),
    source: 'cloudtrail'
  }

  const key = eventKey(located, action, errorMessage)
  if (key) {
    const parsedKey = checkKey(key.value, key.location)
    request.key = key.value
    if (parsedKey.region) request.region = parsedKey.region
    if (parsedKey.account) request.account = parsedKey.account
  }
  if (request.region === undefined && nonEmptyString(event.awsRegion)) {
    request.region = event.awsRegion as string
  }
  if (request.account === undefined) {
    const account = nonEmptyString(event.recipientAccountId)
      ? (event.recipientAccountId as string)
      : parsedPrincipal.account
    if (account) request.account = account
  }

  if (errorMessage?.request.cause) request.cause = errorMessage.request.cause
  const notes = [selectionNote, errorCodeNote(event), errorMessage?.request.note].filter(Boolean)
  if (notes.length > 0) request.note = notes.join(' ')
  return request
}

interface ParsedErrorMessage {
  message: DeniedMessage
  /** The request as the message alone shows it; only the cause when its caller, action or key is unusable. */
  request: Partial<DeniedRequest>
  locate: (offset: number) => SourceLocation
}

/** Parses the event's errorMessage when it is an `is not authorized to perform` message. */
function parseErrorMessage({ event, index }: LocatedEvent): ParsedErrorMessage | undefined {
  const mapped = index.stringContent(event, 'errorMessage')
  if (!mapped) return undefined
  const [message] = findDeniedMessages(mapped.text).messages
  if (!message) return undefined

  let request: Partial<DeniedRequest> = {}
  try {
    request = requestFromMessage(message, mapped.map)
  } catch (error) {
    // The event's own fields take precedence; a message part that cannot be read only loses its cause.
    if (!(error instanceof InputError)) throw error
    request = { cause: message.cause.cause }
  }
  return { message, request, locate: (offset) => mapped.map.locate(offset) }
}

/**
 * Returns the caller: `userIdentity.arn`, else the ARN in the errorMessage, else the service that
 * called with its own identity. A key owner's trail records a caller from another account
 * only by account ID, which is too little to check, so that case is rejected.
 */
function eventPrincipal(
  { event, index }: LocatedEvent,
  errorMessage?: ParsedErrorMessage
): LocatedValue {
  const identity = asObject(event.userIdentity)
  if (!identity) {
    throw new InputError(
      'the CloudTrail event has no userIdentity, so it does not say who called KMS',
      index.locate(event)
    )
  }
  if (nonEmptyString(identity.arn)) {
    return { value: identity.arn as string, location: index.locate(identity, 'arn') }
  }
  const message = errorMessage?.message
  if (message && message.principal !== '') {
    return { value: message.principal, location: errorMessage?.locate(message.principalOffset) }
  }
  if (identity.type === 'AWSService' && nonEmptyString(identity.invokedBy)) {
    return { value: identity.invokedBy as string, location: index.locate(identity, 'invokedBy') }
  }
  if (identity.type === 'AWSAccount') {
    throw new InputError(
      'the CloudTrail event names the caller only by its account (userIdentity type AWSAccount), ' +
        "as the key owner's trail records callers from other accounts; pass the event from the " +
        "caller's account, or the AccessDenied message, which name the caller's ARN",
      index.locate(identity)
    )
  }
  throw new InputError(
    "the CloudTrail event's userIdentity has no arn, so it does not say which principal called KMS",
    index.locate(identity)
  )
}

/** Returns the action: the errorMessage's KMS action, else `kms:` and the eventName. */
function eventAction({ event, index }: LocatedEvent, errorMessage?: ParsedErrorMessage): string {
  const message = errorMessage?.message
  if (message?.action !== undefined && /^kms:/iu.test(message.action)) {
    return canonicalKmsAction(message.action, errorMessage?.locate(message.actionOffset))
  }

  const eventName = event.eventName
  const location = index.locate(event, 'eventName') ?? index.locate(event)
  if (!nonEmptyString(eventName)) {
    throw new InputError(
      'the CloudTrail event has no eventName, so it does not say which KMS action failed',
      location
    )
  }
  if (eventName === 'ReEncrypt') {
    throw new InputError(
      'the ReEncrypt event needs two actions, kms:ReEncryptFrom on the source key and ' +
        'kms:ReEncryptTo on the destination key, and its errorMessage does not say which was denied',
      location
    )
  }
  return canonicalKmsAction(`kms:${eventName as string}`, location)
}

interface LocatedValue {
  value: string
  location?: SourceLocation
}

/**
 * Returns the key: the keyId the caller wrote when it is an alias (kms:RequestAlias depends on it),
 * else the key ARN in `resources`, else `requestParameters.keyId`, else the errorMessage's
 * resource. ReEncrypt reads the source or destination key ID for its action.
 */
function eventKey(
  { event, index }: LocatedEvent,
  action: string,
  errorMessage?: ParsedErrorMessage
): LocatedValue | undefined {
  const parameters = asObject(event.requestParameters)
  const parameterValue = (name: string): LocatedValue | undefined =>
    parameters && nonEmptyString(parameters[name])
      ? { value: parameters[name] as string, location: index.locate(parameters, name) }
      : undefined

  const fromMessage = (): LocatedValue | undefined => {
    const message = errorMessage?.message
    if (message?.resource === undefined || message.resource === '*') return undefined
    return { value: message.resource, location: errorMessage?.locate(message.resourceOffset) }
  }

  if (action === 'kms:ReEncryptFrom') return parameterValue('sourceKeyId') ?? fromMessage()
  if (action === 'kms:ReEncryptTo') return parameterValue('destinationKeyId') ?? fromMessage()

  const keyId = parameterValue('keyId')
  if (keyId && /(?:^|:)alias\//u.test(keyId.value)) return keyId
  return resourceKeyArn(event, index) ?? keyId ?? fromMessage()
}

function resourceKeyArn(event: JsonObject, index: JsonIndex): LocatedValue | undefined {
  if (!Array.isArray(event.resources)) return undefined
  for (const resource of event.resources) {
    const object = asObject(resource)
    if (object && object.type === 'AWS::KMS::Key' && nonEmptyString(object.ARN)) {
      return { value: object.ARN as string, location: index.locate(object, 'ARN') }
    }
  }
  return undefined
}

function errorCodeNote(event: JsonObject): string | undefined {
  const code = event.errorCode as string
  if (/AccessDenied/iu.test(code)) return undefined
  return (
    `The errorCode is ${quoteValue(code)}, not AccessDenied: KMS rejected the call for another ` +
    'reason than permissions, such as the key state, so a permissions check may not explain it.'
  )
}

function nonEmptyString(value: unknown): boolean {
  return typeof value === 'string' && value !== ''
}

function asObject(value: unknown): JsonObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as JsonObject)
    : undefined
}
