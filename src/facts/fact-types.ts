/** Types shared by the fact loaders. */
import type { Facts, PolicyWarning, SourceLocation } from '../engine/model.js'
import type { JsonIndex } from './json-index.js'

/** A warning about a fact file that did not stop the check. */
export interface FactWarning {
  code: PolicyWarning['code'] | 'facts'
  message: string
  location?: SourceLocation
}

/** Facts built from fact documents, the sources they came from and the warnings found on the way. */
export interface LoadedFacts {
  facts: Facts
  /** Sources read, sorted. */
  sources: string[]
  warnings: FactWarning[]
}

/**
 * One fact document. `text` is parsed with positions; a bare `value` has none. `source`
 * names it in messages and locations (a file path, as the user would click it).
 */
export interface FactDocument {
  source: string
  text?: string
  value?: unknown
  /** `yaml` for a YAML file (CloudFormation templates); JSON otherwise. */
  format?: 'json' | 'yaml'
  /** True for a file found by scanning a directory: a YAML file that is no template is skipped. */
  optional?: boolean
  /** True for a file found by scanning a directory. */
  scanned?: boolean
}

/** A parsed fact document, ready to be read by the loader of its shape. */
export interface ParsedDocument {
  source: string
  value: unknown
  index?: JsonIndex
  /** The text, for readers that parse it themselves (templates and plans). */
  text?: string
  optional?: boolean
  scanned?: boolean
}
