// biome-ignore-all lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub text uses ${...} placeholders
import { describe, expect, it } from '@jest/globals'
import { unresolvedMarker } from '../../../src/engine/unresolved.js'
import { type CONTEXT, firstStatement, keyWithPrincipal, read } from './helpers.js'

const PARAMETERS = `Parameters:
  Account:
    Type: String
    Default: '444455556666'
  Names:
    Type: CommaDelimitedList
    Default: a,b,c
  Secret:
    Type: String
  FromSsm:
    Type: AWS::SSM::Parameter::Value<String>
    Default: /accounts/partner
Mappings:
  Accounts:
    eu-west-1:
      Partner: '777788889999'
Conditions:
  IsEu: !Equals [!Ref AWS::Region, eu-west-1]
  IsUs: !Not [!Condition IsEu]
  Both: !And [!Condition IsEu, !Condition IsUs]
  Either: !Or [!Condition IsEu, !Condition IsUs]
  SecretIsSet: !Equals [!Ref Secret, 'x']
`

const RESOLVED: Array<[string, string, string]> = [
  ['AWS::AccountId', '!Sub arn:aws:iam::${AWS::AccountId}:root', 'arn:aws:iam::111122223333:root'],
  [
    'AWS::Partition',
    '!Sub arn:${AWS::Partition}:iam::111122223333:root',
    'arn:aws:iam::111122223333:root'
  ],
  [
    'AWS::Region',
    '!Sub arn:aws:iam::111122223333:role/${AWS::Region}',
    'arn:aws:iam::111122223333:role/eu-west-1'
  ],
  [
    'AWS::URLSuffix',
    '!Sub arn:aws:iam::111122223333:role/${AWS::URLSuffix}',
    'arn:aws:iam::111122223333:role/amazonaws.com'
  ],
  [
    'AWS::StackName',
    '!Sub arn:aws:iam::111122223333:role/${AWS::StackName}',
    'arn:aws:iam::111122223333:role/app'
  ],
  ['a parameter default', '!Sub arn:aws:iam::${Account}:root', 'arn:aws:iam::444455556666:root'],
  [
    'Fn::Select of a list parameter',
    "!Join ['', ['arn:aws:iam::111122223333:role/', !Select [1, !Ref Names]]]",
    'arn:aws:iam::111122223333:role/b'
  ],
  [
    'Fn::FindInMap',
    '!Sub ["arn:aws:iam::${A}:root", {A: !FindInMap [Accounts, !Ref AWS::Region, Partner]}]',
    'arn:aws:iam::777788889999:root'
  ],
  [
    'Fn::If with a true condition',
    "!If [IsEu, 'arn:aws:iam::111122223333:root', 'none']",
    'arn:aws:iam::111122223333:root'
  ],
  [
    'Fn::If with Fn::Not',
    "!If [IsUs, 'none', 'arn:aws:iam::111122223333:root']",
    'arn:aws:iam::111122223333:root'
  ],
  [
    'Fn::And',
    "!If [Both, 'none', 'arn:aws:iam::111122223333:root']",
    'arn:aws:iam::111122223333:root'
  ],
  [
    'Fn::Or',
    "!If [Either, 'arn:aws:iam::111122223333:root', 'none']",
    'arn:aws:iam::111122223333:root'
  ],
  [
    'Fn::Split and Fn::Select',
    "!Select [1, !Split ['|', 'x|arn:aws:iam::111122223333:root']]",
    'arn:aws:iam::111122223333:root'
  ],
  [
    'a literal ${!...}',
    "!Sub 'arn:aws:iam::111122223333:role/${!Name}'",
    'arn:aws:iam::111122223333:role/${Name}'
  ],
  [
    'Fn::Base64',
    "!Join ['', ['arn:aws:iam::111122223333:role/', !Base64 'ab']]",
    'arn:aws:iam::111122223333:role/YWI='
  ],
  ['Fn::ImportValue with a value', '!ImportValue partner-root', 'arn:aws:iam::999988887777:root'],
  [
    'a manifest parameter value',
    '!Sub arn:aws:iam::${Secret}:root',
    'arn:aws:iam::121212121212:root'
  ]
]

describe('intrinsic resolution', () => {
  it.each(RESOLVED)('resolves %s', (_name, expression, expected) => {
    const facts = read(keyWithPrincipal(expression, PARAMETERS), {
      imports: { 'partner-root': 'arn:aws:iam::999988887777:root' },
      parameters: { Secret: '121212121212' }
    })
    expect(firstStatement(facts).principal?.aws).toEqual([expected])
    expect(facts.unresolved).toEqual([])
  })

  it('resolves a role reference to its name and ARN', () => {
    const template = `${keyWithPrincipal('!GetAtt Role.Arn')}  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: !Sub '\${AWS::StackName}-reader'
      Path: /apps/
`
    const facts = read(template)
    expect(firstStatement(facts).principal?.aws).toEqual([
      'arn:aws:iam::111122223333:role/apps/app-reader'
    ])
    expect(facts.roles[0].name).toBe('app-reader')
  })

  it('gives roles without a name a synthetic ARN', () => {
    const template = `${keyWithPrincipal('!GetAtt Role.Arn')}  Role:
    Type: AWS::IAM::Role
    Properties: {}
`
    const facts = read(template)
    expect(firstStatement(facts).principal?.aws).toEqual([
      'arn:aws:iam::111122223333:role/pending:infra%2Ft.yaml#app-Role'
    ])
    expect(facts.roles[0]).toMatchObject({
      arn: 'arn:aws:iam::111122223333:role/pending:infra%2Ft.yaml#app-Role',
      pending: true,
      references: ['infra/t.yaml#Role']
    })
  })

  it('removes a member whose value is AWS::NoValue', () => {
    const template = keyWithPrincipal(
      "'arn:aws:iam::111122223333:root'\n            Condition: !Ref AWS::NoValue"
    )
    expect(firstStatement(read(template)).conditions).toEqual([])
  })
})

