/**
 * Shared set-up of the hostile IaC tests: a scratch directory with fact files, templates,
 * plans and a manifest, checked end to end with `runCheck` in offline mode.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { CheckReport, ExpectationResult } from '../../src/check/results.js'
import { runCheck } from '../../src/check/run-check.js'
import type { CheckSettings } from '../../src/inputs/settings.js'

export const ACCOUNT = '111122223333'
export const REGION = 'eu-west-1'
export const LIVE_KEY_ID = '0d3b6a2e-5c1f-4b8e-9a7d-2f4e6c8a1b3d'
export const LIVE_KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${LIVE_KEY_ID}`
export const APP_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/app`

/** A scratch directory that contains one scenario's files. */
export class Scenario {
  private constructor(readonly dir: string) {}

  static async create(): Promise<Scenario> {
    return new Scenario(await mkdtemp(path.join(tmpdir(), 'kms-gate-hostile-')))
  }

  async write(files: Record<string, string>) {
    for (const [name, text] of Object.entries(files)) {
      const file = path.join(this.dir, name)
      await mkdir(path.dirname(file), { recursive: true })
      await writeFile(file, text)
    }
  }

  async check(manifest = 'kms-access.yml', extra: Partial<CheckSettings> = {}) {
    return runCheck(
      {
        manifestPath: manifest,
        factPaths: [],
        format: 'text',
        failOnUnknown: true,
        mode: 'offline',
        accountRoles: {},
        cwd: this.dir,
        ...extra
      },
      {}
    )
  }

  async remove() {
    await rm(this.dir, { recursive: true, force: true })
  }
}

/** One expectation of a manifest. */
export interface ExpectationSpec {
  name?: string
  principal: string
  key: string
  action?: string
  expect: 'allow' | 'deny'
  context?: Record<string, string>
}

/** Returns a manifest with the default account and Region, the `facts` paths and `expectations`. */
export function manifest(facts: string[], expectations: ExpectationSpec[], iac = ''): string {
  const lines = [
    'version: 1',
    'defaults:',
    `  region: ${REGION}`,
    `  account: "${ACCOUNT}"`,
    ...(iac ? [iac] : []),
    `facts: ${JSON.stringify(facts)}`,
    'expectations:'
  ]
  expectations.forEach((entry, position) => {
    lines.push(
      `  - name: ${JSON.stringify(entry.name ?? `expectation ${position + 1}`)}`,
      `    principal: ${JSON.stringify(entry.principal)}`,
      `    key: ${JSON.stringify(entry.key)}`,
      `    actions: [${entry.action ?? 'kms:Decrypt'}]`,
      `    expect: ${entry.expect}`
    )
    if (entry.context) {
      lines.push('    context:')
      for (const [name, value] of Object.entries(entry.context)) {
        lines.push(`      ${JSON.stringify(name)}: ${JSON.stringify(value)}`)
      }
    }
  })
  return `${lines.join('\n')}\n`
}

