/**
 * Detection of the optional facts a key policy needs. Aliases, key tags, principal tags
 * and unique IDs are read only when the policy tests them, to keep the number of calls low.
 */

/** The facts a key policy refers to that the minimal reads would leave out. */
export interface KeyPolicyTests {
  /** `kms:ResourceAliases` or `kms:RequestAlias`. */
  aliases: boolean
  /** `aws:ResourceTag/...`. */
  resourceTags: boolean
  /** `aws:PrincipalTag/...`. */
  principalTags: boolean
  /** A role or user unique ID (`AROA...`, `AIDA...`), as a principal or in a condition. */
  uniqueIds: boolean
}

/** The tests to assume for a policy that could not be parsed: all of them, so nothing is left out. */
const ALL_TESTS: KeyPolicyTests = {
  aliases: true,
  resourceTags: true,
  principalTags: true,
  uniqueIds: true
}

const UNIQUE_ID = /\bA(?:RO|ID)A[A-Z0-9]{12,}/

/** Finds the condition keys and unique IDs a key policy (the JSON text GetKeyPolicy returns) uses. */
export function findKeyPolicyTests(policyText: string): KeyPolicyTests {
  let policy: unknown
  try {
    policy = JSON.parse(policyText)
  } catch {
    return { ...ALL_TESTS }
  }
  // Condition keys are case-insensitive in AWS.
  const keys = conditionKeys(policy).map((key) => key.toLowerCase())
  return {
    aliases: keys.some((key) => key === 'kms:resourcealiases' || key === 'kms:requestalias'),
    resourceTags: keys.some((key) => key.startsWith('aws:resourcetag/')),
    principalTags: keys.some((key) => key.startsWith('aws:principaltag/')),
    uniqueIds: UNIQUE_ID.test(policyText)
  }
}

function conditionKeys(policy: unknown): string[] {
  if (!isRecord(policy)) return []
  const statements = Array.isArray(policy.Statement) ? policy.Statement : [policy.Statement]
  const keys: string[] = []
  for (const statement of statements) {
    if (!isRecord(statement) || !isRecord(statement.Condition)) continue
    for (const operator of Object.values(statement.Condition)) {
      if (isRecord(operator)) keys.push(...Object.keys(operator))
    }
  }
  return keys
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
