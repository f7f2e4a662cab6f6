import { rm } from 'node:fs/promises'
import {
  GetAccountAuthorizationDetailsCommand,
  GetRoleCommand,
  GetUserCommand,
  IAMClient,
  paginateSimulatePrincipalPolicy,
  SimulatePrincipalPolicyCommand
} from '@aws-sdk/client-iam'
import {
  DecryptCommand,
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  KMSClient,
  ListAliasesCommand,
  ListGrantsCommand,
  ListResourceTagsCommand,
  paginateListGrants
} from '@aws-sdk/client-kms'
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { type AwsEmulator, liveEnv, startAwsEmulator } from '../support/aws-emulator/index.js'
import {
  APP_ROLE,
  BOUNDED_ROLE,
  DEV_USER,
  GATE,
  KEY1,
  KEY1_ID,
  KEY1_POLICY_TEXT,
  KEY2,
  KEY2_POLICY_TEXT,
  KEY3,
  OTHER_ROLE,
  writeFacts
} from './fixtures.js'

for (const name of Object.keys(process.env)) {
  if (name.startsWith('AWS_')) delete process.env[name]
}
process.env.AWS_EC2_METADATA_DISABLED = 'true'

const GATE_CREDENTIALS = { accessKeyId: 'AKIDGATE', secretAccessKey: 'test' }

interface ClientOptions {
  region?: string
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }
  maxAttempts?: number
  requestHandler?: { requestTimeout: number; throwOnRequestTimeout: boolean }
}

function clientConfig(emulator: AwsEmulator, options: ClientOptions = {}) {
  return {
    region: options.region ?? 'us-east-1',
    endpoint: emulator.endpoint,
    credentials: options.credentials ?? GATE_CREDENTIALS,
    ...(options.maxAttempts !== undefined && { maxAttempts: options.maxAttempts }),
    ...(options.requestHandler && { requestHandler: options.requestHandler })
  }
}

const kms = (emulator: AwsEmulator, options?: ClientOptions) =>
  new KMSClient(clientConfig(emulator, options))
const iam = (emulator: AwsEmulator, options?: ClientOptions) =>
  new IAMClient(clientConfig(emulator, options))
const sts = (emulator: AwsEmulator, options?: ClientOptions) =>
  new STSClient(clientConfig(emulator, options))

/** Runs `action` and returns what it threw. */
async function failure(action: () => Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await action()
  } catch (error) {
    return error as Error & Record<string, unknown>
  }
  throw new Error('expected the call to fail')
}

/** Returns the text at a 1-based line and column of `text`. */
function textAt(text: string, line: number, column: number): string {
  return text.split('\n')[line - 1].slice(column - 1)
}

let directory: string
let emulator: AwsEmulator

beforeAll(async () => {
  directory = await writeFacts()
  emulator = await startAwsEmulator({ factPaths: ['.'], cwd: directory })
})

afterAll(async () => {
  await emulator.close()
  await rm(directory, { recursive: true, force: true })
})

