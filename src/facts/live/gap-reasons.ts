/**
 * Reasons for facts a live run could not read. Each names the operation, the resource,
 * the error code, and for a denied call what to grant to the gate and where.
 */
import type { FactGap } from '../../engine/model.js'
import { type AwsFailure, failureText, isAccessDenied } from './aws-call.js'

/** Operations whose permission the key policy grants (or the IAM policy, when the key policy lets IAM decide). */
const KEY_POLICY_OPERATIONS = new Set([
  'kms:DescribeKey',
  'kms:GetKeyPolicy',
  'kms:ListGrants',
  'kms:ListResourceTags'
])

/** Error codes AWS returns when the key or principal read does not exist. */
const NOT_FOUND_CODES = new Set(['NotFoundException', 'NoSuchEntity', 'NoSuchEntityException'])

export function isNotFound(failure: AwsFailure): boolean {
  return NOT_FOUND_CODES.has(failure.code)
}

/**
 * Returns the gap for a failed KMS read. `subject` is the key ARN, or the reference as
 * written for a key not yet resolved. `gateArn` is the identity the gate reads the account as.
 */
export function kmsGap(
  part: FactGap['part'],
  subject: string,
  failure: AwsFailure,
  gateArn: string,
  accountId: string
): FactGap {
  const text = failureText(failure, subject)
  if (isNotFound(failure)) {
    return { subject, part, kind: 'not-found', reason: `${text}; AWS has no such key` }
  }
  if (!isAccessDenied(failure))
    return { subject, part, kind: 'unreadable', reason: retryAdvice(text) }

  const permission = failure.operation
  const where = KEY_POLICY_OPERATIONS.has(permission)
    ? `the key policy of ${subject} must allow ${gateArn} ${permission} (or let IAM policies decide and grant it in the policies of that role)`
    : `the policies of ${gateArn} in account ${accountId} must allow ${permission}`
  return { subject, part, kind: 'unreadable', reason: `${text}; ${where}` }
}

/** Returns the gap for a failed IAM read of a principal: GetRole, GetUser or SimulatePrincipalPolicy. */
export function iamGap(
  part: FactGap['part'],
  principalArn: string,
  failure: AwsFailure,
  gateArn: string,
  accountId: string
): FactGap {
  const text = failureText(failure, principalArn)
  if (isNotFound(failure)) {
    return {
      subject: principalArn,
      part: 'principal',
      kind: 'not-found',
      reason: `${text}; the principal does not exist in account ${accountId}`
    }
  }
  if (!isAccessDenied(failure)) {
    return { subject: principalArn, part, kind: 'unreadable', reason: retryAdvice(text) }
  }
  return {
    subject: principalArn,
    part,
    kind: 'unreadable',
    reason: `${text}; the gate's role ${gateArn} in account ${accountId} needs ${failure.operation} on ${principalArn}`
  }
}

/** Returns the gap for a result that needs an account the gate has no clients for. */
export function accountGap(
  part: FactGap['part'],
  subject: string,
  reason: string,
  place?: { accountId: string; region: string }
): FactGap {
  return { subject, part, kind: 'unreadable', ...place, reason }
}

function retryAdvice(text: string): string {
  return `${text}; the SDK's retries did not help, so check the network and AWS service health and run the check again`
}
