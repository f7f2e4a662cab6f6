/**
 * Parsing of policy documents written in a template, after their intrinsics are resolved,
 * with statement locations and the origin a fix needs.
 */
import type { Policy, PolicyKind, PolicyOrigin } from '../../../engine/model.js'
import { InputError } from '../../../inputs/errors.js'
import { isObject } from '../../document-reader.js'
import type { FactWarning } from '../../fact-types.js'
import { parsePolicyDocument } from '../../policy-document.js'
import type { ParsedTemplate } from './parse-template.js'
import { containsMarker, NO_VALUE, type TemplateResolver } from './resolver.js'
import type { TemplateResources } from './resources.js'

/** Everything the resource readers of one template share. */
export interface TemplateReader {
  source: string
  format: ParsedTemplate['format']
  resolver: TemplateResolver
  resources: TemplateResources
  warnings: FactWarning[]
}

export interface TemplatePolicyOptions {
  kind: PolicyKind
  name: string
  arn?: string
  /** Logical ID of the resource the policy is written in. */
  logicalId: string
  label: string
  /** The member that contains the document, which locates a document given as JSON text. */
  at?: { container: object; key: string | number }
}

/**
 * The origin of a policy read from a template. `policyIsText`: the document is JSON text in
 * a string, so a fix is written as JSON. `flowStyleStatements`: the YAML `Statement` list is
 * written in flow style (`[...]`), so a new statement cannot go on a line of its own.
 */
export type TemplatePolicyOrigin = PolicyOrigin

/**
 * Resolves and parses the policy document `document` (as written in the template).
 * Returns undefined when the document depends on a value that cannot be resolved, such
 * as `Fn::ImportValue` in place of a statement: the marker is then recorded, and the
 * caller treats the policy as unknown.
 */
export function readTemplatePolicy(
  reader: TemplateReader,
  document: unknown,
  options: TemplatePolicyOptions
): Policy | undefined {
  const resolved = reader.resolver.resolve(document)
  if (resolved === NO_VALUE || (typeof resolved === 'string' && containsMarker(resolved))) {
    return undefined
  }
  return parseResolvedPolicy(reader, resolved, options)
}

/** Parses an already resolved document; see `readTemplatePolicy`. */
export function parseResolvedPolicy(
  reader: TemplateReader,
  resolved: unknown,
  options: TemplatePolicyOptions
): Policy | undefined {
  const { resolver } = reader
  const isText = typeof resolved === 'string'
  let policy: Policy
  try {
    policy = parsePolicyDocument(resolved, {
      kind: options.kind,
      name: options.name,
      ...(options.arn !== undefined && { arn: options.arn }),
      accountId: reader.resources.account(),
      partition: resolver.context.partition,
      // A document written as a JSON string has no positions in the template.
      ...(!isText && { file: reader.source, positions: resolver.index }),
      label: options.label
    })
  } catch (error) {
    // A marker where the policy needs an object or a list (a statement chosen by an
    // undecidable Fn::If) leaves the whole document unknown.
    if (error instanceof InputError && containsMarker(resolved)) return undefined
    // An error in JSON text has no position in the template: place it at the text.
    if (error instanceof InputError && !error.location && options.at) {
      throw resolver.error(error.message, options.at.container, options.at.key)
    }
    throw error
  }
  const origin: TemplatePolicyOrigin = {
    format: reader.format,
    file: reader.source,
    resource: options.logicalId
  }
  if (isText) {
    placeTextPolicy(reader, policy, origin, options)
  } else if (isObject(resolved)) {
    const where = resolver.locate(resolved, 'Statement') ?? resolver.locate(resolved)
    if (where) origin.statementsLocation = where
    if (Array.isArray(resolved.Statement) && resolver.isFlowList(resolved.Statement)) {
      origin.flowStyleStatements = true
    }
  }
  policy.origin = origin
  return policy
}

/** Points a policy written as JSON text, and each of its statements, at that text in the template. */
function placeTextPolicy(
  reader: TemplateReader,
  policy: Policy,
  origin: TemplatePolicyOrigin,
  options: TemplatePolicyOptions
) {
  origin.policyIsText = true
  const where = options.at && reader.resolver.locate(options.at.container, options.at.key)
  if (!where) return
  origin.statementsLocation = where
  policy.location = where
  for (const statement of policy.statements) statement.location = where
  for (const warning of policy.warnings) warning.location ??= where
}
