/**
 * The same facts, offline and live (served by the loopback emulator): the verdicts must agree.
 */
import { rm } from 'node:fs/promises'
import { expect, test } from '@jest/globals'
import { runCheck } from '../../src/check/run-check.js'
import { startAwsEmulator } from '../support/aws-emulator/index.js'
import {
  decisions,
  KEY,
  keyMetadata,
  manifest,
  ROLE,
  trustAccountPolicy,
  useEndpoint,
  writeFiles
} from './hostile-wire.js'

/** Builds a role allowed kms:Decrypt, with a Deny on a condition key that AWS sets on every KMS request. */
function iamWith(condition: object) {
  return {
    RoleDetailList: [
      {
        RoleName: 'App',
        Path: '/',
        RoleId: 'AROAAPPXXXXXXXXXXXXXX',
        Arn: ROLE,
        RolePolicyList: [
          {
            PolicyName: 'use-keys',
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: [
                { Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' },
                { Effect: 'Deny', Action: 'kms:*', Resource: '*', Condition: condition }
              ]
            }
          }
        ],
        AttachedManagedPolicies: []
      },
      {
        RoleName: 'kms-access-gate',
        Path: '/',
        RoleId: 'AROAGATEXXXXXXXXXXXXX',
        Arn: 'arn:aws:iam::111122223333:role/kms-access-gate',
        RolePolicyList: [],
        AttachedManagedPolicies: []
      }
    ],
    UserDetailList: [],
    GroupDetailList: [],
    Policies: []
  }
}

test.each([
  ['aws:SecureTransport is false', { Bool: { 'aws:SecureTransport': 'false' } }],
  ['aws:ViaAWSService is true', { Bool: { 'aws:ViaAWSService': 'true' } }],
  [
    'kms:EncryptionAlgorithm is not symmetric',
    { StringNotEquals: { 'kms:EncryptionAlgorithm': 'SYMMETRIC_DEFAULT' } }
  ]
])('a Deny when %s gives the same verdict live as offline', async (_name, condition) => {
  const files = await writeFiles({
    'key.json': {
      KeyMetadata: keyMetadata({ arn: KEY, policy: {} }),
      Policy: trustAccountPolicy(),
      Grants: []
    },
    'iam.json': iamWith(condition),
    'kms-access.yml': manifest([{ principal: ROLE, key: KEY }])
  })
  const settings = (mode: 'offline' | 'live', factPaths: string[]) => ({
    manifestPath: 'kms-access.yml',
    factPaths,
    format: 'text' as const,
    failOnUnknown: true,
    mode,
    accountRoles: {},
    cwd: files
  })
  const emulator = await startAwsEmulator({ factPaths: ['key.json', 'iam.json'], cwd: files })
  const restore = useEndpoint(emulator.endpoint)
  try {
    const offline = await runCheck(settings('offline', ['key.json', 'iam.json']), {})
    const live = await runCheck(settings('live', []), process.env)
    expect(decisions(offline)).toEqual(['allowed'])
    expect(decisions(live)).toEqual(decisions(offline))
  } finally {
    restore()
    await emulator.close()
    await rm(files, { recursive: true, force: true })
  }
})
