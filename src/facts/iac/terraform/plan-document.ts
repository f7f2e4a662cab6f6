/**
 * Parsing of `terraform show -json` plan output, with positions, and the check of its
 * `format_version`.
 */
import { InputError } from '../../../inputs/errors.js'
import { DocumentReader, isObject, type JsonObject, quote } from '../../document-reader.js'
import { parseJson } from '../../json-parser.js'
import { FileTextMap } from '../../text-map.js'

/**
 * Major versions of the plan format this reader understands. Terraform promises to raise
 * the major version only for changes that are not backward-compatible, and asks readers
 * to reject other majors (Terraform's "JSON Output Format" page). Terraform 0.12 to 1.0
 * print `0.1` or `0.2`, and later versions `1.x`.
 */
const SUPPORTED_MAJOR_VERSIONS = ['0', '1']

/** A parsed plan and the reader that locates its values. */
export interface PlanDocument {
  root: JsonObject
  reader: DocumentReader
}

/**
 * Returns true for the output of `terraform show -json` for a plan: an object with
 * `format_version` and `terraform_version`, and `planned_values` or `resource_changes`.
 */
export function isTerraformPlan(value: unknown): boolean {
  return (
    isObject(value) &&
    typeof value.format_version === 'string' &&
    typeof value.terraform_version === 'string' &&
    (isObject(value.planned_values) || Array.isArray(value.resource_changes))
  )
}

/**
 * Parses plan JSON text. Throws an `InputError` at the fault for malformed JSON, a text
 * that is not a plan, and a `format_version` whose major version is not supported.
 */
export function parsePlanText(source: string, text: string): PlanDocument {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  const map = new FileTextMap(source, body)
  if (body.search(/\S/) < 0) {
    throw new InputError(
      'Terraform plan file is empty; expected the output of "terraform show -json PLANFILE"',
      map.locate(0)
    )
  }
  const { value, index } = parseJson(body, map)
  const reader = new DocumentReader(source, index)
  if (!isTerraformPlan(value)) {
    const message = `not a Terraform plan: expected the output of "terraform show -json PLANFILE", an object with format_version, terraform_version and planned_values or resource_changes, found ${quote(value)}`
    throw isObject(value) || Array.isArray(value)
      ? reader.error(message, value)
      : new InputError(message, map.locate(body.search(/\S/)))
  }
  const root = value as JsonObject
  checkFormatVersion(reader, root)
  return { root, reader }
}

function checkFormatVersion(reader: DocumentReader, root: JsonObject) {
  const version = root.format_version as string
  const major = /^(\d+)\.\d+$/.exec(version)?.[1]
  if (major !== undefined && SUPPORTED_MAJOR_VERSIONS.includes(major)) return
  throw reader.error(
    `unsupported Terraform plan format_version ${quote(version)}: this tool reads versions 0.x and 1.x; export the plan with Terraform 0.12 or later up to a release that prints format 1.x`,
    root,
    'format_version'
  )
}
