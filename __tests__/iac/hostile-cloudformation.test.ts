/**
 * Hostile CloudFormation inputs: templates whose deployed state the check must not misread.
 * Tests marked `failing` document a wrong result of the current reader, named for the
 * behaviour it should have.
 */
import { afterAll, describe, expect, it, test } from '@jest/globals'
import { readCloudFormationTemplate } from '../../src/facts/iac/cloudformation/read-template.js'
import { InputError } from '../../src/inputs/errors.js'
import {
  ACCOUNT,
  APP_ROLE_ARN,
  allowPolicy,
  decryptKeyPolicy,
  LIVE_KEY_ARN,
  liveIam,
  liveKey,
  manifest,
  onlyResult,
  pasteSnippet,
  ROOT_KEY_POLICY,
  Scenario
} from './hostile-harness.js'

const CONTEXT = {
  accountId: ACCOUNT,
  region: 'eu-west-1',
  partition: 'aws',
  stackName: 'app',
  parameters: {},
  imports: {}
}

const scenarios: Scenario[] = []

afterAll(async () => {
  for (const scenario of scenarios) await scenario.remove()
})

async function check(files: Record<string, string>) {
  const scenario = await Scenario.create()
  scenarios.push(scenario)
  await scenario.write(files)
  return scenario.check()
}

function read(text: string) {
  return readCloudFormationTemplate('infra/t.yaml', text, CONTEXT)
}

/** Returns the error `run` throws, so a test can tell an InputError from a crash. */
function thrown(run: () => unknown): unknown {
  try {
    run()
  } catch (error) {
    return error
  }
  return undefined
}

/** Returns a template with a role `app` that may decrypt any key and a key trusting the account, plus `statements`. */
function roleAndKey(keyStatements: string, extra = '', roleExtra = ''): string {
  return `${extra}Resources:
  AppRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: app
      AssumeRolePolicyDocument: {}
${roleExtra}      Policies:
        - PolicyName: decrypt
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: kms:Decrypt
                Resource: "*"
  AppKey:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: { AWS: !Sub "arn:aws:iam::\${AWS::AccountId}:root" }
            Action: kms:*
            Resource: "*"
${keyStatements}`
}