describe('KMS', () => {
  it('DescribeKey resolves every key identifier form', async () => {
    const client = kms(emulator)
    for (const keyId of [
      KEY1_ID,
      KEY1,
      'alias/app',
      'arn:aws:kms:us-east-1:111122223333:alias/app'
    ]) {
      const { KeyMetadata } = await client.send(new DescribeKeyCommand({ KeyId: keyId }))
      expect(KeyMetadata?.Arn).toBe(KEY1)
    }
  })

  it('DescribeKey returns the metadata of the fact file', async () => {
    const { KeyMetadata } = await kms(emulator).send(new DescribeKeyCommand({ KeyId: KEY1 }))
    expect(KeyMetadata?.KeyState).toBe('Enabled')
    expect(KeyMetadata?.Description).toBe('application key')
    expect(KeyMetadata?.CreationDate?.toISOString()).toBe('2023-11-14T22:13:20.123Z')
  })

  it('DescribeKey reads a key of another account by ARN', async () => {
    const { KeyMetadata } = await kms(emulator).send(new DescribeKeyCommand({ KeyId: KEY3 }))
    expect(KeyMetadata?.AWSAccountId).toBe('444455556666')
  })

  it('DescribeKey rejects an unknown key with NotFoundException', async () => {
    const error = await failure(() =>
      kms(emulator).send(new DescribeKeyCommand({ KeyId: '9999eeee-99ee-99ee-99ee-999999999999' }))
    )
    expect(error.name).toBe('NotFoundException')
    expect(error.message).toBe(
      "Key 'arn:aws:kms:us-east-1:111122223333:key/9999eeee-99ee-99ee-99ee-999999999999' does not exist"
    )
  })

  it('DescribeKey resolves a bare key ID in the request Region', async () => {
    const error = await failure(() =>
      kms(emulator, { region: 'us-west-2' }).send(new DescribeKeyCommand({ KeyId: KEY1_ID }))
    )
    expect(error.name).toBe('NotFoundException')
    expect(error.message).toContain('arn:aws:kms:us-west-2:111122223333:key/')
  })

  it('DescribeKey rejects an unknown alias', async () => {
    const error = await failure(() =>
      kms(emulator).send(new DescribeKeyCommand({ KeyId: 'alias/none' }))
    )
    expect(error.name).toBe('NotFoundException')
    expect(error.message).toBe('Alias arn:aws:kms:us-east-1:111122223333:alias/none is not found.')
  })

  it('GetKeyPolicy returns a string policy as written', async () => {
    const output = await kms(emulator).send(new GetKeyPolicyCommand({ KeyId: KEY1 }))
    expect(output.Policy).toBe(KEY1_POLICY_TEXT)
    expect(output.PolicyName).toBe('default')
  })

  it('GetKeyPolicy returns an object policy as its file text', async () => {
    const output = await kms(emulator).send(
      new GetKeyPolicyCommand({ KeyId: KEY2, PolicyName: 'default' })
    )
    expect(output.Policy).toBe(KEY2_POLICY_TEXT)
  })

  it('GetKeyPolicy refuses a key of another account', async () => {
    const error = await failure(() => kms(emulator).send(new GetKeyPolicyCommand({ KeyId: KEY3 })))
    expect(error.name).toBe('AccessDeniedException')
    expect(error.message).toContain(GATE)
    expect(error.message).toContain(KEY3)
    expect(emulator.requests.at(-1)?.status).toBe(400)
  })

  it('ListGrants returns the grants of the facts', async () => {
    const output = await kms(emulator).send(new ListGrantsCommand({ KeyId: KEY1 }))
    expect(output.Grants?.map((grant) => grant.GranteePrincipal)).toEqual([
      APP_ROLE,
      BOUNDED_ROLE,
      DEV_USER
    ])
    expect(output.Grants?.[0].Constraints?.EncryptionContextSubset).toEqual({ app: 'web' })
    expect(output.Truncated).toBe(false)
  })

  it('ListGrants works across accounts', async () => {
    const output = await kms(emulator).send(new ListGrantsCommand({ KeyId: KEY3 }))
    expect(output.Grants).toEqual([])
  })

  it('ListGrants honours the request Limit', async () => {
    const output = await kms(emulator).send(new ListGrantsCommand({ KeyId: KEY1, Limit: 1 }))
    expect(output.Grants).toHaveLength(1)
    expect(output.Truncated).toBe(true)
    expect(output.NextMarker).toEqual(expect.any(String))
  })

  it('ListAliases lists the aliases of the account and Region', async () => {
    const output = await kms(emulator).send(new ListAliasesCommand({}))
    expect(output.Aliases?.map((alias) => alias.AliasName)).toEqual(['alias/app', 'alias/other'])
    expect(output.Aliases?.[0].AliasArn).toBe('arn:aws:kms:us-east-1:111122223333:alias/app')
    expect(output.Aliases?.[0].TargetKeyId).toBe(KEY1_ID)
  })

  it('ListAliases filters by KeyId and pages by Limit', async () => {
    const client = kms(emulator)
    const byKey = await client.send(new ListAliasesCommand({ KeyId: KEY1 }))
    expect(byKey.Aliases?.map((alias) => alias.AliasName)).toEqual(['alias/app'])

    const first = await client.send(new ListAliasesCommand({ Limit: 1 }))
    expect(first.Truncated).toBe(true)
    const second = await client.send(new ListAliasesCommand({ Limit: 1, Marker: first.NextMarker }))
    expect(second.Aliases?.map((alias) => alias.AliasName)).toEqual(['alias/other'])
    expect(second.Truncated).toBe(false)
  })

  it('ListAliases refuses a key of another account', async () => {
    const error = await failure(() => kms(emulator).send(new ListAliasesCommand({ KeyId: KEY3 })))
    expect(error.name).toBe('AccessDeniedException')
  })

  it('ListResourceTags returns TagKey and TagValue', async () => {
    const output = await kms(emulator).send(new ListResourceTagsCommand({ KeyId: KEY1 }))
    expect(output.Tags).toEqual([{ TagKey: 'team', TagValue: 'payments' }])
  })

  it('ListResourceTags refuses a key of another account', async () => {
    const error = await failure(() =>
      kms(emulator).send(new ListResourceTagsCommand({ KeyId: KEY3 }))
    )
    expect(error.name).toBe('AccessDeniedException')
  })

  it('rejects an unknown access key', async () => {
    const error = await failure(() =>
      kms(emulator, { credentials: { accessKeyId: 'AKIDNOBODY', secretAccessKey: 'x' } }).send(
        new DescribeKeyCommand({ KeyId: KEY1 })
      )
    )
    expect(error.name).toBe('UnrecognizedClientException')
  })
})

