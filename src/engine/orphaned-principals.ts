/**
 * Orphaned principals: when a role or user named in a key policy is deleted, AWS keeps its
 * unique ID (AROA… for roles, AIDA… for users) in the policy in place of the ARN. A role
 * recreated with the same name gets a new ID, so the statement no longer matches it.
 */
import type { Facts, PolicyWarning } from './model.js'

const UNIQUE_ID = /^(AROA|AIDA)[A-Z0-9]{8,}$/

export function findOrphanedPrincipals(facts: Facts): PolicyWarning[] {
  const knownIds = new Set(
    facts.iam.flatMap((account) =>
      [...account.roles, ...account.users].map((entity) => entity.id).filter(Boolean)
    )
  )
  const warnings: PolicyWarning[] = []
  for (const key of facts.keys) {
    for (const statement of key.policy?.statements ?? []) {
      const ids = (statement.principal?.aws ?? []).filter((entry) => UNIQUE_ID.test(entry))
      for (const id of ids.filter((candidate) => !knownIds.has(candidate))) {
        const kind = id.startsWith('AROA') ? 'role' : 'user'
        warnings.push({
          code: 'orphaned-principal',
          message: `Key policy of ${key.arn}, statement ${statement.sid ?? `#${statement.index}`}: principal ${id} is a ${kind} unique ID that matches no ${kind} in the facts. The ${kind} was probably deleted (and perhaps recreated with the same name, which gets a new ID); the statement no longer lets anyone in. Replace the ID with the ${kind} ARN.`,
          statementIndex: statement.index,
          ...(statement.location ? { location: statement.location } : {})
        })
      }
    }
  }
  return warnings
}
