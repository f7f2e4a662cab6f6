/**
 * Reading of a Terraform plan (`terraform show -json PLANFILE`) into the engine's facts:
 * the state the plan leaves after apply, with values known only after apply as
 * unresolved values, never as allows.
 */
import type { CodeFacts } from '../code-facts.js'
import { readIam } from './iam-resources.js'
import { readKeys } from './kms-resources.js'
import type { TfFile } from './locate-address.js'
import { type IacContext, PlanContext } from './plan-context.js'
import { parsePlanText } from './plan-document.js'
import { collectInstances } from './plan-resources.js'

export type { IacContext } from './plan-context.js'

/** The facts one plan defines. */
export type PlanFacts = CodeFacts

/**
 * Reads plan JSON `text`, named `source` as the fact loader names the file. `tfFiles` are
 * the configuration's `.tf` files, used only to locate resources and policies; without
 * them, locations point into the plan. Throws an `InputError` with file, line and column
 * for malformed JSON, a document that is not a plan, an unsupported `format_version`, a
 * malformed policy, or a new resource whose account or Region cannot be told.
 */
export function readTerraformPlan(
  source: string,
  text: string,
  context: IacContext,
  tfFiles: TfFile[]
): PlanFacts {
  const { root, reader } = parsePlanText(source, text)
  const plan = new PlanContext(source, root, reader, collectInstances(root), context, tfFiles)
  const keys = readKeys(plan)
  const iam = readIam(plan)
  return { keys, ...iam, unresolved: plan.unresolved, warnings: plan.warnings }
}
