/**
 * Resolution of CloudFormation intrinsic functions against the resolution context. A value
 * that cannot be known before deployment becomes an unresolved marker; inside `Fn::Sub`
 * and `Fn::Join` only the unknown part does. Resolved objects keep the offsets of the
 * objects they came from, so policies read from them still point into the template.
 */

import type { SourceLocation } from '../../../engine/model.js'
import { hasUnresolved } from '../../../engine/unresolved.js'
import { InputError } from '../../../inputs/errors.js'
import { isObject, type JsonObject, quote } from '../../document-reader.js'
import { type ContainerOffsets, JsonIndex } from '../../json-index.js'
import type { IacContext } from '../code-facts.js'
import type { UnresolvedRegistry } from '../unresolved-registry.js'
import { MAX_TEMPLATE_VALUES, type ParsedTemplate, setMember } from './parse-template.js'

export type { IacContext } from '../code-facts.js'

/** The value of `AWS::NoValue`: the member or list entry that contains it is removed. */
export const NO_VALUE: unique symbol = Symbol('AWS::NoValue')

/** Shows a resolved value in a message; unlike `quote`, it accepts `NO_VALUE`. */
export function shown(value: unknown): string {
  if (value === NO_VALUE) return 'AWS::NoValue'
  if (typeof value === 'symbol' || typeof value === 'function') return String(value)
  return quote(value)
}

/** Place of an intrinsic in the template, for markers and errors. */
export interface Site {
  node: object
  /** The expression as written, when it is only a part of `node` (a `${Name}` in `Fn::Sub`). */
  expression?: string
}

/** Values of `Ref` and `Fn::GetAtt` for the template's resources. */
export interface ResourceValues {
  has(logicalId: string): boolean
  ref(logicalId: string, site: Site): unknown
  getAtt(logicalId: string, attribute: string, site: Site): unknown
}

const PSEUDO_PARAMETERS = new Set([
  'AWS::AccountId',
  'AWS::Region',
  'AWS::Partition',
  'AWS::URLSuffix',
  'AWS::StackName',
  'AWS::StackId',
  'AWS::NotificationARNs',
  'AWS::NoValue'
])

/** Resolves intrinsics of one template. */
export class TemplateResolver {
  /** Positions of the original and the resolved objects. */
  readonly index: JsonIndex
  private readonly offsets = new WeakMap<object, ContainerOffsets>()
  private readonly conditions = new Map<string, boolean | undefined>()
  private readonly evaluating = new Set<string>()
  /** `Fn::FindInMap` lookups being resolved, to reject one that leads back to itself. */
  private readonly lookingUp = new Set<string>()
  private steps = 0
  resources?: ResourceValues

  constructor(
    private readonly parsed: ParsedTemplate,
    private readonly template: JsonObject,
    readonly context: IacContext,
    readonly registry: UnresolvedRegistry
  ) {
    this.index = new JsonIndex(parsed.text, parsed.index.map, this.offsets)
  }

  /** Location of an original or resolved object, or of its member `key`. */
  locate(container: object, key?: string | number): SourceLocation | undefined {
    return this.index.locate(container, key) ?? this.parsed.index.locate(container, key)
  }

  /** Builds an `InputError` at `container[key]`, or at `container`. */
  error(message: string, container?: object, key?: string | number): InputError {
    const location = container ? (this.locate(container, key) ?? this.locate(container)) : undefined
    return location
      ? new InputError(message, location)
      : new InputError(`${this.parsed.index.map.file}: ${message}`)
  }

  /** Records an unresolved value at `site` and returns its marker. */
  unresolved(site: Site): string {
    return this.registry.marker(site.expression ?? this.written(site.node), this.locate(site.node))
  }

  /** True when `list` is written in YAML flow style (`[a, b]`), where new entries cannot go on lines of their own. */
  isFlowList(list: unknown[]): boolean {
    if (this.parsed.format !== 'cloudformation-yaml') return false
    const offset = this.offsetOf(list)
    return offset !== undefined && this.parsed.text[offset] === '['
  }

  /** Records the offsets of a generated object, such as a policy built from a SAM policy template. */
  place(container: object, offsets: ContainerOffsets) {
    this.offsets.set(container, offsets)
  }

