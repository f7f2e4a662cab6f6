/**
 * Checks for statements that AWS ignores or rejects, reported as `PolicyWarning`s so that
 * the checker can explain why a statement that looks right has no effect.
 */
import type { PolicyKind, PolicyWarning, SourceLocation, Statement } from '../engine/model.js'

/** The parts of a statement the checks need, as written in the document. */
export interface WrittenStatement {
  statement: Statement
  label: string
  /** AWS principal values as written, before account IDs are turned into root ARNs. */
  writtenAws: WrittenPrincipal[]
  /** Locations of the statement's elements, by element name. */
  elementLocations: Partial<Record<string, SourceLocation>>
}

export interface WrittenPrincipal {
  value: string
  element: 'Principal' | 'NotPrincipal'
}

/** Each policy kind with its article, for messages. */
const KIND_NAMES: Record<PolicyKind, string> = {
  'key-policy': 'a key policy',
  identity: 'an identity policy',
  'permissions-boundary': 'a permissions boundary',
  scp: 'an SCP',
  rcp: 'an RCP',
  'session-policy': 'a session policy',
  vpce: 'a VPC endpoint policy'
}

const PRINCIPAL_REQUIRED: readonly PolicyKind[] = ['key-policy', 'rcp', 'vpce']
const PRINCIPAL_NOT_ALLOWED: readonly PolicyKind[] = [
  'identity',
  'permissions-boundary',
  'session-policy',
  'scp'
]

/** Returns true when AWS ignores the statement: a key-policy statement without Resource or without Action. */
export function isIgnoredKeyPolicyStatement(kind: PolicyKind, statement: Statement): boolean {
  if (kind !== 'key-policy') return false
  const hasAction = statement.action !== undefined || statement.notAction !== undefined
  const hasResource = statement.resource !== undefined || statement.notResource !== undefined
  return !hasAction || !hasResource
}

/** Lists the warnings for one statement; messages name the statement and `policyLabel`. */
export function checkStatement(
  kind: PolicyKind,
  written: WrittenStatement,
  policyLabel: string
): PolicyWarning[] {
  const { statement } = written
  const warnings: PolicyWarning[] = []
  const warn = (code: PolicyWarning['code'], message: string, element?: string) => {
    const location = (element && written.elementLocations[element]) || statement.location
    warnings.push({
      code,
      message: `${written.label} of ${policyLabel}: ${message}`,
      statementIndex: statement.index,
      location
    })
  }

  if (isIgnoredKeyPolicyStatement(kind, statement)) {
    const missing =
      statement.action === undefined && statement.notAction === undefined ? 'Action' : 'Resource'
    warn(
      'statement-ignored',
      `AWS ignores this statement because it has no ${missing}; a key-policy statement needs Resource and Action`
    )
  }
  if (kind === 'key-policy') checkKeyPolicyElements(statement, warn)
  checkPrincipalPresence(kind, statement, warn)
  checkPrincipalValues(written.writtenAws, warn)
  return warnings
}

type Warn = (code: PolicyWarning['code'], message: string, element?: string) => void

function checkKeyPolicyElements(statement: Statement, warn: Warn) {
  for (const resource of statement.resource ?? []) {
    if (resource !== '*') {
      warn(
        'resource-not-star',
        `Resource in a key policy should be "*", which means this key; found "${resource}"`,
        'Resource'
      )
    }
  }
  if (statement.notResource) {
    warn(
      'resource-not-star',
      'NotResource in a key policy has no useful meaning; use "Resource": "*"',
      'NotResource'
    )
  }
  for (const { key } of statement.conditions) {
    const lower = key.toLowerCase()
    if (lower.startsWith('aws:resourcetag/') || lower === 'kms:resourcealiases') {
      warn(
        'condition-key-not-allowed',
        `AWS rejects the condition key ${key} in key policies; it works only in IAM policies`,
        'Condition'
      )
    }
  }
}

function checkPrincipalPresence(kind: PolicyKind, statement: Statement, warn: Warn) {
  const hasPrincipal = statement.principal !== undefined || statement.notPrincipal !== undefined
  if (!hasPrincipal && PRINCIPAL_REQUIRED.includes(kind)) {
    warn(
      'invalid-element',
      `a statement in ${KIND_NAMES[kind]} needs Principal or NotPrincipal; AWS rejects it without one`
    )
  }
  if (hasPrincipal && PRINCIPAL_NOT_ALLOWED.includes(kind)) {
    const element = statement.principal ? 'Principal' : 'NotPrincipal'
    warn('invalid-element', `AWS rejects ${element} in ${KIND_NAMES[kind]}`, element)
  }
}

const GROUP_ARN = /^arn:[^:]+:iam::[^:]*:group\//

function checkPrincipalValues(writtenAws: WrittenPrincipal[], warn: Warn) {
  for (const { value: principal, element } of writtenAws) {
    if (principal !== '*' && principal.includes('*')) {
      warn(
        'principal-wildcard-in-arn',
        `principal "${principal}" contains "*", which AWS does not accept inside a principal ARN; use "*" with an aws:PrincipalArn condition`,
        element
      )
    }
    if (GROUP_ARN.test(principal)) {
      warn(
        'group-principal',
        `principal "${principal}" is an IAM group, which can never be a principal; name its users or roles instead`,
        element
      )
    }
  }
}
