// Benchmark: runs the built CLI (dist/cli.js) on generated facts and manifests of growing
// size, and checks wall time and peak memory against targets. Run `npm run build` first.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

const root = path.resolve(import.meta.dirname, '..')
const ACCOUNT = '111122223333'

/** Targets for the largest size: a manifest of 2,000 expectations over 1,000 roles and 500 keys. */
const TARGET_SECONDS = 20
const TARGET_MIB = 512

const SIZES = [
  { roles: 100, keys: 50, expectations: 200 },
  { roles: 1000, keys: 500, expectations: 2000 }
]

function keyId(index) {
  return `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`
}

function keyArn(index) {
  return `arn:aws:kms:us-east-1:${ACCOUNT}:key/${keyId(index)}`
}

function writeFacts(dir, size) {
  const roles = Array.from({ length: size.roles }, (_, index) => ({
    RoleName: `app-${index}`,
    Path: '/apps/',
    RoleId: `AROA${String(index).padStart(17, '0')}`,
    Arn: `arn:aws:iam::${ACCOUNT}:role/apps/app-${index}`,
    RolePolicyList: [
      {
        PolicyName: 'kms',
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
              Resource: keyArn(index % size.keys)
            }
          ]
        }
      }
    ],
    AttachedManagedPolicies: [],
    Tags: [{ Key: 'team', Value: `team-${index % 10}` }]
  }))
  writeFileSync(
    path.join(dir, 'iam.json'),
    JSON.stringify(
      { RoleDetailList: roles, UserDetailList: [], GroupDetailList: [], Policies: [] },
      null,
      2
    )
  )

  const keys = Array.from({ length: size.keys }, (_, index) => ({
    KeyMetadata: {
      AWSAccountId: ACCOUNT,
      KeyId: keyId(index),
      Arn: keyArn(index),
      KeyState: 'Enabled',
      KeyUsage: 'ENCRYPT_DECRYPT',
      KeySpec: 'SYMMETRIC_DEFAULT',
      KeyManager: 'CUSTOMER'
    },
    Policy: JSON.stringify(
      {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'EnableIAMUserPermissions',
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
            Action: 'kms:*',
            Resource: '*'
          },
          {
            Sid: 'DenyOutsideOrg',
            Effect: 'Deny',
            Principal: '*',
            Action: 'kms:*',
            Resource: '*',
            Condition: { StringNotEquals: { 'kms:CallerAccount': ACCOUNT } }
          }
        ]
      },
      null,
      2
    ),
    Grants: [],
    Aliases: [{ AliasName: `alias/app-${index}`, TargetKeyId: keyId(index) }]
  }))
  writeFileSync(path.join(dir, 'keys.json'), JSON.stringify(keys, null, 2))

  const lines = [
    'version: 1',
    'defaults:',
    '  region: us-east-1',
    'facts: [iam.json, keys.json]',
    'expectations:'
  ]
  for (let index = 0; index < size.expectations; index++) {
    const roleIndex = index % size.roles
    lines.push(
      `  - name: app ${index} uses its key`,
      `    principal: arn:aws:sts::${ACCOUNT}:assumed-role/app-${roleIndex}/session`,
      `    key: alias/app-${(roleIndex + (index % 2)) % size.keys}`,
      '    actions: [kms:Decrypt, kms:GenerateDataKey]',
      `    expect: ${index % 2 === 0 ? 'allow' : 'deny'}`
    )
  }
  writeFileSync(path.join(dir, 'kms-access.yml'), `${lines.join('\n')}\n`)
}

let failed = false
for (const size of SIZES) {
  const dir = mkdtempSync(path.join(tmpdir(), 'kms-gate-bench-'))
  writeFacts(dir, size)
  const started = process.hrtime.bigint()
  const run = spawnSync(
    process.execPath,
    [
      '--import',
      path.join(root, 'scripts', 'bench-report-rss.mjs'),
      path.join(root, 'dist', 'cli.js'),
      'check',
      '--manifest',
      'kms-access.yml',
      '--format',
      'json',
      '--output',
      'report.json'
    ],
    { cwd: dir, encoding: 'utf8' }
  )
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  const rssKib = Number(/bench-max-rss-kib (\d+)/.exec(run.stderr)?.[1] ?? Number.NaN)
  rmSync(dir, { recursive: true, force: true })

  if (run.status !== 0 && run.status !== 1) {
    process.stderr.write(run.stderr)
    throw new Error(`the CLI exited with ${run.status}`)
  }
  const results = size.expectations * 2
  const mib = rssKib / 1024
  console.log(
    `${size.roles} roles, ${size.keys} keys, ${size.expectations} expectations (${results} results): ${seconds.toFixed(2)} s, peak ${mib.toFixed(0)} MiB`
  )
  if (size === SIZES.at(-1) && (seconds > TARGET_SECONDS || mib > TARGET_MIB)) {
    console.log(`over target: ${TARGET_SECONDS} s and ${TARGET_MIB} MiB`)
    failed = true
  }
}
process.exitCode = failed ? 1 : 0
