/**
 * A scripted loopback AWS for hostile live-mode tests: every response is written by the test,
 * in the exact wire format (KMS awsJson1_1, IAM and STS awsQuery XML), so a test can send
 * what the emulator never would. Listens on 127.0.0.1 only.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { CheckReport } from '../../src/check/results.js'
import { runCheck } from '../../src/check/run-check.js'
import {
  credentialScope,
  decodeQuery,
  jsonError,
  jsonResponse,
  type WireResponse,
  xmlError,
  xmlResponse
} from '../support/aws-emulator/protocol.js'

export { jsonError, jsonResponse, type WireResponse, xmlError, xmlResponse }

export const ACCOUNT = '111122223333'
export const OTHER_ACCOUNT = '444455556666'
export const GATE = `arn:aws:iam::${ACCOUNT}:role/kms-access-gate`
export const KEY_ID = '1111aaaa-0000-0000-0000-000000000001'
export const KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/${KEY_ID}`
export const ROLE = `arn:aws:iam::${ACCOUNT}:role/App`

/** One request as the scripted server received it. */
export interface WireCall {
  /** Such as `kms:DescribeKey`. */
  operation: string
  params: Record<string, unknown>
}

/** Returns the response to one call; undefined falls through to the default world. */
export type Responder = (
  call: WireCall,
  index: number
) => WireResponse | undefined | Promise<WireResponse | undefined>

/** A key of the scripted world. */
export interface ScriptedKey {
  arn: string
  policy: object
  aliases?: string[]
  keyState?: string
}

