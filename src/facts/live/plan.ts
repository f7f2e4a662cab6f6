/**
 * The read plan of a live run: the key references and the IAM entities of the
 * expectations, each once however many expectations name it.
 */

import type { FactGap } from '../../engine/model.js'
import { isCodeReference } from '../../engine/principal.js'
import type { Expectation, ManifestDefaults } from '../../inputs/settings.js'
import { accountGap } from './gap-reasons.js'
import {
  entityId,
  type KeyReference,
  placeKey,
  type SimulatedPrincipal,
  simulatedPrincipal
} from './references.js'

/** One expectation with its key placed and its principal's IAM entity, when it has one. */
export interface PlannedExpectation {
  expectation: Expectation
  key?: KeyReference
  entity?: SimulatedPrincipal
}

export interface ReadPlan {
  expectations: PlannedExpectation[]
  keyReferences: KeyReference[]
  /** IAM entities by `entityId`, with the principals as written that name them. */
  entities: Map<string, { entity: SimulatedPrincipal; written: string[] }>
  gaps: FactGap[]
}

/** Places every expectation's key and finds the IAM entity behind its principal. */
export function planReads(
  expectations: Expectation[],
  defaults: ManifestDefaults,
  defaultRegion: string | undefined
): ReadPlan {
  const plan: ReadPlan = { expectations: [], keyReferences: [], entities: new Map(), gaps: [] }
  for (const expectation of expectations) {
    const planned: PlannedExpectation = { expectation }
    // A key named by its place in code (`infra/app.yaml#Key`) comes from the code, not AWS.
    const placed = isCodeReference(expectation.key)
      ? undefined
      : placeKey(expectation, defaults, defaultRegion)
    if (placed === undefined) {
      // Nothing to read.
    } else if ('reason' in placed) plan.gaps.push(accountGap('key', expectation.key, placed.reason))
    else {
      planned.key = placed
      plan.keyReferences.push(placed)
    }

    const entity = simulatedPrincipal(expectation.principal)
    if (entity) {
      const id = entityId(entity)
      const known = plan.entities.get(id)
      // A role named both by its ARN and by a session keeps the ARN, which carries the path.
      if (!known) plan.entities.set(id, { entity, written: [expectation.principal] })
      else {
        if (known.entity.viaSession && !entity.viaSession) known.entity = entity
        if (!known.written.includes(expectation.principal))
          known.written.push(expectation.principal)
      }
      planned.entity = entity
    }
    plan.expectations.push(planned)
  }
  return plan
}

/** Removes gaps that are equal in every field, keeping the first. */
export function uniqueGaps(gaps: FactGap[]): FactGap[] {
  const seen = new Set<string>()
  return gaps.filter((gap) => {
    const text = JSON.stringify([
      gap.subject,
      gap.part,
      gap.kind,
      gap.accountId,
      gap.region,
      gap.reason
    ])
    if (seen.has(text)) return false
    seen.add(text)
    return true
  })
}
