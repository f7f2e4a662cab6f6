/**
 * Choosing between offline and live runs. `auto` is live when AWS credentials are set in the
 * environment. Only variables and the shared config files are looked at: probing the
 * instance metadata service would reach outside the machine, and a runner without
 * credentials would wait for it to time out.
 */
import { existsSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { CheckMode } from '../inputs/settings.js'

/** The environment variables that hold or point to AWS credentials, in the order reported. */
const CREDENTIAL_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_PROFILE',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'
]

export interface ResolvedMode {
  mode: 'offline' | 'live'
  /** Why this mode, for the report; absent when the user chose it directly. */
  reason?: string
}

/** Resolves `auto` to `live` or `offline` from the environment. */
export function resolveMode(
  mode: CheckMode,
  env: NodeJS.ProcessEnv,
  homeDirectory: string = os.homedir()
): ResolvedMode {
  if (mode !== 'auto') return { mode }
  const variable = CREDENTIAL_VARIABLES.find((name) => (env[name] ?? '') !== '')
  if (variable) return { mode: 'live', reason: `mode auto: AWS credentials found in ${variable}` }
  const file = env.AWS_SHARED_CREDENTIALS_FILE || path.join(homeDirectory, '.aws', 'credentials')
  if (existsSync(file)) return { mode: 'live', reason: `mode auto: AWS credentials file ${file}` }
  return {
    mode: 'offline',
    reason: 'mode auto: no AWS credentials in the environment, so fact files only'
  }
}
