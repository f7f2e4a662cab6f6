/**
 * Mapping of plan addresses to the `.tf` lines that declare them, so that statements,
 * annotations and fixes point at the configuration rather than at the one-line plan JSON.
 */
import path from 'node:path'
import type { SourceLocation } from '../../../engine/model.js'
import { isObject, type JsonObject } from '../../document-reader.js'
import { parseAddress } from './address.js'
import { type HclBlock, scanHclBlocks } from './hcl-scanner.js'

/** A `.tf` file: its path as messages should name it, and its text. */
export interface TfFile {
  path: string
  text: string
}

/** The declaration of an address: the block, and a lookup of its attributes and nested blocks. */
export interface AddressLocation {
  block?: SourceLocation
  attribute?: (name: string) => SourceLocation | undefined
}

const scanned = new WeakMap<TfFile, HclBlock[]>()

/** The blocks of a list of `.tf` files by block type and labels, and the root module's directory. */
interface BlockIndex {
  blocks: Map<string, { file: TfFile; block: HclBlock }[]>
  root: string
}

const indexes = new WeakMap<TfFile[], BlockIndex>()

/**
 * Finds the `resource "TYPE" "NAME" {` block of `address` (instance keys are ignored, as
 * one block declares every instance). For a module address it looks in the module's
 * directory: the local `source` of `configuration.module_calls`, or the directory
 * `terraform init` installs a registry module into (`.terraform/modules/KEY`). When that
 * directory holds no such block, a block that only one file declares is used. Returns
 * an empty object when nothing matches.
 */
export function locateAddress(address: string, plan: unknown, tfFiles: TfFile[]): AddressLocation {
  const found = findResourceBlock(address, plan, tfFiles)
  if (!found) return {}
  return { block: found.location, attribute: (name) => attributeLocation(found, name) }
}

/**
 * Finds the resource block of `address`, when a `.tf` file declares it. The blocks of
 * `tfFiles` are indexed on the first call with that array, so the array must not change
 * afterwards.
 */
export function findResourceBlock(
  address: string,
  plan: unknown,
  tfFiles: TfFile[]
): HclBlock | undefined {
  const parsed = parseAddress(address)
  if (!parsed || tfFiles.length === 0) return undefined
  const index = blockIndex(tfFiles)
  const blockType = parsed.mode === 'data' ? 'data' : 'resource'
  const candidates = index.blocks.get(blockKey(blockType, parsed.type, parsed.name)) ?? []

  const directory = moduleDirectory(
    plan,
    index.root,
    parsed.modules.map((step) => step.name)
  )
  if (directory !== undefined) {
    const inDirectory = candidates.find(({ file }) => directoryOf(file.path) === directory)
    if (inDirectory) return inDirectory.block
  }
  return candidates.length === 1 ? candidates[0].block : undefined
}

/** Indexes the blocks of `tfFiles` once, so that finding a block does not scan every file. */
function blockIndex(tfFiles: TfFile[]): BlockIndex {
  let index = indexes.get(tfFiles)
  if (!index) {
    const blocks = new Map<string, { file: TfFile; block: HclBlock }[]>()
    for (const file of tfFiles) {
      for (const block of blocksOf(file)) {
        const key = blockKey(block.type, block.labels[0], block.labels[1])
        const list = blocks.get(key)
        if (list) list.push({ file, block })
        else blocks.set(key, [{ file, block }])
      }
    }
    index = { blocks, root: rootDirectory(tfFiles) }
    indexes.set(tfFiles, index)
  }
  return index
}

function blockKey(type: string, first: string | undefined, second: string | undefined): string {
  return JSON.stringify([type, first, second])
}

/** Location of attribute `name` of a block, or of its first nested block of type `name`. */
export function attributeLocation(block: HclBlock, name: string): SourceLocation | undefined {
  return (
    block.attributes.find((attribute) => attribute.name === name)?.location ??
    block.blocks.find((nested) => nested.type === name)?.location
  )
}

function blocksOf(file: TfFile): HclBlock[] {
  let blocks = scanned.get(file)
  if (!blocks) {
    blocks = scanHclBlocks(file.path, file.text)
    scanned.set(file, blocks)
  }
  return blocks
}

/** Returns the directory of the module that `calls` names (module call names from `root`, the root module's directory), normalised with `/`. */
function moduleDirectory(plan: unknown, root: string, calls: string[]): string | undefined {
  let directory = root
  let module: unknown =
    isObject(plan) && isObject(plan.configuration) ? plan.configuration.root_module : undefined
  for (let depth = 0; depth < calls.length; depth++) {
    const call: unknown =
      isObject(module) && isObject(module.module_calls)
        ? module.module_calls[calls[depth]]
        : undefined
    if (!isObject(call)) return undefined
    const source = typeof call.source === 'string' ? call.source : ''
    if (source.startsWith('./') || source.startsWith('../')) {
      directory = path.posix.normalize(path.posix.join(directory, source))
    } else {
      // Terraform installs remote modules under .terraform/modules, named by the dotted call names.
      directory = path.posix.join(root, '.terraform/modules', calls.slice(0, depth + 1).join('.'))
    }
    module = (call as JsonObject).module
  }
  return directory
}

/** Returns the root module's directory: the deepest directory that contains every file outside `.terraform`. */
function rootDirectory(tfFiles: TfFile[]): string {
  const directories = tfFiles
    .map((file) => directoryOf(file.path))
    .filter((directory) => !directory.split('/').includes('.terraform'))
  if (directories.length === 0) return '.'
  let common = directories[0].split('/')
  for (const directory of directories.slice(1)) {
    const parts = directory.split('/')
    let shared = 0
    while (shared < common.length && shared < parts.length && common[shared] === parts[shared])
      shared++
    common = common.slice(0, shared)
  }
  return common.length === 0 ? '.' : common.join('/')
}

function directoryOf(filePath: string): string {
  return path.posix.dirname(filePath.replaceAll('\\', '/'))
}
