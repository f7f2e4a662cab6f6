/**
 * A statement to paste, written in the language of the file that must change: YAML or JSON
 * for a CloudFormation template, and for Terraform a `jsonencode` object, a `statement`
 * block of a `data "aws_iam_policy_document"`, or JSON text, as the policy is written there.
 */
import { stringify } from 'yaml'
import type { PolicyOrigin } from '../engine/model.js'

export interface Snippet {
  language: 'yaml' | 'json' | 'hcl'
  text: string
}

type JsonStatement = Record<string, unknown>

/**
 * Writes `statement` the way the policy at `origin` is written. `references` maps ARNs that
 * do not exist yet (resources the change creates) to the logical ID or address that names
 * them in code, so the fix refers to them as the code does (`!GetAtt AppRole.Arn`,
 * `aws_iam_role.app.arn`) instead of by a synthetic ARN.
 */
export function statementSnippet(
  statement: JsonStatement,
  origin: PolicyOrigin,
  references: Record<string, string> = {}
): Snippet {
  const cloudFormation = origin.format !== 'terraform-plan'
  const text = (() => {
    if (origin.format === 'cloudformation-yaml' && !origin.policyIsText) {
      // Flow style needs an inline mapping; block style a list item under `Statement:`.
      return origin.flowStyleStatements
        ? `${JSON.stringify(statement)},`
        : stringify([statement], { lineWidth: 0 }).trimEnd()
    }
    if (cloudFormation || origin.terraformStyle === 'json')
      return JSON.stringify(statement, null, 2)
    if (origin.terraformStyle === 'policy-document') return policyDocumentStatement(statement)
    return hclValue(statement, '')
  })()
  const language =
    origin.format === 'cloudformation-yaml' && !origin.policyIsText
      ? 'yaml'
      : cloudFormation || origin.terraformStyle === 'json'
        ? 'json'
        : 'hcl'
  return { language, text: withReferences(text, references, origin, language) }
}

/** Replaces quoted synthetic ARNs with the code's own expression for them. */
function withReferences(
  text: string,
  references: Record<string, string>,
  origin: PolicyOrigin,
  language: Snippet['language']
): string {
  let result = text
  for (const [arn, name] of Object.entries(references)) {
    const expression =
      origin.format === 'terraform-plan'
        ? `${name}.arn`
        : language === 'yaml' && !origin.flowStyleStatements
          ? `!GetAtt ${name}.Arn`
          : JSON.stringify({ 'Fn::GetAtt': [name, 'Arn'] })
    // JSON text inside a string cannot hold an intrinsic: leave the ARN for the reader.
    if (origin.policyIsText || origin.terraformStyle === 'json') continue
    result = result.split(JSON.stringify(arn)).join(expression).split(arn).join(expression)
  }
  return result
}

/** Writes a JSON value as an HCL expression, as inside `jsonencode(...)`. */
function hclValue(value: unknown, indent: string): string {
  if (Array.isArray(value)) {
    return `[${value.map((item) => hclValue(item, indent)).join(', ')}]`
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
    const inner = `${indent}  `
    const width = Math.max(...entries.map(([key]) => hclKey(key).length))
    const lines = entries.map(
      ([key, item]) => `${inner}${hclKey(key).padEnd(width)} = ${hclValue(item, inner)}`
    )
    return `{\n${lines.join('\n')}\n${indent}}`
  }
  return JSON.stringify(value)
}

/** Writes an object key: bare when it is an identifier, else quoted (condition keys contain `:`). */
function hclKey(key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) ? key : JSON.stringify(key)
}

/** Writes a statement as a `statement { ... }` block of `data "aws_iam_policy_document"`. */
function policyDocumentStatement(statement: JsonStatement): string {
  const lines: string[] = ['statement {']
  // Aligned as `terraform fmt` aligns the attributes of one block.
  const attribute = (name: string, value: unknown) =>
    lines.push(`  ${name.padEnd('resources'.length)} = ${JSON.stringify(value)}`)

  if (typeof statement.Sid === 'string') attribute('sid', statement.Sid)
  attribute('effect', statement.Effect ?? 'Allow')
  attribute('actions', asList(statement.Action))
  attribute('resources', asList(statement.Resource))
  const principal = statement.Principal
  if (principal !== undefined && principal !== null && typeof principal === 'object') {
    for (const [type, identifiers] of Object.entries(principal as Record<string, unknown>)) {
      lines.push('  principals {', `    type        = ${JSON.stringify(type)}`)
      lines.push(`    identifiers = ${JSON.stringify(asList(identifiers))}`, '  }')
    }
  }
  const conditions = (statement.Condition ?? {}) as Record<string, Record<string, unknown>>
  for (const [test, entries] of Object.entries(conditions)) {
    for (const [variable, values] of Object.entries(entries)) {
      lines.push('  condition {', `    test     = ${JSON.stringify(test)}`)
      lines.push(`    variable = ${JSON.stringify(variable)}`)
      lines.push(`    values   = ${JSON.stringify(asList(values))}`, '  }')
    }
  }
  lines.push('}')
  return lines.join('\n')
}

function asList(value: unknown): unknown[] {
  if (value === undefined) return []
  return Array.isArray(value) ? value : [value]
}
