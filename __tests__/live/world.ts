/** Fact files for the emulator behind the live-reader tests, and helpers to run against it. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { Expectation, RequestContext } from '../../src/inputs/settings.js'
import {
  type AwsEmulator,
  type AwsEmulatorOptions,
  liveEnv,
  startAwsEmulator
} from '../support/aws-emulator/index.js'

export const GATE_ACCOUNT = '111122223333'
export const REMOTE_ACCOUNT = '444455556666'
export const UNMAPPED_ACCOUNT = '777788889999'
export const GATE_ARN = `arn:aws:iam::${GATE_ACCOUNT}:role/kms-access-gate`
export const REMOTE_READER = `arn:aws:iam::${REMOTE_ACCOUNT}:role/gate-reader`

export const keyArn = (account: string, id: string, region = 'us-east-1') =>
  `arn:aws:kms:${region}:${account}:key/${id}`

export const KEY_APP = keyArn(GATE_ACCOUNT, '1111aaaa-0000-0000-0000-000000000001')
export const KEY_LOGS = keyArn(GATE_ACCOUNT, '1111aaaa-0000-0000-0000-000000000002')
export const KEY_DATA = keyArn(GATE_ACCOUNT, '1111aaaa-0000-0000-0000-000000000003')
export const KEY_REMOTE = keyArn(REMOTE_ACCOUNT, '4444bbbb-0000-0000-0000-000000000001')

export const ROLE_APP = `arn:aws:iam::${GATE_ACCOUNT}:role/App`
export const ROLE_WORKER = `arn:aws:iam::${GATE_ACCOUNT}:role/service/Worker`
export const USER_ALICE = `arn:aws:iam::${GATE_ACCOUNT}:user/alice`
export const ROLE_REMOTE = `arn:aws:iam::${REMOTE_ACCOUNT}:role/Remote`

function keyPolicy(account: string, extra: object[] = []): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'Enable IAM policies',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${account}:root` },
        Action: 'kms:*',
        Resource: '*'
      },
      ...extra
    ]
  })
}

function keyObject(
  arn: string,
  options: { policy?: string; aliases?: string[]; grants?: number } = {}
) {
  const [, , , region, account, resource] = arn.split(':')
  const keyId = resource.slice(4)
  return {
    KeyMetadata: {
      AWSAccountId: account,
      KeyId: keyId,
      Arn: arn,
      CreationDate: 1700000000.5,
      Enabled: true,
      KeyUsage: 'ENCRYPT_DECRYPT',
      KeyState: 'Enabled',
      Origin: 'AWS_KMS',
      KeyManager: 'CUSTOMER',
      KeySpec: 'SYMMETRIC_DEFAULT',
      MultiRegion: false
    },
    Policy: options.policy ?? keyPolicy(account),
    PolicyName: 'default',
    Grants: Array.from({ length: options.grants ?? 0 }, (_, index) => ({
      KeyId: arn,
      GrantId: `grant-${keyId}-${index}`,
      Name: `grant-${index}`,
      GranteePrincipal: `arn:aws:iam::${account}:role/Grantee${index}`,
      IssuingAccount: `arn:aws:iam::${account}:root`,
      Operations: ['Decrypt']
    })),
    Aliases: (options.aliases ?? []).map((name) => ({
      AliasName: name,
      AliasArn: `arn:aws:kms:${region}:${account}:${name}`,
      TargetKeyId: keyId
    })),
    Tags: [{ TagKey: 'team', TagValue: 'payments' }]
  }
}

function inline(name: string, actions: string[], resource: string | string[]) {
  return {
    PolicyName: name,
    PolicyDocument: {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: actions, Resource: resource }]
    }
  }
}

function role(arn: string, policies: object[], extra: object = {}) {
  const name = arn.split('/').pop() as string
  const path = arn.slice(arn.indexOf(':role') + 5, arn.length - name.length)
  return {
    RoleName: name,
    Path: path,
    RoleId: `AROA${name.toUpperCase().padEnd(17, 'X')}`,
    Arn: arn,
    RolePolicyList: policies,
    AttachedManagedPolicies: [],
    Tags: [{ Key: 'team', Value: 'payments' }],
    ...extra
  }
}

/** Writes the fact files of the three-key, three-principal world and returns their directory. */
export async function writeWorld(): Promise<string> {
  const directory = await mkdtemp(path.join(tmpdir(), 'live-facts-'))
  const tagPolicy = keyPolicy(GATE_ACCOUNT, [
    {
      Sid: 'Team members',
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: 'kms:Decrypt',
      Resource: '*',
      Condition: { StringEquals: { 'aws:PrincipalTag/team': 'payments' } }
    }
  ])
  const files: Record<string, unknown> = {
    'keys-gate.json': [
      keyObject(KEY_APP, { aliases: ['alias/app'], grants: 3 }),
      keyObject(KEY_LOGS, { grants: 1 }),
      keyObject(KEY_DATA, { policy: tagPolicy })
    ],
    'keys-remote.json': [keyObject(KEY_REMOTE, { aliases: ['alias/remote'] })],
    'iam-gate.json': {
      RoleDetailList: [
        role(GATE_ARN, []),
        role(ROLE_APP, [inline('use-keys', ['kms:Decrypt', 'kms:Encrypt'], '*')], {
          AttachedManagedPolicies: [
            { PolicyName: 'Boundary', PolicyArn: `arn:aws:iam::${GATE_ACCOUNT}:policy/Boundary` }
          ]
        }),
        role(ROLE_WORKER, [inline('use-app-key', ['kms:Decrypt'], KEY_APP)]),
        role(`arn:aws:iam::${GATE_ACCOUNT}:role/Unrelated`, [])
      ],
      UserDetailList: [
        {
          UserName: 'alice',
          Path: '/',
          UserId: 'AIDAALICEXXXXXXXXXXXX',
          Arn: USER_ALICE,
          UserPolicyList: [],
          GroupList: ['readers'],
          AttachedManagedPolicies: [],
          Tags: []
        }
      ],
      GroupDetailList: [
        {
          GroupName: 'readers',
          GroupId: 'AGPAREADERSXXXXXXXXX',
          Arn: `arn:aws:iam::${GATE_ACCOUNT}:group/readers`,
          Path: '/',
          GroupPolicyList: [inline('read-logs', ['kms:Decrypt'], KEY_LOGS)],
          AttachedManagedPolicies: []
        },
        {
          GroupName: 'others',
          GroupId: 'AGPAOTHERSXXXXXXXXXX',
          Arn: `arn:aws:iam::${GATE_ACCOUNT}:group/others`,
          Path: '/',
          GroupPolicyList: [],
          AttachedManagedPolicies: []
        }
      ],
      Policies: [
        {
          PolicyName: 'Boundary',
          Arn: `arn:aws:iam::${GATE_ACCOUNT}:policy/Boundary`,
          DefaultVersionId: 'v1',
          PolicyVersionList: [
            {
              VersionId: 'v1',
              IsDefaultVersion: true,
              Document: {
                Version: '2012-10-17',
                Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }]
              }
            }
          ]
        },
        {
          PolicyName: 'Unused',
          Arn: `arn:aws:iam::${GATE_ACCOUNT}:policy/Unused`,
          DefaultVersionId: 'v1',
          PolicyVersionList: [
            {
              VersionId: 'v1',
              IsDefaultVersion: true,
              Document: {
                Version: '2012-10-17',
                Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }]
              }
            }
          ]
        }
      ]
    },
    'iam-remote.json': {
      RoleDetailList: [
        role(REMOTE_READER, []),
        role(ROLE_REMOTE, [inline('use-remote', ['kms:Decrypt'], KEY_REMOTE)])
      ],
      UserDetailList: [],
      GroupDetailList: [],
      Policies: []
    }
  }
  for (const [name, value] of Object.entries(files)) {
    await writeFile(path.join(directory, name), JSON.stringify(value, null, 2))
  }
  return directory
}

