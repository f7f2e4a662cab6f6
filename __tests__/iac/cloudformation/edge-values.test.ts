// biome-ignore-all lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub text uses ${...} placeholders
import { describe, expect, it } from '@jest/globals'
import type { KeyFact } from '../../../src/engine/model.js'
import { hasUnresolved } from '../../../src/engine/unresolved.js'
import type { TemplatePolicyOrigin } from '../../../src/facts/iac/cloudformation/template-policy.js'
import { InputError } from '../../../src/inputs/errors.js'
import { firstStatement, inputErrorOf, keyWithPrincipal, read } from './helpers.js'

const ROLE = `  AppRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: app
      AssumeRolePolicyDocument: {}
`

describe('AWS::NoValue where a string is expected', () => {
  it('gives a function without FunctionName a generated name', () => {
    const facts = read(`Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: !Ref AWS::NoValue
  Key:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal:
              AWS: !GetAtt Fn.Arn
            Action: kms:Decrypt
            Resource: '*'
`)
    expect(firstStatement(facts).principal?.aws).toEqual([
      'arn:aws:lambda:eu-west-1:111122223333:function:pending:infra%2Ft.yaml#app-Fn'
    ])
  })

  it('rejects an alias name removed by AWS::NoValue', () => {
    const error = inputErrorOf(() =>
      read(`Resources:
  Key:
    Type: AWS::KMS::Key
  Alias:
    Type: AWS::KMS::Alias
    Properties:
      AliasName: !Ref AWS::NoValue
      TargetKeyId: !Ref Key
`)
    )
    expect(error.message).toBe(
      'AliasName of Alias is missing: AWS::NoValue removes it, and the resource needs it'
    )
    expect(error.location?.line).toBe(7)
  })

  it('rejects AWS::NoValue as a Fn::Sub variable', () => {
    const error = inputErrorOf(() =>
      read(keyWithPrincipal('!Sub ["arn:aws:iam::${A}:root", {A: !Ref AWS::NoValue}]'))
    )
    expect(error.message).toContain('variable A of Fn::Sub is AWS::NoValue')
  })

  it('marks ${AWS::NoValue} in Fn::Sub text as unresolved', () => {
    const facts = read(keyWithPrincipal('!Sub "arn:aws:iam::${AWS::NoValue}:root"'))
    expect(hasUnresolved(firstStatement(facts).principal?.aws[0] ?? '')).toBe(true)
    expect(facts.unresolved.map((value) => value.expression)).toEqual(['${AWS::NoValue}'])
  })

  it('names AWS::NoValue in an error about a string', () => {
    const error = inputErrorOf(() =>
      read(keyWithPrincipal("!Join ['', [!Base64 {Ref: AWS::NoValue}]]"))
    )
    expect(error.message).toBe('Fn::Base64 needs a string, found AWS::NoValue')
  })
})

/** More aliases in a chain than the call stack can follow. */
const LONG_CHAIN = 5000

describe('reference cycles', () => {
  it('names the cycle between role names', () => {
    const error = inputErrorOf(() =>
      read(`Resources:
  First:
    Type: AWS::IAM::Role
    Properties:
      RoleName: !Sub "\${Second}-a"
      AssumeRolePolicyDocument: {}
  Second:
    Type: AWS::IAM::Role
    Properties:
      RoleName: !GetAtt First.Arn
      AssumeRolePolicyDocument: {}
`)
    )
    expect(error.message).toBe('the name of First depends on itself: First -> Second -> First')
  })

  it('rejects a mapping value that looks itself up', () => {
    const error = inputErrorOf(() =>
      read(
        keyWithPrincipal(
          '!FindInMap [M, a, b]',
          'Mappings:\n  M:\n    a:\n      b: !FindInMap [M, a, b]\n'
        )
      )
    )
    expect(error.message).toContain('refers to itself')
  })

  it('never crashes on a very long reference chain', () => {
    const aliases = Array.from(
      { length: LONG_CHAIN },
      (_, position) => `  A${position}:
    Type: AWS::KMS::Alias
    Properties:
      AliasName: !Ref A${position + 1}
      TargetKeyId: k
`
    ).join('')
    const text = `Resources:\n${aliases}  A${LONG_CHAIN}:\n    Type: AWS::KMS::Alias\n    Properties:\n      AliasName: alias/x\n      TargetKeyId: k\n`
    let error: unknown
    try {
      read(text)
    } catch (caught) {
      error = caught
    }
    // How deep the call stack goes depends on the Node.js build, so the chain may also resolve.
    if (error !== undefined) {
      expect(error).toBeInstanceOf(InputError)
      expect((error as InputError).message).toBe(
        'references between values are nested too deeply to resolve'
      )
    }
  })
})

