/**
 * The checks that JSON Schema cannot express, run on a manifest that already matches the
 * schema: unique names, action lookups, partitions, whether a key ID or alias name can be
 * resolved, and context keys that only AWS can set. They turn the plain data into typed
 * `Expectation`s.
 */
import path from 'node:path'
import { isSeq, type Node } from 'yaml'
import type { InputError } from './errors.js'
import { checkAction } from './manifest-actions.js'
import { explainDerivedContextKey } from './manifest-context-keys.js'
import {
  type ParsedKeyReference,
  type ParsedPrincipal,
  type Partition,
  parseKeyReference,
  parsePrincipal
} from './manifest-formats.js'
import type { Expect, Expectation, ManifestDefaults, RequestContext } from './settings.js'
import type { PathSegment, YamlSource } from './yaml-source.js'

type ContextValue = string | number | boolean

/** An expectation as it is written, after schema validation. */
export interface RawExpectation {
  name: string
  principal: string
  key: string
  actions: string | string[]
  expect: Expect
  context?: Record<string, ContextValue | ContextValue[]>
  region?: string
  account?: string
}

/** The `defaults` mapping as it is written, after schema validation. */
export interface RawDefaults {
  region?: string
  account?: string
  partition?: Partition
}

interface Problem {
  offset: number
  error: InputError
}

/** Collects problems so that the first one in document order can be reported. */
class ProblemList {
  readonly problems: Problem[] = []

  constructor(private readonly source: YamlSource) {}

  add(node: Node | undefined, message: string): void {
    this.problems.push({ offset: node?.range?.[0] ?? 0, error: this.source.errorAt(node, message) })
  }

  throwFirst(): void {
    const [first] = [...this.problems].sort((a, b) => a.offset - b.offset)
    if (first) throw first.error
  }
}

/** Applies the defaults: `partition` becomes `aws` when absent. */
export function buildDefaults(raw: RawDefaults | undefined): ManifestDefaults {
  return { region: raw?.region, account: raw?.account, partition: raw?.partition ?? 'aws' }
}

/**
 * Checks the expectations and returns them typed, with canonical action names, string
 * context values and the defaults applied. Throws the first problem in document order.
 */
export function buildExpectations(
  raws: RawExpectation[],
  defaults: ManifestDefaults,
  partitionIsExplicit: boolean,
  source: YamlSource
): Expectation[] {
  const problems = new ProblemList(source)
  const builder = new ExpectationBuilder(source, problems, defaults, partitionIsExplicit)
  const expectations = raws.map((raw, index) => builder.build(raw, ['expectations', index]))
  problems.throwFirst()
  return expectations
}

class ExpectationBuilder {
  private readonly nameNodes = new Map<string, Node | undefined>()

  constructor(
    private readonly source: YamlSource,
    private readonly problems: ProblemList,
    private readonly defaults: ManifestDefaults,
    private readonly partitionIsExplicit: boolean
  ) {}

  build(raw: RawExpectation, path: PathSegment[]): Expectation {
    const nodeOf = (field: string) => this.source.nodeAt([...path, field])
    this.checkUniqueName(raw.name, nodeOf('name'))

    const principal = parsePrincipal(raw.principal) as ParsedPrincipal
    const key = parseKeyReference(raw.key) as ParsedKeyReference
    this.checkPartition(raw.principal, principal.partition, nodeOf('principal'))
    this.checkPartition(raw.key, key.partition, nodeOf('key'))

    const region = raw.region ?? this.defaults.region
    const account = this.resolveAccount(raw, principal, key, nodeOf)
    if (key.kind !== 'reference' && key.region === undefined && region === undefined) {
      this.problems.add(
        nodeOf('key'),
        `\`${raw.key}\` is ${describeBareKey(key)}, which AWS resolves in one Region; ` +
          `set \`defaults.region\` (or \`region\` on this expectation) or use the ${arnFormFor(key)}`
      )
    }

    const fieldLocations: Expectation['fieldLocations'] = {}
    for (const field of ['name', 'principal', 'key', 'actions', 'expect', 'context'] as const) {
      if (field in raw) fieldLocations[field] = this.source.locationOf(nodeOf(field))
    }

    return {
      name: raw.name,
      principal: principal.kind === 'reference' ? this.fromManifest(raw.principal) : raw.principal,
      key: key.kind === 'reference' ? this.fromManifest(raw.key) : raw.key,
      actions: this.checkActions(raw.actions, [...path, 'actions']),
      expect: raw.expect,
      context: this.buildContext(raw.context ?? {}, [...path, 'context']),
      region,
      account,
      location: this.source.locationOf(this.source.nodeAt(path)),
      fieldLocations
    }
  }

  /**
   * Rewrites a code reference's file part, written relative to the manifest's directory, to
   * the path the fact loader gives the file (relative to the working directory).
   */
  private fromManifest(reference: string): string {
    const [file, id] = reference.split('#')
    const directory = path.posix.dirname(this.source.file.replaceAll('\\', '/'))
    return `${path.posix.join(directory, file)}#${id}`
  }