describe('template values that change who a Deny names', () => {
  test('role tag with unresolved value leaves tags unknown', async () => {
    const report = await check({
      'infra/t.yaml': roleAndKey(
        `          - Effect: Deny
            Principal: "*"
            Action: kms:Decrypt
            Resource: "*"
            Condition:
              StringEquals:
                aws:PrincipalTag/team: contractors
`,
        'Parameters:\n  Team:\n    Type: String\n',
        '      Tags:\n        - Key: team\n          Value: !Ref Team\n'
      ),
      'kms-access.yml': manifest(
        ['infra/'],
        [{ principal: APP_ROLE_ARN, key: 'infra/t.yaml#AppKey', expect: 'allow' }]
      )
    })
    // With Team=contractors the deployed Deny applies, and the tag value is not known here.
    expect(onlyResult(report).decision).toBe('unknown')
  })

  test('CommaDelimitedList members are space trimmed', async () => {
    const report = await check({
      'infra/t.yaml': roleAndKey(
        `          - Effect: Deny
            Principal: { AWS: !Ref Blocked }
            Action: kms:Decrypt
            Resource: "*"
`,
        `Parameters:\n  Blocked:\n    Type: CommaDelimitedList\n    Default: "arn:aws:iam::${ACCOUNT}:role/other, arn:aws:iam::${ACCOUNT}:role/app"\n`
      ),
      'kms-access.yml': manifest(
        ['infra/'],
        [{ principal: APP_ROLE_ARN, key: 'infra/t.yaml#AppKey', expect: 'allow' }]
      )
    })
    expect(onlyResult(report).decision).toBe('explicit-deny')
  })

  test('Deny on unresolved service principal is unknown for a service', async () => {
    const report = await check({
      'infra/t.yaml': `Parameters:
  Service:
    Type: String
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: { Service: logs.amazonaws.com }
            Action: kms:Decrypt
            Resource: "*"
          - Effect: Deny
            Principal: { Service: !Sub "\${Service}.amazonaws.com" }
            Action: kms:Decrypt
            Resource: "*"
`,
      'kms-access.yml': manifest(
        ['infra/'],
        [{ principal: 'logs.amazonaws.com', key: 'infra/t.yaml#Key', expect: 'allow' }]
      )
    })
    expect(onlyResult(report).decision).toBe('unknown')
  })

  it('keeps an undecidable Fn::If statement unknown', async () => {
    const report = await check({
      'infra/t.yaml': roleAndKey(
        `          - !If
            - IsProd
            - Effect: Deny
              Principal: "*"
              Action: kms:Decrypt
              Resource: "*"
            - !Ref AWS::NoValue
`,
        'Parameters:\n  Env:\n    Type: String\nConditions:\n  IsProd: !Equals [!Ref Env, prod]\n'
      ),
      'kms-access.yml': manifest(
        ['infra/'],
        [{ principal: APP_ROLE_ARN, key: 'infra/t.yaml#AppKey', expect: 'allow' }]
      )
    })
    expect(onlyResult(report).decision).toBe('unknown')
  })

  it('keeps an escaped Fn::Sub name literal', () => {
    const facts = read(
      roleAndKey(`          - Effect: Deny
            Principal: "*"
            Action: kms:Decrypt
            Resource: "*"
            Condition:
              StringNotLike:
                aws:PrincipalArn: !Sub "arn:aws:iam::\${AWS::AccountId}:role/\${!aws:username}"
`)
    )
    const statement = facts.keys[0].policy?.statements[1]
    expect(statement?.conditions[0].values).toEqual([
      `arn:aws:iam::${ACCOUNT}:role/\${aws:username}`
    ])
  })

  it('reads a single Statement object and a JSON string policy', () => {
    const single = read(`Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Version: "2012-10-17"
        Statement:
          Effect: Deny
          Principal: "*"
          Action: kms:Decrypt
          Resource: "*"
`)
    expect(single.keys[0].policy?.statements.map((statement) => statement.effect)).toEqual(['Deny'])
    const text = read(`Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy: '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"kms:Decrypt","Resource":"*"}]}'
`)
    expect(text.keys[0].policy?.statements.map((statement) => statement.effect)).toEqual(['Deny'])
  })

  it('rejects Fn::Select out of range with a location', () => {
    const error = thrown(() =>
      read(
        roleAndKey(`          - Effect: Deny
            Principal: { AWS: !Select [5, [a, b]] }
            Action: kms:Decrypt
            Resource: "*"
`)
      )
    )
    expect(error).toBeInstanceOf(InputError)
    expect((error as InputError).location?.line).toBe(26)
  })
})

describe('AWS::NoValue and reference cycles', () => {
  const NAMED_ROLE = `Parameters:
  Name:
    Type: String
    Default: ""
Conditions:
  HasName: !Not [!Equals [!Ref Name, ""]]
Resources:
  AppRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: !If [HasName, !Ref Name, !Ref AWS::NoValue]
      AssumeRolePolicyDocument: {}
`

  test('RoleName removed by AWS::NoValue gets a generated name', () => {
    expect(read(NAMED_ROLE).roles[0].arn).toBe(
      `arn:aws:iam::${ACCOUNT}:role/pending:infra%2Ft.yaml#app-AppRole`
    )
  })

  test('Path removed by AWS::NoValue is the root path', () => {
    const facts = read(`Resources:
  AppRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: app
      Path: !Ref AWS::NoValue
      AssumeRolePolicyDocument: {}
`)
    expect(facts.roles[0].path).toBe('/')
  })

  test('AWS::NoValue inside Fn::Sub text is unresolved, never an empty match', () => {
    // The AWS documentation does not say what CloudFormation makes of it, so it stays open.
    const facts = read(
      roleAndKey(`          - Effect: Deny
            Principal: { AWS: !Sub "arn:aws:iam::\${AWS::NoValue}:root" }
            Action: kms:Decrypt
            Resource: "*"
`)
    )
    expect(facts.unresolved.some((value) => value.expression.includes('AWS::NoValue'))).toBe(true)
  })

  test('alias names that refer to each other are an input error', () => {
    const error = thrown(() =>
      read(`Resources:
  Key:
    Type: AWS::KMS::Key
  First:
    Type: AWS::KMS::Alias
    Properties:
      AliasName: !Ref Second
      TargetKeyId: !Ref Key
  Second:
    Type: AWS::KMS::Alias
    Properties:
      AliasName: !Ref First
      TargetKeyId: !Ref Key
`)
    )
    expect(error).toBeInstanceOf(InputError)
  })

  test('function named after itself is an input error', () => {
    const error = thrown(() =>
      read(`Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: !Ref Fn
  AppRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: !Ref Fn
      AssumeRolePolicyDocument: {}
`)
    )
    expect(error).toBeInstanceOf(InputError)
  })

  test('Policies chosen by Fn::If are read', () => {
    const facts = read(`Conditions:
  IsProd: !Equals [prod, prod]
Resources:
  AppRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: app
      AssumeRolePolicyDocument: {}
      Policies: !If
        - IsProd
        - - PolicyName: deny
            PolicyDocument:
              Version: "2012-10-17"
              Statement:
                - Effect: Deny
                  Action: kms:Decrypt
                  Resource: "*"
        - !Ref AWS::NoValue
`)
    expect(facts.roles[0].policies.map((policy) => policy.name)).toEqual(['deny'])
  })
})

