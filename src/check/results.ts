/**
 * The check's results: one entry per expectation and action. This is the data behind
 * every report and the documented JSON interface.
 */
import type { Decision, Evaluation, Lock, StatementRef } from '../engine/decision.js'
import type { PolicyWarning, SourceLocation } from '../engine/model.js'
import type { Expect } from '../inputs/settings.js'

/** `pass`: the decision matches `expect`; `fail`: it does not; `unknown`: the tool could not decide. */
export type ResultStatus = 'pass' | 'fail' | 'unknown'

/** Place where a fix must be made. */
export type RemediationSide =
  | 'key-policy'
  | 'iam'
  | 'permissions-boundary'
  | 'session-policy'
  | 'vpce'
  | 'scp'
  | 'rcp'
  | 'grant'
  | 'key'
  | 'expectation'

/** One change that would make the expectation hold. */
export interface RemediationChange {
  side: RemediationSide
  /** Account in which the change is made. */
  accountId?: string
  /** The key ARN, role/user ARN or policy the change applies to. */
  target: string
  /** Action to take, in one or two sentences. */
  description: string
  /** A policy statement ready to paste, when the fix is one. */
  statement?: Record<string, unknown>
  /** Existing statements that must be removed or narrowed. */
  statements?: StatementRef[]
  /** Place of the change, when the policy is written in a template or plan. */
  location?: SourceLocation
  /** The statement written in that file's language (YAML, JSON or HCL). */
  snippet?: { language: 'yaml' | 'json' | 'hcl'; text: string }
}

export interface Remediation {
  /** One line that states what to change and where. */
  summary: string
  changes: RemediationChange[]
  /** `aws` commands that check the fix afterwards. */
  verifyCommands: string[]
}

/** KMS's own verdict on a DryRun request, compared with the engine's decision. */
export interface DryRunConfirmation {
  /** `allowed`: KMS returned DryRunOperationException; `denied`: AccessDeniedException. */
  kms: 'allowed' | 'denied' | 'not-checked'
  /** False when KMS and the engine disagree. The result then fails, whatever `expect` is. */
  agrees: boolean
  /** Reason it was not checked, or what KMS returned. */
  detail: string
}

export interface ExpectationResult {
  /** The expectation's name. */
  expectation: string
  /** Principal ARN as resolved. */
  principal: string
  /** Key ARN as resolved, or the input when it could not be resolved. */
  key: string
  action: string
  expect: Expect
  decision: Decision
  /** True when the decision matches `expect`. */
  passed: boolean
  status: ResultStatus
  closedLocks: Lock[]
  evidence: Evaluation
  /** Absent when the result passed. */
  remediation?: Remediation
  /** Present when the live run confirmed the result with KMS's DryRun. */
  dryRun?: DryRunConfirmation
  /** The result's status before the change (at the base revision), when the base was checked. */
  baseStatus?: ResultStatus
  /**
   * Effect of the change on this result: `breaks` (passed before, not now), `fixes` (did
   * not pass before, passes now) or `unchanged`.
   */
  change?: 'breaks' | 'fixes' | 'unchanged'
  /** Location of the expectation in the manifest. */
  manifestLocation: SourceLocation
}

/** A warning about an input that did not stop the check, such as a statement AWS ignores. */
export interface ReportWarning {
  message: string
  code: PolicyWarning['code'] | 'facts' | 'organizations-not-supplied'
  location?: SourceLocation
}

export interface ResultCounts {
  expectations: number
  results: number
  passed: number
  failed: number
  unknown: number
}

/** Calls made to one AWS API operation during a live run. */
export interface AwsCallCount {
  /** Such as `kms:GetKeyPolicy`. */
  operation: string
  calls: number
  /** HTTP attempts, retries included. */
  attempts: number
  /** Calls that still failed after their retries, or were denied. */
  failures: number
}

/** The AWS reads of a live run. */
export interface LiveRun {
  /** The identity of the gate's own credentials (sts:GetCallerIdentity), when known. */
  gateArn?: string
  /** Roles assumed, by account ID. */
  assumedRoles: Record<string, string>
  calls: AwsCallCount[]
}

/** The check of the base revision, which the results are compared with. */
export interface Baseline {
  /** The base revision (`--base-ref`) or the base fact paths (`--base-facts`). */
  source: string
  counts: ResultCounts
  /** Results that passed at the base and do not pass now. */
  breaks: number
  /** Results that did not pass at the base and pass now. */
  fixes: number
}

export interface CheckReport {
  /** Version of this report format. */
  reportVersion: 1
  tool: { name: 'kms-access-gate'; version: string }
  manifest: string
  /** Origin of the facts: fact files only, or AWS (plus any fact files). */
  mode: 'offline' | 'live'
  /** Why this mode was used, such as `mode auto: AWS credentials found in AWS_ACCESS_KEY_ID`. */
  modeReason?: string
  live?: LiveRun
  /** Present when the base revision was checked too. */
  baseline?: Baseline
  factSources: string[]
  /** True when the gate passes: no failures, and no unknowns unless `fail-on-unknown` is off. */
  passed: boolean
  failOnUnknown: boolean
  counts: ResultCounts
  results: ExpectationResult[]
  warnings: ReportWarning[]
}
