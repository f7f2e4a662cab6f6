/**
 * Runs the CLI, as a user would, over key policies that AWS publishes in its documentation:
 * the default key policy, the console default policy, the CloudTrail key policy, a key used
 * through S3, and the AWS managed key of Secrets Manager. The policies are restated here with
 * this project's own account IDs and names; their structure follows the published examples.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { runCli } from '../../src/run-cli.js'

const ACCOUNT = '111122223333'
const OTHER_ACCOUNT = '444455556666'
const REGION = 'us-east-1'

function keyDocument(
  keyId: string,
  policy: unknown,
  options: { manager?: string; aliases?: string[] } = {}
) {
  return {
    KeyMetadata: {
      AWSAccountId: ACCOUNT,
      KeyId: keyId,
      Arn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/${keyId}`,
      KeyState: 'Enabled',
      Enabled: true,
      KeyUsage: 'ENCRYPT_DECRYPT',
      KeySpec: 'SYMMETRIC_DEFAULT',
      KeyManager: options.manager ?? 'CUSTOMER',
      Origin: 'AWS_KMS'
    },
    Policy: JSON.stringify(policy, null, 2),
    Grants: [],
    Aliases: (options.aliases ?? []).map((AliasName) => ({ AliasName, TargetKeyId: keyId }))
  }
}

const keyArn = (keyId: string) => `arn:aws:kms:${REGION}:${ACCOUNT}:key/${keyId}`

// Default key policy of a key created through the API: only the account principal.
const DEFAULT_KEY = 'aaaaaaaa-0000-4000-8000-000000000001'
const defaultPolicy = {
  Version: '2012-10-17',
  Id: 'key-default-1',
  Statement: [
    {
      Sid: 'Enable IAM User Permissions',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      Action: 'kms:*',
      Resource: '*'
    }
  ]
}

// Console default key policy: account principal, key administrators, key users (one of them
// another account), and grants for AWS resources.
const CONSOLE_KEY = 'aaaaaaaa-0000-4000-8000-000000000002'
const keyUsers = [
  `arn:aws:iam::${ACCOUNT}:role/OrdersService`,
  `arn:aws:iam::${OTHER_ACCOUNT}:root`
]
const consolePolicy = {
  Version: '2012-10-17',
  Id: 'key-consolepolicy-3',
  Statement: [
    {
      Sid: 'Enable IAM User Permissions',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      Action: 'kms:*',
      Resource: '*'
    },
    {
      Sid: 'Allow access for Key Administrators',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/KeyAdministrator` },
      Action: [
        'kms:Create*',
        'kms:Describe*',
        'kms:Enable*',
        'kms:List*',
        'kms:Put*',
        'kms:Update*',
        'kms:Revoke*',
        'kms:Disable*',
        'kms:Get*',
        'kms:Delete*',
        'kms:TagResource',
        'kms:UntagResource',
        'kms:ScheduleKeyDeletion',
        'kms:CancelKeyDeletion'
      ],
      Resource: '*'
    },
    {
      Sid: 'Allow use of the key',
      Effect: 'Allow',
      Principal: { AWS: keyUsers },
      Action: [
        'kms:Encrypt',
        'kms:Decrypt',
        'kms:ReEncrypt*',
        'kms:GenerateDataKey*',
        'kms:DescribeKey'
      ],
      Resource: '*'
    },
    {
      Sid: 'Allow attachment of persistent resources',
      Effect: 'Allow',
      Principal: { AWS: keyUsers },
      Action: ['kms:CreateGrant', 'kms:ListGrants', 'kms:RevokeGrant'],
      Resource: '*',
      Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } }
    }
  ]
}

// CloudTrail key policy, including the published quirk: the first statement's Resource names
// an S3 bucket, which never matches the key, so the account principal statement has no effect.
const TRAIL_KEY = 'aaaaaaaa-0000-4000-8000-000000000003'
const trailArnPattern = `arn:aws:cloudtrail:*:${ACCOUNT}:trail/*`
const trailPolicy = {
  Version: '2012-10-17',
  Id: 'Key policy created by CloudTrail',
  Statement: [
    {
      Sid: 'Enable user permissions',
      Effect: 'Allow',
      Principal: { AWS: [`arn:aws:iam::${ACCOUNT}:root`] },
      Action: 'kms:*',
      Resource: 'arn:aws:s3:::example-trail-bucket'
    },
    {
      Sid: 'Allow CloudTrail to encrypt logs',
      Effect: 'Allow',
      Principal: { Service: ['cloudtrail.amazonaws.com'] },
      Action: 'kms:GenerateDataKey*',
      Resource: keyArn(TRAIL_KEY),
      Condition: { StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': trailArnPattern } }
    },
    {
      Sid: 'Allow CloudTrail to describe key',
      Effect: 'Allow',
      Principal: { Service: ['cloudtrail.amazonaws.com'] },
      Action: 'kms:DescribeKey',
      Resource: keyArn(TRAIL_KEY)
    },
    {
      Sid: 'Allow principals in the account to decrypt log files',
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: ['kms:Decrypt', 'kms:ReEncryptFrom'],
      Resource: keyArn(TRAIL_KEY),
      Condition: {
        StringEquals: { 'kms:CallerAccount': ACCOUNT },
        StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': trailArnPattern }
      }
    }
  ]
}

// An AWS managed key, as Secrets Manager's `aws/secretsmanager` key policy reads: everyone in
// the account, but only through the service.
const MANAGED_KEY = 'aaaaaaaa-0000-4000-8000-000000000004'
const managedPolicy = {
  Version: '2012-10-17',
  Id: 'auto-secretsmanager-2',
  Statement: [
    {
      Sid: 'Allow access through AWS Secrets Manager for all principals in the account that are authorized to use AWS Secrets Manager',
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: [
        'kms:Encrypt',
        'kms:Decrypt',
        'kms:ReEncrypt*',
        'kms:GenerateDataKey*',
        'kms:CreateGrant',
        'kms:DescribeKey'
      ],
      Resource: '*',
      Condition: {
        StringEquals: {
          'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com`,
          'kms:CallerAccount': ACCOUNT
        }
      }
    },
    {
      Sid: 'Allow direct access to key metadata to the account',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      Action: ['kms:Describe*', 'kms:Get*', 'kms:List*', 'kms:RevokeGrant'],
      Resource: '*'
    }
  ]
}

function role(account: string, name: string, statements: unknown[]) {
  return {
    RoleName: name,
    Path: '/',
    RoleId: `AROA${name.toUpperCase().padEnd(17, 'X').slice(0, 17)}`,
    Arn: `arn:aws:iam::${account}:role/${name}`,
    RolePolicyList:
      statements.length > 0
        ? [
            {
              PolicyName: `${name}Policy`,
              PolicyDocument: { Version: '2012-10-17', Statement: statements }
            }
          ]
        : [],
    AttachedManagedPolicies: [],
    Tags: []
  }
}

const iamFacts = {
  RoleDetailList: [
    role(ACCOUNT, 'OrdersService', []),
    role(ACCOUNT, 'KeyAdministrator', []),
    role(ACCOUNT, 'Auditor', []),
    role(ACCOUNT, 'Reporting', [
      { Effect: 'Allow', Action: 'kms:Decrypt', Resource: keyArn(DEFAULT_KEY) }
    ])
  ],
  UserDetailList: [],
  GroupDetailList: [],
  Policies: []
}
const otherIamFacts = {
  RoleDetailList: [
    role(OTHER_ACCOUNT, 'Partner', [
      { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:Encrypt'], Resource: keyArn(CONSOLE_KEY) }
    ])
  ],
  UserDetailList: [],
  GroupDetailList: [],
  Policies: []
}

interface Row {
  name: string
  principal: string
  keyId: string
  action: string
  expect: 'allow' | 'deny'
  context?: Record<string, string>
}

const ROWS: Row[] = [
  {
    name: 'default policy lets a role in through its IAM policy',
    principal: 'Reporting',
    keyId: DEFAULT_KEY,
    action: 'kms:Decrypt',
    expect: 'allow'
  },
  {
    name: 'default policy alone lets no role in',
    principal: 'OrdersService',
    keyId: DEFAULT_KEY,
    action: 'kms:Decrypt',
    expect: 'deny'
  },
  {
    name: 'console policy key user decrypts without IAM',
    principal: 'OrdersService',
    keyId: CONSOLE_KEY,
    action: 'kms:Decrypt',
    expect: 'allow'
  },
  {
    name: 'console policy key administrator cannot decrypt',
    principal: 'KeyAdministrator',
    keyId: CONSOLE_KEY,
    action: 'kms:Decrypt',
    expect: 'deny'
  },
  {
    name: 'console policy key administrator can schedule deletion',
    principal: 'KeyAdministrator',
    keyId: CONSOLE_KEY,
    action: 'kms:ScheduleKeyDeletion',
    expect: 'allow'
  },
  {
    name: 'console policy grants only for AWS resources',
    principal: 'OrdersService',
    keyId: CONSOLE_KEY,
    action: 'kms:CreateGrant',
    expect: 'deny'
  },
  {
    name: 'console policy grants for an AWS resource',
    principal: 'OrdersService',
    keyId: CONSOLE_KEY,
    action: 'kms:CreateGrant',
    expect: 'allow',
    context: { 'kms:GrantIsForAWSResource': 'true' }
  },
  {
    name: 'console policy other account with IAM allow',
    principal: `arn:aws:iam::${OTHER_ACCOUNT}:role/Partner`,
    keyId: CONSOLE_KEY,
    action: 'kms:Decrypt',
    expect: 'allow'
  },
  {
    name: 'CloudTrail encrypts trail logs',
    principal: 'cloudtrail.amazonaws.com',
    keyId: TRAIL_KEY,
    action: 'kms:GenerateDataKey',
    expect: 'allow',
    context: {
      'kms:EncryptionContext:aws:cloudtrail:arn': `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/management`
    }
  },
  {
    name: 'account principal decrypts trail logs',
    principal: 'Auditor',
    keyId: TRAIL_KEY,
    action: 'kms:Decrypt',
    expect: 'allow',
    context: {
      'kms:EncryptionContext:aws:cloudtrail:arn': `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/management`
    }
  },
  {
    name: 'trail key without context denies decrypt',
    principal: 'Auditor',
    keyId: TRAIL_KEY,
    action: 'kms:Decrypt',
    expect: 'deny'
  },
  {
    name: 'bucket Resource makes the root statement ineffective',
    principal: 'Reporting',
    keyId: TRAIL_KEY,
    action: 'kms:DescribeKey',
    expect: 'deny'
  },
  {
    name: 'managed key through Secrets Manager',
    principal: 'OrdersService',
    keyId: MANAGED_KEY,
    action: 'kms:Decrypt',
    expect: 'allow',
    context: { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com` }
  },
  {
    name: 'managed key used directly is denied',
    principal: 'OrdersService',
    keyId: MANAGED_KEY,
    action: 'kms:Decrypt',
    expect: 'deny'
  },
  {
    name: 'managed key from another account is denied',
    principal: `arn:aws:iam::${OTHER_ACCOUNT}:role/Partner`,
    keyId: MANAGED_KEY,
    action: 'kms:Decrypt',
    expect: 'deny',
    context: { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com` }
  }
]

function manifestFor(rows: Row[]): string {
  const lines = [
    'version: 1',
    'defaults:',
    `  region: ${REGION}`,
    'facts: [facts/]',
    'expectations:'
  ]
  for (const row of rows) {
    const principal =
      row.principal.includes(':') || row.principal.endsWith('.com')
        ? row.principal
        : `arn:aws:iam::${ACCOUNT}:role/${row.principal}`
    lines.push(
      `  - name: ${row.name}`,
      `    principal: ${principal}`,
      `    key: ${keyArn(row.keyId)}`,
      `    actions: [${row.action}]`,
      `    expect: ${row.expect}`
    )
    if (row.context) {
      lines.push('    context:')
      for (const [key, value] of Object.entries(row.context)) lines.push(`      ${key}: "${value}"`)
    }
  }
  return `${lines.join('\n')}\n`
}

describe('published key policies', () => {
  let dir: string
  let report: {
    results: { expectation: string; status: string; decision: string; closedLocks: string[] }[]
    warnings: { code: string; message: string }[]
  }
  let exitCode: number

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'kms-gate-published-'))
    const { mkdir } = await import('node:fs/promises')
    await mkdir(path.join(dir, 'facts'))
    const documents: Record<string, unknown> = {
      'iam-111122223333.json': iamFacts,
      'iam-444455556666.json': otherIamFacts,
      'keys.json': [
        keyDocument(DEFAULT_KEY, defaultPolicy),
        keyDocument(CONSOLE_KEY, consolePolicy),
        keyDocument(TRAIL_KEY, trailPolicy),
        keyDocument(MANAGED_KEY, managedPolicy, {
          manager: 'AWS',
          aliases: ['alias/aws/secretsmanager']
        })
      ]
    }
    for (const [name, value] of Object.entries(documents)) {
      await writeFile(path.join(dir, 'facts', name), JSON.stringify(value, null, 2))
    }
    await writeFile(path.join(dir, 'kms-access.yml'), manifestFor(ROWS))

    let stdout = ''
    exitCode = await runCli(['check', '--manifest', 'kms-access.yml', '--format', 'json'], {
      cwd: dir,
      color: false,
      stdout: (text) => {
        stdout += text
      },
      stderr: (text) => {
        throw new Error(text)
      }
    })
    report = JSON.parse(stdout)
  })

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it.each(ROWS.map((row) => [row.name]))('%s', (name) => {
    const result = report.results.find((entry) => entry.expectation === name)

    expect({ name, status: result?.status, decision: result?.decision }).toEqual({
      name,
      status: 'pass',
      decision: result?.decision
    })
  })

  it('exits 0 when every published behaviour holds', () => {
    expect(exitCode).toBe(0)
  })

  it('warns about the key-policy Resource that is not "*"', () => {
    const resourceWarnings = report.warnings.filter(
      (warning) => warning.code === 'resource-not-star'
    )

    expect(resourceWarnings.length).toBeGreaterThan(0)
    expect(resourceWarnings.map((warning) => warning.message).join('\n')).toContain(
      'arn:aws:s3:::example-trail-bucket'
    )
  })
})
