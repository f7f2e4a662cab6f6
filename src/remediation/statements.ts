/**
 * Policy statements to paste: the smallest statement that opens each closed lock for the
 * expectation's principal, actions and key.
 */
import type { Evaluation } from '../engine/decision.js'
import type { RequestContext } from '../inputs/settings.js'

/** Builds a Sid from the principal's name, as letters and digits only (Sids in IAM allow no spaces). */
export function sidFor(prefix: string, principalArn: string): string {
  // A service principal such as logs.us-east-1.amazonaws.com is named by its first label.
  const service = /^([a-z0-9-]+)\..*amazonaws\.com(\.cn)?$/i.exec(principalArn)?.[1]
  const name = service ?? principalArn.split(/[/:]/).pop() ?? 'Principal'
  const cleaned = name.replace(/[^A-Za-z0-9]/g, '')
  return `${prefix}${cleaned.charAt(0).toUpperCase()}${cleaned.slice(1)}`.slice(0, 100)
}

/** Returns the principal to name in a key policy: the role ARN behind a session, so every session matches. */
export function keyPolicyPrincipal(evaluation: Evaluation): Record<string, string> {
  const { principal } = evaluation
  if (principal.kind === 'service') return { Service: principal.arn }
  return { AWS: principal.roleArn ?? principal.arn }
}

/**
 * Returns conditions that keep a new statement to the expectation's request: always
 * `kms:ViaService`, and the encryption-context pairs when `withEncryptionContext` is set.
 * Encryption context is left out of allows for IAM principals on purpose: it often names
 * one object or secret version and would break at the next one. For a service principal it
 * is what limits the statement to your resources, and for a Deny it keeps the Deny to the
 * request the expectation describes.
 */
export function narrowingConditions(
  context: RequestContext,
  withEncryptionContext = false
): Record<string, Record<string, string | string[]>> | undefined {
  const equals: Record<string, string | string[]> = {}
  for (const [key, value] of Object.entries(context)) {
    const lower = key.toLowerCase()
    const encryptionContext = lower.startsWith('kms:encryptioncontext:')
    if (lower === 'kms:viaservice' || (withEncryptionContext && encryptionContext))
      equals[key] = value
  }
  return Object.keys(equals).length > 0 ? { StringEquals: equals } : undefined
}

type Effect = 'Allow' | 'Deny'

/**
 * Builds a key-policy statement naming the principal. An Allow keeps encryption context only
 * for service principals; a Deny always keeps the whole request context, so it blocks only
 * the request the expectation describes.
 */
function keyPolicyStatementFor(
  effect: Effect,
  evaluation: Evaluation,
  actions: string[],
  context: RequestContext
): Record<string, unknown> {
  const withEncryptionContext = effect === 'Deny' || evaluation.principal.kind === 'service'
  const conditions = narrowingConditions(context, withEncryptionContext)
  return {
    Sid: sidFor(effect, evaluation.principal.roleArn ?? evaluation.principal.arn),
    Effect: effect,
    Principal: keyPolicyPrincipal(evaluation),
    Action: actions,
    // In a key policy, "*" means this key.
    Resource: '*',
    ...(conditions ? { Condition: conditions } : {})
  }
}

/** Builds an IAM statement on the key ARN; a Deny keeps the whole request context, as above. */
function identityStatementFor(
  effect: Effect,
  evaluation: Evaluation,
  actions: string[],
  context: RequestContext
): Record<string, unknown> {
  const conditions = narrowingConditions(context, effect === 'Deny')
  const prefix = effect === 'Allow' ? 'UseKmsKey' : 'DenyKmsKey'
  return {
    Sid: sidFor(prefix, (evaluation.key.keyId ?? 'Key').slice(0, 8)),
    Effect: effect,
    Action: actions,
    // IAM policies name a key only by its key ARN; an alias or key ID here matches nothing.
    Resource: evaluation.key.arn ?? evaluation.key.input,
    ...(conditions ? { Condition: conditions } : {})
  }
}

export function keyPolicyStatement(
  evaluation: Evaluation,
  actions: string[],
  context: RequestContext
) {
  return keyPolicyStatementFor('Allow', evaluation, actions, context)
}

export function identityStatement(
  evaluation: Evaluation,
  actions: string[],
  context: RequestContext
) {
  return identityStatementFor('Allow', evaluation, actions, context)
}

/** Builds an inline IAM Deny for the principal, on the key ARN. */
export function identityDenyStatement(
  evaluation: Evaluation,
  actions: string[],
  context: RequestContext
) {
  return identityStatementFor('Deny', evaluation, actions, context)
}

/** Builds a key-policy Deny for the principal, kept to the expectation's request context. */
export function denyStatement(evaluation: Evaluation, actions: string[], context: RequestContext) {
  return keyPolicyStatementFor('Deny', evaluation, actions, context)
}
