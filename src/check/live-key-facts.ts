/**
 * Turning the key objects a live run read into facts, one key at a time, so that one key
 * policy AWS returned but the gate cannot read costs only that key's results.
 */
import type { FactGap } from '../engine/model.js'
import { buildFacts, type FactDocument, type LoadedFacts } from '../facts/build-facts.js'
import { InputError } from '../inputs/errors.js'

/**
 * Builds the facts of each key document. A document that does not build is built again
 * without its policy, with a gap that explains why the key policy is unknown. A key that does
 * not build even then is left out, with a gap.
 */
export function buildLiveKeys(documents: FactDocument[]): { keys: LoadedFacts; gaps: FactGap[] } {
  const gaps: FactGap[] = []
  const built: LoadedFacts[] = []
  for (const document of documents) {
    const first = tryBuild(document)
    if (first.loaded) {
      built.push(first.loaded)
      continue
    }
    const arn = keyArnOf(document)
    const withoutPolicy = tryBuild({ ...document, value: withoutMember(document.value, 'Policy') })
    if (withoutPolicy.loaded) {
      built.push(withoutPolicy.loaded)
      gaps.push({
        subject: arn,
        part: 'key-policy',
        kind: 'unreadable',
        reason: `The key policy that kms:GetKeyPolicy returned for ${arn} cannot be read: ${first.error}`
      })
      continue
    }
    gaps.push({
      subject: arn,
      part: 'key',
      kind: 'unreadable',
      reason: `What KMS returned for ${arn} cannot be read: ${first.error}`
    })
  }
  return {
    keys: {
      facts: {
        iam: [],
        keys: built.flatMap((loaded) => loaded.facts.keys),
        organizations: [],
        vpcEndpoints: [],
        sessionPolicies: []
      },
      sources: [],
      warnings: built.flatMap((loaded) => loaded.warnings)
    },
    gaps
  }
}

function tryBuild(document: FactDocument): { loaded?: LoadedFacts; error?: string } {
  try {
    return { loaded: buildFacts([document]) }
  } catch (error) {
    if (error instanceof InputError) return { error: error.message }
    throw error
  }
}

function keyArnOf(document: FactDocument): string {
  const value = document.value as { KeyMetadata?: { Arn?: unknown } } | undefined
  const arn = value?.KeyMetadata?.Arn
  return typeof arn === 'string' ? arn : document.source
}

function withoutMember(value: unknown, member: string): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value
  const { [member]: _removed, ...rest } = value as Record<string, unknown>
  return rest
}