  /** Returns the intrinsic as written: the YAML text of a short form, or compact JSON. */
  written(node: object): string {
    const span = this.parsed.spans.get(node)
    const text = span
      ? this.parsed.text.slice(span[0], span[1])
      : JSON.stringify(node, (_key, value) => (value === NO_VALUE ? null : value))
    const flat = text.replace(/\s+/g, ' ').trim()
    return flat.length > 200 ? `${flat.slice(0, 197)}...` : flat
  }

  /** Resolves every intrinsic in `value`; `NO_VALUE` when the whole value is removed. */
  resolve(value: unknown): unknown {
    this.steps += 1
    if (this.steps > MAX_TEMPLATE_VALUES * 4) {
      throw this.error(`resolving the template took more than ${MAX_TEMPLATE_VALUES * 4} steps`)
    }
    if (Array.isArray(value)) return this.resolveList(value)
    if (!isObject(value)) return value
    const keys = Object.keys(value)
    if (keys.length === 1 && isIntrinsicName(keys[0])) return this.intrinsic(value, keys[0])
    const resolved: JsonObject = {}
    const members = new Map<string, number>()
    for (const key of keys) {
      const member = this.resolve(value[key])
      if (member === NO_VALUE) continue
      setMember(resolved, key, member)
      const offset = this.offsetOf(value, key)
      if (offset !== undefined) members.set(key, offset)
    }
    this.offsets.set(resolved, { start: this.offsetOf(value) ?? 0, members })
    return resolved
  }

  /**
   * Resolves `value` and requires a string; a marker string is a string. A value that
   * `AWS::NoValue` removes is missing, so it is an `InputError` here: properties that may be
   * absent use `resolveOptionalString`.
   */
  resolveString(value: unknown, what: string, container: object, key?: string | number): string {
    const resolved = this.resolveOptionalString(value, what, container, key)
    if (resolved !== undefined) return resolved
    throw this.error(
      value === undefined
        ? `${what} is missing`
        : `${what} is missing: AWS::NoValue removes it, and the resource needs it`,
      container,
      key
    )
  }

  /** Resolves `value` as a string; undefined when it is absent or `AWS::NoValue` removes it. */
  resolveOptionalString(
    value: unknown,
    what: string,
    container: object,
    key?: string | number
  ): string | undefined {
    if (value === undefined) return undefined
    const resolved = this.resolve(value)
    if (resolved === NO_VALUE) return undefined
    if (typeof resolved === 'string') return resolved
    if (typeof resolved === 'number' || typeof resolved === 'boolean') return String(resolved)
    throw this.error(`${what} must be a string, found ${shown(resolved)}`, container, key)
  }

  /** Resolves a list of strings; a marker in place of the whole list stays one entry. */
  resolveStringList(value: unknown, what: string, container: object, key: string): string[] {
    const resolved = this.resolve(value)
    if (resolved === NO_VALUE || resolved === undefined || resolved === null) return []
    if (typeof resolved === 'string') return [resolved]
    if (!Array.isArray(resolved)) {
      throw this.error(
        `${what} must be a list of strings, found ${shown(resolved)}`,
        container,
        key
      )
    }
    return resolved.map((entry, position) => {
      if (typeof entry === 'string') return entry
      throw this.error(
        `each entry of ${what} must be a string, found ${shown(entry)}`,
        resolved,
        position
      )
    })
  }

  /** Evaluates condition `name`: true, false, or undefined when it depends on an unresolved value. */
  condition(name: string, site: object): boolean | undefined {
    if (this.conditions.has(name)) return this.conditions.get(name)
    const conditions = isObject(this.template.Conditions) ? this.template.Conditions : {}
    if (!Object.hasOwn(conditions, name)) {
      throw this.error(`condition "${name}" is not defined in Conditions`, site)
    }
    if (this.evaluating.has(name)) {
      throw this.error(`condition "${name}" refers to itself`, conditions, name)
    }
    this.evaluating.add(name)
    const value = this.conditionValue(conditions[name], conditions, name)
    this.evaluating.delete(name)
    this.conditions.set(name, value)
    return value
  }