/** Returns a key as JSON text, as `aws kms describe-key`, get-key-policy, list-grants and list-aliases print it. */
export function liveKey(options: {
  keyId?: string
  policy: object
  aliases?: string[]
  grants?: object[]
  keyState?: string
}): string {
  const keyId = options.keyId ?? LIVE_KEY_ID
  const arn = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${keyId}`
  const state = options.keyState ?? 'Enabled'
  return JSON.stringify(
    {
      KeyMetadata: {
        AWSAccountId: ACCOUNT,
        KeyId: keyId,
        Arn: arn,
        Enabled: state === 'Enabled',
        KeyUsage: 'ENCRYPT_DECRYPT',
        KeyState: state,
        Origin: 'AWS_KMS',
        KeyManager: 'CUSTOMER',
        KeySpec: 'SYMMETRIC_DEFAULT',
        MultiRegion: false
      },
      Policy: JSON.stringify(options.policy),
      Grants: options.grants ?? [],
      Aliases: (options.aliases ?? []).map((name) => ({
        AliasName: name,
        AliasArn: `arn:aws:kms:${REGION}:${ACCOUNT}:${name}`,
        TargetKeyId: keyId
      }))
    },
    null,
    2
  )
}

/** A key policy that lets the account's IAM policies decide, as KMS's default policy does. */
export const ROOT_KEY_POLICY = {
  Version: '2012-10-17',
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

/** Returns a key policy that allows `principal` to decrypt, and nothing else. */
export function decryptKeyPolicy(principal: string) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'Decrypt',
        Effect: 'Allow',
        Principal: { AWS: principal },
        Action: 'kms:Decrypt',
        Resource: '*'
      }
    ]
  }
}

/** A role in the output of `aws iam get-account-authorization-details`. */
export interface LiveRole {
  name: string
  path?: string
  inline?: Record<string, object>
  tags?: Record<string, string>
}

/** Authorization details of the account with `roles` and no managed policies. */
export function liveIam(roles: LiveRole[]): string {
  return JSON.stringify(
    {
      UserDetailList: [],
      GroupDetailList: [],
      RoleDetailList: roles.map((role) => ({
        Path: role.path ?? '/',
        RoleName: role.name,
        RoleId: `AROA${role.name.toUpperCase().padEnd(17, 'X')}`,
        Arn: `arn:aws:iam::${ACCOUNT}:role${role.path ?? '/'}${role.name}`,
        AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [] },
        RolePolicyList: Object.entries(role.inline ?? {}).map(([name, document]) => ({
          PolicyName: name,
          PolicyDocument: document
        })),
        AttachedManagedPolicies: [],
        Tags: Object.entries(role.tags ?? {}).map(([Key, Value]) => ({ Key, Value }))
      })),
      Policies: []
    },
    null,
    2
  )
}

/** Returns an identity policy that allows `action` on every key. */
export function allowPolicy(action = 'kms:Decrypt') {
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }]
  }
}

/** Returns the single result of a report. */
export function onlyResult(report: CheckReport): ExpectationResult {
  if (report.results.length !== 1) {
    throw new Error(`expected one result, found ${report.results.length}`)
  }
  return report.results[0]
}

/** One entry of a plan's `resource_changes`. */
export interface PlanChange {
  address: string
  actions: string[]
  after: Record<string, unknown> | null
  afterUnknown?: Record<string, unknown>
  before?: Record<string, unknown> | null
}

/** Returns a `terraform show -json` plan with `changes` and, optionally, the configuration's resources. */
export function terraformPlan(changes: PlanChange[], configResources: object[] = []): string {
  return JSON.stringify(
    {
      format_version: '1.2',
      terraform_version: '1.9.8',
      planned_values: { root_module: { resources: [] } },
      resource_changes: changes.map((change) => {
        const [type, name] = change.address.split('.').slice(-2)
        return {
          address: change.address,
          mode: 'managed',
          type,
          name: name.replace(/\[.*$/, ''),
          provider_name: 'registry.terraform.io/hashicorp/aws',
          change: {
            actions: change.actions,
            before: change.before ?? null,
            after: change.after,
            after_unknown: change.afterUnknown ?? {}
          }
        }
      }),
      configuration: {
        provider_config: {
          aws: { name: 'aws', expressions: { region: { constant_value: REGION } } }
        },
        root_module: { resources: configResources }
      }
    },
    null,
    2
  )
}

/**
 * Inserts `snippet` into `text` as the fix instructs: before line `line`, each snippet line
 * indented to `column`. Returns the patched text.
 */
export function pasteSnippet(text: string, snippet: string, line: number, column: number): string {
  const lines = text.split('\n')
  const indent = ' '.repeat(column - 1)
  const inserted = snippet.split('\n').map((entry) => `${indent}${entry}`)
  lines.splice(line - 1, 0, ...inserted)
  return lines.join('\n')
}
