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
import type { IacContext, TfFile } from './iac/read-iac.js'

/** Reads a file's text; undefined when the file does not exist (at a base revision). */
export type FileReader = (file: string) => Promise<string | undefined>

/**
 * Files as they were at another revision: how to read one, and the files of the fact
 * directories that only that revision has.
 */
export interface RevisionFiles {
  read: FileReader
  extraFiles(includes: string[], cwd: string): Promise<string[]>
}

export interface LoadOptions {
  iac?: IacContext
  /** Read the files as they were at this revision instead of from the working tree. */
  revision?: RevisionFiles
}

export type { FactDocument, FactWarning, LoadedFacts } from './fact-types.js'

/**
 * Loads the facts in `paths`: files (read whatever their extension), directories (every
 * `**\/*.json` below them, dot files skipped) or glob patterns, relative to `cwd`. An
 * entry that starts with `!` excludes the files, directories or pattern matches it names
 * from what the other entries select, whatever the order of the entries.
 * Sources and locations name files relative to `cwd` when they are inside it.
 * Throws an `InputError` for a path or pattern that matches no file, for entries whose
 * files are all excluded, a file that cannot be read, and anything `buildFacts` rejects.
 */
export async function loadFacts(
  paths: string[],
  cwd: string,
  options: LoadOptions = {}
): Promise<LoadedFacts> {
  const includes = paths.filter((written) => !written.startsWith('!'))
  const excludes = paths.filter((written) => written.startsWith('!'))
  if (includes.length === 0) {
    throw new InputError(
      `the fact paths ${quoteAll(excludes)} only exclude files; add a file, directory or glob pattern to read, such as "facts/"`
    )
  }
  const exclusions = await resolveExclusions(excludes, cwd)

  const files = new Set<string>()
  const scanned = new Set<string>()
  for (const written of includes) {
    const resolved = await resolveFactPath(written, cwd)
    for (const file of resolved.files) {
      if (exclusions.excludes(file)) continue
      files.add(file)
      if (resolved.scanned) scanned.add(file)
    }
  }
  if (files.size === 0) {
    throw new InputError(
      `every fact file is excluded: the paths ${quoteAll(includes)} select only files that ${quoteAll(excludes)} exclude; remove an exclusion or add a path`
    )
  }
  // At a base revision, the directories may have held templates this change deletes.
  for (const file of (await options.revision?.extraFiles(includes, cwd)) ?? []) {
    if (!exclusions.excludes(file) && !files.has(file)) {
      files.add(file)
      scanned.add(file)
    }
  }
  const read = options.revision?.read ?? ((file: string) => readFile(file, 'utf8'))
  const documents = (
    await Promise.all(
      [...files].sort(compareText).map((file) => readFactFile(file, cwd, scanned.has(file), read))
    )
  ).filter((document): document is FactDocument => document !== undefined)
  const tfFiles = await terraformFilesByPlan(documents, cwd, read)
  return buildFacts(documents, {
    iac: {
      context: options.iac ?? { partition: 'aws', parameters: {}, imports: {} },
      tfFiles: (source) => tfFiles.get(source) ?? []
    }
  })
}

/** File names read from a fact directory: JSON facts and plans, and YAML templates. */
export const DIRECTORY_PATTERNS = ['**/*.json', '**/*.yaml', '**/*.yml', '**/*.template']

/**
 * Reads the `.tf` files below each Terraform plan's directory, so that the plan reader can
 * point at the lines of the configuration. `.terraform` (downloaded modules) is skipped.
 */
