/**
 * Parsing of policy documents written in a template, after their intrinsics are resolved,
 * with statement locations and the origin a fix needs.
 */
import type { Policy, PolicyKind } from '../../../engine/model.js'
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
}

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
    throw error
  }
  const statementsLocation = isObject(resolved)
    ? (resolver.locate(resolved, 'Statement') ?? resolver.locate(resolved))
    : undefined
  policy.origin = {
    format: reader.format,
    file: reader.source,
    resource: options.logicalId,
    ...(statementsLocation && { statementsLocation })
  }
  return policy
}
