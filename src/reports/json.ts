/**
 * The JSON report: the `CheckReport` with its fields in a fixed order, so that the same
 * report always prints the same text whichever order the code built its objects in.
 * `docs/json-report.md` documents the format.
 */
import type {
  AwsCallCount,
  Baseline,
  CheckReport,
  DryRunConfirmation,
  ExpectationResult,
  LiveRun,
  Remediation,
  RemediationChange,
  ReportWarning,
  ResultCounts
} from '../check/results.js'
import type {
  Evaluation,
  GrantRef,
  LockCheck,
  Mismatch,
  NearMiss,
  ResolvedKey,
  ResolvedPrincipal,
  StatementRef
} from '../engine/decision.js'
import type { PolicyOrigin, SourceLocation } from '../engine/model.js'

/** How to order one object type: its fields in print order and the shapes of nested objects. */
interface Shape {
  fields: readonly string[]
  /** Nested objects or arrays of objects. A field mapped to `verbatim` is printed as built. */
  nested?: Record<string, Shape | 'verbatim'>
}

/**
 * Returns the field list of `T` in the given order. It fails to compile when a field of
 * `T` is left out, so a new field in the report types cannot be dropped from the JSON.
 */
function fieldOrder<T>() {
  return <const K extends readonly (keyof T & string)[]>(
    fields: K &
      ([Exclude<keyof T, K[number]>] extends [never]
        ? unknown
        : { missing: Exclude<keyof T, K[number]> })
  ): readonly string[] => fields
}

const LOCATION: Shape = { fields: fieldOrder<SourceLocation>()(['file', 'line', 'column']) }

const POSITION: Shape = { fields: ['line', 'column'] }

const POLICY_ORIGIN: Shape = {
  fields: fieldOrder<PolicyOrigin>()([
    'format',
    'file',
    'resource',
    'statementsLocation',
    'terraformStyle',
    'policyIsText',
    'flowStyleStatements'
  ]),
  nested: { statementsLocation: LOCATION }
}

const STATEMENT_REF: Shape = {
  fields: fieldOrder<StatementRef>()([
    'policyKind',
    'policyName',
    'policyArn',
    'accountId',
    'sid',
    'index',
    'effect',
    'location',
    'simulatorPosition'
  ]),
  nested: { location: LOCATION, simulatorPosition: POSITION }
}

const GRANT_REF: Shape = {
  fields: fieldOrder<GrantRef>()(['grantId', 'name', 'granteePrincipal', 'operations', 'location']),
  nested: { location: LOCATION }
}

const LOCK_CHECK: Shape = {
  fields: fieldOrder<LockCheck>()([
    'lock',
    'status',
    'accountId',
    'reason',
    'statements',
    'grants'
  ]),
  nested: { statements: STATEMENT_REF, grants: GRANT_REF }
}

const MISMATCH: Shape = {
  fields: fieldOrder<Mismatch>()(['element', 'detail', 'expected', 'actual', 'hint'])
}

const NEAR_MISS: Shape = {
  fields: fieldOrder<NearMiss>()(['statement', 'mismatches']),
  nested: { statement: STATEMENT_REF, mismatches: MISMATCH }
}

const PRINCIPAL: Shape = {
  fields: fieldOrder<ResolvedPrincipal>()([
    'input',
    'kind',
    'arn',
    'roleArn',
    'accountId',
    'partition',
    'policyOrigin'
  ]),
  nested: { policyOrigin: POLICY_ORIGIN }
}

const KEY: Shape = {
  fields: fieldOrder<ResolvedKey>()([
    'input',
    'arn',
    'accountId',
    'region',
    'keyId',
    'alias',
    'policyOrigin',
    'grantsFromCodeOnly'
  ]),
  nested: { policyOrigin: POLICY_ORIGIN }
}

