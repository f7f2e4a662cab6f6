/**
 * Reads the manifest (default `.github/kms-access.yml`): the expectations to check and
 * where the facts are. Everything is validated before anything is evaluated, and the
 * first problem in document order is thrown as an `InputError` with its line and column.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { isMap, isScalar } from 'yaml'
import { InputError } from './errors.js'
import {
  buildDefaults,
  buildExpectations,
  type RawDefaults,
  type RawExpectation
} from './manifest-expectations.js'
import { validateManifestShape } from './manifest-schema.js'
import type { CheckSettings, LiveManifestSettings, Manifest } from './settings.js'
import { parseYamlSource, type YamlSource } from './yaml-source.js'

/** The default manifest path, relative to the working directory. */
export const DEFAULT_MANIFEST_PATH = '.github/kms-access.yml'

/** A manifest together with the fact paths it lists. */
export interface LoadedManifest extends Manifest {
  /**
   * The manifest's `facts` entries, joined to the manifest's directory. They are relative
   * to the directory the manifest path is relative to (the working directory for
   * `loadManifest`), with `/` separators so that glob patterns keep working. A leading
   * `!` (an exclusion pattern) stays in front.
   */
  factPaths: string[]
}

interface RawManifest {
  version: 1
  defaults?: RawDefaults
  facts?: string | string[]
  live?: RawLive
  iac?: {
    'stack-name'?: string
    parameters?: Record<string, string | string[]>
    imports?: Record<string, string>
  }
  expectations: RawExpectation[]
}

interface RawLive {
  accounts?: Record<string, string>
  concurrency?: number
  'confirm-with-dry-run'?: boolean
}

/** Maximum number of alias (`*name`) expansions, which stops alias bombs. */
const MAX_ALIAS_COUNT = 100

/**
 * Parses and validates manifest text. `file` names the manifest in error locations and
 * is the base for its `facts` paths. Throws an `InputError` for the first problem.
 */
export function parseManifest(text: string, file: string): LoadedManifest {
  const source = parseYamlSource(text, file)
  const value = toPlainData(source)
  validateManifestShape(value, source)

  const raw = value as RawManifest
  const defaults = buildDefaults(raw.defaults)
  const partitionIsExplicit = raw.defaults?.partition !== undefined
  const expectations = buildExpectations(raw.expectations, defaults, partitionIsExplicit, source)

  return {
    version: 1,
    file,
    defaults,
    live: buildLive(raw.live, source),
    iac: {
      ...(raw.iac?.['stack-name'] ? { stackName: raw.iac['stack-name'] } : {}),
      parameters: raw.iac?.parameters ?? {},
      imports: raw.iac?.imports ?? {}
    },
    expectations,
    factPaths: resolveFactPaths(raw.facts, file)
  }
}

/**
 * Reads and validates the manifest at `manifestPath` (relative to `cwd` unless absolute).
 * Error locations name the file relative to `cwd` when it is inside `cwd`, as GitHub
 * annotations need. Throws an `InputError` when the file cannot be read or is invalid.
 */
export async function loadManifest(manifestPath: string, cwd: string): Promise<LoadedManifest> {
  const absolutePath = path.resolve(cwd, manifestPath)
  const file = displayPath(absolutePath, cwd)

  let text: string
  try {
    text = await readFile(absolutePath, 'utf8')
  } catch (error) {
    throw new InputError(describeReadError(error, file, cwd))
  }
  return parseManifest(text, file)
}

/**
 * Returns the settings with the manifest's fact paths filled in when the settings name
 * none. Fact paths from flags or action inputs replace the manifest's list instead of
 * being merged with it, so a command line can point the same manifest at other facts.
 */
export function withManifestFacts<Settings extends Pick<CheckSettings, 'factPaths'>>(
  settings: Settings,
  manifest: LoadedManifest
): Settings {
  if (settings.factPaths.length > 0) return settings
  return { ...settings, factPaths: manifest.factPaths }
}

/** Builds the live settings; each account's role must be in that account. */
function buildLive(raw: RawLive | undefined, source: YamlSource): LiveManifestSettings {
  const accounts = raw?.accounts ?? {}
  rejectUnquotedAccountKeys(source)
  for (const [accountId, roleArn] of Object.entries(accounts)) {
    const roleAccount = roleArn.split(':')[4]
    if (roleAccount !== accountId) {
      throw source.errorAt(
        source.nodeAt(['live', 'accounts', accountId]),
        `the role for account ${accountId} is in account ${roleAccount}: list under each account ID a role in that account, which the gate assumes to read it`
      )
    }
  }
  return {
    accounts,
    ...(raw?.concurrency === undefined ? {} : { concurrency: raw.concurrency }),
    confirmWithDryRun: raw?.['confirm-with-dry-run'] ?? false
  }
}

/**
 * Rejects account IDs written as plain YAML numbers under `live.accounts`: YAML drops their
 * leading zeros, so only quoted IDs are safe, as everywhere else in the manifest.
 */
function rejectUnquotedAccountKeys(source: YamlSource): void {
  const accounts = source.nodeAt(['live', 'accounts'])
  if (!isMap(accounts)) return
  for (const item of accounts.items) {
    const key = item.key
    if (isScalar(key) && typeof key.value === 'number') {
      const digits = source.sourceText(key) ?? String(key.value)
      throw source.errorAt(
        key,
        `account ID ${digits} in \`live.accounts\` must be in quotes; YAML reads unquoted digits as a number and drops leading zeros, so write "${digits}"`
      )
    }
  }
}

function toPlainData(source: YamlSource): unknown {
  const contents = source.document.contents
  if (contents === null) {
    throw new InputError(
      'the manifest is empty: it needs `version: 1` and a list of `expectations`',
      source.locationAt(0)
    )
  }
  if (!isMap(contents)) {
    throw source.errorAt(
      contents,
      'the manifest must be a YAML mapping with `version` and `expectations` at the top level'
    )
  }

  try {
    return source.document.toJS({ maxAliasCount: MAX_ALIAS_COUNT })
  } catch (error) {
    throw new InputError(
      `the manifest cannot be read as data: ${(error as Error).message}`,
      source.locationAt(0)
    )
  }
}

function resolveFactPaths(facts: string | string[] | undefined, manifestFile: string): string[] {
  if (facts === undefined) return []
  const entries = typeof facts === 'string' ? [facts] : facts
  const manifestDirectory = toSlashes(path.dirname(manifestFile))

  return entries.map((entry) => {
    const excluded = entry.startsWith('!')
    const pattern = toSlashes(excluded ? entry.slice(1) : entry)
    const joined = path.isAbsolute(pattern) ? pattern : path.posix.join(manifestDirectory, pattern)
    return excluded ? `!${joined}` : joined
  })
}

// NOTE: on Windows this also turns escaped glob characters (`\*`) into path separators.
function toSlashes(value: string): string {
  return path.sep === '\\' ? value.replaceAll('\\', '/') : value
}

function displayPath(absolutePath: string, cwd: string): string {
  const relative = path.relative(cwd, absolutePath)
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return absolutePath
  return relative
}

function describeReadError(error: unknown, file: string, cwd: string): string {
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'ENOENT') {
    return `manifest file \`${file}\` not found (looked in ${cwd}); create it or pass its path with --manifest or the \`manifest\` input`
  }
  if (code === 'EISDIR') return `manifest path \`${file}\` is a directory; pass the manifest file`
  return `cannot read manifest file \`${file}\`: ${(error as Error).message}`
}