const UNRESOLVED: Array<[string, string, string, Partial<typeof CONTEXT>]> = [
  ['an import without a value', '!ImportValue shared-role-arn', '!ImportValue shared-role-arn', {}],
  ['a parameter without value', '!Ref Secret', '!Ref Secret', {}],
  ['an SSM parameter', '!Ref FromSsm', '!Ref FromSsm', {}],
  ['Fn::GetAZs', "!Select [0, !GetAZs '']", "!GetAZs ''", {}],
  ['Fn::Transform', '!Transform {Name: Macro}', '!Transform {Name: Macro}', {}],
  [
    'an undecidable Fn::If',
    "!If [SecretIsSet, 'arn:aws:iam::111122223333:root', 'arn:aws:iam::444455556666:root']",
    "!If [SecretIsSet, 'arn:aws:iam::111122223333:root', 'arn:aws:iam::444455556666:root']",
    {}
  ],
  ['a role ID', '!GetAtt Role.RoleId', '!GetAtt Role.RoleId', {}],
  ['a custom resource attribute', '!GetAtt Lookup.Arn', '!GetAtt Lookup.Arn', {}]
]

const EXTRA_RESOURCES = `  Role:
    Type: AWS::IAM::Role
    Properties: {}
  Lookup:
    Type: Custom::Lookup
    Properties:
      ServiceToken: arn:aws:lambda:eu-west-1:111122223333:function:lookup
`

describe('unresolved values', () => {
  it.each(UNRESOLVED)('marks %s', (_name, written, expression, overrides) => {
    const text = `${keyWithPrincipal(written, PARAMETERS)}${EXTRA_RESOURCES}`
    const facts = read(text, overrides)
    const [principal] = firstStatement(facts).principal?.aws ?? []
    const value = facts.unresolved.find((entry) => unresolvedMarker(entry.id) === principal)
    expect(value?.expression).toBe(expression)
    const line = text.split('\n').findIndex((row) => row.includes('AWS: ')) + 1
    const column = text.split('\n')[line - 1].indexOf(expression) + 1
    expect(value?.location).toEqual({ file: 'infra/t.yaml', line, column })
  })

  it('marks only the unknown part of Fn::Sub', () => {
    const facts = read(keyWithPrincipal('!Sub arn:aws:iam::${AWS::AccountId}:root'), {
      accountId: undefined
    })
    const value = facts.unresolved.find((entry) => entry.expression === '${AWS::AccountId}')
    if (!value) throw new Error('no unresolved value for ${AWS::AccountId}')
    expect(value.location).toEqual({ file: 'infra/t.yaml', line: 10, column: 20 })
    expect(firstStatement(facts).principal?.aws).toEqual([
      `arn:aws:iam::${unresolvedMarker(value.id)}:root`
    ])
  })

  it('marks only the unknown part of Fn::Join', () => {
    const facts = read(
      keyWithPrincipal("!Join ['', ['arn:aws:iam::', !ImportValue acct, ':root']]")
    )
    const [value] = facts.unresolved
    expect(value.expression).toBe('!ImportValue acct')
    expect(firstStatement(facts).principal?.aws).toEqual([
      `arn:aws:iam::${unresolvedMarker(value.id)}:root`
    ])
  })

  it('leaves a key policy unknown when a statement is unresolved', () => {
    const template = `Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Statement:
          - !ImportValue shared-statement
`
    const facts = read(template)
    expect(facts.keys[0].policy).toBeUndefined()
    expect(facts.unresolved.map((value) => value.expression)).toEqual([
      '!ImportValue shared-statement'
    ])
    expect(facts.warnings[0].message).toContain(
      'key policy of Key depends on a value that cannot be resolved'
    )
  })

  it('uses markers for a missing account and Region in key ARNs', () => {
    const facts = read('Resources:\n  Key:\n    Type: AWS::KMS::Key\n', {
      accountId: undefined,
      region: undefined
    })
    const expressions = facts.unresolved.map((value) => value.expression)
    expect(expressions).toEqual(expect.arrayContaining(['AWS::AccountId', 'AWS::Region']))
    expect(facts.keys[0].arn).toMatch(
      /^arn:aws:kms:\$\{kms-access-gate:unresolved\/.*\}:key\/pending:infra%2Ft\.yaml#Key$/
    )
  })
})
