/** Builders for small fact documents used across the facts tests. */
import { expect } from '@jest/globals'
import type { SourceLocation } from '../../src/engine/model.js'
import { InputError } from '../../src/inputs/errors.js'

export const ACCOUNT = '111122223333'
export const OTHER_ACCOUNT = '444455556666'
export const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab'
export const KEY_ARN = `arn:aws:kms:us-east-1:${ACCOUNT}:key/${KEY_ID}`

export function statement(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*', ...overrides }
}

export function policyDocument(...statements: Record<string, unknown>[]): Record<string, unknown> {
  return { Version: '2012-10-17', Statement: statements }
}

export const ROOT_STATEMENT = statement({
  Sid: 'Root',
  Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
  Action: 'kms:*'
})

/** Builds a key object from what `describe-key`, `get-key-policy` and `list-grants` print. */
export function keyObject(
  overrides: Record<string, unknown> = {},
  keyId = KEY_ID
): Record<string, unknown> {
  return {
    KeyMetadata: {
      AWSAccountId: ACCOUNT,
      KeyId: keyId,
      Arn: `arn:aws:kms:us-east-1:${ACCOUNT}:key/${keyId}`,
      Enabled: true,
      KeyState: 'Enabled',
      KeyUsage: 'ENCRYPT_DECRYPT',
      KeyManager: 'CUSTOMER',
      KeySpec: 'SYMMETRIC_DEFAULT',
      Origin: 'AWS_KMS',
      MultiRegion: false
    },
    Policy: JSON.stringify(policyDocument(ROOT_STATEMENT)),
    Grants: [],
    ...overrides
  }
}

export function managedPolicy(
  arn: string,
  document: unknown,
  versionId = 'v1'
): Record<string, unknown> {
  return {
    PolicyName: arn.split('/').pop(),
    PolicyId: 'ANPAEXAMPLE',
    Arn: arn,
    Path: '/',
    DefaultVersionId: versionId,
    AttachmentCount: 1,
    IsAttachable: true,
    PolicyVersionList: [
      {
        Document: { Version: '2012-10-17', Statement: [] },
        VersionId: 'v0',
        IsDefaultVersion: false
      },
      { Document: document, VersionId: versionId, IsDefaultVersion: true }
    ]
  }
}

export function role(
  name: string,
  overrides: Record<string, unknown> = {},
  account = ACCOUNT
): Record<string, unknown> {
  return {
    Path: '/',
    RoleName: name,
    RoleId: `AROA${name.toUpperCase().padEnd(17, 'X')}`,
    Arn: `arn:aws:iam::${account}:role/${name}`,
    CreateDate: '2024-01-01T00:00:00Z',
    AssumeRolePolicyDocument: policyDocument(
      statement({
        Principal: { Service: 'lambda.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Resource: undefined
      })
    ),
    InstanceProfileList: [],
    RolePolicyList: [],
    AttachedManagedPolicies: [],
    Tags: [],
    RoleLastUsed: {},
    ...overrides
  }
}

export function user(
  name: string,
  overrides: Record<string, unknown> = {}
): Record<string, unknown> {
  return {
    Path: '/',
    UserName: name,
    UserId: `AIDA${name.toUpperCase().padEnd(17, 'X')}`,
    Arn: `arn:aws:iam::${ACCOUNT}:user/${name}`,
    CreateDate: '2024-01-01T00:00:00Z',
    UserPolicyList: [],
    GroupList: [],
    AttachedManagedPolicies: [],
    Tags: [],
    ...overrides
  }
}

export function group(
  name: string,
  overrides: Record<string, unknown> = {}
): Record<string, unknown> {
  return {
    Path: '/',
    GroupName: name,
    GroupId: `AGPA${name.toUpperCase().padEnd(17, 'X')}`,
    Arn: `arn:aws:iam::${ACCOUNT}:group/${name}`,
    CreateDate: '2024-01-01T00:00:00Z',
    GroupPolicyList: [],
    AttachedManagedPolicies: [],
    ...overrides
  }
}

export function authorizationDetails(parts: {
  users?: unknown[]
  groups?: unknown[]
  roles?: unknown[]
  policies?: unknown[]
}): Record<string, unknown> {
  return {
    UserDetailList: parts.users ?? [],
    GroupDetailList: parts.groups ?? [],
    RoleDetailList: parts.roles ?? [],
    Policies: parts.policies ?? []
  }
}

/** Pretty-prints like the AWS CLI does (4 spaces). */
export function cliText(value: unknown): string {
  return `${JSON.stringify(value, null, 4)}\n`
}

/** Runs `action`, expects exactly one `InputError`, and returns it. */
export function inputErrorOf(action: () => unknown): InputError {
  let caught: unknown
  try {
    action()
  } catch (error) {
    caught = error
  }
  expect(caught).toBeInstanceOf(InputError)
  return caught as InputError
}

export async function asyncInputErrorOf(action: () => Promise<unknown>): Promise<InputError> {
  const caught = await action().then(
    () => undefined,
    (error: unknown) => error
  )
  expect(caught).toBeInstanceOf(InputError)
  return caught as InputError
}

/** Returns the 1-based line and column of the first `needle` in `text`, plus `shift` columns. */
export function locationOf(text: string, needle: string, file: string, shift = 0): SourceLocation {
  const offset = text.indexOf(needle)
  if (offset < 0) throw new Error(`"${needle}" not found in the test text`)
  const before = text.slice(0, offset).split('\n')
  return { file, line: before.length, column: before[before.length - 1].length + 1 + shift }
}

/** Returns the location of the last `opener` (such as a statement's `{`) before the first `needle` in `text`. */
export function locationBefore(
  text: string,
  needle: string,
  file: string,
  opener = '{'
): SourceLocation {
  const offset = text.lastIndexOf(opener, text.indexOf(needle))
  if (offset < 0 || text.indexOf(needle) < 0)
    throw new Error(`"${opener}" before "${needle}" not found in the test text`)
  const before = text.slice(0, offset).split('\n')
  return { file, line: before.length, column: before[before.length - 1].length + 1 }
}
