/**
 * Parsing of CloudFormation templates, JSON or YAML, into plain values with the start
 * offset of every object, array and member. YAML short-form intrinsics (`!Ref X`) become
 * their long form (`{ "Ref": "X" }`), so the rest of the reader sees one shape.
 */
import {
  type Alias,
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  type Node,
  parseDocument,
  type Tags
} from 'yaml'
import type { PolicyOrigin } from '../../../engine/model.js'
import { InputError } from '../../../inputs/errors.js'
import { type ContainerOffsets, JsonIndex } from '../../json-index.js'
import { MAX_JSON_DEPTH, parseJson } from '../../json-parser.js'
import { FileTextMap } from '../../text-map.js'

/** A parsed template, with positions. */
export interface ParsedTemplate {
  value: unknown
  index: JsonIndex
  text: string
  format: PolicyOrigin['format']
  /** Start and end offsets of YAML short-form intrinsics, so messages can quote them as written. */
  spans: WeakMap<object, [number, number]>
}

/** Short-form tags and the long-form key of each. */
export const SHORT_FORM_TAGS: Readonly<Record<string, string>> = {
  '!Ref': 'Ref',
  '!Condition': 'Condition',
  '!Sub': 'Fn::Sub',
  '!GetAtt': 'Fn::GetAtt',
  '!Join': 'Fn::Join',
  '!If': 'Fn::If',
  '!Select': 'Fn::Select',
  '!Split': 'Fn::Split',
  '!ImportValue': 'Fn::ImportValue',
  '!FindInMap': 'Fn::FindInMap',
  '!GetAZs': 'Fn::GetAZs',
  '!Base64': 'Fn::Base64',
  '!Cidr': 'Fn::Cidr',
  '!Equals': 'Fn::Equals',
  '!Not': 'Fn::Not',
  '!And': 'Fn::And',
  '!Or': 'Fn::Or',
  '!Transform': 'Fn::Transform',
  '!Length': 'Fn::Length',
  '!ToJsonString': 'Fn::ToJsonString',
  // Rule functions, valid only in the Rules section; accepted so templates with rules parse.
  '!Contains': 'Fn::Contains',
  '!EachMemberEquals': 'Fn::EachMemberEquals',
  '!EachMemberIn': 'Fn::EachMemberIn',
  '!RefAll': 'Fn::RefAll',
  '!ValueOf': 'Fn::ValueOf',
  '!ValueOfAll': 'Fn::ValueOfAll'
}

/**
 * Values a template may expand to through YAML aliases. Each alias copies its target, so
 * a few nested aliases could otherwise expand to billions of values.
 */
export const MAX_TEMPLATE_VALUES = 1_000_000

/**
 * Parses `text` as a JSON or YAML template. Throws an `InputError` at the line and
 * column of the first syntax error, a duplicate key or an unknown tag.
 */
export function parseTemplate(source: string, text: string): ParsedTemplate {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  const map = new FileTextMap(source, body)
  if (body.search(/\S/) < 0) throw new InputError('template is empty', map.locate(0))

  // A template that starts with `{` is JSON. YAML would also accept it, but would turn
  // JSON syntax errors such as `"Key": }` into null values.
  if (body.trimStart().startsWith('{')) {
    const { value, index } = parseJson(body, map)
    return { value, index, text: body, format: 'cloudformation-json', spans: new WeakMap() }
  }
  return parseYamlTemplate(body, map)
}

function parseYamlTemplate(text: string, map: FileTextMap): ParsedTemplate {
  let document: Document
  try {
    document = parseDocument(text, { customTags: shortFormTags(), prettyErrors: false })
  } catch (error) {
    if (error instanceof RangeError) {
      throw new InputError('YAML nested too deeply to parse', map.locate(0))
    }
    throw error
  }
  const problem = document.errors[0] ?? document.warnings[0]
  if (problem) {
    const message = problem.message.replace(/ at line \d+, column \d+:[\s\S]*$/, '')
    throw new InputError(`invalid YAML: ${message}`, map.locate(problem.pos[0]))
  }
  const builder = new YamlValueBuilder(text, map, document)
  const value = builder.build(document.contents, 0)
  return {
    value,
    index: new JsonIndex(text, map, builder.containers),
    text,
    format: 'cloudformation-yaml',
    spans: builder.spans
  }
}

/** Registers each short-form tag for scalars, sequences and mappings; the builder reads the tag. */
function shortFormTags(): Tags {
  return Object.keys(SHORT_FORM_TAGS).flatMap((tag) => [
    { tag, resolve: (value: string) => value },
    { tag, collection: 'seq' as const, resolve: (value: unknown) => value },
    { tag, collection: 'map' as const, resolve: (value: unknown) => value }
  ]) as Tags
}

