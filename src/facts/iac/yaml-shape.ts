/**
 * A first, loose reading of a YAML file: enough to tell whether it is a CloudFormation
 * template. Short-form intrinsics (`!Ref`, `!Sub`, ...) are accepted as plain values here;
 * the template reader resolves them later.
 */
import { parse } from 'yaml'

/** Parses YAML, reading any `!Tag` as the value it tags. Returns the error message instead of throwing. */
export function parseYamlLoosely(text: string): { value?: unknown; error?: string } {
  try {
    return {
      value: parse(text, {
        customTags: (tags) => tags,
        // Unknown tags such as `!Ref` only warn; they do not stop the reading.
        logLevel: 'silent',
        maxAliasCount: 100
      })
    }
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) }
  }
}
