/**
 * Runs a check end to end: reads the manifest and the facts (files, AWS, or both), then
 * evaluates.
 */
import { buildFacts } from '../facts/build-facts.js'
import { confirmWithDryRun } from '../facts/live/confirm-dry-run.js'
import { readLiveFacts } from '../facts/live/read-live-facts.js'
import { type LoadedFacts, loadFacts } from '../facts/load-facts.js'
import { InputError } from '../inputs/errors.js'
import { type LoadedManifest, loadManifest, withManifestFacts } from '../inputs/manifest.js'
import type { CheckSettings } from '../inputs/settings.js'
import { TOOL_VERSION } from '../version.js'
import { combineFacts } from './combine-facts.js'
import { dryRunRequests, withDryRun } from './dry-run-results.js'
import { evaluateManifest } from './evaluate-manifest.js'
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
  'factPaths' | 'failOnUnknown' | 'mode' | 'accountRoles' | 'cwd' | 'confirmWithDryRun'
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
    effective.factPaths.length > 0 ? await loadFacts(effective.factPaths, settings.cwd) : undefined
  const options = {
    failOnUnknown: settings.failOnUnknown,
    toolVersion: TOOL_VERSION,
    ...(reason ? { modeReason: reason } : {})
  }
  if (mode === 'offline' && files) return evaluateManifest(manifest, files, options)

  const { loaded, live } = await readLive(manifest, settings, files)
  const report = evaluateManifest(manifest, loaded, { ...options, mode: 'live', live })
  if (!(settings.confirmWithDryRun ?? manifest.live.confirmWithDryRun)) return report
  return confirmReport(report, manifest, settings, loaded)
}

/** Asks KMS itself with DryRun and lays its answers over the report. */
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
  const confirmed = withDryRun(report, confirmations)
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

/** Reads AWS for the manifest's expectations and lays the answers over the fact files. */
async function readLive(
  manifest: LoadedManifest,
  settings: CheckManifestSettings,
  files: LoadedFacts | undefined
): Promise<{ loaded: LoadedFacts; live: LiveRun }> {
  const options = liveOptions(manifest, settings)
  const read = await readLiveFacts(manifest.expectations, manifest.defaults, options)
  if (!read.gateIdentity) {
    // Without credentials every result would be unknown for the same reason: say it once.
    throw new InputError(
      `a live run needs AWS credentials, and the gate could not identify its own (sts:GetCallerIdentity): ${read.identityProblem ?? 'no answer'}. Configure credentials (aws-actions/configure-aws-credentials in a workflow, AWS_PROFILE on a laptop), or run with --mode offline and fact files`
    )
  }
  const loaded = combineFacts(files, {
    keys: buildFacts(read.keyDocuments),
    iam: read.iam,
    simulations: read.simulations,
    gaps: read.gaps
  })
  return {
    loaded,
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