describe('ListGrants pagination', () => {
  let paged: AwsEmulator

  beforeAll(async () => {
    paged = await startAwsEmulator({
      factPaths: ['.'],
      cwd: directory,
      pageSize: { listGrants: 2 }
    })
  })
  afterAll(() => paged.close())

  it('follows NextMarker across pages', async () => {
    const grantIds: string[] = []
    for await (const page of paginateListGrants({ client: kms(paged) }, { KeyId: KEY1 })) {
      for (const grant of page.Grants ?? []) grantIds.push(grant.GrantId ?? '')
    }
    expect(grantIds).toEqual(['a1a1a1a1a1a1', 'b2b2b2b2b2b2', 'c3c3c3c3c3c3'])
    expect(paged.count('kms:ListGrants')).toBe(2)
  })
})

describe('STS', () => {
  it('GetCallerIdentity returns the caller', async () => {
    const output = await sts(emulator).send(new GetCallerIdentityCommand({}))
    expect(output.Arn).toBe(GATE)
    expect(output.Account).toBe('111122223333')
    expect(output.UserId).toBe('AROAGATE0000000000001')
  })

  it('AssumeRole gives credentials that act as the session', async () => {
    const assumed = await sts(emulator).send(
      new AssumeRoleCommand({ RoleArn: OTHER_ROLE, RoleSessionName: 'gate' })
    )
    expect(assumed.AssumedRoleUser?.Arn).toBe('arn:aws:sts::444455556666:assumed-role/Other/gate')
    const credentials = {
      accessKeyId: assumed.Credentials?.AccessKeyId ?? '',
      secretAccessKey: assumed.Credentials?.SecretAccessKey ?? '',
      sessionToken: assumed.Credentials?.SessionToken
    }

    const identity = await sts(emulator, { credentials }).send(new GetCallerIdentityCommand({}))
    expect(identity.Arn).toBe('arn:aws:sts::444455556666:assumed-role/Other/gate')
    expect(identity.UserId).toBe('AROAOTHER000000000001:gate')

    const policy = await kms(emulator, { credentials }).send(
      new GetKeyPolicyCommand({ KeyId: KEY3 })
    )
    expect(policy.Policy).toContain('kms:Decrypt')
    expect(emulator.requests.at(-1)?.callerArn).toBe(
      'arn:aws:sts::444455556666:assumed-role/Other/gate'
    )
  })

  it('AssumeRole refuses an unknown role', async () => {
    const error = await failure(() =>
      sts(emulator).send(
        new AssumeRoleCommand({
          RoleArn: 'arn:aws:iam::111122223333:role/Nobody',
          RoleSessionName: 'gate'
        })
      )
    )
    expect(error.name).toBe('AccessDenied')
    expect(error.message).toBe(
      `User: ${GATE} is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::111122223333:role/Nobody`
    )
    expect(emulator.requests.at(-1)?.status).toBe(403)
  })
})

