/** Parsing of a policy document held inside a fact document, as an object or a string. */
import type { Policy } from '../engine/model.js'
import { InputError } from '../inputs/errors.js'
import type { DocumentReader, JsonObject } from './document-reader.js'
import type { JsonIndex } from './json-index.js'
import { type PolicyDocumentOptions, parsePolicyDocument } from './policy-document.js'
import type { TextMap } from './text-map.js'

/**
 * Parses the policy at `container[key]`. Statement locations point into the fact file,
 * also when the policy is a JSON string or URL-encoded string inside it.
 */
export function parseEmbeddedPolicy(
  reader: DocumentReader,
  container: JsonObject,
  key: string,
  options: Omit<PolicyDocumentOptions, 'positions' | 'file'>
): Policy {
  const value = container[key]
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
