// biome-ignore-all lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub text uses ${...} placeholders
import { describe, expect, it } from '@jest/globals'
import type { Policy } from '../../../src/engine/model.js'
import { isCloudFormationTemplate } from '../../../src/facts/iac/cloudformation/read-template.js'
import { fixture, inputErrorOf, read } from './helpers.js'

const DIFFERING_MEMBERS = new Set([
  'location',
  'statementsLocation',
  'references',
  'id',
  'file',
  'format',
  'expression'
])

/**
 * Drops what differs between the YAML and JSON files by design: positions, file names (also
 * percent-encoded in synthetic names) and expressions as written.
 */
function withoutPositions(value: unknown): unknown {
  const text = JSON.stringify(value, (key, member) =>
    DIFFERING_MEMBERS.has(key) ? undefined : member
  )
  return JSON.parse(text.replace(/infra(\/|%2F)app\.(yaml|json)/g, 'infra/app'))
}

function policyNamed(policies: Policy[], name: string): Policy {
  const policy = policies.find((candidate) => candidate.name === name)
  if (!policy) throw new Error(`no policy named ${name}`)
  return policy
}

describe('app template', () => {
  const yaml = read(fixture('app.yaml'), {}, 'infra/app.yaml')

  it('gives the same facts from YAML and JSON', () => {
    const json = read(fixture('app.json'), {}, 'infra/app.json')
    expect(withoutPositions(json)).toEqual(withoutPositions(yaml))
    expect(json.keys[0].policy?.origin?.format).toBe('cloudformation-json')
    expect(yaml.keys[0].policy?.origin?.format).toBe('cloudformation-yaml')
  })

  it('reads the key with its alias, tags and metadata', () => {
    expect(yaml.keys).toHaveLength(1)
    expect(yaml.keys[0]).toMatchObject({
      arn: 'arn:aws:kms:eu-west-1:111122223333:key/pending:infra%2Fapp.yaml#AppKey',
      keyId: 'pending:infra%2Fapp.yaml#AppKey',
      aliases: ['alias/app-dev'],
      tags: { stage: 'dev' },
      references: ['infra/app.yaml#AppKey'],
      pending: true,
      metadata: { keyState: 'Enabled', keyUsage: 'ENCRYPT_DECRYPT', keySpec: 'SYMMETRIC_DEFAULT' }
    })
  })

  it('points statements at their lines', () => {
    const lines = fixture('app.yaml').split('\n')
    const lineOf = (text: string) => lines.findIndex((line) => line.includes(text)) + 1
    const statements = yaml.keys[0].policy?.statements ?? []
    expect(statements.map((statement) => statement.location?.line)).toEqual([
      lineOf('Sid: Root'),
      lineOf('Sid: App'),
      lineOf('Sid: Partner'),
      lineOf('Sid: Shared')
    ])
    expect(yaml.keys[0].policy?.origin).toEqual({
      format: 'cloudformation-yaml',
      file: 'infra/app.yaml',
      resource: 'AppKey',
      statementsLocation: { file: 'infra/app.yaml', line: lineOf('Sid: Root'), column: 11 }
    })
  })

  it('reads a named role with inline and template managed policies', () => {
    const role = yaml.roles.find((candidate) => candidate.name === 'app-dev')
    expect(role?.arn).toBe('arn:aws:iam::111122223333:role/service/app-dev')
    expect(role?.policies.map((policy) => policy.name).sort()).toEqual(['inline', 'use-key'])
    expect(role?.missingPolicies).toEqual(['arn:aws:iam::aws:policy/ReadOnlyAccess'])
    expect(policyNamed(role?.policies ?? [], 'use-key').arn).toBe(
      'arn:aws:iam::111122223333:policy/use-key'
    )
  })

  it('follows resource conditions and attaches AWS::IAM::Policy', () => {
    expect(yaml.roles.map((role) => role.name).sort()).toEqual([
      'app-dev',
      'pending:infra%2Fapp.yaml#app-WorkerRole'
    ])
    const worker = yaml.roles.find(
      (role) => role.name === 'pending:infra%2Fapp.yaml#app-WorkerRole'
    )
    expect(policyNamed(worker?.policies ?? [], 'worker').statements[0].resource).toEqual([
      'arn:aws:kms:eu-west-1:111122223333:key/pending:infra%2Fapp.yaml#AppKey'
    ])
  })

  it('adds group policies to users and lists unknown groups as missing', () => {
    expect(yaml.groups).toEqual(['pending:infra%2Fapp.yaml#app-Admins'])
    expect(yaml.users[0]).toMatchObject({
      name: 'alice',
      groups: ['existing-group', 'pending:infra%2Fapp.yaml#app-Admins'],
      missingPolicies: ['arn:aws:iam::111122223333:group/existing-group']
    })
    expect(yaml.users[0].policies.map((policy) => policy.name)).toEqual(['admins'])
  })

  it('records the unresolved values with their expressions', () => {
    expect(yaml.unresolved.map((value) => value.expression)).toEqual([
      '${ExternalAccount}',
      '!ImportValue shared-role-arn'
    ])
  })
})

