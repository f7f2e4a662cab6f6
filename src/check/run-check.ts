/**
 * Runs a check end to end: reads the manifest and the facts, then evaluates.
 */
import { loadFacts } from '../facts/load-facts.js'
import { InputError } from '../inputs/errors.js'
import { loadManifest, withManifestFacts } from '../inputs/manifest.js'
import type { CheckSettings } from '../inputs/settings.js'
import { TOOL_VERSION } from '../version.js'
import { evaluateManifest } from './evaluate-manifest.js'
import type { CheckReport } from './results.js'

/** Loads and validates every input before evaluating anything. Throws `InputError` for bad input. */
export async function runCheck(settings: CheckSettings): Promise<CheckReport> {
  const manifest = await loadManifest(settings.manifestPath, settings.cwd)
  const effective = withManifestFacts(settings, manifest)
  if (effective.factPaths.length === 0) {
    throw new InputError(
      `no facts to check against: list fact files under \`facts\` in ${manifest.file}, or pass --facts PATH (action input \`facts\`)`
    )
  }

  const loaded = await loadFacts(effective.factPaths, settings.cwd)
  return evaluateManifest(manifest, loaded, {
    failOnUnknown: settings.failOnUnknown,
    toolVersion: TOOL_VERSION
  })
}
