/**
 * Runs a check end to end: reads the manifest and the facts (files, AWS, or both), then
 * evaluates.
 */
import { buildFacts } from '../facts/build-facts.js'
import { readLiveFacts } from '../facts/live/read-live-facts.js'
import { type LoadedFacts, loadFacts } from '../facts/load-facts.js'
import { InputError } from '../inputs/errors.js'
import { type LoadedManifest, loadManifest, withManifestFacts } from '../inputs/manifest.js'
import type { CheckSettings } from '../inputs/settings.js'
import { TOOL_VERSION } from '../version.js'
import { combineFacts } from './combine-facts.js'
import { evaluateManifest } from './evaluate-manifest.js'
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
  'factPaths' | 'failOnUnknown' | 'mode' | 'accountRoles' | 'cwd'
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
  return evaluateManifest(manifest, loaded, { ...options, mode: 'live', live })
}

/** Reads AWS for the manifest's expectations and lays the answers over the fact files. */
async function readLive(
  manifest: LoadedManifest,
  settings: CheckManifestSettings,
  files: LoadedFacts | undefined
): Promise<{ loaded: LoadedFacts; live: LiveRun }> {
  const accountRoles = { ...manifest.live.accounts, ...settings.accountRoles }
  const read = await readLiveFacts(manifest.expectations, manifest.defaults, {
    ...(manifest.defaults.region ? { region: manifest.defaults.region } : {}),
    accountRoles,
    ...(manifest.live.concurrency ? { concurrency: manifest.live.concurrency } : {})
  })
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
      assumedRoles: accountRoles,
      calls: read.calls.operations.map((operation) => ({
        operation: operation.operation,
        calls: operation.calls,
        attempts: operation.attempts,
        failures: operation.failures
      }))
    }
  }
}
