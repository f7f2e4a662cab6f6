/**
 * The value formats that a manifest accepts: account IDs, Regions, principals, keys,
 * actions and condition keys. The `*_PATTERN` strings are the same regular expressions
 * that `schema/manifest.schema.json` uses (a test keeps them equal), and the `explain*`
 * functions return the reason a value does not match.
 */

export const PARTITIONS = ['aws', 'aws-cn', 'aws-us-gov'] as const
export type Partition = (typeof PARTITIONS)[number]

const PARTITION = '(?:aws|aws-cn|aws-us-gov)'
const ACCOUNT = '[0-9]{12}'
const REGION = '[a-z]{2}(?:-[a-z]+)+-[0-9]+'
/** Characters of IAM role, user and session names. */
const IAM_NAME = '[\\w+=,.@-]+'
/** A UUID key ID or a multi-Region key ID. */
const KEY_ID = '(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})'
// NOTE: the key ID inside a key ARN is only checked for its characters, so placeholder IDs
// in examples load. A wrong ID then shows up as a key that is not in the facts.
const ARN_KEY_ID = '[A-Za-z0-9-]+'
const ALIAS_NAME = 'alias/[A-Za-z0-9/_-]+'
const SERVICE = '[a-z0-9][a-z0-9-]*(?:\\.[a-z0-9-]+)*\\.amazonaws\\.com(?:\\.cn)?'

const IAM_PRINCIPAL = `arn:${PARTITION}:iam::${ACCOUNT}:(?:root|(?:role|user)/(?:${IAM_NAME}/)*${IAM_NAME})`
const STS_PRINCIPAL = `arn:${PARTITION}:sts::${ACCOUNT}:(?:assumed-role/${IAM_NAME}/${IAM_NAME}|federated-user/${IAM_NAME})`
const KMS_ARN_PREFIX = `arn:${PARTITION}:kms:${REGION}:${ACCOUNT}:`
/** A resource defined in code: `infra/app.yaml#AppKey` or `plan.json#aws_kms_key.app`. */
const CODE_REFERENCE = '(?!arn:)[^#\\s]+#[^#\\s]+'

export const ACCOUNT_PATTERN = `^${ACCOUNT}$`
export const REGION_PATTERN = `^${REGION}$`
export const PRINCIPAL_PATTERN = `^(?:${IAM_PRINCIPAL}|${STS_PRINCIPAL}|${ACCOUNT}|${SERVICE}|${CODE_REFERENCE})$`
export const KEY_PATTERN = `^(?:${KMS_ARN_PREFIX}(?:key/${ARN_KEY_ID}|${ALIAS_NAME})|${KEY_ID}|${ALIAS_NAME}|${CODE_REFERENCE})$`
/** Shape of an action name; whether the action exists is checked against the action table. */
export const ACTION_PATTERN = '^[Kk][Mm][Ss]:[A-Za-z]+$'
/** `prefix:Name`, such as `kms:ViaService` or `kms:EncryptionContext:Department`. */
export const CONDITION_KEY_PATTERN = '^[A-Za-z][A-Za-z0-9-]*:\\S(?:.*\\S)?$'
/** At least one character that is not white space. */
export const NON_BLANK_PATTERN = '\\S'

const whole = (pattern: string): RegExp => new RegExp(pattern, 'u')

const ACCOUNT_REGEX = whole(ACCOUNT_PATTERN)
const REGION_REGEX = whole(REGION_PATTERN)
const KEY_ID_REGEX = whole(`^${KEY_ID}$`)
const ALIAS_NAME_REGEX = whole(`^${ALIAS_NAME}$`)
const SERVICE_REGEX = whole(`^${SERVICE}$`)
const ARN_REGEX = /^arn:([^:]*):([^:]*):([^:]*):([^:]*):(.*)$/u
const CODE_REFERENCE_REGEX = whole(`^${CODE_REFERENCE}$`)

export type PrincipalKind =
  | 'role'
  | 'user'
  | 'assumed-role'
  | 'federated-user'
  | 'root'
  | 'account'
  | 'service'
  | 'reference'

/** A principal as the manifest names it. Service principals have no partition or account. */
export interface ParsedPrincipal {
  kind: PrincipalKind
  partition?: string
  account?: string
}

export type KeyReferenceKind = 'key-arn' | 'alias-arn' | 'key-id' | 'alias-name' | 'reference'

/** A key as the manifest names it. Only ARNs carry a partition, Region and account. */
export interface ParsedKeyReference {
  kind: KeyReferenceKind
  partition?: string
  region?: string
  account?: string
}

/** Returns true for a 12-digit account ID. */
export function isAccountId(value: string): boolean {
  return ACCOUNT_REGEX.test(value)
}

/** Returns true for a Region code such as `ap-northeast-1`. */
export function isRegion(value: string): boolean {
  return REGION_REGEX.test(value)
}

/** Parses a principal in one of the accepted forms, or returns undefined. */
export function parsePrincipal(value: string): ParsedPrincipal | undefined {
  if (!whole(PRINCIPAL_PATTERN).test(value)) return undefined
  if (isAccountId(value)) return { kind: 'account', account: value }
  if (SERVICE_REGEX.test(value)) return { kind: 'service' }
  if (CODE_REFERENCE_REGEX.test(value)) return { kind: 'reference' }

  const [, partition, , , account, resource] = ARN_REGEX.exec(value) ?? []
  const resourceType = resource === 'root' ? 'root' : resource.slice(0, resource.indexOf('/'))
  return { kind: resourceType as PrincipalKind, partition, account }
}