  private conditionValue(
    value: unknown,
    container: object,
    key: string | number
  ): boolean | undefined {
    if (!isObject(value) || Object.keys(value).length !== 1) {
      if (typeof value === 'boolean') return value
      throw this.error(
        `a condition must be Fn::Equals, Fn::Not, Fn::And, Fn::Or or Condition, found ${shown(value)}`,
        container,
        key
      )
    }
    const [name] = Object.keys(value)
    const argument = value[name]
    if (name === 'Condition') {
      if (typeof argument !== 'string') {
        throw this.error(`Condition must name a condition, found ${shown(argument)}`, value, name)
      }
      return this.condition(argument, value)
    }
    if (name === 'Fn::Equals') {
      const [left, right] = this.argumentList(value, name, 2)
      const resolvedLeft = this.resolve(left)
      const resolvedRight = this.resolve(right)
      if (containsMarker(resolvedLeft) || containsMarker(resolvedRight)) return undefined
      return comparable(resolvedLeft) === comparable(resolvedRight)
    }
    if (name === 'Fn::Not') {
      const [operand] = this.argumentList(value, name, 1)
      const result = this.conditionValue(operand, value[name] as object, 0)
      return result === undefined ? undefined : !result
    }
    if (name === 'Fn::And' || name === 'Fn::Or') {
      const operands = this.argumentList(value, name)
      const results = operands.map((operand, position) =>
        this.conditionValue(operand, value[name] as object, position)
      )
      const decisive = name !== 'Fn::And'
      if (results.includes(decisive)) return decisive
      return results.includes(undefined) ? undefined : !decisive
    }
    const resolved = this.resolve(value)
    if (typeof resolved === 'boolean') return resolved
    if (resolved === 'true' || resolved === 'false') return resolved === 'true'
    if (containsMarker(resolved)) return undefined
    throw this.error(`a condition must be true or false, found ${shown(resolved)}`, container, key)
  }

  private resolveList(list: unknown[]): unknown[] {
    const resolved: unknown[] = []
    const members: number[] = []
    list.forEach((entry, position) => {
      const value = this.resolve(entry)
      if (value === NO_VALUE) return
      resolved.push(value)
      members.push(this.offsetOf(list, position) ?? this.offsetOf(list) ?? 0)
    })
    this.offsets.set(resolved, { start: this.offsetOf(list) ?? 0, members })
    return resolved
  }

  private offsetOf(container: object, key?: string | number): number | undefined {
    return this.index.offsetOf(container, key) ?? this.parsed.index.offsetOf(container, key)
  }

  private intrinsic(node: JsonObject, name: string): unknown {
    const argument = node[name]
    switch (name) {
      case 'Ref':
        return this.ref(this.nameArgument(node, name), { node })
      case 'Fn::GetAtt':
        return this.getAtt(node)
      case 'Fn::Sub':
        return this.sub(node)
      case 'Fn::Join':
        return this.join(node)
      case 'Fn::Select':
        return this.select(node)
      case 'Fn::Split':
        return this.split(node)
      case 'Fn::If':
        return this.ifValue(node)
      case 'Fn::FindInMap':
        return this.findInMap(node)
      case 'Fn::ImportValue': {
        const exportName = this.resolve(argument)
        if (typeof exportName !== 'string' || hasUnresolved(exportName))
          return this.unresolved({ node })
        return Object.hasOwn(this.context.imports, exportName)
          ? this.context.imports[exportName]
          : this.unresolved({ node })
      }
      case 'Fn::Base64': {
        const text = this.resolve(argument)
        if (typeof text !== 'string')
          throw this.error(`Fn::Base64 needs a string, found ${shown(text)}`, node, name)
        return hasUnresolved(text)
          ? this.unresolved({ node })
          : Buffer.from(text).toString('base64')
      }
      case 'Fn::Length': {
        const list = this.resolve(argument)
        return Array.isArray(list) ? list.length : this.unresolved({ node })
      }
      case 'Fn::ToJsonString': {
        const value = this.resolve(argument)
        if (typeof value === 'string' && hasUnresolved(value)) return this.unresolved({ node })
        if (!isObject(value) && !Array.isArray(value)) {
          throw this.error(
            `Fn::ToJsonString needs a mapping or a list, found ${shown(value)}`,
            node,
            name
          )
        }
        return JSON.stringify(value)
      }
      case 'Fn::Equals':
      case 'Fn::Not':
      case 'Fn::And':
      case 'Fn::Or': {
        const decided = this.conditionValue(node, node, name)
        return decided === undefined ? this.unresolved({ node }) : decided
      }
      default:
        // Fn::GetAZs, Fn::Cidr and Fn::Transform depend on the account or a macro; other
        // functions are newer than this reader. Either way the value is unknown.
        return this.unresolved({ node })
    }
  }

