/**
 * `aws` CLI commands that show the state of each lock, so a fix can be checked after it is made.
 */
import type { Evaluation } from '../engine/decision.js'
import type { RequestContext } from '../inputs/settings.js'

/** Quotes a value for a POSIX shell when it contains anything but safe characters. */
export function shellQuote(value: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value
  return `'${value.replace(/'/g, `'\\''`)}'`
}

function keyId(evaluation: Evaluation): string {
  return shellQuote(evaluation.key.arn ?? evaluation.key.input)
}

function regionFlag(evaluation: Evaluation): string {
  return evaluation.key.region ? ` --region ${shellQuote(evaluation.key.region)}` : ''
}

export function keyPolicyCommand(evaluation: Evaluation): string {
  return `aws kms get-key-policy --key-id ${keyId(evaluation)} --policy-name default --query Policy --output text${regionFlag(evaluation)}`
}

export function describeKeyCommand(evaluation: Evaluation): string {
  return `aws kms describe-key --key-id ${keyId(evaluation)}${regionFlag(evaluation)}`
}

export function listGrantsCommand(evaluation: Evaluation): string {
  return `aws kms list-grants --key-id ${keyId(evaluation)}${regionFlag(evaluation)}`
}

/**
 * `aws iam simulate-principal-policy` for the principal's identity side. The simulator takes a
 * role or user ARN, not a session ARN, and does not evaluate KMS key policies.
 */
export function simulateCommand(
  evaluation: Evaluation,
  actions: string[],
  context: RequestContext
): string | undefined {
  const { principal } = evaluation
  const source = principal.roleArn ?? (principal.kind === 'user' ? principal.arn : undefined)
  if (!source) return undefined
  const entries = Object.entries(context).map(([key, value]) => {
    const values = (Array.isArray(value) ? value : [value]).map(shellQuote).join(',')
    const type = Array.isArray(value) ? 'stringList' : 'string'
    return `ContextKeyName=${shellQuote(key)},ContextKeyValues=${values},ContextKeyType=${type}`
  })
  const contextFlag =
    entries.length > 0 ? ` --context-entries ${entries.map(shellQuote).join(' ')}` : ''
  return `aws iam simulate-principal-policy --policy-source-arn ${shellQuote(source)} --action-names ${actions.map(shellQuote).join(' ')} --resource-arns ${keyId(evaluation)}${contextFlag}`
}

export function authorizationDetailsCommand(accountId: string): string {
  return `aws iam get-account-authorization-details --output json > iam-${accountId}.json`
}
