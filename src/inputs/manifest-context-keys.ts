/**
 * Condition keys that AWS derives from the principal, the key or the request itself. No
 * caller can set them in a real request, so an expectation's `context` must not set them
 * either: a made-up `aws:PrincipalArn` could skip a Deny that applies to the real principal.
 */

/** The source that AWS derives a key from, and the advice on what the tool uses instead. */
interface DerivedKey {
  derivedFrom: string
  filledFrom: string
}

const FROM_PRINCIPAL = 'the principal'
const FROM_KEY = 'the key'

const PRINCIPAL_ACCOUNT: DerivedKey = {
  derivedFrom: FROM_PRINCIPAL,
  filledFrom: 'the tool uses the account of `principal`'
}

const PRINCIPAL_ORGANIZATION: DerivedKey = {
  derivedFrom: FROM_PRINCIPAL,
  filledFrom:
    "the tool uses the organization in the Organizations facts that contains the principal's account"
}

const KEY_ORGANIZATION: DerivedKey = {
  derivedFrom: FROM_KEY,
  filledFrom:
    "the tool uses the organization in the Organizations facts that contains the key's account"
}

const KEY_METADATA: DerivedKey = {
  derivedFrom: FROM_KEY,
  filledFrom: 'the tool uses the key metadata in the KMS facts'
}

/** Derived keys by their lowercase name, because condition keys are case-insensitive. */
const DERIVED_KEYS = new Map<string, DerivedKey>([
  [
    'aws:principalarn',
    {
      derivedFrom: FROM_PRINCIPAL,
      filledFrom: 'the tool uses the `principal` ARN (the role ARN for an assumed-role session)'
    }
  ],
  ['aws:principalaccount', PRINCIPAL_ACCOUNT],
  ['kms:calleraccount', PRINCIPAL_ACCOUNT],
  [
    'aws:principaltype',
    {
      derivedFrom: FROM_PRINCIPAL,
      filledFrom:
        'the tool uses the kind of `principal` (user, role session, federated user or account)'
    }
  ],
  [
    'aws:principalisawsservice',
    {
      derivedFrom: FROM_PRINCIPAL,
      filledFrom: 'the tool sets it to true when `principal` is a service principal'
    }
  ],
  [
    'aws:principalservicename',
    {
      derivedFrom: FROM_PRINCIPAL,
      filledFrom: 'the tool uses the service principal in `principal`'
    }
  ],
  ['aws:principalorgid', PRINCIPAL_ORGANIZATION],
  ['aws:principalorgpaths', PRINCIPAL_ORGANIZATION],
  [
    'aws:userid',
    {
      derivedFrom: FROM_PRINCIPAL,
      filledFrom: 'the tool uses `principal` and the unique ID of its user or role in the IAM facts'
    }
  ],
  [
    'aws:username',
    { derivedFrom: FROM_PRINCIPAL, filledFrom: 'the tool uses the user name in `principal`' }
  ],
  [
    'aws:resourceaccount',
    { derivedFrom: FROM_KEY, filledFrom: 'the tool uses the account of the key in the facts' }
  ],
  ['aws:resourceorgid', KEY_ORGANIZATION],
  ['aws:resourceorgpaths', KEY_ORGANIZATION],
  [
    'aws:requestedregion',
    {
      derivedFrom: FROM_KEY,
      filledFrom: "the tool uses the key's Region (from the key ARN, `region` or `defaults.region`)"
    }
  ],
  [
    'aws:securetransport',
    {
      derivedFrom: 'the connection',
      filledFrom: 'the tool sets it to true because AWS KMS accepts only HTTPS requests'
    }
  ],
  ['kms:keyspec', KEY_METADATA],
  ['kms:keyusage', KEY_METADATA],
  ['kms:keyorigin', KEY_METADATA],
  ['kms:keymanager', KEY_METADATA],
  ['kms:multiregion', KEY_METADATA],
  ['kms:multiregionkeytype', KEY_METADATA],
  [
    'kms:resourcealiases',
    { derivedFrom: FROM_KEY, filledFrom: "the tool uses the key's aliases in the KMS facts" }
  ],
  [
    'kms:requestalias',
    {
      derivedFrom: 'the alias that the request names the key by',
      filledFrom:
        'name the key by its alias (alias/NAME or an alias ARN in `key`) to test kms:RequestAlias'
    }
  ],
  [
    'kms:encryptioncontextkeys',
    {
      derivedFrom: 'the encryption context',
      filledFrom:
        'the tool builds it from the `kms:EncryptionContext:NAME` entries, so set those instead'
    }
  ]
])

/** Derived keys that end in a tag name, such as `aws:PrincipalTag/team`, by lowercase prefix. */
const DERIVED_KEY_PREFIXES = new Map<string, DerivedKey>([
  [
    'aws:principaltag/',
    {
      derivedFrom: FROM_PRINCIPAL,
      filledFrom: "the tool uses the tags of the principal's role or user in the IAM facts"
    }
  ],
  [
    'aws:resourcetag/',
    { derivedFrom: FROM_KEY, filledFrom: "the tool uses the key's tags in the KMS facts" }
  ]
])

/**
 * Explains why `key` cannot be set in an expectation's `context`, or returns undefined for
 * a key that a caller controls, such as `kms:ViaService` or `kms:EncryptionContext:NAME`.
 * Key names match case-insensitively.
 */
export function explainDerivedContextKey(key: string): string | undefined {
  const lower = key.toLowerCase()
  const derived =
    DERIVED_KEYS.get(lower) ??
    [...DERIVED_KEY_PREFIXES].find(([prefix]) => lower.startsWith(prefix))?.[1]
  if (!derived) return undefined

  return `condition key \`${key}\` cannot be set in \`context\`: AWS derives it from ${derived.derivedFrom}, so no request can set it; ${derived.filledFrom}`
}
