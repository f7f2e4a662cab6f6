/** Statements to paste, written in the language of the file that holds the policy. */
import { describe, expect, it } from '@jest/globals'
import { parse } from 'yaml'
import type { PolicyOrigin } from '../../src/engine/model.js'
import { statementSnippet } from '../../src/remediation/snippets.js'

const STATEMENT = {
  Sid: 'AllowApp',
  Effect: 'Allow',
  Principal: { AWS: 'arn:aws:iam::111122223333:role/app' },
  Action: ['kms:Decrypt'],
  Resource: '*',
  Condition: { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } }
}

function origin(extra: Partial<PolicyOrigin>): PolicyOrigin {
  return { format: 'terraform-plan', file: 'main.tf', resource: 'aws_kms_key.this', ...extra }
}

describe('statementSnippet', () => {
  it('writes a YAML list item for a YAML template', () => {
    const snippet = statementSnippet(STATEMENT, origin({ format: 'cloudformation-yaml' }))
    expect(snippet.language).toBe('yaml')
    expect(parse(snippet.text)).toEqual([STATEMENT])
  })

  it('writes JSON for a JSON template', () => {
    const snippet = statementSnippet(STATEMENT, origin({ format: 'cloudformation-json' }))
    expect(snippet.language).toBe('json')
    expect(JSON.parse(snippet.text)).toEqual(STATEMENT)
  })

  it('writes a jsonencode object for Terraform', () => {
    const snippet = statementSnippet(STATEMENT, origin({ terraformStyle: 'jsonencode' }))
    expect(snippet.language).toBe('hcl')
    expect(snippet.text).toBe(
      [
        '{',
        '  Sid       = "AllowApp"',
        '  Effect    = "Allow"',
        '  Principal = {',
        '    AWS = "arn:aws:iam::111122223333:role/app"',
        '  }',
        '  Action    = ["kms:Decrypt"]',
        '  Resource  = "*"',
        '  Condition = {',
        '    StringEquals = {',
        '      "kms:ViaService" = "s3.eu-west-1.amazonaws.com"',
        '    }',
        '  }',
        '}'
      ].join('\n')
    )
  })

  it('writes a statement block for an aws_iam_policy_document', () => {
    const snippet = statementSnippet(STATEMENT, origin({ terraformStyle: 'policy-document' }))
    expect(snippet.text).toBe(
      [
        'statement {',
        '  sid       = "AllowApp"',
        '  effect    = "Allow"',
        '  actions   = ["kms:Decrypt"]',
        '  resources = ["*"]',
        '  principals {',
        '    type        = "AWS"',
        '    identifiers = ["arn:aws:iam::111122223333:role/app"]',
        '  }',
        '  condition {',
        '    test     = "StringEquals"',
        '    variable = "kms:ViaService"',
        '    values   = ["s3.eu-west-1.amazonaws.com"]',
        '  }',
        '}'
      ].join('\n')
    )
  })

  it('writes JSON for a Terraform heredoc policy', () => {
    const snippet = statementSnippet(STATEMENT, origin({ terraformStyle: 'json' }))
    expect(JSON.parse(snippet.text)).toEqual(STATEMENT)
  })
})
