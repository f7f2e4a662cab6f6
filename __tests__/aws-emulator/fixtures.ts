/** Fact files for the emulator tests, written to a temporary directory. */
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'

export const GATE = 'arn:aws:iam::111122223333:role/kms-access-gate'
export const APP_ROLE = 'arn:aws:iam::111122223333:role/service/App'
export const BOUNDED_ROLE = 'arn:aws:iam::111122223333:role/Bounded'
export const DEV_USER = 'arn:aws:iam::111122223333:user/dev'
export const OTHER_ROLE = 'arn:aws:iam::444455556666:role/Other'
export const KEY1_ID = '1111aaaa-11aa-11aa-11aa-111111111111'
export const KEY1 = `arn:aws:kms:us-east-1:111122223333:key/${KEY1_ID}`
export const KEY2 = 'arn:aws:kms:us-east-1:111122223333:key/2222bbbb-22bb-22bb-22bb-222222222222'
export const KEY3 = 'arn:aws:kms:us-east-1:444455556666:key/3333cccc-33cc-33cc-33cc-333333333333'

/** The key policy of key 1, written as a string in its key object. */
export const KEY1_POLICY_TEXT = `{
  "Version" : "2012-10-17",
  "Id" : "key-default-1",
  "Statement" : [ {
    "Sid" : "Enable IAM User Permissions",
    "Effect" : "Allow",
    "Principal" : { "AWS" : "arn:aws:iam::111122223333:root" },
    "Action" : "kms:*",
    "Resource" : "*"
  } ]
}`

const DEVS_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: ['kms:DescribeKey', 'kms:ScheduleKeyDeletion'], Resource: '*' }
  ]
})

export const IAM_A = `{
  "RoleDetailList": [
    {
      "Path": "/",
      "RoleName": "kms-access-gate",
      "RoleId": "AROAGATE0000000000001",
      "Arn": "${GATE}",
      "CreateDate": "2024-01-02T03:04:05Z",
      "AssumeRolePolicyDocument": {
        "Version": "2012-10-17",
        "Statement": [
          { "Effect": "Allow", "Principal": { "AWS": "arn:aws:iam::111122223333:root" }, "Action": "sts:AssumeRole" }
        ]
      },
      "RolePolicyList": [],
      "AttachedManagedPolicies": [],
      "Tags": []
    },
    {
      "Path": "/service/",
      "RoleName": "App",
      "RoleId": "AROAAPP00000000000001",
      "Arn": "${APP_ROLE}",
      "CreateDate": "2024-01-02T03:04:05Z",
      "AssumeRolePolicyDocument": {
        "Version": "2012-10-17",
        "Statement": [
          { "Effect": "Allow", "Principal": { "Service": "ec2.amazonaws.com" }, "Action": "sts:AssumeRole" }
        ]
      },
      "RolePolicyList": [
        {
          "PolicyName": "AppKms",
          "PolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [
              {
                "Sid": "UseKey1",
                "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:Encrypt"],
                "Resource": "${KEY1}"
              },
              {
                "Sid": "NeverKey2",
                "Effect": "Deny",
                "Action": "kms:Decrypt",
                "Resource": "${KEY2}"
              },
              {
                "Sid": "DataKeysForWeb",
                "Effect": "Allow",
                "Action": "kms:GenerateDataKey",
                "Resource": "*",
                "Condition": { "StringEquals": { "kms:EncryptionContext:app": "web" } }
              }
            ]
          }
        }
      ],
      "AttachedManagedPolicies": [],
      "Tags": [{ "Key": "team", "Value": "payments" }]
    },
    {
      "Path": "/",
      "RoleName": "Bounded",
      "RoleId": "AROABOUNDED0000000001",
      "Arn": "${BOUNDED_ROLE}",
      "CreateDate": "2024-01-02T03:04:05Z",
      "RolePolicyList": [],
      "AttachedManagedPolicies": [
        { "PolicyName": "KmsAll", "PolicyArn": "arn:aws:iam::111122223333:policy/KmsAll" }
      ],
      "PermissionsBoundary": {
        "PermissionsBoundaryType": "Policy",
        "PermissionsBoundaryArn": "arn:aws:iam::111122223333:policy/DecryptOnly"
      },
      "Tags": []
    }
  ],
  "UserDetailList": [
    {
      "Path": "/",
      "UserName": "dev",
      "UserId": "AIDADEV00000000000001",
      "Arn": "${DEV_USER}",
      "CreateDate": "2024-01-02T03:04:05Z",
      "GroupList": ["devs"],
      "UserPolicyList": [],
      "AttachedManagedPolicies": [],
      "Tags": []
    }
  ],
  "GroupDetailList": [
    {
      "Path": "/",
      "GroupName": "devs",
      "GroupId": "AGPADEVS0000000000001",
      "Arn": "arn:aws:iam::111122223333:group/devs",
      "CreateDate": "2024-01-02T03:04:05Z",
      "GroupPolicyList": [{ "PolicyName": "DevsKms", "PolicyDocument": "${encodeURIComponent(DEVS_POLICY)}" }],
      "AttachedManagedPolicies": []
    }
  ],
  "Policies": [
    {
      "PolicyName": "KmsAll",
      "PolicyId": "ANPAKMSALL00000000001",
      "Arn": "arn:aws:iam::111122223333:policy/KmsAll",
      "Path": "/",
      "DefaultVersionId": "v1",
      "AttachmentCount": 1,
      "IsAttachable": true,
      "PolicyVersionList": [
        {
          "Document": { "Version": "2012-10-17", "Statement": [{ "Effect": "Allow", "Action": "kms:*", "Resource": "*" }] },
          "VersionId": "v1",
          "IsDefaultVersion": true
        }
      ]
    },
    {
      "PolicyName": "DecryptOnly",
      "PolicyId": "ANPADECRYPTONLY000001",
      "Arn": "arn:aws:iam::111122223333:policy/DecryptOnly",
      "Path": "/",
      "DefaultVersionId": "v2",
      "AttachmentCount": 0,
      "IsAttachable": true,
      "PolicyVersionList": [
        {
          "Document": { "Version": "2012-10-17", "Statement": [{ "Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*" }] },
          "VersionId": "v2",
          "IsDefaultVersion": true
        }
      ]
    }
  ]
}
`