  /** `Ref` of a pseudo parameter, a parameter or a resource. */
  ref(name: string, site: Site): unknown {
    if (PSEUDO_PARAMETERS.has(name)) return this.pseudoParameter(name, site)
    const parameters = isObject(this.template.Parameters) ? this.template.Parameters : {}
    if (Object.hasOwn(parameters, name)) return this.parameter(name, parameters, site)
    if (this.resources?.has(name)) return this.resources.ref(name, site)
    throw this.error(
      `Ref to "${name}": no parameter or resource of that name in the template`,
      site.node
    )
  }

  /** Returns the value of a pseudo parameter, or a marker when the context does not give it. */
  pseudoParameter(name: string, site: Site): unknown {
    const { context } = this
    switch (name) {
      case 'AWS::NoValue':
        return NO_VALUE
      case 'AWS::Partition':
        return context.partition
      case 'AWS::URLSuffix':
        return context.partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com'
      case 'AWS::AccountId':
        return context.accountId ?? this.unresolved(site)
      case 'AWS::Region':
        return context.region ?? this.unresolved(site)
      case 'AWS::StackName':
        return context.stackName ?? this.unresolved(site)
      default:
        // AWS::StackId and AWS::NotificationARNs exist only once the stack is created.
        return this.unresolved(site)
    }
  }

  private parameter(name: string, parameters: JsonObject, site: Site): unknown {
    const declaration = isObject(parameters[name]) ? parameters[name] : {}
    const type = typeof declaration.Type === 'string' ? declaration.Type : 'String'
    // SSM parameter types hold the name of a parameter whose value is read at deployment.
    if (type.startsWith('AWS::SSM::Parameter::Value<')) return this.unresolved(site)
    const given = Object.hasOwn(this.context.parameters, name)
      ? this.context.parameters[name]
      : undefined
    const value = given ?? declaration.Default
    if (value === undefined || value === null) return this.unresolved(site)
    const isList = type === 'CommaDelimitedList' || type.startsWith('List<')
    if (isList) {
      // CloudFormation trims the spaces around each member of a list parameter.
      const members = Array.isArray(value) ? value.map(String) : String(value).split(',')
      return members.map((member) => member.trim())
    }
    return Array.isArray(value) ? value.join(',') : String(value)
  }

  private getAtt(node: JsonObject): unknown {
    const argument = node['Fn::GetAtt']
    let parts: unknown[]
    if (typeof argument === 'string') {
      const dot = argument.indexOf('.')
      parts = dot < 0 ? [argument] : [argument.slice(0, dot), argument.slice(dot + 1)]
    } else if (Array.isArray(argument)) {
      parts = argument
    } else {
      throw this.error(
        `Fn::GetAtt needs [LogicalId, Attribute], found ${shown(argument)}`,
        node,
        'Fn::GetAtt'
      )
    }
    const [logicalId, attribute] = parts
    if (parts.length !== 2 || typeof logicalId !== 'string') {
      throw this.error(
        `Fn::GetAtt needs [LogicalId, Attribute], found ${shown(argument)}`,
        node,
        'Fn::GetAtt'
      )
    }
    const attributeName = this.resolve(attribute)
    if (typeof attributeName !== 'string') {
      throw this.error(
        `the attribute of Fn::GetAtt must be a string, found ${shown(attributeName)}`,
        node,
        'Fn::GetAtt'
      )
    }
    if (hasUnresolved(attributeName)) return this.unresolved({ node })
    return this.attribute(logicalId, attributeName, { node })
  }

  private attribute(logicalId: string, attribute: string, site: Site): unknown {
    if (!this.resources?.has(logicalId)) {
      throw this.error(
        `Fn::GetAtt of "${logicalId}": no resource of that name in the template`,
        site.node
      )
    }
    return this.resources.getAtt(logicalId, attribute, site)
  }

