/**
 * `ACCOUNT=ROLE_ARN` pairs from the `--account-role` flag or the `account-roles` action
 * input: the role the gate assumes to read each account in a live run.
 */
import { InputError } from './errors.js'

const ROLE_ARN =
  /^arn:(?:aws|aws-cn|aws-us-gov):iam::([0-9]{12}):role\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]+$/

/**
 * Parses `ACCOUNT=ROLE_ARN` entries. `origin` names the flag or input in messages. Throws
 * an `InputError` for an entry without `=`, an account ID that is not 12 digits, a value
 * that is not a role ARN, a role in another account, or an account given twice.
 */
export function parseAccountRoles(entries: string[], origin: string): Record<string, string> {
  const roles: Record<string, string> = {}
  for (const entry of entries) {
    const separator = entry.indexOf('=')
    if (separator < 0) {
      throw new InputError(
        `${origin} \`${entry}\` must be ACCOUNT=ROLE_ARN, such as 444455556666=arn:aws:iam::444455556666:role/kms-access-gate-reader`
      )
    }
    const accountId = entry.slice(0, separator).trim()
    const roleArn = entry.slice(separator + 1).trim()
    if (!/^[0-9]{12}$/.test(accountId)) {
      throw new InputError(`${origin} \`${entry}\`: \`${accountId}\` is not a 12-digit account ID`)
    }
    const match = ROLE_ARN.exec(roleArn)
    if (!match) {
      throw new InputError(
        `${origin} \`${entry}\`: \`${roleArn}\` is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)`
      )
    }
    if (match[1] !== accountId) {
      throw new InputError(
        `${origin} \`${entry}\`: the role is in account ${match[1]}, not ${accountId}; name a role in the account it reads`
      )
    }
    if (roles[accountId] !== undefined) {
      throw new InputError(`${origin} gives account ${accountId} twice; give each account once`)
    }
    roles[accountId] = roleArn
  }
  return roles
}