export function removeWorld(directory: string): Promise<void> {
  return rm(directory, { recursive: true, force: true })
}

/** Builds an expectation as the manifest reader would. */
export function expectation(
  principal: string,
  key: string,
  actions: string[] = ['kms:Decrypt'],
  context: RequestContext = {}
): Expectation {
  return {
    name: `${principal} uses ${key}`,
    principal,
    key,
    actions,
    expect: 'allow',
    context,
    location: { file: 'kms-access.yml', line: 1, column: 1 },
    fieldLocations: {}
  }
}

export const DEFAULTS = { partition: 'aws', region: 'us-east-1' }

/**
 * Starts the emulator on the world's files and points the SDK at it through the
 * environment, with every inherited `AWS_*` variable removed first.
 */
export async function startEmulator(
  directory: string,
  options: Partial<AwsEmulatorOptions> = {}
): Promise<AwsEmulator> {
  const emulator = await startAwsEmulator({ factPaths: [directory], ...options })
  for (const name of Object.keys(process.env)) {
    if (name.startsWith('AWS_')) delete process.env[name]
  }
  for (const [name, value] of Object.entries(liveEnv(emulator.endpoint))) {
    if (value !== undefined) process.env[name] = value
  }
  return emulator
}

/** Fast settings: no retries unless a test sets them, and a short socket timeout. */
export const FAST = { accountRoles: {}, maxAttempts: 1, requestTimeoutMs: 2000 }