describe('templates laid over other facts', () => {
  const LIVE = {
    'facts/key.json': liveKey({ policy: ROOT_KEY_POLICY }),
    'facts/iam.json': liveIam([{ name: 'app', inline: { allow: allowPolicy() } }])
  }

  test('Deny attached to a role outside the template is not lost', async () => {
    const report = await check({
      ...LIVE,
      'infra/deny.yaml': `Resources:
  DenyDecrypt:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: deny-decrypt
      Roles: [app]
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Deny
            Action: kms:Decrypt
            Resource: "*"
`,
      'kms-access.yml': manifest(
        ['facts/', 'infra/'],
        [{ principal: APP_ROLE_ARN, key: LIVE_KEY_ARN, expect: 'allow' }]
      )
    })
    expect(onlyResult(report).status).not.toBe('pass')
  })

  test('alias the template moves names the template key', async () => {
    const report = await check({
      'facts/key.json': liveKey({
        policy: decryptKeyPolicy(APP_ROLE_ARN),
        aliases: ['alias/app']
      }),
      'facts/iam.json': liveIam([{ name: 'app', inline: { allow: allowPolicy() } }]),
      'infra/key.yaml': `Resources:
  AppKey:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: { AWS: !Sub "arn:aws:iam::\${AWS::AccountId}:role/admin" }
            Action: kms:*
            Resource: "*"
  AppAlias:
    Type: AWS::KMS::Alias
    Properties:
      AliasName: alias/app
      TargetKeyId: !Ref AppKey
`,
      'kms-access.yml': manifest(
        ['facts/', 'infra/'],
        [{ principal: APP_ROLE_ARN, key: 'alias/app', expect: 'allow' }]
      )
    })
    // After deployment alias/app names AppKey, whose policy does not let the role in.
    expect(onlyResult(report).status).not.toBe('pass')
  })

  test('same logical ID in two templates gives two keys', async () => {
    const template = (role: string) => `Resources:
  AppKey:
    Type: AWS::KMS::Key
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: ${role}
      AssumeRolePolicyDocument: {}
      Policies:
        - PolicyName: own-key
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: kms:Decrypt
                Resource: !GetAtt AppKey.Arn
`
    const report = await check({
      'infra/billing.yaml': template('billing'),
      'infra/orders.yaml': template('orders'),
      'kms-access.yml': manifest(
        ['infra/'],
        [
          {
            principal: 'infra/orders.yaml#Role',
            key: 'infra/billing.yaml#AppKey',
            expect: 'allow'
          },
          { principal: 'infra/billing.yaml#Role', key: 'infra/orders.yaml#AppKey', expect: 'allow' }
        ]
      )
    })
    // Each role may use only the key of its own stack.
    expect(report.results.map((result) => result.status)).toEqual(['fail', 'fail'])
  })
})