describe('Decrypt dry run', () => {
  async function sessionAs(target: AwsEmulator, roleArn: string) {
    const assumed = await sts(target).send(
      new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'probe' })
    )
    return {
      accessKeyId: assumed.Credentials?.AccessKeyId ?? '',
      secretAccessKey: assumed.Credentials?.SecretAccessKey ?? '',
      sessionToken: assumed.Credentials?.SessionToken
    }
  }
  const dryRun = (keyId: string) =>
    new DecryptCommand({
      KeyId: keyId,
      CiphertextBlob: new Uint8Array([1, 2, 3]),
      DryRun: true,
      DryRunModifiers: ['IGNORE_CIPHERTEXT']
    })

  it('answers DryRunOperationException when the engine allows', async () => {
    const credentials = await sessionAs(emulator, APP_ROLE)
    const error = await failure(() => kms(emulator, { credentials }).send(dryRun(KEY1)))
    expect(error.name).toBe('DryRunOperationException')
    expect(error.message).toBe('The request would have succeeded, but the DryRun option is set.')
  })

  it('answers AccessDeniedException when the engine denies', async () => {
    const credentials = await sessionAs(emulator, APP_ROLE)
    const error = await failure(() => kms(emulator, { credentials }).send(dryRun(KEY2)))
    expect(error.name).toBe('AccessDeniedException')
    expect(error.message).toContain('arn:aws:sts::111122223333:assumed-role/App/probe')
  })

  it('follows dryRunOverride for the role', async () => {
    const forced = await startAwsEmulator({
      factPaths: ['.'],
      cwd: directory,
      dryRunOverride: { [APP_ROLE]: 'deny' }
    })
    try {
      const credentials = await sessionAs(forced, APP_ROLE)
      const error = await failure(() => kms(forced, { credentials }).send(dryRun(KEY1)))
      expect(error.name).toBe('AccessDeniedException')
    } finally {
      await forced.close()
    }
  })

  it('rejects a Decrypt that is not a dry run', async () => {
    const error = await failure(() =>
      kms(emulator).send(new DecryptCommand({ KeyId: KEY1, CiphertextBlob: new Uint8Array([1]) }))
    )
    expect(error.name).toBe('InvalidCiphertextException')
  })
})