/** Turns YAML nodes into plain values and records their offsets. */
class YamlValueBuilder {
  readonly containers = new WeakMap<object, ContainerOffsets>()
  readonly spans = new WeakMap<object, [number, number]>()
  private count = 0

  constructor(
    private readonly text: string,
    private readonly map: FileTextMap,
    private readonly document: Document
  ) {}

  build(node: unknown, depth: number): unknown {
    if (node === null || node === undefined) return null
    this.count += 1
    if (this.count > MAX_TEMPLATE_VALUES) {
      throw this.fail(
        `the template expands to more than ${MAX_TEMPLATE_VALUES} values through YAML aliases`,
        node as Node
      )
    }
    if (depth > MAX_JSON_DEPTH) {
      throw this.fail(
        `mappings and sequences nested deeper than ${MAX_JSON_DEPTH} levels`,
        node as Node
      )
    }
    if (isAlias(node)) return this.build((node as Alias).resolve(this.document), depth + 1)

    const tagged = node as Node
    const longForm = tagged.tag ? SHORT_FORM_TAGS[tagged.tag] : undefined
    const value = this.buildUntagged(tagged, depth)
    if (!longForm) return value
    return this.wrapShortForm(tagged, longForm, value)
  }

  private buildUntagged(node: Node, depth: number): unknown {
    if (isScalar(node)) return node.value === undefined ? null : node.value
    const start = node.range?.[0] ?? 0
    if (isSeq(node)) {
      const list: unknown[] = []
      const members: number[] = []
      for (const item of node.items) {
        list.push(this.build(item, depth + 1))
        members.push(rangeStart(item) ?? start)
      }
      this.containers.set(list, { start, members })
      return list
    }
    if (isMap(node)) {
      const object: Record<string, unknown> = {}
      const members = new Map<string, number>()
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? pair.key.value : pair.key
        if (typeof key === 'object' && key !== null) {
          throw this.fail('mapping keys must be plain scalars', pair.key as Node)
        }
        const name = String(key)
        setMember(object, name, this.build(pair.value, depth + 1))
        members.set(name, rangeStart(pair.value) ?? rangeStart(pair.key) ?? start)
      }
      this.containers.set(object, { start, members })
      return object
    }
    throw this.fail('unsupported YAML node', node)
  }

  /** Builds `{ "Fn::X": value }` for a short-form tag, located at the tag. */
  private wrapShortForm(node: Node, longForm: string, value: unknown): Record<string, unknown> {
    const valueStart = node.range?.[0] ?? 0
    const tagStart = this.tagOffset(node.tag as string, valueStart)
    let argument = value
    if (longForm === 'Fn::GetAtt' && typeof value === 'string') {
      // `!GetAtt Resource.Attribute`: a logical ID has no dot, so the first dot splits it.
      const dot = value.indexOf('.')
      argument = dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)]
      this.containers.set(argument as unknown[], {
        start: valueStart,
        members: (argument as unknown[]).map(() => valueStart)
      })
    }
    if (longForm === 'Ref' || longForm === 'Condition') argument = value ?? ''
    const wrapper: Record<string, unknown> = { [longForm]: argument }
    this.containers.set(wrapper, { start: tagStart, members: new Map([[longForm, valueStart]]) })
    this.spans.set(wrapper, [tagStart, node.range?.[1] ?? valueStart])
    return wrapper
  }

  /** Offset of the tag written before a node's value, found by searching back from the value. */
  private tagOffset(tag: string, valueStart: number): number {
    const found = this.text.lastIndexOf(tag, valueStart)
    if (found < 0) return valueStart
    const between = this.text.slice(found + tag.length, valueStart)
    return /^\s*$/.test(between) ? found : valueStart
  }

  private fail(message: string, node: Node): InputError {
    return new InputError(`invalid YAML: ${message}`, this.map.locate(node.range?.[0] ?? 0))
  }
}

function rangeStart(node: unknown): number | undefined {
  if (node === null || typeof node !== 'object') return undefined
  return (node as Node).range?.[0]
}

/** Sets a member without invoking the `__proto__` setter, so a key can never change the prototype. */
export function setMember(target: Record<string, unknown>, key: string, value: unknown) {
  if (key === '__proto__') {
    Object.defineProperty(target, key, {
      value,
      writable: true,
      enumerable: true,
      configurable: true
    })
  } else {
    target[key] = value
  }
}
