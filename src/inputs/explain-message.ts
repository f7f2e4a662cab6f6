/**
 * Finds AccessDenied messages in pasted text: `User: ARN is not authorized to perform:
 * ACTION on resource: RESOURCE CAUSE`, as the CLI and the SDKs print them, with log lines,
 * line breaks and SDK prefixes around and inside them.
 */
import { type CauseMatch, parseCause } from './explain-cause.js'

/** One AccessDenied message and the offsets of its parts in the pasted text. */
export interface DeniedMessage {
  /** Offset of `is not authorized to perform`. */
  start: number
  /** Offset just after the last part that was read. */
  end: number
  principal: string
  principalOffset: number
  /** The action as written, such as `kms:Decrypt`; absent when the message names none. */
  action?: string
  actionOffset: number
  /** The resource as written; absent when the message names none or names the ciphertext instead. */
  resource?: string
  resourceOffset: number
  /** True when the message reads `on the resource associated with this ciphertext`. */
  ciphertext: boolean
  cause: CauseMatch
  /** API operation named before the message by a CLI or SDK prefix, such as `GenerateDataKey`. */
  operation?: string
  /** True when the Go SDK names KMS as the operation's service, false when it names another; absent for the CLI. */
  operationIsKms?: boolean
  operationOffset: number
}

const PHRASE = 'is\\s+not\\s+authorized\\s+to\\s+perform\\b'
const ACTION = /:?\s*([A-Za-z0-9-]+:[A-Za-z0-9*]+)/uy
const ON_RESOURCE = /\s+on\s+resource:\s*(\S+)/iuy
const ON_CIPHERTEXT = /\s+on\s+the\s+resource\s+associated\s+with\s+this\s+ciphertext/iuy
/** `when calling the Decrypt operation` (CLI, boto3) or `operation error KMS: Decrypt` (Go SDK). */
const OPERATION =
  'when\\s+calling\\s+the\\s+([A-Za-z0-9]+)\\s+operation|operation\\s+error\\s+([A-Za-z0-9 ]+):\\s*([A-Za-z0-9]+)'

/** A caller ARN is one token; a longer run of non-space characters is not searched further back. */
const MAX_PRINCIPAL_LENGTH = 2048
/** How far before the caller a CLI or SDK prefix may start. */
const MAX_PREFIX_DISTANCE = 1000
/** Messages parsed in full; further ones are only counted, so a huge paste stays fast. */
export const MAX_PARSED_MESSAGES = 100

const LEADING_QUOTES = /^[("'`[{<]+/u
const TRAILING_PUNCTUATION = /[.,;:)\]}"'`>]+$/u

/** The messages found in `text`, in order, and how many there are in all. */
export interface MessageScan {
  messages: DeniedMessage[]
  total: number
}

/** Finds every `is not authorized to perform` message in `text` and parses the first `MAX_PARSED_MESSAGES`. */
export function findDeniedMessages(text: string): MessageScan {
  const messages: DeniedMessage[] = []
  let total = 0
  let previousEnd = 0
  // A new global regex per call, because its lastIndex is the loop's state.
  const phrase = new RegExp(PHRASE, 'giu')

  for (let match = phrase.exec(text); match; match = phrase.exec(text)) {
    total++
    if (messages.length >= MAX_PARSED_MESSAGES) continue
    const message = parseMessage(text, match.index, match[0].length, previousEnd)
    messages.push(message)
    previousEnd = message.end
    phrase.lastIndex = Math.max(phrase.lastIndex, message.end)
  }

  return { messages, total }
}

function parseMessage(
  text: string,
  start: number,
  phraseLength: number,
  previousEnd: number
): DeniedMessage {
  const caller = findCaller(text, start, previousEnd)
  let end = start + phraseLength
  const message: DeniedMessage = {
    start,
    end,
    principal: caller.value,
    principalOffset: caller.offset,
    actionOffset: end,
    resourceOffset: end,
    ciphertext: false,
    cause: {},
    operationOffset: caller.offset
  }

  const action = matchAt(ACTION, text, end)
  if (action) {
    message.action = action[1]
    message.actionOffset = action.index + action[0].length - action[1].length
    end = action.index + action[0].length
  }

  const resource = matchAt(ON_RESOURCE, text, end)
  const ciphertext = resource ? null : matchAt(ON_CIPHERTEXT, text, end)
  if (resource) {
    message.resource = resource[1].replace(TRAILING_PUNCTUATION, '')
    message.resourceOffset = resource.index + resource[0].length - resource[1].length
    end = message.resourceOffset + message.resource.length
  } else if (ciphertext) {
    message.ciphertext = true
    end = ciphertext.index + ciphertext[0].length
  }

  message.cause = parseCause(text, end)
  message.end = end
  findOperation(
    text,
    Math.max(previousEnd, caller.offset - MAX_PREFIX_DISTANCE),
    caller.offset,
    message
  )
  return message
}

/** Reads the token before `is not authorized`: the caller ARN, after `User:` and any quote. */
function findCaller(
  text: string,
  phraseStart: number,
  previousEnd: number
): { value: string; offset: number } {
  let tokenEnd = phraseStart
  while (tokenEnd > previousEnd && /\s/u.test(text[tokenEnd - 1])) tokenEnd--

  const limit = Math.max(previousEnd, tokenEnd - MAX_PRINCIPAL_LENGTH)
  let tokenStart = tokenEnd
  while (tokenStart > limit && !/\s/u.test(text[tokenStart - 1])) tokenStart--

  let token = text.slice(tokenStart, tokenEnd)
  let offset = tokenStart
  // `User:` may be glued to the ARN or to a log field before it, as in `message=User:arn:...`.
  const userPrefixEnd = token.toLowerCase().lastIndexOf('user:')
  if (userPrefixEnd >= 0) {
    token = token.slice(userPrefixEnd + 5)
    offset += userPrefixEnd + 5
  }
  const quotes = LEADING_QUOTES.exec(token)
  if (quotes) {
    token = token.slice(quotes[0].length)
    offset += quotes[0].length
  }
  return { value: token, offset }
}

/** Sets the last operation that a CLI or SDK prefix names between `from` and `to`. */
function findOperation(text: string, from: number, to: number, message: DeniedMessage): void {
  const window = text.slice(from, to)
  const operation = new RegExp(OPERATION, 'giu')
  for (let match = operation.exec(window); match; match = operation.exec(window)) {
    if (match[1]) {
      message.operation = match[1]
      message.operationIsKms = undefined
      message.operationOffset = from + match.index + match[0].indexOf(match[1])
    } else {
      message.operation = match[3]
      message.operationIsKms = match[2].trim().toUpperCase() === 'KMS'
      message.operationOffset = from + match.index + match[0].lastIndexOf(match[3])
    }
  }
}

function matchAt(pattern: RegExp, text: string, offset: number): RegExpExecArray | null {
  pattern.lastIndex = offset
  return pattern.exec(text)
}

/** Returns a key for comparing messages: equal for the same caller, action, resource and cause. */
export function messageIdentity(message: DeniedMessage): string {
  return [
    message.principal,
    message.action ?? message.operation ?? '',
    message.resource ?? (message.ciphertext ? 'ciphertext' : ''),
    message.cause.cause?.text ?? message.cause.unrecognized ?? ''
  ].join('\n')
}