describe('IAM reads', () => {
  it('GetRole returns path, ID, tags and ARN', async () => {
    const { Role } = await iam(emulator).send(new GetRoleCommand({ RoleName: 'App' }))
    expect(Role?.Arn).toBe(APP_ROLE)
    expect(Role?.Path).toBe('/service/')
    expect(Role?.RoleId).toBe('AROAAPP00000000000001')
    expect(Role?.Tags).toEqual([{ Key: 'team', Value: 'payments' }])
    expect(Role?.PermissionsBoundary).toBeUndefined()
  })

  it('GetRole returns the permissions boundary', async () => {
    const { Role } = await iam(emulator).send(new GetRoleCommand({ RoleName: 'Bounded' }))
    expect(Role?.PermissionsBoundary?.PermissionsBoundaryArn).toBe(
      'arn:aws:iam::111122223333:policy/DecryptOnly'
    )
  })

  it('GetRole rejects an unknown role with NoSuchEntity', async () => {
    const error = await failure(() =>
      iam(emulator).send(new GetRoleCommand({ RoleName: 'Nobody' }))
    )
    expect(error.name).toBe('NoSuchEntityException')
    expect(error.Code).toBe('NoSuchEntity')
    expect(error.message).toBe('The role with name Nobody cannot be found.')
    expect(emulator.requests.at(-1)?.status).toBe(404)
  })

  it('GetUser returns the user', async () => {
    const { User } = await iam(emulator).send(new GetUserCommand({ UserName: 'dev' }))
    expect(User?.Arn).toBe(DEV_USER)
    expect(User?.UserId).toBe('AIDADEV00000000000001')
  })

  it('GetAccountAuthorizationDetails pages through the roles', async () => {
    const client = iam(emulator)
    const first = await client.send(
      new GetAccountAuthorizationDetailsCommand({ Filter: ['Role'], MaxItems: 2 })
    )
    expect(first.RoleDetailList?.map((role) => role.RoleName)).toEqual(['kms-access-gate', 'App'])
    expect(first.UserDetailList).toEqual([])
    expect(first.IsTruncated).toBe(true)

    const second = await client.send(
      new GetAccountAuthorizationDetailsCommand({
        Filter: ['Role'],
        MaxItems: 2,
        Marker: first.Marker
      })
    )
    expect(second.RoleDetailList?.map((role) => role.RoleName)).toEqual(['Bounded'])
    expect(second.IsTruncated).toBe(false)
  })

  it('GetAccountAuthorizationDetails URL-encodes the documents as written', async () => {
    const output = await iam(emulator).send(new GetAccountAuthorizationDetailsCommand({}))
    const app = output.RoleDetailList?.find((role) => role.RoleName === 'App')
    const document = decodeURIComponent(app?.RolePolicyList?.[0].PolicyDocument ?? '')
    expect(document.startsWith('{\n            "Version": "2012-10-17",')).toBe(true)

    const group = output.GroupDetailList?.[0]
    expect(
      JSON.parse(decodeURIComponent(group?.GroupPolicyList?.[0].PolicyDocument ?? '')).Statement
    ).toHaveLength(1)

    const kmsAll = output.Policies?.find((policy) => policy.PolicyName === 'KmsAll')
    const version = kmsAll?.PolicyVersionList?.[0]
    expect(version?.IsDefaultVersion).toBe(true)
    expect(JSON.parse(decodeURIComponent(version?.Document ?? '')).Statement[0].Action).toBe(
      'kms:*'
    )
  })

  it('GetAccountAuthorizationDetails returns only the caller account', async () => {
    const output = await iam(emulator).send(
      new GetAccountAuthorizationDetailsCommand({ Filter: ['Role'] })
    )
    expect(output.RoleDetailList?.map((role) => role.Arn)).not.toContain(OTHER_ROLE)
  })
})

