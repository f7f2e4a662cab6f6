/**
 * Loads fact files: resolves the paths, directories and glob patterns the user gave,
 * reads every file and builds the facts from them.
 */
import { readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import { glob, isDynamicPattern } from 'tinyglobby'
import { InputError } from '../inputs/errors.js'
import { buildFacts } from './build-facts.js'
import { compareText } from './content-key.js'
import type { FactDocument, LoadedFacts } from './fact-types.js'

export type { FactDocument, FactWarning, LoadedFacts } from './fact-types.js'

/**
 * Loads the facts in `paths`: files (read whatever their extension), directories (every
 * `**\/*.json` below them, dot files skipped) or glob patterns, relative to `cwd`.
 * Sources and locations name files relative to `cwd` when they are inside it.
 * Throws an `InputError` for a path or pattern that matches no file, a file that
 * cannot be read, and anything `buildFacts` rejects.
 */
export async function loadFacts(paths: string[], cwd: string): Promise<LoadedFacts> {
  const files = new Set<string>()
  for (const written of paths) {
    for (const file of await resolveFactPath(written, cwd)) files.add(file)
  }
  const documents = await Promise.all(
    [...files].sort(compareText).map((file) => readFactFile(file, cwd))
  )
  return buildFacts(documents)
}

/** Resolves one path, directory or pattern, as written, to the absolute paths of its files. */
async function resolveFactPath(written: string, cwd: string): Promise<string[]> {
  if (written.trim() === '')
    throw new InputError('a fact path is empty; give a file, a directory or a glob pattern')
  const absolute = path.resolve(cwd, written)
  const stats = await stat(absolute).catch(() => undefined)

  if (stats?.isFile()) return [absolute]
  if (stats?.isDirectory()) {
    const found = await glob('**/*.json', { cwd: absolute, absolute: true, onlyFiles: true })
    if (found.length === 0)
      throw new InputError(`fact directory "${written}" contains no .json file`)
    return found.map((file) => path.resolve(file))
  }
  if (isDynamicPattern(written)) {
    const found = await glob(written, {
      cwd,
      absolute: true,
      onlyFiles: true,
      expandDirectories: false
    })
    if (found.length === 0)
      throw new InputError(`fact pattern "${written}" matches no file (relative to ${cwd})`)
    return found.map((file) => path.resolve(file))
  }
  throw new InputError(`fact file "${written}" not found (looked for ${absolute})`)
}

async function readFactFile(file: string, cwd: string): Promise<FactDocument> {
  const source = displayPath(file, cwd)
  try {
    return { source, text: await readFile(file, 'utf8') }
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new InputError(`cannot read fact file ${source}: ${reason}`)
  }
}

/** Returns the path as the user would click it: relative to `cwd`, with `/` separators, when inside it. */
function displayPath(file: string, cwd: string): string {
  const relative = path.relative(cwd, file)
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return file
  return relative.split(path.sep).join('/')
}
