/**
 * Values of templates and plans that could not be resolved (an `Fn::ImportValue` without a
 * value, a Terraform value known only after apply). Readers write them into policies as a
 * marker; whatever tests a marker cannot be decided, so it is `unknown`, never a match.
 */
import type { Statement, UnresolvedValue } from './model.js'

const PREFIX = '${kms-access-gate:unresolved/'
const MARKER = /\$\{kms-access-gate:unresolved\/([^}]*)\}/g

/** Returns the marker that stands for unresolved value `id` inside a policy string. */
export function unresolvedMarker(id: string): string {
  return `${PREFIX}${id}}`
}

/** Returns true when `value` contains an unresolved marker. */
export function hasUnresolved(value: string): boolean {
  return value.includes(PREFIX)
}

/** Returns the IDs of the markers in `value`, in order. */
export function unresolvedIds(value: string): string[] {
  return [...value.matchAll(MARKER)].map((match) => match[1])
}

/** Describes the markers in `values` with their expressions, for a reason sentence. */
export function describeUnresolved(
  values: string[],
  unresolved: UnresolvedValue[] | undefined
): string {
  const ids = [...new Set(values.flatMap(unresolvedIds))]
  return ids
    .map((id) => {
      const entry = unresolved?.find((candidate) => candidate.id === id)
      if (!entry) return `an unresolved value (${id})`
      const where = entry.location
        ? ` at ${entry.location.file}:${entry.location.line}:${entry.location.column}`
        : ''
      return `\`${entry.expression}\`${where}`
    })
    .join(', ')
}

/** Returns the strings of a statement that contain unresolved markers. */
export function unresolvedInStatement(statement: Statement): string[] {
  const principals = [statement.principal, statement.notPrincipal].flatMap((set) => set?.aws ?? [])
  return [
    ...(statement.action ?? []),
    ...(statement.notAction ?? []),
    ...(statement.resource ?? []),
    ...(statement.notResource ?? []),
    ...principals,
    ...statement.conditions.flatMap((entry) => [entry.key, ...entry.values])
  ].filter(hasUnresolved)
}