describe('SimulatePrincipalPolicy', () => {
  const simulate = (
    target: AwsEmulator,
    input: ConstructorParameters<typeof SimulatePrincipalPolicyCommand>[0]
  ) => iam(target).send(new SimulatePrincipalPolicyCommand(input))

  it('answers one member per action and resource by default', async () => {
    const output = await simulate(emulator, {
      PolicySourceArn: APP_ROLE,
      ActionNames: ['kms:Decrypt', 'kms:GenerateDataKey'],
      ResourceArns: [KEY1, KEY2]
    })
    const decisions = output.EvaluationResults?.map((result) => [
      result.EvalActionName,
      result.EvalResourceName,
      result.EvalDecision
    ])
    expect(decisions).toEqual([
      ['kms:Decrypt', KEY1, 'allowed'],
      ['kms:Decrypt', KEY2, 'explicitDeny'],
      ['kms:GenerateDataKey', KEY1, 'implicitDeny'],
      ['kms:GenerateDataKey', KEY2, 'implicitDeny']
    ])
    expect(output.IsTruncated).toBe(false)
  })

  it('reports matched statements with positions in the document', async () => {
    const output = await simulate(emulator, {
      PolicySourceArn: APP_ROLE,
      ActionNames: ['kms:Decrypt'],
      ResourceArns: [KEY1]
    })
    const [statement] = output.EvaluationResults?.[0].MatchedStatements ?? []
    expect(statement.SourcePolicyId).toBe('AppKms')
    expect(statement.SourcePolicyType).toBe('role')

    const details = await iam(emulator).send(
      new GetAccountAuthorizationDetailsCommand({ Filter: ['Role'] })
    )
    const app = details.RoleDetailList?.find((role) => role.RoleName === 'App')
    const document = decodeURIComponent(app?.RolePolicyList?.[0].PolicyDocument ?? '')
    const start = statement.StartPosition
    const end = statement.EndPosition
    expect(textAt(document, start?.Line ?? 0, start?.Column ?? 0)).toBe('{')
    expect(document.split('\n')[start?.Line ?? 0].trim()).toBe('"Sid": "UseKey1",')
    expect(
      document
        .split('\n')
        [(end?.Line ?? 0) - 1].slice(0, (end?.Column ?? 0) - 1)
        .trim()
    ).toBe('}')
  })

  it('lists missing context keys and uses supplied ones', async () => {
    const missing = await simulate(emulator, {
      PolicySourceArn: APP_ROLE,
      ActionNames: ['kms:GenerateDataKey'],
      ResourceArns: [KEY1]
    })
    expect(missing.EvaluationResults?.[0].MissingContextValues).toEqual([
      'kms:EncryptionContext:app'
    ])

    const supplied = await simulate(emulator, {
      PolicySourceArn: APP_ROLE,
      ActionNames: ['kms:GenerateDataKey'],
      ResourceArns: [KEY1],
      ContextEntries: [
        {
          ContextKeyName: 'kms:EncryptionContext:app',
          ContextKeyValues: ['web'],
          ContextKeyType: 'string'
        }
      ]
    })
    expect(supplied.EvaluationResults?.[0].EvalDecision).toBe('allowed')
    expect(supplied.EvaluationResults?.[0].MissingContextValues).toEqual([])
  })

  it('reports the Organizations decision for a covered account', async () => {
    const output = await simulate(emulator, {
      PolicySourceArn: DEV_USER,
      ActionNames: ['kms:DescribeKey', 'kms:ScheduleKeyDeletion'],
      ResourceArns: [KEY1]
    })
    const [describe, deletion] = output.EvaluationResults ?? []
    expect(describe.EvalDecision).toBe('allowed')
    expect(describe.MatchedStatements?.[0].SourcePolicyType).toBe('group')
    expect(describe.OrganizationsDecisionDetail?.AllowedByOrganizations).toBe(true)
    expect(deletion.EvalDecision).toBe('explicitDeny')
    expect(deletion.OrganizationsDecisionDetail?.AllowedByOrganizations).toBe(false)
    expect(describe.PermissionsBoundaryDecisionDetail).toBeUndefined()
  })

  it('reports the permissions boundary decision', async () => {
    const output = await simulate(emulator, {
      PolicySourceArn: BOUNDED_ROLE,
      ActionNames: ['kms:Decrypt', 'kms:Encrypt'],
      ResourceArns: [KEY1]
    })
    const [decrypt, encrypt] = output.EvaluationResults ?? []
    expect(decrypt.EvalDecision).toBe('allowed')
    expect(decrypt.MatchedStatements?.[0]).toMatchObject({
      SourcePolicyId: 'KmsAll',
      SourcePolicyType: 'user-managed'
    })
    expect(decrypt.PermissionsBoundaryDecisionDetail?.AllowedByPermissionsBoundary).toBe(true)
    expect(encrypt.EvalDecision).toBe('implicitDeny')
    expect(encrypt.PermissionsBoundaryDecisionDetail?.AllowedByPermissionsBoundary).toBe(false)
  })

  it('refuses a principal of another account', async () => {
    const error = await failure(() =>
      simulate(emulator, { PolicySourceArn: OTHER_ROLE, ActionNames: ['kms:Decrypt'] })
    )
    expect(error.name).toBe('AccessDenied')
    expect(error.message).toContain('iam:SimulatePrincipalPolicy')
    expect(emulator.requests.at(-1)?.status).toBe(403)
  })

  it('rejects an unknown principal with NoSuchEntity', async () => {
    const error = await failure(() =>
      simulate(emulator, {
        PolicySourceArn: 'arn:aws:iam::111122223333:role/App',
        ActionNames: ['kms:Decrypt']
      })
    )
    expect(error.name).toBe('NoSuchEntityException')
    expect(error.message).toBe('The role with name App cannot be found.')
  })

  describe('without Organizations facts', () => {
    let bare: AwsEmulator
    beforeAll(async () => {
      bare = await startAwsEmulator({ factPaths: ['.', '!organization.json'], cwd: directory })
    })
    afterAll(() => bare.close())

    it('leaves out OrganizationsDecisionDetail', async () => {
      const output = await simulate(bare, {
        PolicySourceArn: DEV_USER,
        ActionNames: ['kms:ScheduleKeyDeletion'],
        ResourceArns: [KEY1]
      })
      expect(output.EvaluationResults?.[0].EvalDecision).toBe('allowed')
      expect(output.EvaluationResults?.[0].OrganizationsDecisionDetail).toBeUndefined()
    })
  })

  describe('resource-specific shape', () => {
    let shaped: AwsEmulator
    beforeAll(async () => {
      shaped = await startAwsEmulator({
        factPaths: ['.'],
        cwd: directory,
        simulateShape: 'resource-specific',
        pageSize: { simulate: 2 }
      })
    })
    afterAll(() => shaped.close())

    it('answers one member per action with resource results', async () => {
      const output = await simulate(shaped, {
        PolicySourceArn: APP_ROLE,
        ActionNames: ['kms:Decrypt'],
        ResourceArns: [KEY1, KEY2]
      })
      const [result] = output.EvaluationResults ?? []
      expect(output.EvaluationResults).toHaveLength(1)
      expect(result.EvalResourceName).toBe('*')
      expect(result.EvalDecision).toBe('explicitDeny')
      expect(result.EvalDecisionDetails).toEqual({})
      expect(
        result.ResourceSpecificResults?.map((entry) => [
          entry.EvalResourceName,
          entry.EvalResourceDecision
        ])
      ).toEqual([
        [KEY1, 'allowed'],
        [KEY2, 'explicitDeny']
      ])
      expect(result.ResourceSpecificResults?.[0].MatchedStatements?.[0].SourcePolicyId).toBe(
        'AppKms'
      )
    })

    it('follows Marker across pages', async () => {
      const before = shaped.count('iam:SimulatePrincipalPolicy')
      const actions: string[] = []
      const pages = paginateSimulatePrincipalPolicy(
        { client: iam(shaped) },
        {
          PolicySourceArn: APP_ROLE,
          ActionNames: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
          ResourceArns: [KEY1]
        }
      )
      for await (const page of pages) {
        for (const result of page.EvaluationResults ?? []) actions.push(result.EvalActionName ?? '')
      }
      expect(actions).toEqual(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'])
      expect(shaped.count('iam:SimulatePrincipalPolicy') - before).toBe(2)
    })

    it('honours a smaller MaxItems', async () => {
      const output = await simulate(shaped, {
        PolicySourceArn: APP_ROLE,
        ActionNames: ['kms:Decrypt', 'kms:Encrypt'],
        ResourceArns: [KEY1],
        MaxItems: 1
      })
      expect(output.EvaluationResults).toHaveLength(1)
      expect(output.IsTruncated).toBe(true)
      expect(output.Marker).toEqual(expect.any(String))
    })
  })
})

describe('faults', () => {
  let faulty: AwsEmulator
  beforeAll(async () => {
    faulty = await startAwsEmulator({ factPaths: ['.'], cwd: directory })
  })
  afterAll(() => faulty.close())

  it('throttles, and the SDK retries until it succeeds', async () => {
    faulty.reset()
    faulty.addFault({ operation: 'kms:GetKeyPolicy', kind: 'throttle', times: 2 })
    const output = await kms(faulty).send(new GetKeyPolicyCommand({ KeyId: KEY1 }))
    expect(output.Policy).toBe(KEY1_POLICY_TEXT)
    expect(faulty.count('kms:GetKeyPolicy')).toBe(3)
    expect(faulty.requests.map((request) => request.status)).toEqual([400, 400, 200])
  })

  it('throttles IAM until the SDK gives up', async () => {
    faulty.reset()
    faulty.addFault({ operation: 'iam:SimulatePrincipalPolicy', kind: 'throttle' })
    const error = await failure(() =>
      iam(faulty, { maxAttempts: 2 }).send(
        new SimulatePrincipalPolicyCommand({
          PolicySourceArn: APP_ROLE,
          ActionNames: ['kms:Decrypt']
        })
      )
    )
    expect(error.name).toBe('Throttling')
    expect(faulty.count('iam:SimulatePrincipalPolicy')).toBe(2)
  })

  it('answers a server error once, and the SDK retries', async () => {
    faulty.reset()
    faulty.addFault({ operation: 'sts:GetCallerIdentity', kind: 'server-error', times: 1 })
    const output = await sts(faulty).send(new GetCallerIdentityCommand({}))
    expect(output.Arn).toBe(GATE)
    expect(faulty.requests.map((request) => request.status)).toEqual([500, 200])
  })

  it('answers KMSInternalException for a KMS server error', async () => {
    faulty.reset()
    faulty.addFault({ operation: 'kms:ListGrants', kind: 'server-error' })
    const error = await failure(() =>
      kms(faulty, { maxAttempts: 1 }).send(new ListGrantsCommand({ KeyId: KEY1 }))
    )
    expect(error.name).toBe('KMSInternalException')
    expect(faulty.count('kms:ListGrants')).toBe(1)
  })

  it('holds the answer past the client timeout', async () => {
    faulty.reset()
    faulty.addFault({ operation: 'kms:DescribeKey', kind: 'timeout', delayMs: 2000, times: 1 })
    const error = await failure(() =>
      kms(faulty, {
        maxAttempts: 1,
        requestHandler: { requestTimeout: 200, throwOnRequestTimeout: true }
      }).send(new DescribeKeyCommand({ KeyId: KEY1 }))
    )
    expect(error.name).toBe('TimeoutError')
    expect(faulty.count('kms:DescribeKey')).toBe(1)
  })

  it('denies access only where the condition matches', async () => {
    faulty.reset()
    faulty.addFault({
      operation: 'kms:DescribeKey',
      kind: 'access-denied',
      when: (params) => params.KeyId === KEY2
    })
    const client = kms(faulty)
    const allowed = await client.send(new DescribeKeyCommand({ KeyId: KEY1 }))
    expect(allowed.KeyMetadata?.Arn).toBe(KEY1)

    const error = await failure(() => client.send(new DescribeKeyCommand({ KeyId: KEY2 })))
    expect(error.name).toBe('AccessDeniedException')
    expect(error.message).toBe(
      `User: ${GATE} is not authorized to perform: kms:DescribeKey on resource: ${KEY2}`
    )
    expect(faulty.requests.map((request) => request.status)).toEqual([200, 400])
  })

  it('denies IAM access with AccessDenied', async () => {
    faulty.reset()
    faulty.addFault({ operation: 'iam:GetRole', kind: 'access-denied' })
    const error = await failure(() => iam(faulty).send(new GetRoleCommand({ RoleName: 'App' })))
    expect(error.name).toBe('AccessDenied')
    expect(error.message).toBe(
      `User: ${GATE} is not authorized to perform: iam:GetRole on resource: arn:aws:iam::111122223333:role/App`
    )
    expect(faulty.requests[0]).toMatchObject({
      service: 'iam',
      operation: 'iam:GetRole',
      callerArn: GATE,
      status: 403
    })
  })
})

describe('liveEnv', () => {
  it('points a process at the emulator only', () => {
    expect(liveEnv('http://127.0.0.1:1234')).toEqual({
      AWS_ENDPOINT_URL: 'http://127.0.0.1:1234',
      AWS_ACCESS_KEY_ID: 'AKIDGATE',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_REGION: 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_MAX_ATTEMPTS: undefined
    })
  })
})