export const IAM_B = JSON.stringify(
  {
    RoleDetailList: [
      {
        Path: '/',
        RoleName: 'Other',
        RoleId: 'AROAOTHER000000000001',
        Arn: OTHER_ROLE,
        CreateDate: '2024-01-02T03:04:05Z',
        RolePolicyList: [],
        AttachedManagedPolicies: [],
        Tags: []
      }
    ],
    UserDetailList: [],
    GroupDetailList: [],
    Policies: []
  },
  null,
  2
)

function grant(id: string, grantee: string) {
  return {
    KeyId: KEY1,
    GrantId: id,
    Name: `grant-${id.slice(0, 4)}`,
    CreationDate: '2024-01-02T03:04:05+00:00',
    GranteePrincipal: grantee,
    IssuingAccount: 'arn:aws:iam::111122223333:root',
    Operations: ['Decrypt'],
    Constraints: { EncryptionContextSubset: { app: 'web' } }
  }
}

export const KEYS_A = JSON.stringify(
  [
    {
      KeyMetadata: {
        AWSAccountId: '111122223333',
        KeyId: KEY1_ID,
        Arn: KEY1,
        CreationDate: '2023-11-14T22:13:20.123000+00:00',
        Enabled: true,
        Description: 'application key',
        KeyUsage: 'ENCRYPT_DECRYPT',
        KeyState: 'Enabled',
        Origin: 'AWS_KMS',
        KeyManager: 'CUSTOMER',
        KeySpec: 'SYMMETRIC_DEFAULT',
        EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
        MultiRegion: false
      },
      Policy: KEY1_POLICY_TEXT,
      Grants: [
        grant('a1a1a1a1a1a1', APP_ROLE),
        grant('b2b2b2b2b2b2', BOUNDED_ROLE),
        grant('c3c3c3c3c3c3', DEV_USER)
      ],
      Aliases: [
        {
          AliasName: 'alias/app',
          AliasArn: 'arn:aws:kms:us-east-1:111122223333:alias/app',
          TargetKeyId: KEY1_ID
        }
      ],
      Tags: [{ TagKey: 'team', TagValue: 'payments' }]
    }
  ],
  null,
  2
)