describe('fixes written into templates', () => {
  const TEMPLATE = `Resources:
  AppRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {}
  BlockKey:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: { AWS: "arn:aws:iam::${ACCOUNT}:role/admin" }
            Action: kms:*
            Resource: "*"
  FlowKey:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Principal: {AWS: "arn:aws:iam::${ACCOUNT}:role/admin"}, Action: "kms:*", Resource: "*"}]
  TextKey:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::${ACCOUNT}:role/admin"},"Action":"kms:*","Resource":"*"}]}'
`

  async function keyPolicyFix(key: string) {
    const report = await check({
      'infra/t.yaml': TEMPLATE,
      'kms-access.yml': manifest(
        ['infra/'],
        [{ principal: 'infra/t.yaml#AppRole', key: `infra/t.yaml#${key}`, expect: 'allow' }]
      )
    })
    const change = onlyResult(report).remediation?.changes.find(
      (candidate) => candidate.side === 'key-policy'
    )
    if (!change?.snippet) throw new Error('the result has no key-policy snippet')
    return change
  }

  function statementCount(text: string, logicalId: string): number | undefined {
    const facts = readCloudFormationTemplate('infra/t.yaml', text, CONTEXT)
    return facts.keys.find((key) => key.references?.includes(`infra/t.yaml#${logicalId}`))?.policy
      ?.statements.length
  }

  it('pastes into a block Statement list', async () => {
    const change = await keyPolicyFix('BlockKey')
    const location = change.location as { line: number; column: number }
    const patched = pasteSnippet(
      TEMPLATE,
      change.snippet?.text ?? '',
      location.line,
      location.column
    )
    expect(statementCount(patched, 'BlockKey')).toBe(2)
  })

  test('fix for a flow Statement list parses when put inside the brackets', async () => {
    const change = await keyPolicyFix('FlowKey')
    // A flow list sits on one line: the fix is an inline mapping to put after its `[`.
    expect(change.description).toContain('inside its brackets')
    const patched = TEMPLATE.replace('Statement: [', `Statement: [${change.snippet?.text ?? ''} `)
    expect(statementCount(patched, 'FlowKey')).toBe(2)
  })

  test('fix for a JSON text key policy is JSON', async () => {
    const change = await keyPolicyFix('TextKey')
    expect(change.snippet?.language).toBe('json')
  })

  test('fix names a new role through Fn::GetAtt', async () => {
    const change = await keyPolicyFix('BlockKey')
    // The synthetic `role/pending:...` name does not exist; the template must refer to the role it creates.
    expect(change.snippet?.text).not.toContain('pending')
  })
})

describe('parser limits', () => {
  it('rejects an alias bomb with an input error', async () => {
    const anchors = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]']
    for (let level = 1; level < 9; level++) {
      anchors.push(
        `a${level}: &a${level} [${Array(10)
          .fill(`*a${level - 1}`)
          .join(', ')}]`
      )
    }
    const scenario = await Scenario.create()
    scenarios.push(scenario)
    await scenario.write({
      'infra/t.yaml': `Resources:\n  Key:\n    Type: AWS::KMS::Key\n    Metadata:\n${anchors.map((line) => `      ${line}`).join('\n')}\n`,
      'kms-access.yml': manifest(
        ['infra/t.yaml'],
        [{ principal: APP_ROLE_ARN, key: 'infra/t.yaml#Key', expect: 'allow' }]
      )
    })
    await expect(scenario.check()).rejects.toBeInstanceOf(InputError)
  })

  it('rejects deep nesting with an input error', () => {
    const deepYaml = `Resources:\n  Key:\n    Type: AWS::KMS::Key\n    Metadata: ${'['.repeat(5000)}${']'.repeat(5000)}\n`
    expect(thrown(() => read(deepYaml))).toBeInstanceOf(InputError)
    const deepJson = `{"Resources":{"Key":{"Type":"AWS::KMS::Key","Metadata":${'['.repeat(100000)}${']'.repeat(100000)}}}}`
    expect(thrown(() => read(deepJson))).toBeInstanceOf(InputError)
  })

  it('rejects duplicate JSON keys in a statement', () => {
    const text = `{"Resources":{"Key":{"Type":"AWS::KMS::Key","Properties":{"KeyPolicy":{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*"}]}}}}}`
    expect(thrown(() => read(text))).toBeInstanceOf(InputError)
  })

  it('rejects a YAML merge key in a statement', () => {
    const error = thrown(() =>
      read(`Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Version: "2012-10-17"
        Statement:
          - &base
            Effect: Deny
            Principal: "*"
            Action: kms:Decrypt
            Resource: "*"
          - <<: *base
            Effect: Deny
`)
    )
    expect(error).toBeInstanceOf(InputError)
  })
})