describe('CDK template', () => {
  const facts = read(fixture('cdk.template.json'), {}, 'cdk.out/App.template.json')

  it('resolves the Fn::Join account root', () => {
    const key = facts.keys.find(
      (candidate) => candidate.keyId === 'pending:cdk.out%2FApp.template.json#BucketKeyA1B2C3D4'
    )
    expect(key?.policy?.statements[0].principal?.aws).toEqual(['arn:aws:iam::111122223333:root'])
  })

  it('gives a key without KeyPolicy the default key policy', () => {
    const key = facts.keys.find(
      (candidate) => candidate.keyId === 'pending:cdk.out%2FApp.template.json#PlainKey99887766'
    )
    expect(key?.policy?.statements).toEqual([
      expect.objectContaining({
        effect: 'Allow',
        action: ['kms:*'],
        resource: ['*'],
        principal: expect.objectContaining({ aws: ['arn:aws:iam::111122223333:root'] })
      })
    ])
    expect(key?.metadata).toMatchObject({ enabled: false, keyState: 'Disabled' })
  })

  it('attaches the default policy to the role by Ref', () => {
    expect(facts.roles).toHaveLength(1)
    expect(facts.roles[0].arn).toBe(
      'arn:aws:iam::111122223333:role/pending:cdk.out%2FApp.template.json#app-WriterRoleE5F6A7B8'
    )
    expect(facts.roles[0].policies[0].statements[0].resource).toEqual([
      'arn:aws:kms:eu-west-1:111122223333:key/pending:cdk.out%2FApp.template.json#BucketKeyA1B2C3D4'
    ])
    expect(facts.roles[0].policies[0].origin?.format).toBe('cloudformation-json')
  })

  it('leaves the unused SSM parameter unresolved without a marker', () => {
    expect(facts.unresolved).toEqual([])
  })
})

describe('SAM template', () => {
  const text = fixture('sam.yaml')
  const facts = read(text, {}, 'sam.yaml')
  const role = facts.roles[0]

  it('creates the function role', () => {
    expect(role).toMatchObject({
      name: 'pending:sam.yaml#app-ReaderRole',
      references: ['sam.yaml#ReaderRole'],
      missingPolicies: [
        'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess',
        'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'
      ]
    })
  })

  it('expands KMSDecryptPolicy to the key ARN', () => {
    const policy = policyNamed(role.policies, 'ReaderRolePolicy0')
    expect(policy.statements[0]).toMatchObject({
      effect: 'Allow',
      action: ['kms:Decrypt'],
      resource: ['arn:aws:kms:eu-west-1:111122223333:key/pending:sam.yaml#DataKey']
    })
    const line = text.split('\n').findIndex((row) => row.includes('KMSDecryptPolicy')) + 1
    expect(policy.statements[0].location?.line).toBe(line)
  })

  it('reads inline statements', () => {
    expect(policyNamed(role.policies, 'ReaderRolePolicy3').statements[0].action).toEqual([
      'kms:DescribeKey'
    ])
  })
})

describe('malformed templates', () => {
  const CASES: Array<[string, string, string, number, number]> = [
    ['bad YAML', 'Resources:\n  Key: [unclosed\n', 'invalid YAML', 3, 1],
    [
      'an unknown tag',
      'Resources:\n  Key:\n    Type: !Foo AWS::KMS::Key\n',
      'Unresolved tag: !Foo',
      3,
      11
    ],
    ['Resources not a mapping', 'Resources:\n  - Key\n', 'Resources must be a mapping', 2, 3],
    [
      'a duplicate key',
      'Resources:\n  Key:\n    Type: AWS::KMS::Key\n  Key:\n    Type: AWS::KMS::Key\n',
      'unique',
      4,
      3
    ],
    [
      'a Ref to nothing',
      'Resources:\n  Key:\n    Type: AWS::KMS::Alias\n    Properties:\n      AliasName: alias/a\n      TargetKeyId: !Ref Missing\n',
      'Ref to "Missing"',
      6,
      20
    ],
    ['bad JSON', '{\n  "Resources": {\n    "Key": }\n}\n', 'invalid JSON', 3, 12]
  ]

  it.each(CASES)('rejects %s', (_name, text, message, line, column) => {
    const error = inputErrorOf(() => read(text))
    expect(error.message).toContain(message)
    expect(error.location).toEqual({ file: 'infra/t.yaml', line, column })
  })
})

describe('isCloudFormationTemplate', () => {
  it.each([
    [{ AWSTemplateFormatVersion: '2010-09-09' }, true],
    [{ Transform: 'AWS::Serverless-2016-10-31', Resources: {} }, true],
    [{ Resources: { A: { Type: 'Custom::Thing' } } }, true],
    [{ Resources: { A: { Type: 'AWS::KMS::Key' } } }, true],
    [{ KeyMetadata: {} }, false],
    [{ Resources: { A: { Type: 'aws_kms_key' } } }, false],
    [[], false]
  ])('classifies %j', (value, expected) => {
    expect(isCloudFormationTemplate(value)).toBe(expected)
  })
})
