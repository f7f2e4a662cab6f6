/** The live readers' options, from the manifest's `live` section and the flags or inputs. */
import type { LiveOptions } from '../facts/live/read-live-facts.js'
import type { LoadedManifest } from '../inputs/manifest.js'

/** Account roles from flags or action inputs win over the manifest's `live.accounts`. */
export function liveOptions(
  manifest: LoadedManifest,
  settings: { accountRoles: Record<string, string> }
): LiveOptions {
  return {
    ...(manifest.defaults.region ? { region: manifest.defaults.region } : {}),
    accountRoles: { ...manifest.live.accounts, ...settings.accountRoles },
    ...(manifest.live.concurrency ? { concurrency: manifest.live.concurrency } : {})
  }
}
