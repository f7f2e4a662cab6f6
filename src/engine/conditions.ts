/**
 * Evaluation of a statement's `Condition` block against the request context, by the IAM
 * rules. Operators and keys are ANDed. The values of one key are ORed, and NORed for negated
 * operators. A key absent from the request makes the condition false, except for negated
 * operators, `…IfExists` and `ForAllValues:` (all true), and `Null`.
 */
import { type BaseOperator, baseOperator } from './condition-operators.js'
import type { Mismatch } from './decision.js'
import type { ConditionEntry } from './model.js'
import { substituteVariables, UNKNOWN_VALUE } from './policy-variables.js'
import type { RequestContextValues } from './request-context.js'
import type { Tri } from './tri.js'

export interface ConditionOutcome {
  result: Tri
  /** Set when the condition did not match (or could not be evaluated). */
  mismatch?: Mismatch
  /** The key, when the request context did not carry it. */
  missingKey?: string
}

interface ParsedOperator {
  base?: BaseOperator
  setOperator?: 'ForAnyValue' | 'ForAllValues'
  ifExists: boolean
  isNull: boolean
}

function parseOperator(name: string): ParsedOperator {
  let rest = name
  let setOperator: ParsedOperator['setOperator']
  const prefix = /^(ForAnyValue|ForAllValues):/i.exec(rest)
  if (prefix) {
    setOperator = prefix[1].toLowerCase() === 'foranyvalue' ? 'ForAnyValue' : 'ForAllValues'
    rest = rest.slice(prefix[0].length)
  }
  const ifExists = /IfExists$/i.test(rest)
  if (ifExists) rest = rest.slice(0, -'IfExists'.length)
  const isNull = rest.toLowerCase() === 'null'
  return { base: isNull ? undefined : baseOperator(rest), setOperator, ifExists, isNull }
}

/** Evaluates one condition entry. */
export function evaluateCondition(
  entry: ConditionEntry,
  context: RequestContextValues,
  variablesEnabled = true
): ConditionOutcome {
  const parsed = parseOperator(entry.operator)
  if (context.hasUnknownPresence(entry.key)) {
    return {
      result: 'unknown',
      mismatch: mismatch(
        entry,
        [],
        `Whether the request carries ${entry.key}, and with which value, is not in the facts.`
      ),
      missingKey: entry.key
    }
  }
  const requestValues = context.get(entry.key)
  const valueUnknown = context.hasUnknownValue(entry.key)
  const present = valueUnknown || (requestValues !== undefined && requestValues.length > 0)

  if (parsed.isNull) return evaluateNull(entry, present, requestValues ?? [])
  if (valueUnknown) {
    return {
      result: 'unknown',
      mismatch: mismatch(
        entry,
        [],
        `Every real request carries ${entry.key}, but the expectation gives no value; add it to the expectation's context.`
      ),
      missingKey: entry.key
    }
  }

  if (!parsed.base) {
    return {
      result: 'unknown',
      mismatch: mismatch(
        entry,
        requestValues ?? [],
        `The operator \`${entry.operator}\` is not modelled.`
      )
    }
  }

  const result =
    present && requestValues
      ? compareValues(parsed, parsed.base, entry, requestValues, context, variablesEnabled)
      : absentKeyResult(parsed, parsed.base)

  if (result === true) return { result }
  return {
    result,
    mismatch: mismatch(entry, requestValues ?? []),
    missingKey: present ? undefined : entry.key
  }
}

/** Returns the result for a key the request does not carry. */
function absentKeyResult(parsed: ParsedOperator, base: BaseOperator): boolean {
  if (parsed.ifExists) return true
  if (parsed.setOperator === 'ForAllValues') return true
  if (parsed.setOperator === 'ForAnyValue') return false
  return base.negated
}

function evaluateNull(
  entry: ConditionEntry,
  present: boolean,
  requestValues: string[]
): ConditionOutcome {
  // `Null: true` requires the key to be absent, and `Null: false` requires it to be present.
  const wantsAbsent = entry.values.map((value) => value.toLowerCase() === 'true')
  const matches = wantsAbsent.some((absent) => absent !== present)
  if (matches) return { result: true }
  return {
    result: false,
    mismatch: mismatch(entry, requestValues),
    missingKey: present ? undefined : entry.key
  }
}