  private sub(node: JsonObject): unknown {
    const argument = node['Fn::Sub']
    let template: unknown = argument
    let variables: JsonObject = {}
    if (Array.isArray(argument)) {
      if (argument.length !== 2 || !isObject(argument[1])) {
        throw this.error(
          `Fn::Sub needs a string or [string, {variables}], found ${shown(argument)}`,
          node,
          'Fn::Sub'
        )
      }
      template = argument[0]
      variables = argument[1]
    }
    if (typeof template !== 'string') {
      throw this.error(
        `the text of Fn::Sub must be a string, found ${shown(template)}`,
        node,
        'Fn::Sub'
      )
    }
    return template.replace(/\$\{([^}]*)\}/g, (whole, inner: string) => {
      if (inner.startsWith('!')) return `\${${inner.slice(1)}}`
      const name = inner.trim()
      const site: Site = { node, expression: whole }
      const isVariable = Object.hasOwn(variables, name)
      const value = isVariable ? this.resolve(variables[name]) : this.subVariable(name, site)
      if (value === NO_VALUE) return this.subNoValue(node, name, isVariable, site)
      if (typeof value === 'string') return value
      if (typeof value === 'number' || typeof value === 'boolean') return String(value)
      throw this.error(
        `\${${name}} in Fn::Sub must be a string, found ${shown(value)}`,
        node,
        'Fn::Sub'
      )
    })
  }

  /**
   * `AWS::NoValue` in `Fn::Sub`. CloudFormation rejects it as a value of the variable map
   * ("every value of the context object of every Fn::Sub object must be a string or a
   * function that returns a string"). What `${AWS::NoValue}` written in the text becomes is
   * not documented, so that part of the text is unknown.
   */
  private subNoValue(node: JsonObject, name: string, isVariable: boolean, site: Site): string {
    if (isVariable) {
      throw this.error(
        `variable ${name} of Fn::Sub is AWS::NoValue, but each variable must be a string`,
        node,
        'Fn::Sub'
      )
    }
    return this.unresolved(site)
  }

  private subVariable(name: string, site: Site): unknown {
    const dot = name.indexOf('.')
    if (dot > 0 && !PSEUDO_PARAMETERS.has(name)) {
      return this.attribute(name.slice(0, dot), name.slice(dot + 1), site)
    }
    return this.ref(name, site)
  }

  private join(node: JsonObject): unknown {
    const [delimiter, list] = this.argumentList(node, 'Fn::Join', 2)
    if (typeof delimiter !== 'string') {
      throw this.error(
        `the delimiter of Fn::Join must be a string, found ${shown(delimiter)}`,
        node,
        'Fn::Join'
      )
    }
    const values = this.resolve(list)
    if (typeof values === 'string' && hasUnresolved(values)) return values
    if (!Array.isArray(values)) {
      throw this.error(`Fn::Join needs a list to join, found ${shown(values)}`, node, 'Fn::Join')
    }
    return values
      .map((value) => {
        if (typeof value === 'string') return value
        if (typeof value === 'number' || typeof value === 'boolean') return String(value)
        throw this.error(`Fn::Join can only join strings, found ${shown(value)}`, node, 'Fn::Join')
      })
      .join(delimiter)
  }

  private select(node: JsonObject): unknown {
    const [position, list] = this.argumentList(node, 'Fn::Select', 2)
    const index = this.resolve(position)
    const values = this.resolve(list)
    // A list that is unknown as a whole is already one marker, and that marker also covers its entries.
    if (typeof values === 'string' && hasUnresolved(values)) return values
    if (containsMarker(index)) return this.unresolved({ node })
    const number = Number(index)
    if (
      !Array.isArray(values) ||
      !Number.isInteger(number) ||
      number < 0 ||
      number >= values.length
    ) {
      throw this.error(
        `Fn::Select index ${shown(index)} is not a position in ${shown(values)}`,
        node,
        'Fn::Select'
      )
    }
    return values[number]
  }

  private split(node: JsonObject): unknown {
    const [delimiter, source] = this.argumentList(node, 'Fn::Split', 2)
    const text = this.resolve(source)
    if (typeof delimiter !== 'string' || typeof text !== 'string') {
      throw this.error('Fn::Split needs [delimiter, string]', node, 'Fn::Split')
    }
    // The unresolved part could contain the delimiter, so the pieces are unknown.
    if (hasUnresolved(text)) return this.unresolved({ node })
    return text.split(delimiter)
  }

  private ifValue(node: JsonObject): unknown {
    const [name, whenTrue, whenFalse] = this.argumentList(node, 'Fn::If', 3)
    if (typeof name !== 'string') {
      throw this.error(`Fn::If needs a condition name first, found ${shown(name)}`, node, 'Fn::If')
    }
    const decided = this.condition(name, node)
    if (decided === true) return this.resolve(whenTrue)
    if (decided === false) return this.resolve(whenFalse)
    const first = this.resolve(whenTrue)
    const second = this.resolve(whenFalse)
    if (first !== NO_VALUE && second !== NO_VALUE && comparable(first) === comparable(second)) {
      return first
    }
    return this.unresolved({ node })
  }

  private findInMap(node: JsonObject): unknown {
    const argument = node['Fn::FindInMap']
    if (!Array.isArray(argument) || argument.length < 3 || argument.length > 4) {
      throw this.error(
        `Fn::FindInMap needs [MapName, TopLevelKey, SecondLevelKey], found ${shown(argument)}`,
        node,
        'Fn::FindInMap'
      )
    }
    const keys = argument.slice(0, 3).map((key) => this.resolve(key))
    if (keys.some(containsMarker)) return this.unresolved({ node })
    const [mapName, topKey, secondKey] = keys.map(String)
    const mappings = isObject(this.template.Mappings) ? this.template.Mappings : {}
    const mapping = mappings[mapName]
    const top = isObject(mapping) && Object.hasOwn(mapping, topKey) ? mapping[topKey] : undefined
    if (isObject(top) && Object.hasOwn(top, secondKey)) {
      // CloudFormation allows no intrinsics in Mappings; a lookup that leads back to itself
      // would otherwise recurse until the stack overflows.
      const path = JSON.stringify([mapName, topKey, secondKey])
      if (this.lookingUp.has(path)) {
        throw this.error(
          `Fn::FindInMap: the value at ${mapName} / ${topKey} / ${secondKey} refers to itself`,
          node,
          'Fn::FindInMap'
        )
      }
      this.lookingUp.add(path)
      const value = this.resolve(top[secondKey])
      this.lookingUp.delete(path)
      return value
    }
    const options = argument[3]
    if (isObject(options) && Object.hasOwn(options, 'DefaultValue'))
      return this.resolve(options.DefaultValue)
    throw this.error(
      `Fn::FindInMap: Mappings has no value at ${mapName} / ${topKey} / ${secondKey}`,
      node,
      'Fn::FindInMap'
    )
  }

  private nameArgument(node: JsonObject, name: string): string {
    const argument = node[name]
    if (typeof argument === 'string' && argument !== '') return argument
    throw this.error(`${name} needs a name, found ${shown(argument)}`, node, name)
  }

  private argumentList(node: JsonObject, name: string, length?: number): unknown[] {
    const argument = node[name]
    if (Array.isArray(argument) && (length === undefined || argument.length === length))
      return argument
    const expected = length === undefined ? 'a list' : `a list of ${length} values`
    throw this.error(`${name} needs ${expected}, found ${shown(argument)}`, node, name)
  }
}

function isIntrinsicName(key: string): boolean {
  return key === 'Ref' || key.startsWith('Fn::')
}

/** True when `value` or anything in it contains an unresolved marker. */
export function containsMarker(value: unknown): boolean {
  if (typeof value === 'string') return hasUnresolved(value)
  if (Array.isArray(value)) return value.some(containsMarker)
  if (isObject(value)) return Object.values(value).some(containsMarker)
  return false
}

/** Returns a canonical text for comparing resolved values, because CloudFormation compares scalars as strings. */
function comparable(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(String(value))
  return JSON.stringify(value, (_key, member) =>
    typeof member === 'number' || typeof member === 'boolean' ? String(member) : member
  )
}
