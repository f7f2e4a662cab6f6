import { describe, expect, it } from '@jest/globals'
import type { PolicyKind } from '../../src/engine/model.js'
import { parseJson } from '../../src/facts/json-parser.js'
import { parsePolicyDocument } from '../../src/facts/policy-document.js'
import { FileTextMap } from '../../src/facts/text-map.js'
import {
  ACCOUNT,
  inputErrorOf,
  locationBefore,
  locationOf,
  policyDocument,
  ROOT_STATEMENT,
  statement
} from './builders.js'

function keyPolicy(input: unknown, extra: Record<string, unknown> = {}) {
  return parsePolicyDocument(input, {
    kind: 'key-policy',
    name: 'default',
    accountId: ACCOUNT,
    ...extra
  })
}

function keyPolicyText(text: string) {
  return parsePolicyDocument(text, { kind: 'key-policy', name: 'default', file: 'policy.json' })
}

const DOCUMENT = policyDocument(
  ROOT_STATEMENT,
  statement({ Sid: 'App', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/App` } })
)

describe('parsePolicyDocument inputs', () => {
  const expected = keyPolicy(DOCUMENT)

  it('parses an object', () => {
    expect(expected).toMatchObject({
      kind: 'key-policy',
      name: 'default',
      accountId: ACCOUNT,
      warnings: []
    })
    expect(expected.statements.map((parsed) => parsed.sid)).toEqual(['Root', 'App'])
    expect(expected.statements[1]).toEqual({
      index: 1,
      sid: 'App',
      effect: 'Allow',
      principal: {
        wildcard: false,
        aws: [`arn:aws:iam::${ACCOUNT}:role/App`],
        service: [],
        federated: [],
        canonicalUser: []
      },
      action: ['kms:Decrypt'],
      resource: ['*'],
      conditions: []
    })
  })

  it('parses a JSON string', () => {
    expect(keyPolicy(JSON.stringify(DOCUMENT))).toEqual(expected)
  })

  it('parses a URL-encoded JSON string', () => {
    expect(keyPolicy(encodeURIComponent(JSON.stringify(DOCUMENT)))).toEqual(expected)
  })

  it('parses a JSON string that holds the policy as a string', () => {
    expect(keyPolicy(JSON.stringify(JSON.stringify(DOCUMENT)))).toEqual(expected)
  })

  it('skips a byte order mark', () => {
    expect(keyPolicy(`\ufeff${JSON.stringify(DOCUMENT)}`)).toEqual(expected)
  })

  it('parses a single statement object', () => {
    const single = keyPolicy({ Statement: ROOT_STATEMENT })
    expect(single.statements).toHaveLength(1)
    expect(single.statements[0]).toMatchObject({ index: 0, sid: 'Root', action: ['kms:*'] })
  })

  it('keeps the ARN and name', () => {
    const arn = 'arn:aws:iam::aws:policy/ReadOnlyAccess'
    const policy = parsePolicyDocument(policyDocument(statement()), {
      kind: 'identity',
      name: 'ReadOnlyAccess',
      arn
    })
    expect(policy).toMatchObject({ kind: 'identity', name: 'ReadOnlyAccess', arn })
    expect(policy.accountId).toBeUndefined()
  })
})

describe('parsePolicyDocument elements', () => {
  it('keeps action strings as written', () => {
    const policy = keyPolicy(
      policyDocument(statement({ Principal: '*', Action: ['KMS:decrypt', 'kms:Encrypt*'] }))
    )
    expect(policy.statements[0].action).toEqual(['KMS:decrypt', 'kms:Encrypt*'])
  })

  it('reads NotAction and NotResource', () => {
    const document = policyDocument(
      statement({
        Effect: 'Deny',
        NotAction: 'kms:Decrypt',
        Action: undefined,
        Resource: undefined,
        NotResource: ['arn:a']
      })
    )
    const policy = parsePolicyDocument(document, { kind: 'identity', name: 'inline' })
    expect(policy.statements[0]).toMatchObject({
      effect: 'Deny',
      notAction: ['kms:Decrypt'],
      notResource: ['arn:a']
    })
    expect(policy.statements[0].action).toBeUndefined()
    expect(policy.statements[0].resource).toBeUndefined()
  })

  it('turns "*" and {"AWS": "*"} into a wildcard', () => {
    for (const principal of ['*', { AWS: '*' }, { AWS: ['*'] }]) {
      const parsed = keyPolicy(policyDocument(statement({ Principal: principal })))
      expect(parsed.statements[0].principal).toEqual({
        wildcard: true,
        aws: [],
        service: [],
        federated: [],
        canonicalUser: []
      })
    }
  })

  it('turns a bare account ID into the root ARN of the partition', () => {
    const document = policyDocument(
      statement({ Principal: { AWS: [ACCOUNT, 'arn:aws-cn:iam::444455556666:user/Bob', '*'] } })
    )
    const parsed = keyPolicy(document, { partition: 'aws-cn' })
    expect(parsed.statements[0].principal).toEqual({
      wildcard: true,
      aws: [`arn:aws-cn:iam::${ACCOUNT}:root`, 'arn:aws-cn:iam::444455556666:user/Bob'],
      service: [],
      federated: [],
      canonicalUser: []
    })
  })

  it('keeps service, federated and canonical user principals', () => {
    const principal = {
      Service: ['logs.us-east-1.amazonaws.com', 'sns.amazonaws.com'],
      Federated: 'cognito-identity.amazonaws.com',
      CanonicalUser: '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be'
    }
    const parsed = keyPolicy(policyDocument(statement({ Principal: principal })))
    expect(parsed.statements[0].principal).toEqual({
      wildcard: false,
      aws: [],
      service: principal.Service,
      federated: [principal.Federated],
      canonicalUser: [principal.CanonicalUser]
    })
  })

  it('reads NotPrincipal', () => {
    const parsed = keyPolicy(
      policyDocument(statement({ Effect: 'Deny', NotPrincipal: { AWS: ACCOUNT } }))
    )
    expect(parsed.statements[0].notPrincipal?.aws).toEqual([`arn:aws:iam::${ACCOUNT}:root`])
    expect(parsed.statements[0].principal).toBeUndefined()
  })

  it('gives one condition entry per operator and key', () => {
    const condition = {
      StringEquals: {
        'kms:CallerAccount': ACCOUNT,
        'kms:ViaService': ['s3.us-east-1.amazonaws.com', 'ec2.us-east-1.amazonaws.com']
      },
      Bool: { 'aws:SecureTransport': true, 'kms:GrantIsForAWSResource': [false] },
      NumericLessThan: { 'aws:MultiFactorAuthAge': 3600, 'x:Big': 1e21, 'x:Small': 0.25 },
      'ForAnyValue:StringLike': { 'kms:EncryptionContextKeys': 'app*' }
    }
    const parsed = keyPolicy(policyDocument(statement({ Principal: '*', Condition: condition })))
    expect(parsed.statements[0].conditions).toEqual([
      { operator: 'StringEquals', key: 'kms:CallerAccount', values: [ACCOUNT] },
      {
        operator: 'StringEquals',
        key: 'kms:ViaService',
        values: ['s3.us-east-1.amazonaws.com', 'ec2.us-east-1.amazonaws.com']
      },
      { operator: 'Bool', key: 'aws:SecureTransport', values: ['true'] },
      { operator: 'Bool', key: 'kms:GrantIsForAWSResource', values: ['false'] },
      { operator: 'NumericLessThan', key: 'aws:MultiFactorAuthAge', values: ['3600'] },
      { operator: 'NumericLessThan', key: 'x:Big', values: ['1000000000000000000000'] },
      { operator: 'NumericLessThan', key: 'x:Small', values: ['0.25'] },
      { operator: 'ForAnyValue:StringLike', key: 'kms:EncryptionContextKeys', values: ['app*'] }
    ])
  })

  it('gives an SCP statement without Resource every resource', () => {
    const scp = parsePolicyDocument(
      { Statement: { Effect: 'Allow', Action: '*' } },
      { kind: 'scp', name: 'FullAWSAccess' }
    )
    expect(scp.statements[0].resource).toEqual(['*'])
  })
})

describe('parsePolicyDocument positions', () => {
  it('locates statements in a pretty-printed file', () => {
    const text = JSON.stringify(DOCUMENT, null, 2)
    const policy = keyPolicyText(text)
    expect(policy.location).toEqual({ file: 'policy.json', line: 1, column: 1 })
    expect(policy.statements[0].location).toEqual({ file: 'policy.json', line: 4, column: 5 })
    expect(policy.statements[1].location).toEqual(
      locationBefore(text, '"Sid": "App"', 'policy.json')
    )
  })

  it('locates a single statement object', () => {
    const text =
      '{\n  "Statement": {\n    "Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*"\n  }\n}'
    expect(keyPolicyText(text).statements[0].location).toEqual({
      file: 'policy.json',
      line: 2,
      column: 16
    })
  })

  it('locates statements of an object from a parsed file', () => {
    const text = `{"Policies": [\n  ${JSON.stringify(DOCUMENT)}\n]}`
    const { value, index } = parseJson(text, new FileTextMap('file.json', text))
    const document = (value as { Policies: unknown[] }).Policies[0]
    const policy = parsePolicyDocument(document, {
      kind: 'identity',
      name: 'x',
      positions: index,
      file: 'file.json'
    })
    expect(policy.location).toEqual({ file: 'file.json', line: 2, column: 3 })
    expect(policy.statements[1].location).toEqual(locationBefore(text, '"Sid":"App"', 'file.json'))
  })

  it('locates statements of a URL-encoded file', () => {
    const text = encodeURIComponent(JSON.stringify(DOCUMENT))
    const policy = keyPolicyText(text)
    expect(policy.statements[1].location).toEqual(
      locationBefore(text, '%22Sid%22%3A%22App', 'policy.json', '%7B')
    )
  })

  it('has no locations for an object without positions', () => {
    const policy = keyPolicy(DOCUMENT)
    expect(policy.location).toBeUndefined()
    expect(policy.statements.every((parsed) => parsed.location === undefined)).toBe(true)
  })
})

describe('parsePolicyDocument warnings', () => {
  function warningsOf(kind: PolicyKind, ...statements: Record<string, unknown>[]) {
    const text = JSON.stringify(policyDocument(...statements), null, 2)
    const policy = parsePolicyDocument(text, { kind, name: 'p', file: 'p.json' })
    return { policy, text, warnings: policy.warnings }
  }

  it('flags key-policy statements without Resource or Action', () => {
    const { policy, warnings, text } = warningsOf(
      'key-policy',
      ROOT_STATEMENT,
      statement({ Sid: 'NoResource', Principal: '*', Resource: undefined }),
      statement({ Sid: 'NoAction', Principal: '*', Action: undefined }),
      statement({ Sid: 'Kept', Principal: '*' })
    )
    expect(policy.statements.map((kept) => [kept.index, kept.sid])).toEqual([
      [0, 'Root'],
      [1, 'NoResource'],
      [2, 'NoAction'],
      [3, 'Kept']
    ])
    expect(policy.statements[1].resource).toBeUndefined()
    expect(policy.statements[2].action).toBeUndefined()
    expect(warnings).toEqual([
      {
        code: 'statement-ignored',
        message:
          'statement 2 ("NoResource") of key policy "p": AWS ignores this statement because it has no Resource; a key-policy statement needs Resource and Action',
        statementIndex: 1,
        location: locationBefore(text, '"Sid": "NoResource"', 'p.json')
      },
      expect.objectContaining({
        code: 'statement-ignored',
        statementIndex: 2,
        message: expect.stringContaining('no Action')
      })
    ])
  })

  it('flags condition keys AWS rejects in key policies', () => {
    const condition = {
      StringEquals: {
        'aws:ResourceTag/team': 'a',
        'KMS:ResourceAliases': 'alias/x',
        'aws:PrincipalTag/team': 'a'
      }
    }
    const { warnings, text } = warningsOf(
      'key-policy',
      statement({ Principal: '*', Condition: condition })
    )
    expect(warnings.map((warning) => warning.code)).toEqual([
      'condition-key-not-allowed',
      'condition-key-not-allowed'
    ])
    expect(warnings[0].message).toContain('aws:ResourceTag/team')
    expect(warnings[1].message).toContain('KMS:ResourceAliases')
    expect(warnings[0].location).toEqual(locationOf(text, '{\n        "StringEquals"', 'p.json'))
    expect(warningsOf('identity', statement({ Condition: condition })).warnings).toEqual([])
  })

  it('flags a wildcard inside a principal ARN', () => {
    const { warnings } = warningsOf(
      'key-policy',
      statement({ Principal: { AWS: [`arn:aws:iam::${ACCOUNT}:role/app-*`, '*'] } })
    )
    expect(warnings).toEqual([
      expect.objectContaining({ code: 'principal-wildcard-in-arn', statementIndex: 0 })
    ])
    expect(warnings[0].message).toContain('role/app-*')
  })

  it('flags a group principal', () => {
    const { warnings } = warningsOf(
      'key-policy',
      statement({ Principal: { AWS: `arn:aws:iam::${ACCOUNT}:group/Admins` } })
    )
    expect(warnings).toEqual([
      expect.objectContaining({ code: 'group-principal', statementIndex: 0 })
    ])
  })

  it('leaves unique IDs to the orphaned-principal check', () => {
    const { policy, warnings } = warningsOf(
      'key-policy',
      statement({ Principal: { AWS: 'AROAJ2UCCR6DPCEXAMPLE' } })
    )
    expect(warnings).toEqual([])
    expect(policy.statements[0].principal?.aws).toEqual(['AROAJ2UCCR6DPCEXAMPLE'])
  })

  it('flags a key-policy Resource other than "*"', () => {
    const { warnings, text } = warningsOf(
      'key-policy',
      statement({ Principal: '*', Resource: ['*', 'arn:aws:kms:us-east-1:1:key/x'] })
    )
    expect(warnings).toEqual([
      expect.objectContaining({ code: 'resource-not-star', statementIndex: 0 })
    ])
    expect(warnings[0].location).toEqual(locationOf(text, '[\n        "*"', 'p.json'))
    const notResource = statement({ Principal: '*', Resource: undefined, NotResource: '*' })
    expect(warningsOf('key-policy', notResource).warnings.map((warning) => warning.code)).toEqual([
      'resource-not-star'
    ])
    expect(warningsOf('identity', statement({ Resource: 'arn:x' })).warnings).toEqual([])
  })

  it('flags a missing or forbidden Principal', () => {
    expect(warningsOf('key-policy', statement()).warnings).toEqual([
      expect.objectContaining({
        code: 'invalid-element',
        message: expect.stringContaining('needs Principal')
      })
    ])
    expect(warningsOf('identity', statement({ Principal: '*' })).warnings).toEqual([
      expect.objectContaining({
        code: 'invalid-element',
        message: expect.stringContaining('rejects Principal')
      })
    ])
  })
})

describe('parsePolicyDocument errors', () => {
  const cases: Array<{
    name: string
    text: string
    at: string
    shift?: number
    message: string
    kind?: PolicyKind
  }> = [
    {
      name: 'an invalid Effect',
      text: '{"Statement": [{"Effect": "Permit", "Principal": "*", "Action": "kms:*", "Resource": "*"}]}',
      at: '"Permit"',
      message:
        'Effect in statement 1 of key policy "default" must be "Allow" or "Deny", found "Permit"'
    },
    {
      name: 'a missing Effect',
      text: '{"Statement": [\n  {"Principal": "*", "Action": "kms:*", "Resource": "*"}]}',
      at: '{"Principal"',
      message: 'Effect is missing'
    },
    {
      name: 'an Action that is a number',
      text: '{"Statement": [{"Sid": "A", "Effect": "Allow", "Principal": "*", "Action": 5, "Resource": "*"}]}',
      at: '5,',
      message:
        'Action in statement 1 ("A") of key policy "default" must be a string or a list of strings, found 5'
    },
    {
      name: 'an Action list with an object',
      text: '{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": ["kms:Decrypt", {}], "Resource": "*"}]}',
      at: '["kms:Decrypt"',
      message: 'found ["kms:Decrypt",{}]'
    },
    {
      name: 'a missing Statement',
      text: '{"Version": "2012-10-17"}',
      at: '{',
      message: 'has no Statement element'
    },
    {
      name: 'a Statement string',
      text: '{"Statement": "Allow everything"}',
      at: '"Allow everything"',
      message: 'must be an object or a list of objects, found "Allow everything"'
    },
    {
      name: 'a statement that is not an object',
      text: '{"Statement": [\n  "x"]}',
      at: '"x"',
      message: 'statement 1 of key policy "default" must be an object, found "x"'
    },
    {
      name: 'a Condition that is a list',
      text: '{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*", "Condition": ["x"]}]}',
      at: '["x"]',
      message: 'Condition in statement 1 of key policy "default" must be an object'
    },
    {
      name: 'a condition operator without keys',
      text: '{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*", "Condition": {"StringEquals": "x"}}]}',
      at: '"x"',
      message: 'condition operator StringEquals'
    },
    {
      name: 'a null condition value',
      text: '{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*", "Condition": {"Null": {"k": null}}}]}',
      at: 'null',
      message:
        'condition Null k in statement 1 of key policy "default" must have a string, number or boolean value'
    },
    {
      name: 'invalid JSON',
      text: '{\n  "Statement": [\n    {"Effect": "Allow",}\n  ]\n}',
      at: '}\n  ]',
      message: 'invalid JSON'
    },
    {
      name: 'an unknown element',
      text: '{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*", "Conditions": {}}]}',
      at: '{}',
      message: 'unknown element "Conditions"'
    },
    {
      name: 'both Action and NotAction',
      text: '{"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "kms:*", "NotAction": "kms:Decrypt", "Resource": "*"}]}',
      at: '"kms:Decrypt"',
      message: 'has both Action and NotAction'
    },
    {
      name: 'a principal ARN without an object',
      text: '{"Statement": [{"Effect": "Allow", "Principal": "arn:aws:iam::111122223333:root", "Action": "kms:*", "Resource": "*"}]}',
      at: '"arn:aws:iam::111122223333:root"',
      message: 'Principal in statement 1 of key policy "default" must be "*" or an object'
    },
    {
      name: 'an unknown principal type',
      text: '{"Statement": [{"Effect": "Allow", "Principal": {"IAM": "x"}, "Action": "kms:*", "Resource": "*"}]}',
      at: '"x"',
      message: 'unknown principal type "IAM"'
    },
    {
      name: 'an identity statement without Resource',
      kind: 'identity',
      text: '{"Statement": [{"Effect": "Allow", "Action": "kms:*"}]}',
      at: '{"Effect"',
      message: 'has no Resource or NotResource'
    },
    {
      name: 'an identity statement without Action',
      kind: 'identity',
      text: '{"Statement": [{"Effect": "Allow", "Resource": "*"}]}',
      at: '{"Effect"',
      message: 'has no Action or NotAction'
    },
    {
      name: 'a list instead of a policy',
      text: '[]',
      at: '[',
      message: 'must be a policy document'
    },
    { name: 'an empty text', text: '  \n', at: ' ', message: 'is empty' }
  ]

  for (const { name, text, at, shift, message, kind } of cases) {
    it(`rejects ${name}`, () => {
      const error = inputErrorOf(() =>
        parsePolicyDocument(text, { kind: kind ?? 'key-policy', name: 'default', file: 'p.json' })
      )
      expect(error.message).toContain(message)
      expect(error.location).toEqual(locationOf(text, at, 'p.json', shift))
    })
  }

  it('rejects an empty string that holds the policy', () => {
    expect(inputErrorOf(() => keyPolicyText('"  "')).message).toContain('is empty')
  })

  it('gives line and column in the message without a file', () => {
    const error = inputErrorOf(() => keyPolicy('{\n  "Statement": [,]\n}'))
    expect(error.location).toBeUndefined()
    expect(error.message).toContain('(line 2, column 17 of the policy text)')
  })

  it('names the policy in errors on objects without positions', () => {
    const error = inputErrorOf(() =>
      keyPolicy({ Statement: [{ Effect: 'allow' }] }, { label: 'key policy of arn:k' })
    )
    expect(error.location).toBeUndefined()
    expect(error.message).toBe(
      'Effect in statement 1 of key policy of arn:k must be "Allow" or "Deny", found "allow"'
    )
  })
})
