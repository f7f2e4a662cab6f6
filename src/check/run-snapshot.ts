/**
 * `kms-access-gate snapshot`: reads from AWS the facts a manifest needs and writes them as
 * fact files, so that an offline check (a fork's pull request, a laptop) reproduces a live run.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { FactGap } from '../engine/model.js'
import type { CallSummary } from '../facts/live/call-summary.js'
import { readSnapshotDocuments } from '../facts/live/snapshot.js'
import { errorMessage, InputError } from '../inputs/errors.js'
import { loadManifest } from '../inputs/manifest.js'
import type { SnapshotSettings } from '../inputs/settings.js'
import { liveOptions } from './live-options.js'

export interface SnapshotOutcome {
  /** Paths written, relative to the working directory when inside it. */
  files: string[]
  gaps: FactGap[]
  calls: CallSummary
}

/** Reads the facts and writes one JSON file per document under `settings.outDir`. */
export async function runSnapshot(settings: SnapshotSettings): Promise<SnapshotOutcome> {
  const manifest = await loadManifest(settings.manifestPath, settings.cwd)
  const read = await readSnapshotDocuments(
    manifest.expectations,
    manifest.defaults,
    liveOptions(manifest, settings)
  )

  const outDir = path.resolve(settings.cwd, settings.outDir)
  const files: string[] = []
  for (const document of read.documents) {
    const file = path.join(outDir, document.path)
    await writeJson(file, document.value)
    files.push(path.relative(settings.cwd, file) || file)
  }
  return { files, gaps: read.gaps, calls: read.calls }
}

async function writeJson(file: string, value: unknown): Promise<void> {
  try {
    await mkdir(path.dirname(file), { recursive: true })
    await writeFile(file, `${JSON.stringify(value, null, 2)}\n`, 'utf8')
  } catch (error) {
    throw new InputError(`cannot write the snapshot file ${file}: ${errorMessage(error)}`)
  }
}