/** Builds a key policy whose only statement trusts the key's account, so the IAM side decides. */
export function trustAccountPolicy(account = ACCOUNT, extra: object[] = []): object {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'EnableIam',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${account}:root` },
        Action: 'kms:*',
        Resource: '*'
      },
      ...extra
    ]
  }
}

export function keyMetadata(key: ScriptedKey): Record<string, unknown> {
  const [, , , region, account, resource] = key.arn.split(':')
  return {
    AWSAccountId: account,
    KeyId: resource.slice(4),
    Arn: key.arn,
    CreationDate: 1700000000,
    Enabled: (key.keyState ?? 'Enabled') === 'Enabled',
    KeyUsage: 'ENCRYPT_DECRYPT',
    KeyState: key.keyState ?? 'Enabled',
    Origin: 'AWS_KMS',
    KeyManager: 'CUSTOMER',
    KeySpec: 'SYMMETRIC_DEFAULT',
    MultiRegion: false,
    Description: region
  }
}

/** A SimulatePrincipalPolicy response: the `EvaluationResults` members and the paging members. */
export interface SimulationPage {
  EvaluationResults: object[]
  IsTruncated?: boolean
  Marker?: string
}

export interface ScriptedWorld {
  keys: ScriptedKey[]
  /** Answers SimulatePrincipalPolicy; `allowAll` when absent. */
  simulate?: (params: Record<string, unknown>, index: number) => SimulationPage
  /** Role details for iam:GetRole, by role name. */
  roles?: Record<string, { Arn: string; Path: string; RoleId: string }>
  override?: Responder
}

/** Allows every asked action on every asked resource, in the per-resource shape. */
export function allowAll(params: Record<string, unknown>): SimulationPage {
  const actions = (params.ActionNames as string[]) ?? []
  const resources = (params.ResourceArns as string[]) ?? ['*']
  return {
    EvaluationResults: actions.flatMap((action) =>
      resources.map((resource) => ({
        EvalActionName: action,
        EvalResourceName: resource,
        EvalDecision: 'allowed',
        MatchedStatements: [
          {
            SourcePolicyId: 'use-keys',
            SourcePolicyType: 'role',
            StartPosition: { Line: 1, Column: 1 }
          }
        ],
        MissingContextValues: []
      }))
    ),
    IsTruncated: false
  }
}

export interface ScriptedAws {
  endpoint: string
  calls: WireCall[]
  count(operation: string): number
  close(): Promise<void>
}

function findKey(world: ScriptedWorld, keyId: unknown): ScriptedKey | undefined {
  if (typeof keyId !== 'string') return undefined
  return world.keys.find((key) => {
    const id = key.arn.split('/').pop()
    const prefix = key.arn.slice(0, key.arn.indexOf(':key/'))
    const aliases = key.aliases ?? []
    return (
      key.arn === keyId ||
      id === keyId ||
      aliases.includes(keyId) ||
      aliases.some((alias) => `${prefix}:${alias}` === keyId)
    )
  })
}

function defaultAnswer(world: ScriptedWorld, call: WireCall, index: number): WireResponse {
  const { operation, params } = call
  const key = findKey(world, params.KeyId)
  const notFound = () =>
    jsonError(400, 'NotFoundException', `Key '${String(params.KeyId)}' does not exist`)
  switch (operation) {
    case 'sts:GetCallerIdentity':
      return xmlResponse('sts', 'GetCallerIdentity', {
        UserId: 'AROAGATEXXXXXXXXXXXXX:gate',
        Account: ACCOUNT,
        Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/kms-access-gate/gate`
      })
    case 'sts:AssumeRole': {
      const roleArn = String(params.RoleArn)
      const account = roleArn.split(':')[4]
      const name = roleArn.split('/').pop()
      return xmlResponse('sts', 'AssumeRole', {
        Credentials: {
          AccessKeyId: 'ASIAASSUMEDXXXXXXXXX',
          SecretAccessKey: 'secret',
          SessionToken: 'token',
          Expiration: new Date(Date.now() + 3_600_000).toISOString()
        },
        AssumedRoleUser: {
          AssumedRoleId: 'AROAASSUMEDXXXXXXXXXX:kms-access-gate',
          Arn: `arn:aws:sts::${account}:assumed-role/${name}/kms-access-gate`
        }
      })
    }
    case 'kms:DescribeKey':
      return key ? jsonResponse({ KeyMetadata: keyMetadata(key) }) : notFound()
    case 'kms:GetKeyPolicy':
      return key
        ? jsonResponse({ Policy: JSON.stringify(key.policy), PolicyName: 'default' })
        : notFound()
    case 'kms:ListGrants':
      return key ? jsonResponse({ Grants: [], Truncated: false }) : notFound()
    case 'kms:ListAliases': {
      if (!key) return notFound()
      const [, , , region, account] = key.arn.split(':')
      return jsonResponse({
        Aliases: (key.aliases ?? []).map((alias) => ({
          AliasName: alias,
          AliasArn: `arn:aws:kms:${region}:${account}:${alias}`,
          TargetKeyId: key.arn.split('/').pop()
        })),
        Truncated: false
      })
    }
    case 'kms:ListResourceTags':
      return key ? jsonResponse({ Tags: [], Truncated: false }) : notFound()
    case 'iam:SimulatePrincipalPolicy':
      return xmlResponse(
        'iam',
        'SimulatePrincipalPolicy',
        (world.simulate ?? allowAll)(params, index)
      )
    case 'iam:GetRole': {
      const role = world.roles?.[String(params.RoleName)]
      if (!role)
        return xmlError('iam', 404, 'NoSuchEntity', `The role ${params.RoleName} cannot be found.`)
      return xmlResponse('iam', 'GetRole', {
        Role: {
          ...role,
          RoleName: params.RoleName,
          CreateDate: '2024-01-01T00:00:00Z',
          AssumeRolePolicyDocument: '%7B%7D',
          Tags: []
        }
      })
    }
    default:
      return xmlError('iam', 400, 'InvalidAction', `not scripted: ${operation}`)
  }
}

/** Reads the operation and parameters of a KMS JSON or IAM/STS query request. */
function route(request: http.IncomingMessage, body: string): WireCall {
  const target = request.headers['x-amz-target']
  if (typeof target === 'string' && target.startsWith('TrentService.')) {
    return {
      operation: `kms:${target.slice('TrentService.'.length)}`,
      params: body ? JSON.parse(body) : {}
    }
  }
  const params = decodeQuery(body)
  const service = credentialScope(request.headers.authorization)?.service ?? 'unknown'
  return { operation: `${service}:${String(params.Action)}`, params }
}

