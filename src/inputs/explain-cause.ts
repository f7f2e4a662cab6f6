/**
 * The cause that an AccessDenied message gives after the action and resource: the kind of
 * policy that denied the request, and whether it denied explicitly. Messages carry a policy
 * type since 2021, and, for callers in the same account or organization, the denying
 * policy's ARN since 2025 (AWS Security Blog, "Enhanced access denied error messages with
 * policy ARNs").
 */

/** The policy type that denied a request. `explicit-deny` is a deny whose type the message does not name. */
export type DenyLock =
  | 'iam'
  | 'key-policy'
  | 'scp'
  | 'rcp'
  | 'permissions-boundary'
  | 'session-policy'
  | 'vpce'
  | 'explicit-deny'

/** The reason for a denial, as an AccessDenied message states it. */
export interface DeniedCause {
  lock: DenyLock
  /** The cause as AWS wrote it, with runs of white space collapsed to one space. */
  text: string
  /** True for a Deny statement, false when no statement allows; absent when the message does not state it. */
  explicit?: boolean
  /** ARN of the denying policy, when the message names it. */
  policyArn?: string
}

/** The cause found after a message's resource, or the start of a cause this parser does not know. */
export interface CauseMatch {
  cause?: DeniedCause
  /** A `because ...` or `with ...` clause in a wording that no pattern below matches. */
  unrecognized?: string
}

/**
 * Policy types as the messages name them. For KMS the only resource-based policy is the
 * key policy.
 */
const POLICY_TYPES: [phrase: string, lock: DenyLock][] = [
  ['identity-based policy', 'iam'],
  ['resource-based policy', 'key-policy'],
  ['service control policy', 'scp'],
  ['resource control policy', 'rcp'],
  ['permissions boundary', 'permissions-boundary'],
  ['session policy', 'session-policy'],
  ['VPC endpoint policy', 'vpce']
]

const TYPE_PATTERN = POLICY_TYPES.map(([phrase]) => phrase.replaceAll(' ', '\\s+')).join('|')

// Each pattern is sticky: it must match right where the resource (or action) ends.
const NO_POLICY_ALLOWS = new RegExp(
  `\\s*because\\s+no\\s+(${TYPE_PATTERN})\\s+allows\\s+the\\s+\\S+\\s+action`,
  'iuy'
)
const EXPLICIT_DENY_IN = new RegExp(
  `\\s*with\\s+an\\s+explicit\\s+deny\\s+in\\s+(?:a|an)\\s+(${TYPE_PATTERN})(?:\\s*:\\s*(arn:\\S+))?`,
  'iuy'
)
const EXPLICIT_DENY = /\s*with\s+an\s+explicit\s+deny\b/iuy
/** KMS's own cause for a Decrypt whose ciphertext names a key the caller cannot use. */
const CIPHERTEXT_KEY_UNUSABLE =
  /\s*because\s+the\s+resource\s+does\s+not\s+exist\s+in\s+this\s+Region,\s+no\s+resource-based\s+policies\s+allow\s+access,\s+or\s+a\s+resource-based\s+policy\s+explicitly\s+denies\s+access/iuy
const OTHER_CLAUSE = /\s*((?:because|with)\s[^\r\n]{0,200})/iuy

/** Characters that end a sentence or close a quote after an ARN, not part of it. */
const TRAILING_PUNCTUATION = /[.,;:)\]}"'`]+$/u

/** Parses the cause clause that starts at `offset` in `text`, if any. */
export function parseCause(text: string, offset: number): CauseMatch {
  const implicit = matchAt(NO_POLICY_ALLOWS, text, offset)
  if (implicit) {
    return { cause: { lock: lockOf(implicit[1]), text: collapse(implicit[0]), explicit: false } }
  }

  const explicit = matchAt(EXPLICIT_DENY_IN, text, offset)
  if (explicit) {
    const policyArn = explicit[2]?.replace(TRAILING_PUNCTUATION, '')
    const cause: DeniedCause = { lock: lockOf(explicit[1]), text: '', explicit: true }
    cause.text = collapse(explicit[0]).replace(TRAILING_PUNCTUATION, '')
    if (policyArn) cause.policyArn = policyArn
    return { cause }
  }

  const ciphertext = matchAt(CIPHERTEXT_KEY_UNUSABLE, text, offset)
  if (ciphertext) return { cause: { lock: 'key-policy', text: collapse(ciphertext[0]) } }

  const bare = matchAt(EXPLICIT_DENY, text, offset)
  if (bare) return { cause: { lock: 'explicit-deny', text: collapse(bare[0]), explicit: true } }

  const other = matchAt(OTHER_CLAUSE, text, offset)
  return other ? { unrecognized: other[1].trim() } : {}
}

function matchAt(pattern: RegExp, text: string, offset: number): RegExpExecArray | null {
  pattern.lastIndex = offset
  return pattern.exec(text)
}

function lockOf(phrase: string): DenyLock {
  const normalized = collapse(phrase).toLowerCase()
  const entry = POLICY_TYPES.find(([type]) => type.toLowerCase() === normalized)
  // The patterns only capture phrases from POLICY_TYPES, so the entry always exists.
  return entry ? entry[1] : 'explicit-deny'
}

function collapse(value: string): string {
  return value.trim().replace(/\s+/gu, ' ')
}