/** Key 2 has its policy as an object, indented in its own way. */
export const KEY2_POLICY_TEXT = `{
        "Version": "2012-10-17",
        "Statement": [{"Sid": "Root", "Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "kms:*", "Resource": "*"}]
      }`

export const KEY2_FILE = `{
  "KeyMetadata": {
    "AWSAccountId": "111122223333",
    "KeyId": "2222bbbb-22bb-22bb-22bb-222222222222",
    "Arn": "${KEY2}",
    "Enabled": true,
    "KeyUsage": "ENCRYPT_DECRYPT",
    "KeyState": "Enabled",
    "KeyManager": "CUSTOMER"
  },
  "Policy": ${KEY2_POLICY_TEXT},
  "Grants": [],
  "Aliases": ["alias/other"],
  "Tags": []
}
`

export const KEY3_FILE = JSON.stringify(
  {
    KeyMetadata: {
      AWSAccountId: '444455556666',
      KeyId: '3333cccc-33cc-33cc-33cc-333333333333',
      Arn: KEY3,
      Enabled: true,
      KeyUsage: 'ENCRYPT_DECRYPT',
      KeyState: 'Enabled',
      KeyManager: 'CUSTOMER'
    },
    Policy: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: ['arn:aws:iam::444455556666:root', 'arn:aws:iam::111122223333:root'] },
          Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:ListGrants'],
          Resource: '*'
        }
      ]
    }),
    Grants: [],
    Aliases: ['alias/shared'],
    Tags: [{ TagKey: 'owner', TagValue: 'b' }]
  },
  null,
  2
)

const FULL_ACCESS = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }]
})
const DENY_DELETION = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Deny', Action: 'kms:ScheduleKeyDeletion', Resource: '*' }]
})

export const ORGANIZATION = JSON.stringify(
  {
    Organization: {
      Id: 'o-a1b2c3d4e5',
      Arn: 'arn:aws:organizations::999999999999:organization/o-a1b2c3d4e5',
      MasterAccountId: '999999999999'
    },
    Accounts: [
      { Id: '111122223333', Parents: ['r-ab12'] },
      { Id: '444455556666', Parents: ['r-ab12'] }
    ],
    ExternalAccounts: [],
    Policies: [
      {
        Policy: {
          PolicySummary: {
            Id: 'p-FullAWSAccess',
            Arn: 'arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess',
            Name: 'FullAWSAccess',
            Type: 'SERVICE_CONTROL_POLICY',
            AwsManaged: true
          },
          Content: FULL_ACCESS
        },
        Targets: ['r-ab12', '111122223333', '444455556666']
      },
      {
        Policy: {
          PolicySummary: {
            Id: 'p-denydeletion',
            Arn: 'arn:aws:organizations::999999999999:policy/o-a1b2c3d4e5/service_control_policy/p-denydeletion',
            Name: 'DenyKeyDeletion',
            Type: 'SERVICE_CONTROL_POLICY',
            AwsManaged: false
          },
          Content: DENY_DELETION
        },
        Targets: ['111122223333']
      }
    ]
  },
  null,
  2
)

/** Writes the fact files to a new temporary directory and returns it. */
export async function writeFacts(): Promise<string> {
  const directory = await mkdtemp(path.join(tmpdir(), 'aws-emulator-'))
  const files: Record<string, string> = {
    'iam-a.json': IAM_A,
    'iam-b.json': IAM_B,
    'keys-a.json': KEYS_A,
    'key2.json': KEY2_FILE,
    'key3.json': KEY3_FILE,
    'organization.json': ORGANIZATION
  }
  for (const [name, text] of Object.entries(files)) {
    await writeFile(path.join(directory, name), text)
  }
  return directory
}
