/**
 * Fact files as they were at a git revision (the pull request's base), read with the git
 * command line, so a check can tell what a change breaks. Runners check out repositories
 * with git, and `actions/checkout` needs `fetch-depth: 0` (or the base fetched) for this.
 */
import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import { InputError } from '../inputs/errors.js'
import type { RevisionFiles } from './load-facts.js'

const run = promisify(execFile)
/** Git output can be large (a Terraform plan), so allow up to 256 MiB. */
const MAX_OUTPUT = 256 * 1024 * 1024
const FACT_FILE = /\.(json|ya?ml|template)$/i

/** Returns the reader of files at `ref` in the repository that contains `cwd`. */
export async function revisionFiles(ref: string, cwd: string): Promise<RevisionFiles> {
  const root = await git(['rev-parse', '--show-toplevel'], cwd).catch((error: Error) => {
    throw new InputError(
      `--base-ref ${ref} needs a git repository, but ${cwd} is not in one: ${firstLine(error.message)}`
    )
  })
  const top = root.trim()
  await git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], top).catch(() => {
    throw new InputError(
      `base revision \`${ref}\` is not in the repository; fetch it first (actions/checkout with fetch-depth: 0, or git fetch origin ${ref})`
    )
  })
  const relative = (file: string) => path.relative(top, file).split(path.sep).join('/')

  return {
    async read(file) {
      try {
        return await git(['show', `${ref}:${relative(file)}`], top)
      } catch {
        // The file did not exist at the base revision: this change adds it.
        return undefined
      }
    },
    async extraFiles(includes, base) {
      const found: string[] = []
      for (const written of includes) {
        const directory = path.resolve(base, written)
        const listed = await git(
          ['ls-tree', '-r', '--name-only', ref, '--', relative(directory)],
          top
        ).catch(() => '')
        for (const name of listed.split('\n')) {
          if (FACT_FILE.test(name) && !name.split('/').includes('.terraform')) {
            found.push(path.resolve(top, name))
          }
        }
      }
      return found
    }
  }
}

async function git(args: string[], cwd: string): Promise<string> {
  const { stdout } = await run('git', args, { cwd, maxBuffer: MAX_OUTPUT, encoding: 'utf8' })
  return stdout
}

function firstLine(text: string): string {
  return text.split('\n').find((line) => line.trim() !== '') ?? text
}
