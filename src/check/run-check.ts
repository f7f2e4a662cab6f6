/**
 * Runs a check end to end: reads the manifest and the facts (files, AWS, or both), then
 * evaluates.
 */

import { resolveKeyAmong } from '../engine/key.js'
import { revisionFiles } from '../facts/git-revision.js'
import type { IacContext } from '../facts/iac/read-iac.js'
import { confirmWithDryRun } from '../facts/live/confirm-dry-run.js'
import { readLiveFacts } from '../facts/live/read-live-facts.js'
import { type LoadedFacts, loadFacts } from '../facts/load-facts.js'
import { InputError } from '../inputs/errors.js'
import { type LoadedManifest, loadManifest, withManifestFacts } from '../inputs/manifest.js'
import type { CheckSettings } from '../inputs/settings.js'
import { TOOL_VERSION } from '../version.js'
import { withBaseline } from './baseline.js'
import { combineFacts, type LiveFactsForCheck } from './combine-facts.js'
import { codeChangedResults, dryRunRequests, withDryRun } from './dry-run-results.js'
import { evaluateManifest } from './evaluate-manifest.js'
import { buildLiveKeys } from './live-key-facts.js'
import { liveOptions } from './live-options.js'
import type { CheckReport, LiveRun } from './results.js'
import { resolveMode } from './run-mode.js'

/** Loads and validates every input before evaluating anything. Throws `InputError` for bad input. */
export async function runCheck(
  settings: CheckSettings,
  env: NodeJS.ProcessEnv = process.env
): Promise<CheckReport> {
  const manifest = await loadManifest(settings.manifestPath, settings.cwd)
  return checkManifest(manifest, settings, env)
}

/** The settings a check of an already loaded manifest needs. */
export type CheckManifestSettings = Pick<
  CheckSettings,
  | 'factPaths'
  | 'failOnUnknown'
  | 'mode'
  | 'accountRoles'
  | 'cwd'
  | 'confirmWithDryRun'
  | 'baseRef'
  | 'baseFactPaths'
>

/** Checks a loaded manifest (from a file, or built from an AccessDenied message). */
export async function checkManifest(
  manifest: LoadedManifest,
  settings: CheckManifestSettings,
  env: NodeJS.ProcessEnv = process.env
): Promise<CheckReport> {
  const effective = withManifestFacts(settings, manifest)
  const { mode, reason } = resolveMode(settings.mode, env)
  if (mode === 'offline' && effective.factPaths.length === 0) {
    throw new InputError(
      `no facts to check against: list fact files under \`facts\` in ${manifest.file}, or pass --facts PATH (action input \`facts\`)${settings.mode === 'auto' ? `; ${reason}` : ''}`
    )
  }

  const files =
    effective.factPaths.length > 0
      ? await loadFacts(effective.factPaths, settings.cwd, { iac: iacContext(manifest) })
      : undefined
  const options = {
    failOnUnknown: settings.failOnUnknown,
    toolVersion: TOOL_VERSION,
    ...(reason ? { modeReason: reason } : {})
  }
  if (mode === 'offline' && files) {
    const report = evaluateManifest(manifest, files, options)
    return compareWithBase(report, manifest, settings, (base) => base ?? emptyFacts())
  }

  const { loaded, live, liveFacts } = await readLive(manifest, settings, files)
  const report = evaluateManifest(manifest, loaded, { ...options, mode: 'live', live })
  // The base is compared before DryRun: a disagreement with KMS is no change this code makes.
  const compared = await compareWithBase(report, manifest, settings, (base) =>
    combineFacts(base, liveFacts)
  )
  if (!(settings.confirmWithDryRun ?? manifest.live.confirmWithDryRun)) return compared
  return confirmReport(compared, manifest, settings, loaded)
}

/**
 * Checks the base revision's facts too (with the same live facts in a live run) and marks
 * what the change breaks and fixes. A base that cannot be read leaves a warning, never a
 * failed check: the change itself was checked.
 */
async function compareWithBase(
  report: CheckReport,
  manifest: LoadedManifest,
  settings: CheckManifestSettings,
  overlay: (base: LoadedFacts | undefined) => LoadedFacts
): Promise<CheckReport> {
  const { baseRef, baseFactPaths = [] } = settings
  if (!baseRef && baseFactPaths.length === 0) return report
  const source = baseFactPaths.length > 0 ? baseFactPaths.join(', ') : `git revision ${baseRef}`
  try {
    const base = await loadBase(manifest, settings)
    const baseReport = evaluateManifest(manifest, overlay(base), {
      failOnUnknown: settings.failOnUnknown,
      toolVersion: TOOL_VERSION
    })
    return withBaseline(report, baseReport, source)
  } catch (error) {
    if (!(error instanceof InputError)) throw error
    const message = `The base (${source}) could not be checked, so the report does not say what this change breaks: ${error.format()}`
    return { ...report, warnings: [...report.warnings, { code: 'facts', message }] }
  }
}

