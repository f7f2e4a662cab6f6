/**
 * Input of `kms-access-gate explain`: a denied KMS request, read from the AccessDenied
 * message that the CLI or an SDK printed, or from the CloudTrail event of the failed call.
 */
import { parseJson } from '../facts/json-parser.js'
import { FileTextMap, type TextMap } from '../facts/text-map.js'
import { InputError } from './errors.js'
import type { DeniedCause } from './explain-cause.js'
import { requestFromCloudTrail } from './explain-cloudtrail.js'
import { type DeniedMessage, findDeniedMessages, messageIdentity } from './explain-message.js'
import { requestFromMessage } from './explain-message-request.js'
import type { RequestContext } from './settings.js'

export type { DeniedCause, DenyLock } from './explain-cause.js'

/** A request that AWS denied, as far as the message or event shows it. */
export interface DeniedRequest {
  /** The caller ARN as AWS printed it: a role, an assumed-role session or a user. */
  principal: string
  /** The canonical name of the KMS action, such as `kms:Decrypt`. */
  action: string
  /** Key ARN, alias ARN, key ID or alias name; absent when the text names no key. */
  key?: string
  /** From the key ARN, else the CloudTrail event's `awsRegion`. */
  region?: string
  /** From the key ARN, else the event's `recipientAccountId`, else the caller ARN. */
  account?: string
  /** Condition keys that the CloudTrail event shows; always empty for a message. */
  context: RequestContext
  /** The cause that AWS's message gives, when it gives one. */
  cause?: DeniedCause
  source: 'message' | 'cloudtrail'
  /** Remarks on input that was skipped or could not be used, such as further messages in the same text. */
  note?: string
}

/**
 * Parses a denied KMS request from `text`. JSON text is read as CloudTrail: one event, a
 * `Records` or `Events` list, or an EventBridge event with a `detail` member. Other text
 * (or JSON that is not CloudTrail) is searched for `is not authorized to perform` messages,
 * and the first message for a KMS action is used. `origin` is the file name, or `argument`
 * for a message given on the command line. Throws an `InputError` when no message or event
 * is found, the action is not a KMS action, the event is not for KMS, or the caller or key
 * is not in a form that an expectation accepts.
 */
export function parseDeniedRequest(text: string, origin: string): DeniedRequest {
  // A byte order mark becomes a space, so that offsets and columns stay those of the file.
  const source = text.replace(/^\uFEFF/u, ' ')
  const map = new FileTextMap(origin, source)

  if (/^\s*[[{]/u.test(source)) {
    const fromJson = readCloudTrail(source, map, origin)
    if (fromJson) return fromJson
  }
  return requestFromMessages(source, map, origin)
}

/** Reads CloudTrail JSON. Returns undefined for JSON of another kind, and for invalid JSON that contains a message. */
function readCloudTrail(text: string, map: TextMap, origin: string): DeniedRequest | undefined {
  try {
    return requestFromCloudTrail(parseJson(text, map), origin)
  } catch (error) {
    const invalidJson = error instanceof InputError && error.message.startsWith('invalid JSON:')
    if (invalidJson && /is\s+not\s+authorized\s+to\s+perform/iu.test(text)) return undefined
    throw error
  }
}

function requestFromMessages(text: string, map: TextMap, origin: string): DeniedRequest {
  const { messages, total } = findDeniedMessages(text)
  if (messages.length === 0) {
    throw new InputError(
      `no \`is not authorized to perform\` message and no CloudTrail event found in ${origin}; ` +
        'paste the AccessDenied message as AWS printed it, or a CloudTrail event in JSON'
    )
  }

  const chosen = messages.find(isKmsMessage) ?? messages[0]
  const request = requestFromMessage(chosen, map)
  const notes = [describeOtherMessages(messages, total, chosen, map), request.note]
  const note = notes.filter(Boolean).join(' ')
  if (note !== '') request.note = note
  return request
}

function isKmsMessage(message: DeniedMessage): boolean {
  if (message.action !== undefined) return /^kms:/iu.test(message.action)
  return message.operation !== undefined && message.operationIsKms !== false
}

/** Returns a note on the message used when the text contains different ones. Repeats of one message get no note. */
function describeOtherMessages(
  messages: DeniedMessage[],
  total: number,
  chosen: DeniedMessage,
  map: TextMap
): string | undefined {
  const different = new Set(messages.map(messageIdentity))
  const unparsed = total - messages.length
  if (different.size === 1 && unparsed === 0) return undefined

  const count = unparsed === 0 ? `${different.size} different` : `${total}`
  const choice = chosen === messages[0] ? 'the first' : 'the first one for a KMS action'
  const line = map.locate(chosen.start).line
  return (
    `The text contains ${count} AccessDenied messages. This uses ${choice}, on line ${line}; ` +
    'pass the others one at a time.'
  )
}
