import { afterAll, it } from '@jest/globals'
import {
  ACCOUNT, APP_ROLE_ARN, LIVE_KEY_ARN, LIVE_KEY_ID, REGION, Scenario, allowPolicy, decryptKeyPolicy,
  liveIam, liveKey, manifest, outcomes, ROOT_KEY_POLICY
} from './hostile-harness.js'

const made: Scenario[] = []
afterAll(async () => { for (const s of made) await s.remove() })
async function run(files: Record<string, string>) {
  const s = await Scenario.create(); made.push(s)
  await s.write(files)
  try {
    const report = await s.check()
    return { out: outcomes(report), report }
  } catch (error) {
    return { out: [`THROW ${(error as Error).constructor.name}: ${(error as Error).message}`], report: undefined }
  }
}
function log(name: string, r: { out: string[]; report?: any }, extra = '') {
  console.log(`${name}: ${r.out.join(' ')} ${extra}\n  reasons: ${r.report?.results.map((x: any) => x.evidence.reasons.join(' | ')).join(' || ')}\n  warnings: ${r.report?.warnings.map((w: any) => w.message).join(' | ')}`)
}

it('P1 CFN Deny attached to live role', async () => {
  const r = await run({
    'facts/key.json': liveKey({ policy: ROOT_KEY_POLICY, aliases: ['alias/app'] }),
    'facts/iam.json': liveIam([{ name: 'app', inline: { allow: allowPolicy() } }]),
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
    'kms-access.yml': manifest(['facts/', 'infra/'], [{ principal: APP_ROLE_ARN, key: LIVE_KEY_ARN, expect: 'allow' }])
  })
  log('P1', r)
})

it('P2 alias moved to a template key', async () => {
  const r = await run({
    'facts/key.json': liveKey({ policy: decryptKeyPolicy(APP_ROLE_ARN), aliases: ['alias/app'] }),
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
    'kms-access.yml': manifest(['facts/', 'infra/'], [{ principal: APP_ROLE_ARN, key: 'alias/app', expect: 'allow' }])
  })
  log('P2', r, r.report?.results[0].key)
})

it('P3 CFN role tag unresolved', async () => {
  const r = await run({
    'infra/t.yaml': `Parameters:
  Team:
    Type: String
Resources:
  AppRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: app
      AssumeRolePolicyDocument: {}
      Tags:
        - Key: team
          Value: !Ref Team
      Policies:
        - PolicyName: p
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
          - Effect: Deny
            Principal: "*"
            Action: kms:Decrypt
            Resource: "*"
            Condition:
              StringEquals:
                aws:PrincipalTag/team: contractors
`,
    'kms-access.yml': manifest(['infra/'], [{ principal: APP_ROLE_ARN, key: 'infra/t.yaml#AppKey', expect: 'allow' }])
  })
  log('P3', r)
})

it('P4 CommaDelimitedList with spaces', async () => {
  const r = await run({
    'infra/t.yaml': `Parameters:
  Blocked:
    Type: CommaDelimitedList
    Default: "arn:aws:iam::${ACCOUNT}:role/other, arn:aws:iam::${ACCOUNT}:role/app"
Resources:
  AppRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: app
      AssumeRolePolicyDocument: {}
      Policies:
        - PolicyName: p
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
          - Effect: Deny
            Principal: { AWS: !Ref Blocked }
            Action: kms:Decrypt
            Resource: "*"
`,
    'kms-access.yml': manifest(['infra/'], [{ principal: APP_ROLE_ARN, key: 'infra/t.yaml#AppKey', expect: 'allow' }])
  })
  log('P4', r)
})
