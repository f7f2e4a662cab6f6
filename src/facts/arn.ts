/** ARN helpers for the fact loaders. */

/** The parts of `arn:partition:service:region:account:resource`. */
export interface ArnParts {
  partition: string
  service: string
  region: string
  accountId: string
  resource: string
}

const ARN = /^arn:([^:]+):([^:]+):([^:]*):([^:]*):(.+)$/

/** Splits an ARN into its parts; undefined when `arn` is not an ARN. */
export function parseArn(arn: string): ArnParts | undefined {
  const match = ARN.exec(arn)
  if (!match) return undefined
  const [, partition, service, region, accountId, resource] = match
  return { partition, service, region, accountId, resource }
}

const ACCOUNT_ID = /^\d{12}$/

export function isAccountId(value: string): boolean {
  return ACCOUNT_ID.test(value)
}

/** Builds the ARN AWS uses for an account principal: `arn:<partition>:iam::<account>:root`. */
export function accountRootArn(accountId: string, partition: string): string {
  return `arn:${partition}:iam::${accountId}:root`
}

/** Account ID in an ARN, when it is a 12-digit ID (not `aws`, as in AWS managed policy ARNs). */
export function arnAccountId(arn: string): string | undefined {
  const parts = parseArn(arn)
  return parts && isAccountId(parts.accountId) ? parts.accountId : undefined
}