  private checkUniqueName(name: string, node: Node | undefined): void {
    if (this.nameNodes.has(name)) {
      const firstLine = this.source.locationOf(this.nameNodes.get(name)).line
      this.problems.add(
        node,
        `duplicate expectation name \`${name}\`: line ${firstLine} already uses it, and names must be unique`
      )
      return
    }
    this.nameNodes.set(name, node)
  }

  private checkPartition(value: string, partition: string | undefined, node?: Node): void {
    if (partition === undefined || partition === this.defaults.partition) return
    const fix = this.partitionIsExplicit
      ? 'every ARN in a manifest must be in that partition'
      : `set \`defaults.partition: ${partition}\``
    this.problems.add(
      node,
      `\`${value}\` is in the ${partition} partition, but the manifest's partition is ${this.defaults.partition}; ${fix}`
    )
  }

  /**
   * Returns the account that a key ID or alias name resolves in. AWS resolves them in the
   * caller's account, which is the principal's account. A service principal has none, so
   * the expectation's or the default account is used instead.
   */
  private resolveAccount(
    raw: RawExpectation,
    principal: ParsedPrincipal,
    key: ParsedKeyReference,
    nodeOf: (field: string) => Node | undefined
  ): string | undefined {
    const configured = raw.account ?? this.defaults.account
    // A key in a template or plan carries its own account.
    const keyIsBare = key.account === undefined && key.kind !== 'reference'

    if (principal.account === undefined) {
      if (keyIsBare && configured === undefined) {
        this.problems.add(
          nodeOf('key'),
          `\`${raw.key}\` is ${describeBareKey(key)}, which AWS resolves in the caller's account, ` +
            `but ${principal.kind === 'reference' ? 'the principal' : 'the service principal'} \`${raw.principal}\` ` +
            `${principal.kind === 'reference' ? 'is named by its place in code, so its account is not known here' : 'has no account'}; set \`defaults.account\` ` +
            `(or \`account\` on this expectation) or use the ${arnFormFor(key)}`
        )
      }
      return configured
    }

    if (keyIsBare && raw.account !== undefined && raw.account !== principal.account) {
      this.problems.add(
        nodeOf('account'),
        `\`account\` ${raw.account} differs from the principal's account ${principal.account}, ` +
          `and AWS resolves ${describeBareKey(key)} such as \`${raw.key}\` in the principal's account; ` +
          `use the ${arnFormFor(key)} to name a key in another account`
      )
    }
    return principal.account
  }

  private checkActions(actions: string | string[], path: PathSegment[]): string[] {
    const listNode = this.source.nodeAt(path)
    const values = typeof actions === 'string' ? [actions] : actions
    const firstNodes = new Map<string, Node | undefined>()
    const names: string[] = []

    values.forEach((value, index) => {
      const node = typeof actions === 'string' ? listNode : this.source.nodeAt([...path, index])
      const check = checkAction(value)
      if ('problem' in check) {
        this.problems.add(node, check.problem)
        return
      }

      const firstNode = firstNodes.get(check.name)
      if (firstNodes.has(check.name)) {
        const firstLine = this.source.locationOf(firstNode).line
        this.problems.add(
          node,
          `\`${value}\` is listed twice in \`actions\` (as \`${check.name}\` on line ${firstLine}); action names are case-insensitive`
        )
        return
      }
      firstNodes.set(check.name, node)
      names.push(check.name)
    })

    return names
  }

  private buildContext(
    raw: Record<string, ContextValue | ContextValue[]>,
    path: PathSegment[]
  ): RequestContext {
    const context: RequestContext = {}
    const firstKeys = new Map<string, string>()

    for (const [key, value] of Object.entries(raw)) {
      const keyNode = this.source.keyNodeAt(path, key)
      const first = firstKeys.get(key.toLowerCase())
      if (first !== undefined) {
        this.problems.add(
          keyNode,
          `condition key \`${key}\` repeats \`${first}\`: condition keys are case-insensitive, so give each key once`
        )
        continue
      }
      firstKeys.set(key.toLowerCase(), key)

      const derivedProblem = explainDerivedContextKey(key)
      if (derivedProblem) {
        this.problems.add(keyNode, derivedProblem)
        continue
      }

      const valueNode = this.source.nodeAt([...path, key])
      context[key] = Array.isArray(value)
        ? value.map((item, index) =>
            this.contextString(item, isSeq(valueNode) ? valueNode.items[index] : undefined)
          )
        : this.contextString(value, valueNode)
    }

    return context
  }

  /** Returns a context value as a string, keeping numbers as written (`1.10`, not `1.1`). */
  private contextString(value: ContextValue, node: unknown): string {
    if (typeof value === 'string') return value
    return this.source.sourceText(node as Node | undefined) ?? String(value)
  }
}

function describeBareKey(key: ParsedKeyReference): string {
  return key.kind === 'alias-name' ? 'an alias name' : 'a key ID'
}

function arnFormFor(key: ParsedKeyReference): string {
  return key.kind === 'alias-name' ? 'alias ARN' : 'key ARN'
}
