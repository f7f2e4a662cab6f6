/**
 * Reading of CloudFormation, SAM and CDK templates into the engine's facts: the keys,
 * roles, users and groups a template creates, with intrinsics resolved against the
 * resolution context and unknown values left as unresolved markers.
 */

import { InputError } from '../../../inputs/errors.js'
import { isObject, type JsonObject } from '../../document-reader.js'
import type { CodeFacts } from '../code-facts.js'
import { UnresolvedRegistry } from '../unresolved-registry.js'
import { readIamResources } from './iam-resources.js'
import { addAlias, readKey } from './key-resources.js'
import { parseTemplate } from './parse-template.js'
import { type IacContext, TemplateResolver } from './resolver.js'
import { readResources, type TemplateResource, TemplateResources } from './resources.js'
import { samRoleResource } from './sam-function.js'
import type { TemplateReader } from './template-policy.js'

export type { IacContext } from './resolver.js'

/** The facts one template defines. */
export type TemplateFacts = CodeFacts

const SERVERLESS_TRANSFORM = 'AWS::Serverless-2016-10-31'
/** Transforms whose effect this reader applies itself (SAM) or that add only intrinsics it reads. */
const KNOWN_TRANSFORMS = new Set([SERVERLESS_TRANSFORM, 'AWS::LanguageExtensions'])

/**
 * Reads a template. `text` is the file content, `source` the path as the loader names it.
 * Throws an `InputError` for a malformed template: invalid JSON or YAML, an unknown tag,
 * `Resources` that is not a mapping, or a `Ref` to a name the template does not define.
 */
export function readCloudFormationTemplate(
  source: string,
  text: string,
  context: IacContext
): TemplateFacts {
  try {
    return readTemplate(source, text, context)
  } catch (error) {
    // Cycles are rejected where they occur; this catches chains of references too long to follow.
    if (error instanceof RangeError && /call stack/i.test(error.message)) {
      throw new InputError('references between values are nested too deeply to resolve', {
        file: source,
        line: 1,
        column: 1
      })
    }
    throw error
  }
}

function readTemplate(source: string, text: string, context: IacContext): TemplateFacts {
  const parsed = parseTemplate(source, text)
  if (!isObject(parsed.value)) {
    throw new InputError('a template must be a mapping with Resources', {
      file: source,
      line: 1,
      column: 1
    })
  }
  const template = parsed.value
  const registry = new UnresolvedRegistry(source)
  const resolver = new TemplateResolver(parsed, template, context, registry)
  const globals = samFunctionGlobals(template)
  const written = readResources(resolver, template)
  const resources = new TemplateResources(resolver, written, source)
  resolver.resources = resources
  for (const resource of written) {
    const role = samRoleResource(resource, globals)
    if (role) resources.add(role)
  }

  const reader: TemplateReader = {
    source,
    format: parsed.format,
    resolver,
    resources,
    warnings: []
  }
  warnAboutTransforms(reader, template)
  const deployed = resources.list().filter((resource) => isDeployed(reader, resource))

  const keys = deployed
    .filter(
      (resource) => resource.type === 'AWS::KMS::Key' || resource.type === 'AWS::KMS::ReplicaKey'
    )
    .map((resource) => readKey(reader, resource))
  for (const alias of deployed.filter((resource) => resource.type === 'AWS::KMS::Alias')) {
    addAlias(reader, alias, keys)
  }
  const iam = readIamResources(reader, deployed, globals)
  return {
    keys,
    roles: iam.roles,
    users: iam.users,
    groups: iam.groups,
    attachments: iam.attachments,
    unresolved: registry.list(),
    warnings: reader.warnings
  }
}

/**
 * True for a parsed document that is a CloudFormation template: it has
 * `AWSTemplateFormatVersion`, the SAM transform, or `Resources` whose entries have a
 * `Type` such as `AWS::...` or `Custom::...`.
 */
export function isCloudFormationTemplate(value: unknown): boolean {
  if (!isObject(value)) return false
  if (Object.hasOwn(value, 'AWSTemplateFormatVersion')) return true
  const transforms = Array.isArray(value.Transform) ? value.Transform : [value.Transform]
  if (transforms.includes(SERVERLESS_TRANSFORM)) return true
  const resources = value.Resources
  if (!isObject(resources)) return false
  const entries = Object.values(resources)
  return (
    entries.length > 0 &&
    entries.some(
      (entry) =>
        isObject(entry) && typeof entry.Type === 'string' && /^(AWS|Custom)::/.test(entry.Type)
    )
  )
}

/** `Globals.Function` of a SAM template, whose members apply to every function. */
function samFunctionGlobals(template: JsonObject): JsonObject {
  const globals = template.Globals
  return isObject(globals) && isObject(globals.Function) ? globals.Function : {}
}

/**
 * Decides whether a resource is created: its `Condition` is true. A condition that depends
 * on an unresolved value keeps the resource, with a warning.
 */
function isDeployed(reader: TemplateReader, resource: TemplateResource): boolean {
  const condition = resource.node.Condition
  if (condition === undefined) return true
  if (typeof condition !== 'string') {
    throw reader.resolver.error(
      `Condition of ${resource.logicalId} must name a condition`,
      resource.node,
      'Condition'
    )
  }
  const decided = reader.resolver.condition(condition, resource.node)
  if (decided !== undefined) return decided
  const location = reader.resolver.locate(resource.node, 'Condition')
  // NOTE: the resource is kept, so its statements count as written; whether it is created is unknown.
  reader.warnings.push({
    code: 'facts',
    message: `whether ${resource.logicalId} is created depends on condition ${condition}, which cannot be decided; it is read as created`,
    ...(location && { location })
  })
  return true
}

/** Warns about macros other than SAM: they may rewrite the template before deployment. */
function warnAboutTransforms(reader: TemplateReader, template: JsonObject) {
  const transform = template.Transform
  if (transform === undefined) return
  const names = (Array.isArray(transform) ? transform : [transform]).map((entry) =>
    typeof entry === 'string'
      ? entry
      : isObject(entry) && typeof entry.Name === 'string'
        ? entry.Name
        : JSON.stringify(entry)
  )
  for (const name of names) {
    if (KNOWN_TRANSFORMS.has(name)) continue
    const location = reader.resolver.locate(template, 'Transform')
    reader.warnings.push({
      code: 'facts',
      message: `transform ${name} may change the template before deployment; the facts are read from the template as written`,
      ...(location && { location })
    })
  }
}
