/**
 * ARN parsing for principals and keys.
 */

export interface Arn {
  partition: string
  service: string
  region: string
  accountId: string
  resource: string
}

/** Parses `arn:partition:service:region:account:resource`, or returns undefined. */
export function parseArn(value: string): Arn | undefined {
  const parts = value.split(':')
  if (parts.length < 6 || parts[0] !== 'arn') return undefined
  return {
    partition: parts[1],
    service: parts[2],
    region: parts[3],
    accountId: parts[4],
    resource: parts.slice(5).join(':')
  }
}

export const ACCOUNT_ID = /^\d{12}$/

/** Returns the account principal ARN (`arn:aws:iam::A:root`) that stands for an account. */
export function accountRootArn(accountId: string, partition = 'aws'): string {
  return `arn:${partition}:iam::${accountId}:root`
}

/** Returns the account of an account principal ARN (`…:root`) or bare account ID, or undefined. */
export function accountOfRootPrincipal(value: string): string | undefined {
  if (ACCOUNT_ID.test(value)) return value
  const arn = parseArn(value)
  if (arn && arn.service === 'iam' && arn.resource === 'root') return arn.accountId
  return undefined
}

/** Returns true for a service principal such as `logs.us-east-1.amazonaws.com`. */
export function isServicePrincipal(value: string): boolean {
  return /^[a-z0-9][a-z0-9.-]*\.amazonaws\.com(\.cn)?$/i.test(value)
}
