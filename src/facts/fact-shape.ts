/** Recognition of a fact document by its shape, never by its file name. */
import { isObject } from './document-reader.js'

export type FactShape =
  | 'iam'
  | 'kms'
  | 'organizations'
  | 'vpc-endpoints'
  | 'session-policies'
  | 'iam-simulation'

const IAM_KEYS = ['UserDetailList', 'GroupDetailList', 'RoleDetailList', 'Policies']
const ORGANIZATION_KEYS = ['Organization', 'Accounts', 'ExternalAccounts']

/**
 * Returns the shape of a fact document: IAM authorization details, a KMS key object (or
 * a list of them), the Organizations format, a `describe-vpc-endpoints` output or the
 * session policy format. Anything else gives undefined.
 */
export function recognizeShape(value: unknown): FactShape | undefined {
  if (Array.isArray(value)) {
    return value.length > 0 && isObject(value[0]) && 'KeyMetadata' in value[0] ? 'kms' : undefined
  }
  if (!isObject(value)) return undefined
  if ('KeyMetadata' in value) return 'kms'
  if ('VpcEndpoints' in value) return 'vpc-endpoints'
  if ('SessionPolicies' in value) return 'session-policies'
  if ('EvaluationResults' in value && 'PolicySourceArn' in value) return 'iam-simulation'
  if (ORGANIZATION_KEYS.some((key) => key in value) || hasOrganizationPolicies(value.Policies)) {
    return 'organizations'
  }
  if (IAM_KEYS.some((key) => key in value)) return 'iam'
  return undefined
}

/** Organizations policies are `describe-policy` outputs; IAM's `Policies` entries have `PolicyName`. */
function hasOrganizationPolicies(policies: unknown): boolean {
  if (!Array.isArray(policies) || policies.length === 0) return false
  const first = policies[0]
  return isObject(first) && isObject(first.Policy) && 'PolicySummary' in first.Policy
}

/** The shapes a fact file may have, for error messages. */
export const EXPECTED_SHAPES =
  'expected one of: the output of "aws iam get-account-authorization-details" (UserDetailList, RoleDetailList, GroupDetailList, Policies), ' +
  'a KMS key object with KeyMetadata (or a list of them), the Organizations format with Organization, Accounts, ExternalAccounts and Policies, ' +
  'the output of "aws ec2 describe-vpc-endpoints" (VpcEndpoints), the session policy format with SessionPolicies, ' +
  'or the IAM simulation format (PolicySourceArn, Context, EvaluationResults)'

/** Explains what was expected, for a document of no known shape. */
export function unknownShapeMessage(value: unknown): string {
  if (isObject(value) && 'Statement' in value) {
    return `this is a policy document on its own, which names no key or principal; put a key policy under "Policy" in a KMS key object with KeyMetadata. Fact files are ${EXPECTED_SHAPES.replace(/^expected /, '')}`
  }
  return `unrecognised fact file: ${EXPECTED_SHAPES}`
}