/** Starts the scripted server on 127.0.0.1 with a free port. */
export async function startScriptedAws(world: ScriptedWorld): Promise<ScriptedAws> {
  const calls: WireCall[] = []
  const perOperation = new Map<string, number>()
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', async () => {
      const call = route(request, Buffer.concat(chunks).toString('utf8'))
      calls.push(call)
      const index = perOperation.get(call.operation) ?? 0
      perOperation.set(call.operation, index + 1)
      const answer = (await world.override?.(call, index)) ?? defaultAnswer(world, call, index)
      if (response.destroyed) return
      response.writeHead(answer.status, answer.headers)
      response.end(answer.body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    count: (operation) => calls.filter((call) => call.operation === operation).length,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

/** Points the SDK at `endpoint` only, with every inherited `AWS_*` variable removed. */
export function useEndpoint(endpoint: string): () => void {
  const saved = { ...process.env }
  for (const name of Object.keys(process.env)) if (name.startsWith('AWS_')) delete process.env[name]
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: 'AKIDGATE',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_MAX_ATTEMPTS: '1'
  })
  return () => {
    process.env = saved
  }
}

/** Writes files into a new temporary directory: name -> text or JSON value. */
export async function writeFiles(files: Record<string, unknown>): Promise<string> {
  const directory = await mkdtemp(path.join(tmpdir(), 'kms-gate-hostile-'))
  for (const [name, value] of Object.entries(files)) {
    const text = typeof value === 'string' ? value : JSON.stringify(value, null, 2)
    await writeFile(path.join(directory, name), text)
  }
  return directory
}

/** Builds a manifest with one expectation per entry, live mode, defaults in ACCOUNT and us-east-1. */
export function manifest(
  expectations: {
    principal: string
    key: string
    actions?: string[]
    expect?: 'allow' | 'deny'
    context?: Record<string, string | string[]>
  }[],
  extra = ''
): string {
  const lines = [
    'version: 1',
    'defaults:',
    '  region: us-east-1',
    `  account: "${ACCOUNT}"`,
    extra,
    'expectations:'
  ]
  expectations.forEach((entry, index) => {
    lines.push(`  - name: expectation ${index}`)
    lines.push(`    principal: ${entry.principal}`)
    lines.push(`    key: ${entry.key}`)
    lines.push(`    actions: [${(entry.actions ?? ['kms:Decrypt']).join(', ')}]`)
    lines.push(`    expect: ${entry.expect ?? 'allow'}`)
    if (entry.context) lines.push(`    context: ${JSON.stringify(entry.context)}`)
  })
  return `${lines.join('\n')}\n`
}

/**
 * Runs a live check of `manifestText` (plus fact files) against the scripted world and
 * returns the report with the server's calls.
 */
export async function liveCheck(
  world: ScriptedWorld,
  manifestText: string,
  facts: Record<string, unknown> = {},
  accountRoles: Record<string, string> = {}
): Promise<{ report: CheckReport; aws: ScriptedAws }> {
  const directory = await writeFiles({ 'kms-access.yml': manifestText, ...facts })
  const aws = await startScriptedAws(world)
  const restore = useEndpoint(aws.endpoint)
  try {
    const report = await runCheck(
      {
        manifestPath: 'kms-access.yml',
        factPaths: Object.keys(facts),
        format: 'text',
        failOnUnknown: true,
        mode: 'live',
        accountRoles,
        cwd: directory
      },
      process.env
    )
    return { report, aws }
  } finally {
    restore()
    await aws.close()
    await rm(directory, { recursive: true, force: true })
  }
}

/** Returns the decisions of a report, one per result. */
export function decisions(report: CheckReport): string[] {
  return report.results.map((result) => result.decision)
}
