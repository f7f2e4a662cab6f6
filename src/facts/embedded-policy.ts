/** Parsing of a policy document held inside a fact document, as an object or a string. */
import type { Policy } from '../engine/model.js'
import { InputError } from '../inputs/errors.js'
import { type DocumentReader, isObject, type JsonObject } from './document-reader.js'
import type { JsonIndex } from './json-index.js'
import {
  notPolicyDocumentMessage,
  type PolicyDocumentOptions,
  parsePolicyDocument,
  policyLabel
} from './policy-document.js'
import type { TextMap } from './text-map.js'

/**
 * Parses the policy at `container[key]`. Statement locations point into the fact file,
 * also when the policy is a JSON string or URL-encoded string inside it. A value that is
 * neither a string nor an object is an `InputError` located at the value.
 */
export function parseEmbeddedPolicy(
  reader: DocumentReader,
  container: JsonObject,
  key: string,
  options: Omit<PolicyDocumentOptions, 'positions' | 'file'>
): Policy {
  const value = container[key]
  if (typeof value !== 'string' && !isObject(value)) {
    const label = options.label ?? policyLabel(options)
    throw reader.error(notPolicyDocumentMessage(label, value), container, key)
  }
  if (!reader.index) return withSourceName(reader.source, () => parsePolicyDocument(value, options))

  const positions: JsonIndex | TextMap | undefined =
    typeof value === 'string' ? reader.index.stringContent(container, key)?.map : reader.index
  return parsePolicyDocument(value, { ...options, file: reader.source, positions })
}

/** Names the source in errors that have no location, because the document has no positions. */
function withSourceName(source: string, parse: () => Policy): Policy {
  try {
    return parse()
  } catch (error) {
    if (error instanceof InputError && !error.location && source) {
      throw new InputError(`${source}: ${error.message}`)
    }
    throw error
  }
}
