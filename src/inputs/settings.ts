/**
 * Typed, validated settings: what the CLI flags, the action inputs and the manifest
 * turn into before anything is evaluated.
 */
import type { SourceLocation } from '../engine/model.js'

export type Expect = 'allow' | 'deny'

/** Condition keys and their values, as the expectation's `context` gives them. */
export type RequestContext = Record<string, string | string[]>

export interface Expectation {
  name: string
  principal: string
  /** Key ARN, key ID, alias name (`alias/x`) or alias ARN, as written. */
  key: string
  /** Actions with the `kms:` prefix, as written. */
  actions: string[]
  expect: Expect
  context: RequestContext
  /** Region in which a key ID or alias name resolves: the expectation's, else the default. */
  region?: string
  /**
   * Account in which a key ID or alias name resolves: the principal's, or for a service
   * principal the expectation's or the default account.
   */
  account?: string
  /** Location of the expectation's list item in the manifest. */
  location: SourceLocation
  /** Locations of individual fields, for annotations that point at the value. */
  fieldLocations: Partial<
    Record<'name' | 'principal' | 'key' | 'actions' | 'expect' | 'context', SourceLocation>
  >
}

export interface ManifestDefaults {
  region?: string
  account?: string
  partition: string
}

/** Settings for live runs, from the manifest's `live` section. */
export interface LiveManifestSettings {
  /** Role ARN the gate assumes to read each account, by account ID. */
  accounts: Record<string, string>
  /** Maximum concurrent AWS calls. */
  concurrency?: number
  /** Ask KMS itself with DryRun after evaluating, and report disagreements as errors. */
  confirmWithDryRun: boolean
}

/** Values for resolving templates and plans, from the manifest's `iac` section. */
export interface IacManifestSettings {
  stackName?: string
  parameters: Record<string, string | string[]>
  imports: Record<string, string>
}

export interface Manifest {
  version: 1
  file: string
  defaults: ManifestDefaults
  live: LiveManifestSettings
  iac: IacManifestSettings
  expectations: Expectation[]
}

export type OutputFormat = 'text' | 'json'

/**
 * Where the facts come from: `offline` reads fact files; `live` reads AWS (KMS and the IAM
 * policy simulator) and adds any fact files; `auto` is live when AWS credentials are
 * configured in the environment, else offline.
 */
export type CheckMode = 'offline' | 'live' | 'auto'

export interface CheckSettings {
  manifestPath: string
  /** Files, directories or glob patterns holding facts. */
  factPaths: string[]
  format: OutputFormat
  /** Report file; standard output when absent. */
  outputPath?: string
  /** Extra JSON report file (action input `json-report`). */
  jsonReportPath?: string
  /** SARIF 2.1.0 file (`--sarif`, action input `sarif-file`). */
  sarifPath?: string
  /** File for the pull-request comment's Markdown (`--markdown`). */
  markdownPath?: string
  /** When true, an `unknown` result fails the gate. */
  failOnUnknown: boolean
  mode: CheckMode
  /** Roles to assume per account, from flags or action inputs; they win over the manifest's. */
  accountRoles: Record<string, string>
  /** Forces DryRun confirmation on (the manifest can turn it on as well). */
  confirmWithDryRun?: boolean
  /** A git revision (the pull request's base) whose fact files are checked too, to show what the change breaks. */
  baseRef?: string
  /** Fact paths of the base state, instead of reading the fact files at `baseRef`. */
  baseFactPaths?: string[]
  /** Directory that relative paths and globs are resolved from. */
  cwd: string
}

/** Settings of `kms-access-gate snapshot`. */
export interface SnapshotSettings {
  manifestPath: string
  /** Directory the fact files are written to. */
  outDir: string
  accountRoles: Record<string, string>
  cwd: string
}

/** Settings of `kms-access-gate explain`: the message (or the file holding it) and where facts come from. */
export interface ExplainSettings {
  /** The AccessDenied message given as an argument. */
  message?: string
  /** A file with the message or a CloudTrail event; `-` is standard input. */
  inputPath?: string
  /** The key, for messages that do not name it. */
  key?: string
  region?: string
  factPaths: string[]
  mode: CheckMode
  accountRoles: Record<string, string>
  format: OutputFormat
  cwd: string
}