/** Parses a key ARN, alias ARN, key ID or alias name, or returns undefined. */
export function parseKeyReference(value: string): ParsedKeyReference | undefined {
  if (!whole(KEY_PATTERN).test(value)) return undefined
  if (KEY_ID_REGEX.test(value)) return { kind: 'key-id' }
  if (ALIAS_NAME_REGEX.test(value)) return { kind: 'alias-name' }
  if (CODE_REFERENCE_REGEX.test(value)) return { kind: 'reference' }

  const [, partition, , region, account, resource] = ARN_REGEX.exec(value) ?? []
  const kind = resource.startsWith('alias/') ? 'alias-arn' : 'key-arn'
  return { kind, partition, region, account }
}

const PRINCIPAL_FORMS =
  'expected an IAM role or user ARN, an assumed-role session ARN ' +
  '(arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION), a federated-user ARN, an account root ARN ' +
  '(arn:aws:iam::ACCOUNT:root), a 12-digit account ID, a service principal such as ' +
  'logs.amazonaws.com, or a role or user in a template or plan (infra/app.yaml#AppRole)'

const KEY_FORMS =
  'expected a key ARN, a key ID (a UUID or an mrk- multi-Region key ID), an alias name ' +
  '(alias/NAME), an alias ARN, or a key in a template or plan (infra/app.yaml#AppKey)'

/** Explains why `value` is not an accepted principal. */
export function explainInvalidPrincipal(value: string): string {
  const quoted = `\`${value}\``
  if (/[*?]/u.test(value)) {
    return `${quoted} contains a wildcard, which a principal in an expectation cannot; name one role, user, session, account or service`
  }

  const arn = ARN_REGEX.exec(value)
  if (arn) {
    const [, partition, service, region, account, resource] = arn
    if (service === 'iam' && resource.startsWith('group/')) {
      return `${quoted} is an IAM group ARN, and groups cannot be principals in AWS policies; name a role or user in the group instead`
    }
    if (service !== 'iam' && service !== 'sts') {
      return `${quoted} is not a principal: the ARN's service is \`${service}\`; ${PRINCIPAL_FORMS}`
    }
    const problem =
      explainArnParts(partition, account) ??
      (region === ''
        ? undefined
        : `IAM and STS ARNs have no Region, but this one has \`${region}\``)
    if (problem) return `${quoted} is not a valid principal: ${problem}`
    if (service === 'sts' && /^assumed-role\/[^/]*$/u.test(resource)) {
      return `${quoted} is not a valid assumed-role session ARN: expected arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`
    }
  } else if (/^[0-9]+$/u.test(value)) {
    return `${quoted} is not an account ID: account IDs have exactly 12 digits`
  }

  return `${quoted} is not a valid principal; ${PRINCIPAL_FORMS}`
}

/** Explains why `value` is not an accepted key reference. */
export function explainInvalidKey(value: string): string {
  const quoted = `\`${value}\``
  if (/[*?]/u.test(value)) {
    return `${quoted} contains a wildcard, which a key in an expectation cannot; name one key ARN, key ID or alias`
  }

  const arn = ARN_REGEX.exec(value)
  if (arn) {
    const [, partition, service, region, account, resource] = arn
    if (service !== 'kms') {
      return `${quoted} is not a KMS key: the ARN's service is \`${service}\`; ${KEY_FORMS}`
    }
    const problem =
      explainArnParts(partition, account) ??
      (isRegion(region) ? undefined : `\`${region}\` is not a Region code`)
    if (problem) return `${quoted} is not a valid key ARN: ${problem}`
    if (!/^(?:key|alias)\//u.test(resource)) {
      return `${quoted} is not a valid KMS ARN: the resource must start with key/ or alias/`
    }
  }

  const aliasIndex = value.indexOf('alias/')
  if (aliasIndex >= 0 && !whole(`^${ALIAS_NAME}$`).test(value.slice(aliasIndex))) {
    return `${quoted} is not a valid alias: alias names contain only letters, digits, /, _ and - after alias/`
  }
  if (value.startsWith('mrk-')) {
    return `${quoted} is not a valid multi-Region key ID: expected mrk- followed by 32 lowercase hex digits`
  }
  if (/^[0-9a-fA-F]{8}-/u.test(value)) {
    return `${quoted} is not a valid key ID: expected a lowercase UUID such as 1234abcd-12ab-34cd-56ef-1234567890ab`
  }
  return `${quoted} is not a valid key; ${KEY_FORMS}`
}

/** Explains why `value` is not a 12-digit account ID. */
export function explainInvalidAccount(value: string): string {
  return `\`${value}\` is not an AWS account ID: expected exactly 12 digits, in quotes`
}

/** Explains why `value` is not a Region code. */
export function explainInvalidRegion(value: string): string {
  return `\`${value}\` is not an AWS Region code: expected a code such as ap-northeast-1 or us-east-1`
}

/** Explains why `value` is not a condition key. */
export function explainInvalidConditionKey(value: string): string {
  return (
    `\`${value}\` is not a condition key: expected prefix:Name, such as kms:ViaService, ` +
    'aws:SourceVpce or kms:EncryptionContext:Department'
  )
}

function explainArnParts(partition: string, account: string): string | undefined {
  if (!(PARTITIONS as readonly string[]).includes(partition)) {
    return `unknown partition \`${partition}\` (expected ${PARTITIONS.join(', ')})`
  }
  if (!isAccountId(account)) return `the account \`${account}\` does not have 12 digits`
  return undefined
}