const EVALUATION: Shape = {
  fields: fieldOrder<Evaluation>()([
    'decision',
    'action',
    'principal',
    'key',
    'crossAccount',
    'closedLocks',
    'accessPaths',
    'allowedBy',
    'allowedByGrants',
    'deniedBy',
    'locks',
    'reasons',
    'missingContextKeys',
    'nearMisses'
  ]),
  nested: {
    principal: PRINCIPAL,
    key: KEY,
    allowedBy: STATEMENT_REF,
    allowedByGrants: GRANT_REF,
    deniedBy: STATEMENT_REF,
    locks: LOCK_CHECK,
    nearMisses: NEAR_MISS
  }
}

const REMEDIATION_CHANGE: Shape = {
  fields: fieldOrder<RemediationChange>()([
    'side',
    'accountId',
    'target',
    'description',
    'statement',
    'statements',
    'location',
    'snippet'
  ]),
  // The statement is meant to be pasted into a policy, so it keeps the order it was written in.
  nested: {
    statement: 'verbatim',
    statements: STATEMENT_REF,
    location: LOCATION,
    snippet: { fields: ['language', 'text'] }
  }
}

const REMEDIATION: Shape = {
  fields: fieldOrder<Remediation>()(['summary', 'changes', 'verifyCommands']),
  nested: { changes: REMEDIATION_CHANGE }
}

const RESULT: Shape = {
  fields: fieldOrder<ExpectationResult>()([
    'expectation',
    'principal',
    'key',
    'action',
    'expect',
    'decision',
    'passed',
    'status',
    'closedLocks',
    'manifestLocation',
    'remediation',
    'dryRun',
    'baseStatus',
    'change',
    'evidence'
  ]),
  nested: {
    manifestLocation: LOCATION,
    remediation: REMEDIATION,
    dryRun: { fields: fieldOrder<DryRunConfirmation>()(['kms', 'agrees', 'detail']) },
    evidence: EVALUATION
  }
}

const WARNING: Shape = {
  fields: fieldOrder<ReportWarning>()(['code', 'message', 'location']),
  nested: { location: LOCATION }
}

const COUNTS: Shape = {
  fields: fieldOrder<ResultCounts>()(['expectations', 'results', 'passed', 'failed', 'unknown'])
}

const REPORT: Shape = {
  fields: fieldOrder<CheckReport>()([
    'reportVersion',
    'tool',
    'manifest',
    'mode',
    'modeReason',
    'live',
    'baseline',
    'factSources',
    'passed',
    'failOnUnknown',
    'counts',
    'results',
    'warnings'
  ]),
  nested: {
    tool: { fields: fieldOrder<CheckReport['tool']>()(['name', 'version']) },
    live: {
      fields: fieldOrder<LiveRun>()(['gateArn', 'assumedRoles', 'calls']),
      nested: {
        calls: {
          fields: fieldOrder<AwsCallCount>()(['operation', 'calls', 'attempts', 'failures'])
        }
      }
    },
    baseline: {
      fields: fieldOrder<Baseline>()(['source', 'counts', 'breaks', 'fixes']),
      nested: { counts: COUNTS }
    },
    counts: COUNTS,
    results: RESULT,
    warnings: WARNING
  }
}

/**
 * Copies a value with the fields of each object in the shape's order. Fields the shape
 * does not list follow in alphabetical order, so nothing is lost and the output stays
 * deterministic. Such fields appear only when an object carries more than its type declares.
 */
function orderFields(value: unknown, shape: Shape | 'verbatim'): unknown {
  if (shape === 'verbatim') return value
  if (Array.isArray(value)) return value.map((item) => orderFields(item, shape))
  if (value === null || typeof value !== 'object') return value

  const record = value as Record<string, unknown>
  const listed = new Set(shape.fields)
  const extra = Object.keys(record)
    .filter((field) => !listed.has(field))
    .sort()

  const ordered: Record<string, unknown> = {}
  for (const field of [...shape.fields, ...extra]) {
    if (record[field] === undefined) continue
    const nestedShape = shape.nested?.[field]
    ordered[field] = nestedShape ? orderFields(record[field], nestedShape) : record[field]
  }
  return ordered
}

/** Renders the report as JSON indented by two spaces, ending with a newline. */
export function renderJson(report: CheckReport): string {
  return `${JSON.stringify(orderFields(report, REPORT), null, 2)}\n`
}