async function terraformFilesByPlan(
  documents: FactDocument[],
  cwd: string,
  read: FileReader
): Promise<Map<string, TfFile[]>> {
  const byPlan = new Map<string, TfFile[]>()
  for (const document of documents) {
    if (document.format === 'yaml' || !document.text?.includes('"terraform_version"')) continue
    const directory = path.dirname(path.resolve(cwd, document.source))
    const found = await glob('**/*.tf', {
      cwd: directory,
      absolute: true,
      onlyFiles: true,
      ignore: ['**/.terraform/**']
    })
    const tfFiles = await Promise.all(
      found.sort(compareText).map(async (file) => {
        const text = await read(file)
        return text === undefined ? undefined : { path: displayPath(file, cwd), text }
      })
    )
    byPlan.set(
      document.source,
      tfFiles.filter((file): file is TfFile => file !== undefined)
    )
  }
  return byPlan
}

/** Resolves one path, directory or pattern, as written, to the absolute paths of its files. */
async function resolveFactPath(
  written: string,
  cwd: string
): Promise<{ files: string[]; scanned: boolean }> {
  if (written.trim() === '')
    throw new InputError('a fact path is empty; give a file, a directory or a glob pattern')
  const absolute = path.resolve(cwd, written)
  const stats = await stat(absolute).catch(() => undefined)

  if (stats?.isFile()) return { files: [absolute], scanned: false }
  if (stats?.isDirectory()) {
    const found = await glob(DIRECTORY_PATTERNS, {
      cwd: absolute,
      absolute: true,
      onlyFiles: true,
      ignore: ['**/node_modules/**', '**/.terraform/**']
    })
    if (found.length === 0)
      throw new InputError(
        `fact directory "${written}" contains no .json, .yaml, .yml or .template file`
      )
    return { files: found.map((file) => path.resolve(file)), scanned: true }
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
    return { files: found.map((file) => path.resolve(file)), scanned: false }
  }
  throw new InputError(`fact file "${written}" not found (looked for ${absolute})`)
}

function quoteAll(paths: string[]): string {
  return paths.map((written) => `"${written}"`).join(', ')
}

/** Excluded files, and directories whose files are all excluded, as absolute paths. */
class Exclusions {
  readonly files = new Set<string>()
  readonly directories: string[] = []

  excludes(file: string): boolean {
    if (this.files.has(file)) return true
    return this.directories.some((directory) => file.startsWith(directory + path.sep))
  }
}

/**
 * Resolves `!` entries. An entry that matches nothing excludes nothing, because the
 * file it names may simply not be there. Dot files match too, so that an exclusion
 * covers a dot file that another entry names explicitly.
 */
async function resolveExclusions(excludes: string[], cwd: string): Promise<Exclusions> {
  const exclusions = new Exclusions()
  for (const written of excludes) {
    const pattern = written.slice(1)
    if (pattern.trim() === '')
      throw new InputError(
        `a fact exclusion "${written}" is empty; write "!" and a path or pattern`
      )

    const matches = isDynamicPattern(pattern)
      ? await glob(pattern, {
          cwd,
          absolute: true,
          dot: true,
          onlyFiles: false,
          expandDirectories: false
        })
      : [path.resolve(cwd, pattern)]
    for (const match of matches) {
      const absolute = path.resolve(match)
      const stats = await stat(absolute).catch(() => undefined)
      if (stats?.isDirectory()) exclusions.directories.push(absolute)
      else if (stats) exclusions.files.add(absolute)
    }
  }
  return exclusions
}

async function readFactFile(
  file: string,
  cwd: string,
  scanned: boolean,
  read: FileReader
): Promise<FactDocument | undefined> {
  const source = displayPath(file, cwd)
  const format = /\.(ya?ml|template)$/i.test(file) ? 'yaml' : 'json'
  try {
    const text = await read(file)
    // A file missing at a base revision was added by the change: the base has no such facts.
    if (text === undefined) return undefined
    // A `.template` file may be JSON: read it as JSON when it looks like JSON.
    const yaml = format === 'yaml' && !/^\s*\{/.test(text)
    return {
      source,
      text,
      ...(yaml ? { format: 'yaml' as const } : {}),
      ...(scanned && yaml ? { optional: true } : {}),
      ...(scanned ? { scanned: true } : {})
    }
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
