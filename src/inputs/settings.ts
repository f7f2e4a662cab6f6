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

export interface Manifest {
  version: 1
  file: string
  defaults: ManifestDefaults
  expectations: Expectation[]
}

export type OutputFormat = 'text' | 'json'

export interface CheckSettings {
  manifestPath: string
  /** Files, directories or glob patterns holding facts. */
  factPaths: string[]
  format: OutputFormat
  /** Report file; standard output when absent. */
  outputPath?: string
  /** Extra JSON report file (action input `json-report`). */
  jsonReportPath?: string
  /** When true, an `unknown` result fails the gate. */
  failOnUnknown: boolean
  /** Directory that relative paths and globs are resolved from. */
  cwd: string
}