/** Loads the base facts: the given base paths, or the same fact paths as they were at the base revision. */
async function loadBase(
  manifest: LoadedManifest,
  settings: CheckManifestSettings
): Promise<LoadedFacts | undefined> {
  const iac = iacContext(manifest)
  if (settings.baseFactPaths && settings.baseFactPaths.length > 0) {
    return loadFacts(settings.baseFactPaths, settings.cwd, { iac })
  }
  const paths = withManifestFacts(settings, manifest).factPaths
  if (paths.length === 0 || !settings.baseRef) return undefined
  const revision = await revisionFiles(settings.baseRef, settings.cwd)
  return loadFacts(paths, settings.cwd, { iac, revision })
}

/** Asks KMS itself with DryRun and adds its verdicts to the report. */
async function confirmReport(
  report: CheckReport,
  manifest: LoadedManifest,
  settings: CheckManifestSettings,
  loaded: LoadedFacts
): Promise<CheckReport> {
  const contexts = new Map(manifest.expectations.map((entry) => [entry.name, entry.context]))
  const { confirmations, calls } = await confirmWithDryRun(
    dryRunRequests(report, contexts, loaded.facts),
    liveOptions(manifest, settings)
  )
  const confirmed = withDryRun(report, new Map([...codeChangedResults(report), ...confirmations]))
  const extra = calls.operations.map((entry) => ({
    operation: entry.operation,
    calls: entry.calls,
    attempts: entry.attempts,
    failures: entry.failures
  }))
  return {
    ...confirmed,
    live: {
      ...(confirmed.live ?? { assumedRoles: {}, calls: [] }),
      calls: mergeCalls(confirmed.live?.calls ?? [], extra)
    }
  }
}

function mergeCalls(left: LiveRun['calls'], right: LiveRun['calls']): LiveRun['calls'] {
  const merged = new Map(left.map((entry) => [entry.operation, { ...entry }]))
  for (const entry of right) {
    const existing = merged.get(entry.operation)
    if (!existing) merged.set(entry.operation, { ...entry })
    else {
      existing.calls += entry.calls
      existing.attempts += entry.attempts
      existing.failures += entry.failures
    }
  }
  return [...merged.values()].sort((a, b) => (a.operation < b.operation ? -1 : 1))
}

/** Reads AWS for the manifest's expectations and combines the result with the fact files. */
async function readLive(
  manifest: LoadedManifest,
  settings: CheckManifestSettings,
  files: LoadedFacts | undefined
): Promise<{ loaded: LoadedFacts; live: LiveRun; liveFacts: LiveFactsForCheck }> {
  const options = {
    ...liveOptions(manifest, settings),
    codeKeyArns: codeKeyArns(manifest, files)
  }
  const read = await readLiveFacts(manifest.expectations, manifest.defaults, options)
  if (!read.gateIdentity) {
    // Without credentials every result would be unknown for the same reason, so report it once.
    throw new InputError(
      `a live run needs AWS credentials, and the gate could not identify its own (sts:GetCallerIdentity): ${read.identityProblem ?? 'no answer'}. Configure credentials (aws-actions/configure-aws-credentials in a workflow, AWS_PROFILE on a laptop), or run with --mode offline and fact files`
    )
  }
  const built = buildLiveKeys(read.keyDocuments)
  const liveFacts: LiveFactsForCheck = {
    keys: built.keys,
    iam: read.iam,
    simulations: read.simulations,
    gaps: [...read.gaps, ...built.gaps]
  }
  const loaded = combineFacts(files, liveFacts)
  return {
    loaded,
    liveFacts,
    live: {
      ...(read.gateIdentity ? { gateArn: read.gateIdentity.arn } : {}),
      assumedRoles: options.accountRoles,
      calls: read.calls.operations.map((operation) => ({
        operation: operation.operation,
        calls: operation.calls,
        attempts: operation.attempts,
        failures: operation.failures
      }))
    }
  }
}

/** Returns the values templates and plans are resolved with: the manifest's defaults and `iac` section. */
export function iacContext(manifest: LoadedManifest): IacContext {
  return {
    ...(manifest.defaults.account ? { accountId: manifest.defaults.account } : {}),
    ...(manifest.defaults.region ? { region: manifest.defaults.region } : {}),
    partition: manifest.defaults.partition,
    ...(manifest.iac.stackName ? { stackName: manifest.iac.stackName } : {}),
    parameters: manifest.iac.parameters,
    imports: manifest.iac.imports
  }
}

function emptyFacts(): LoadedFacts {
  return {
    facts: { iam: [], keys: [], organizations: [], vpcEndpoints: [], sessionPolicies: [] },
    sources: [],
    warnings: []
  }
}

/**
 * Maps each expectation's key, as written, to the ARN of the key that templates or plans
 * define for it (by reference, or by an alias the code points at its key), so a live run
 * simulates the IAM side against the key the change deploys.
 */
function codeKeyArns(
  manifest: LoadedManifest,
  files: LoadedFacts | undefined
): Record<string, string> {
  const codeKeys = (files?.facts.keys ?? []).filter((key) => key.fromCode)
  if (codeKeys.length === 0) return {}
  const arns: Record<string, string> = {}
  for (const expectation of manifest.expectations) {
    const resolved = resolveKeyAmong(expectation.key, codeKeys, {
      callerAccountId: expectation.account ?? manifest.defaults.account,
      region: expectation.region ?? manifest.defaults.region
    })
    if (resolved.key) arns[expectation.key] = resolved.key.arn
  }
  return arns
}