describe('properties chosen by Fn::If', () => {
  const POLICIES = `Parameters:
  Env:
    Type: String
Conditions:
  IsProd: !Equals [prod, prod]
  IsDev: !Equals [prod, dev]
  Unknown: !Equals [!Ref Env, prod]
Resources:
  AppRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: app
      AssumeRolePolicyDocument: {}
      Policies: !If
        - CONDITION
        - - PolicyName: deny
            PolicyDocument:
              Version: "2012-10-17"
              Statement:
                - Effect: Deny
                  Action: kms:Decrypt
                  Resource: "*"
        - !Ref AWS::NoValue
`

  it('reads the chosen list with statement lines', () => {
    const role = read(POLICIES.replace('CONDITION', 'IsProd')).roles[0]
    expect(role.policies[0].statements[0].location?.line).toBe(20)
  })

  it('reads a list removed by AWS::NoValue as empty', () => {
    const role = read(POLICIES.replace('CONDITION', 'IsDev')).roles[0]
    expect(role.policies).toEqual([])
    expect(role.missingPolicies).toEqual([])
  })

  it('lists an undecidable list as missing', () => {
    const role = read(POLICIES.replace('CONDITION', 'Unknown')).roles[0]
    expect(role.missingPolicies).toEqual(['the Policies of AppRole (unresolved)'])
  })
})

describe('role and user tags', () => {
  it('leaves tags with an unresolved value unknown', () => {
    const facts = read(`Parameters:
  Team:
    Type: String
Resources:
${ROLE}      Tags:
        - Key: team
          Value: !Ref Team
        - Key: stage
          Value: dev
`)
    expect(facts.roles[0].tagsUnknown).toBe(true)
    expect(facts.roles[0].tags).toEqual({ stage: 'dev' })
  })

  it('leaves tags that are not a list unknown', () => {
    const facts = read(`Resources:\n${ROLE}      Tags: !ImportValue shared-tags\n`)
    expect(facts.roles[0].tagsUnknown).toBe(true)
  })

  it('knows resolved tags', () => {
    const facts = read(`Resources:\n${ROLE}      Tags: [{Key: team, Value: a}]\n`)
    expect(facts.roles[0].tagsUnknown).toBeUndefined()
    expect(facts.roles[0].tags).toEqual({ team: 'a' })
  })
})

describe('list parameters', () => {
  const LIST = `Parameters:
  Names:
    Type: CommaDelimitedList
    Default: "a, b ,c"
`

  it('trims CommaDelimitedList members', () => {
    const joined = read(
      keyWithPrincipal("!Join ['', ['arn:aws:iam::', !Select [1, !Ref Names], ':root']]", LIST)
    )
    expect(firstStatement(joined).principal?.aws).toEqual(['arn:aws:iam::b:root'])
  })

  it('trims manifest list values', () => {
    const facts = read(
      keyWithPrincipal("!Join ['', ['arn:aws:iam::', !Select [0, !Ref Names], ':root']]", LIST),
      { parameters: { Names: [' 444455556666 ', 'x'] } }
    )
    expect(firstStatement(facts).principal?.aws).toEqual(['arn:aws:iam::444455556666:root'])
  })
})

describe('synthetic IDs', () => {
  const TEMPLATE = `Resources:
  Key:
    Type: AWS::KMS::Key
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {}
`

  it('differ between templates', () => {
    const first = read(TEMPLATE, {}, 'infra/a.yaml')
    const second = read(TEMPLATE, {}, 'infra/b.yaml')
    expect(first.keys[0].arn).toBe(
      'arn:aws:kms:eu-west-1:111122223333:key/pending:infra%2Fa.yaml#Key'
    )
    expect(first.keys[0].arn).not.toBe(second.keys[0].arn)
    expect(first.roles[0].arn).not.toBe(second.roles[0].arn)
    expect(first.keys[0].references).toEqual(['infra/a.yaml#Key'])
  })
})

function originOf(key: KeyFact): TemplatePolicyOrigin {
  const origin = key.policy?.origin
  if (!origin) throw new Error('the key policy has no origin')
  return origin
}

describe('key policy origins', () => {
  it('locates a key policy written as JSON text', () => {
    const facts = read(`Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*"}]}'
`)
    const policy = facts.keys[0].policy
    const origin = originOf(facts.keys[0])
    expect(origin.format).toBe('cloudformation-yaml')
    expect(origin.policyIsText).toBe(true)
    expect(origin.statementsLocation).toEqual({ file: 'infra/t.yaml', line: 5, column: 18 })
    expect(policy?.statements[0].location).toEqual(origin.statementsLocation)
  })

  it('places an error in JSON text at the text', () => {
    const error = inputErrorOf(() =>
      read(`Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy: '{"Statement": 5}'
`)
    )
    expect(error.location?.line).toBe(5)
  })

  it('marks a flow style Statement list', () => {
    const flow = read(`Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Principal: "*", Action: "kms:*", Resource: "*"}]
`)
    expect(originOf(flow.keys[0]).flowStyleStatements).toBe(true)
    const block = read(keyWithPrincipal("'*'"))
    expect(originOf(block.keys[0]).flowStyleStatements).toBeUndefined()
  })
})
