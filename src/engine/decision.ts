/**
 * The engine's output vocabulary. Reports render these values and never re-derive them.
 */
import type { Effect, PolicyKind, PolicyOrigin, SourceLocation } from './model.js'

export type Decision = 'allowed' | 'explicit-deny' | 'implicit-deny' | 'unknown'

/** The locks that can close a KMS request, named as the reports print them. */
export type Lock =
  | 'explicit-deny'
  | 'scp'
  | 'rcp'
  | 'vpce'
  | 'key-policy'
  | 'iam'
  | 'permissions-boundary'
  | 'session-policy'
  | 'grant'
  | 'key-state'
  | 'key-usage'
  | 'key-not-found'

export const LOCKS: readonly Lock[] = [
  'explicit-deny',
  'scp',
  'rcp',
  'vpce',
  'key-policy',
  'iam',
  'permissions-boundary',
  'session-policy',
  'grant',
  'key-state',
  'key-usage',
  'key-not-found'
]

/** A statement that took part in a decision. */
export interface StatementRef {
  policyKind: PolicyKind
  policyName: string
  policyArn?: string
  /** Account that contains the policy. */
  accountId?: string
  sid?: string
  /** 0-based statement index. */
  index: number
  effect: Effect
  location?: SourceLocation
  /**
   * Position the IAM policy simulator gave for the statement inside its policy document (live runs
   * read no policy files, so there is no `location` and `index` is not known).
   */
  simulatorPosition?: { line: number; column: number }
}

/** A grant that took part in a decision. */
export interface GrantRef {
  grantId: string
  name?: string
  granteePrincipal: string
  operations: string[]
  location?: SourceLocation
}

export type LockStatus = 'open' | 'closed' | 'unknown' | 'not-applicable'

/** The state of one lock for one request, with the statements that decided it. */
export interface LockCheck {
  lock: Lock
  status: LockStatus
  /** Account in which this lock sits (the key's or the principal's). */
  accountId?: string
  /** One sentence saying why the lock is in this state. */
  reason: string
  statements: StatementRef[]
  grants: GrantRef[]
}

/** A part of a statement that failed to match the request. */
export interface Mismatch {
  element: 'action' | 'resource' | 'principal' | 'condition'
  /** For conditions: the operator and key; for other elements: the element name. */
  detail: string
  /** Values the policy expects. */
  expected: string[]
  /** Value(s) the request had, or empty when the key was absent from the request context. */
  actual: string[]
  /** A short hint when the mismatch looks like a known mistake. */
  hint?: string
}

/** An Allow statement that almost let the request in. */
export interface NearMiss {
  statement: StatementRef
  mismatches: Mismatch[]
}

export interface ResolvedPrincipal {
  /** The ARN (or service name) as given in the expectation. */
  input: string
  kind:
    | 'role'
    | 'assumed-role'
    | 'user'
    | 'federated-user'
    | 'account'
    | 'service'
    | 'service-linked-role'
    | 'unknown'
  /** The ARN that policies are matched against (the session ARN for an assumed role). */
  arn: string
  /** The IAM role ARN behind an assumed-role session, with its path when known. */
  roleArn?: string
  accountId?: string
  partition: string
  /** Place in code for a new identity-policy statement of this principal, when code defines it. */
  policyOrigin?: PolicyOrigin
}

export interface ResolvedKey {
  input: string
  arn?: string
  accountId?: string
  region?: string
  keyId?: string
  /** Set when the expectation named the key through an alias. */
  alias?: string
  /** Where the key policy is written in code, when a template or plan defines it. */
  policyOrigin?: PolicyOrigin
  /** True when only the grants the code creates are known (see `KeyFact.grantsFromCodeOnly`). */
  grantsFromCodeOnly?: boolean
}

/** Path by which the request got in, when it did. */
export type AccessPath =
  | 'key-policy-names-principal'
  | 'key-policy-trusts-account-and-iam-allows'
  | 'grant'

/** The engine's result for one principal, action and key. */
export interface Evaluation {
  decision: Decision
  principal: ResolvedPrincipal
  key: ResolvedKey
  action: string
  /** Every lock considered, in evaluation order. */
  locks: LockCheck[]
  /** The locks that are closed (or unknown, when the decision is `unknown`). */
  closedLocks: Lock[]
  /** Paths by which the request is allowed, when `decision` is `allowed`. */
  accessPaths: AccessPath[]
  /** Statements and grants that let the request in. */
  allowedBy: StatementRef[]
  allowedByGrants: GrantRef[]
  /** Deny statements that match the request. */
  deniedBy: StatementRef[]
  /** Reasons the decision is `unknown`, or facts the decision had to assume. */
  reasons: string[]
  /** Condition keys that policies test but the request context did not supply. */
  missingContextKeys: string[]
  nearMisses: NearMiss[]
  /** True when the principal and key are in different accounts. */
  crossAccount: boolean
}
