/**
 * Terraform resource addresses as `terraform show -json` prints them, such as
 * `module.app["eu"].aws_kms_key.this[0]`.
 */

/** One `module.NAME[KEY]` step of an address; `key` is the instance key as written, brackets included. */
export interface ModuleStep {
  name: string
  key?: string
}

export interface ParsedAddress {
  modules: ModuleStep[]
  mode: 'managed' | 'data'
  type: string
  name: string
  /** The instance key as written, brackets included: `[0]` or `["a"]`. */
  key?: string
}

const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_-]*/y

/** Splits `address` into its module steps and resource; undefined when it is not a resource address. */
export function parseAddress(address: string): ParsedAddress | undefined {
  const scanner = new AddressScanner(address)
  const modules: ModuleStep[] = []
  while (scanner.peekWord('module')) {
    scanner.word()
    const name = scanner.dot() && scanner.word()
    if (!name) return undefined
    const key = scanner.key()
    modules.push(key === undefined ? { name } : { name, key })
    if (!scanner.dot()) return undefined
  }

  let mode: ParsedAddress['mode'] = 'managed'
  if (scanner.peekWord('data')) {
    scanner.word()
    if (!scanner.dot()) return undefined
    mode = 'data'
  }
  const type = scanner.word()
  const name = type && scanner.dot() && scanner.word()
  if (!type || !name) return undefined
  const key = scanner.key()
  if (!scanner.atEnd()) return undefined
  return { modules, mode, type, name, ...(key !== undefined && { key }) }
}

/** Returns the module part of an address, such as `module.app["eu"]`, or `''` for the root module. */
export function moduleAddress(steps: ModuleStep[]): string {
  return steps.map((step) => `module.${step.name}${step.key ?? ''}`).join('.')
}

/** Joins a module address and a module-relative resource reference. */
export function joinAddress(module: string, relative: string): string {
  return module === '' ? relative : `${module}.${relative}`
}

class AddressScanner {
  private offset = 0

  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.offset === this.text.length
  }

  peekWord(expected: string): boolean {
    return (
      this.text.startsWith(expected, this.offset) &&
      this.text[this.offset + expected.length] === '.'
    )
  }

  word(): string | undefined {
    IDENTIFIER.lastIndex = this.offset
    const match = IDENTIFIER.exec(this.text)
    if (!match) return undefined
    this.offset += match[0].length
    return match[0]
  }

  dot(): boolean {
    if (this.text[this.offset] !== '.') return false
    this.offset++
    return true
  }

  /** Reads `[0]` or `["key"]` (a JSON string, so `\"` and `\\` escapes are allowed). */
  key(): string | undefined {
    if (this.text[this.offset] !== '[') return undefined
    const start = this.offset
    let i = start + 1
    if (this.text[i] === '"') {
      i++
      while (i < this.text.length && this.text[i] !== '"') i += this.text[i] === '\\' ? 2 : 1
      i++
    } else {
      while (i < this.text.length && /[0-9]/.test(this.text[i])) i++
    }
    if (this.text[i] !== ']' || i === start + 1) return undefined
    this.offset = i + 1
    return this.text.slice(start, this.offset)
  }
}