function compareValues(
  parsed: ParsedOperator,
  base: BaseOperator,
  entry: ConditionEntry,
  requestValues: string[],
  context: RequestContextValues,
  variablesEnabled: boolean
): Tri {
  const policyValues = entry.values.map((value) =>
    base.allowsVariables && variablesEnabled ? substituteVariables(value, context) : value
  )

  // One request value against all policy values: true when any policy value matches it.
  const matchesAny = (requestValue: string): Tri => {
    let result: Tri = false
    for (const policyValue of policyValues) {
      if (policyValue === undefined) continue
      if (policyValue === UNKNOWN_VALUE) {
        result = 'unknown'
        continue
      }
      const compared = base.compare(policyValue, requestValue)
      if (compared === undefined) result = 'unknown'
      else if (compared) return true
    }
    return result
  }

  const perRequestValue = requestValues.map(matchesAny)

  if (parsed.setOperator === 'ForAllValues') {
    // Every request value must satisfy the operator (for negated ones: match no policy value).
    return combineAll(perRequestValue.map((match) => (base.negated ? invert(match) : match)))
  }
  if (parsed.setOperator === 'ForAnyValue') {
    return combineAny(perRequestValue.map((match) => (base.negated ? invert(match) : match)))
  }
  // A plain operator: positive ones need some pair to match; negated ones need no pair to match.
  const anyMatch = combineAny(perRequestValue)
  return base.negated ? invert(anyMatch) : anyMatch
}

function invert(value: Tri): Tri {
  return value === 'unknown' ? value : !value
}

function combineAll(values: Tri[]): Tri {
  if (values.includes(false)) return false
  return values.includes('unknown') ? 'unknown' : true
}

function combineAny(values: Tri[]): Tri {
  if (values.includes(true)) return true
  return values.includes('unknown') ? 'unknown' : false
}

function mismatch(entry: ConditionEntry, actual: string[], note?: string): Mismatch {
  const hint = note ?? conditionHint(entry, actual)
  return {
    element: 'condition',
    detail: `${entry.operator} ${entry.key}`,
    expected: entry.values,
    actual,
    ...(hint ? { hint } : {})
  }
}

/** Recognises common mistakes in condition values. */
function conditionHint(entry: ConditionEntry, actual: string[]): string | undefined {
  const key = entry.key.toLowerCase()
  if (key === 'kms:viaservice') {
    const accountInPlaceOfRegion = entry.values.find((value) =>
      /\.\d{12}\.amazonaws\.com$/.test(value)
    )
    if (accountInPlaceOfRegion) {
      return `\`${accountInPlaceOfRegion}\` has an account ID where the Region belongs; kms:ViaService values look like \`service.REGION.amazonaws.com\`.`
    }
    if (actual.length === 0) {
      return 'kms:ViaService is set only when an AWS service calls KMS for the principal; add it to the expectation context if the request comes through a service.'
    }
    const regionOf = (value: string) =>
      /^[\w-]+\.([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com$/.exec(value)?.[1]
    const actualRegion = regionOf(actual[0])
    const otherRegion = entry.values.find((value) => {
      const region = regionOf(value)
      return region !== undefined && actualRegion !== undefined && region !== actualRegion
    })
    if (otherRegion) {
      return `\`${otherRegion}\` names Region ${regionOf(otherRegion)}, but the request comes through ${actualRegion}; kms:ViaService names the Region of the service endpoint.`
    }
  }
  if (key === 'kms:encryptioncontext:aws:s3:arn') {
    const objectPattern = entry.values.some((value) => /^arn:aws[\w-]*:s3:::[^/]+\/.+/.test(value))
    const bucketActual = actual.some((value) => /^arn:aws[\w-]*:s3:::[^/]+$/.test(value))
    if (objectPattern && bucketActual) {
      return 'With S3 Bucket Keys the encryption context holds the bucket ARN, not the object ARN; allow the bucket ARN as well.'
    }
  }
  if (key === 'aws:principalarn' && actual.length > 0) {
    const actualPath = /:role\/(.+)\/[^/]+$/.exec(actual[0])
    if (actualPath) {
      return `The principal's ARN includes the path \`/${actualPath[1]}/\`; aws:PrincipalArn patterns must include it (or use a wildcard).`
    }
  }
  return undefined
}
