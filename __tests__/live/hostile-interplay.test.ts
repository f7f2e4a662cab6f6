/**
 * Hostile live runs combined with templates, plans, the base comparison and DryRun: facts
 * from code laid over what AWS returns, gaps in live reads of what code also defines, and the
 * report's status and counts after all of it. Tests marked `failing` document a wrong result,
 * named for the behaviour the gate should have.
 */
import { execFileSync } from 'node:child_process'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, test } from '@jest/globals'
import type { CheckReport } from '../../src/check/results.js'
import { runCheck } from '../../src/check/run-check.js'
import type { CheckSettings } from '../../src/inputs/settings.js'
import {
  ACCOUNT,
  allowAll,
  jsonError,
  KEY,
  manifest,
  ROLE,
  type ScriptedAws,
  type ScriptedWorld,
  type SimulationPage,
  startScriptedAws,
  trustAccountPolicy,
  useEndpoint,
  writeFiles,
  xmlError
} from './hostile-wire.js'

const ADMIN = `arn:aws:iam::${ACCOUNT}:role/Admin`
const DENY_DECRYPT = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Deny', Action: 'kms:Decrypt', Resource: '*' }]
}
const ALLOW_DECRYPT = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' }]
}

/** Returns a key policy that names only `principal` for kms:Decrypt. */
function namesPolicy(principal: string): object {
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

/** Returns a simulator that gives `decision` for every request, with the Organizations detail when set. */
function simulateAll(
  decision: 'allowed' | 'implicitDeny' | 'explicitDeny',
  allowedByOrganizations?: boolean
) {
  return (params: Record<string, unknown>): SimulationPage => {
    const actions = (params.ActionNames as string[]) ?? []
    const resources = (params.ResourceArns as string[]) ?? ['*']
    return {
      EvaluationResults: actions.flatMap((action) =>
        resources.map((resource) => ({
          EvalActionName: action,
          EvalResourceName: resource,
          EvalDecision: decision,
          MatchedStatements: [],
          MissingContextValues: [],
          ...(allowedByOrganizations === undefined
            ? {}
            : { OrganizationsDecisionDetail: { AllowedByOrganizations: allowedByOrganizations } })
        }))
      ),
      IsTruncated: false
    }
  }
}

/** Returns a responder that fails every KMS DryRun request with the error `code`. */
function dryRunAnswer(code: 'DryRunOperationException' | 'AccessDeniedException') {
  return (call: { operation: string; params: Record<string, unknown> }) => {
    if (call.operation !== 'kms:Decrypt' || call.params.DryRun !== true) return undefined
    return jsonError(400, code, `dry run: ${code}`)
  }
}

/** Returns a CloudFormation template (JSON) with `resources`. */
function template(resources: Record<string, object>): string {
  return JSON.stringify({ AWSTemplateFormatVersion: '2010-09-09', Resources: resources }, null, 2)
}

/** Returns one `resource_changes` entry of a plan. */
function change(address: string, after: object, afterUnknown: object = {}): object {
  const [type, name] = address.split('.')
  return {
    address,
    mode: 'managed',
    type,
    name,
    provider_name: 'registry.terraform.io/hashicorp/aws',
    change: { actions: ['create'], before: null, after, after_unknown: afterUnknown }
  }
}

/** Returns a `terraform show -json` plan with `changes`, in us-east-1. */
function plan(changes: object[]): string {
  return JSON.stringify(
    {
      format_version: '1.2',
      terraform_version: '1.9.8',
      planned_values: { root_module: { resources: [] } },
      resource_changes: changes,
      configuration: {
        provider_config: {
          aws: { name: 'aws', expressions: { region: { constant_value: 'us-east-1' } } }
        },
        root_module: { resources: [] }
      }
    },
    null,
    2
  )
}

/** Runs a live check in `directory` against the scripted world. */
async function checkIn(
  directory: string,
  world: ScriptedWorld,
  settings: Partial<CheckSettings> = {}
): Promise<{ report: CheckReport; aws: ScriptedAws }> {
  const aws = await startScriptedAws(world)
  const restore = useEndpoint(aws.endpoint)
  try {
    const report = await runCheck(
      {
        manifestPath: 'kms-access.yml',
        factPaths: [],
        format: 'text',
        failOnUnknown: true,
        mode: 'live',
        accountRoles: {},
        cwd: directory,
        ...settings
      },
      process.env
    )
    return { report, aws }
  } finally {
    restore()
    await aws.close()
  }
}

/** Writes the files to a new directory, runs a live check there and removes the directory. */
async function liveRun(
  world: ScriptedWorld,
  files: Record<string, unknown>,
  settings: Partial<CheckSettings> = {}
): Promise<{ report: CheckReport; aws: ScriptedAws }> {
  const directory = await writeFiles(files)
  try {
    return await checkIn(directory, world, settings)
  } finally {
    await rm(directory, { recursive: true, force: true })
  }
}

/** Returns the single result of a report. */
function only(report: CheckReport) {
  expect(report.results).toHaveLength(1)
  return report.results[0]
}

/** Checks that the counts match the results and `passed` matches the counts. */
function expectConsistentCounts(report: CheckReport) {
  const count = (status: string) => report.results.filter((entry) => entry.status === status).length
  expect(report.counts.results).toBe(report.results.length)
  expect(report.counts.passed).toBe(count('pass'))
  expect(report.counts.failed).toBe(count('fail'))
  expect(report.counts.unknown).toBe(count('unknown'))
  const passes =
    report.counts.failed === 0 && (!report.failOnUnknown || report.counts.unknown === 0)
  expect(report.passed).toBe(passes)
}

/** Returns a template that creates a key whose policy lets App decrypt, with alias `alias`. */
function newKeyTemplate(alias: string): string {
  return template({
    AppKey: {
      Type: 'AWS::KMS::Key',
      Properties: { KeyPolicy: namesPolicy(ROLE) }
    },
    AppAlias: {
      Type: 'AWS::KMS::Alias',
      Properties: { AliasName: alias, TargetKeyId: { Ref: 'AppKey' } }
    }
  })
}

describe('template keys in a live run', () => {
  test('new key named by reference is not denied', async () => {
    const { report } = await liveRun(
      { keys: [{ arn: KEY, policy: trustAccountPolicy() }] },
      {
        'kms-access.yml': manifest([{ principal: ROLE, key: 'app.json#AppKey', expect: 'deny' }]),
        'app.json': newKeyTemplate('alias/new')
      },
      { factPaths: ['app.json'] }
    )
    // The template's key policy names App, so the change lets App decrypt.
    expect(only(report).status).not.toBe('pass')
    expectConsistentCounts(report)
  })

  test('new key named by its new alias is not denied', async () => {
    const { report } = await liveRun(
      { keys: [{ arn: KEY, policy: trustAccountPolicy() }] },
      {
        'kms-access.yml': manifest([{ principal: ROLE, key: 'alias/new', expect: 'deny' }]),
        'app.json': newKeyTemplate('alias/new')
      },
      { factPaths: ['app.json'] }
    )
    expect(only(report).status).not.toBe('pass')
  })

  test('new key named by reference is allowed', async () => {
    const { report } = await liveRun(
      { keys: [{ arn: KEY, policy: trustAccountPolicy() }] },
      {
        'kms-access.yml': manifest([{ principal: ROLE, key: 'app.json#AppKey', expect: 'allow' }]),
        'app.json': newKeyTemplate('alias/new')
      },
      { factPaths: ['app.json'] }
    )
    expect(only(report).decision).toBe('allowed')
  })

  test('alias moved by a template never passes a deny', async () => {
    // Live, alias/app names KEY, whose policy names only Admin. The template moves the alias
    // to a new key whose policy names App.
    const { report } = await liveRun(
      { keys: [{ arn: KEY, policy: namesPolicy(ADMIN), aliases: ['alias/app'] }] },
      {
        'kms-access.yml': manifest([{ principal: ROLE, key: 'alias/app', expect: 'deny' }]),
        'app.json': newKeyTemplate('alias/app')
      },
      { factPaths: ['app.json'] }
    )
    expect(only(report).status).not.toBe('pass')
  })

  test('alias moved by a template names the new key', async () => {
    const { report } = await liveRun(
      { keys: [{ arn: KEY, policy: namesPolicy(ADMIN), aliases: ['alias/app'] }] },
      {
        'kms-access.yml': manifest([{ principal: ROLE, key: 'alias/app', expect: 'allow' }]),
        'app.json': newKeyTemplate('alias/app')
      },
      { factPaths: ['app.json'] }
    )
    expect(only(report).decision).toBe('allowed')
  })
})

describe('template roles and gaps in a live run', () => {
  const newRole = template({
    Worker: {
      Type: 'AWS::IAM::Role',
      Properties: {
        RoleName: 'Worker',
        AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [] },
        Policies: [{ PolicyName: 'decrypt', PolicyDocument: ALLOW_DECRYPT }]
      }
    }
  })
  const WORKER = `arn:aws:iam::${ACCOUNT}:role/Worker`
  const noSuchRole: ScriptedWorld['override'] = (call) =>
    call.operation === 'iam:SimulatePrincipalPolicy' || call.operation === 'iam:GetRole'
      ? xmlError('iam', 404, 'NoSuchEntity', 'The role Worker cannot be found.')
      : undefined

  test('new template role is never allowed by mistake', async () => {
    const { report } = await liveRun(
      { keys: [{ arn: KEY, policy: trustAccountPolicy() }], override: noSuchRole },
      {
        'kms-access.yml': manifest([{ principal: WORKER, key: KEY, expect: 'deny' }]),
        'app.json': newRole
      },
      { factPaths: ['app.json'] }
    )
    expect(only(report).status).not.toBe('pass')
  })

  test('new template role is checked with its policies', async () => {
    const { report } = await liveRun(
      { keys: [{ arn: KEY, policy: trustAccountPolicy() }], override: noSuchRole },
      {
        'kms-access.yml': manifest([{ principal: WORKER, key: KEY, expect: 'allow' }]),
        'app.json': newRole
      },
      { factPaths: ['app.json'] }
    )
    expect(only(report).decision).toBe('allowed')
  })

  test('alias moved by a template keeps counts with fail-on-unknown off', async () => {
    const { report } = await liveRun(
      { keys: [{ arn: KEY, policy: namesPolicy(ADMIN), aliases: ['alias/app'] }] },
      {
        'kms-access.yml': manifest([
          { principal: ROLE, key: 'alias/app', expect: 'deny' },
          { principal: ROLE, key: KEY, expect: 'deny' }
        ]),
        'app.json': newKeyTemplate('alias/app')
      },
      { factPaths: ['app.json'], failOnUnknown: false }
    )
    // The alias now names the template's key, whose policy lets App in: the deny fails.
    expect(report.results.map((result) => result.status)).toEqual(['fail', 'pass'])
    expect(report.passed).toBe(false)
    expectConsistentCounts(report)
  })
})

describe('plan key policy over a live key', () => {
  const deniedPolicy: ScriptedWorld['override'] = (call) =>
    call.operation === 'kms:GetKeyPolicy'
      ? jsonError(400, 'AccessDeniedException', 'not authorized to perform kms:GetKeyPolicy')
      : undefined

  function keyPolicyPlan(policy: object): string {
    return plan([
      change(
        'aws_kms_key_policy.this',
        { key_id: KEY, policy: JSON.stringify(policy), bypass_policy_lockout_safety_check: false },
        { id: true }
      )
    ])
  }

  test('plan policy decides when GetKeyPolicy is denied', async () => {
    const { report } = await liveRun(
      { keys: [{ arn: KEY, policy: namesPolicy(ROLE) }], override: deniedPolicy },
      {
        'kms-access.yml': manifest([{ principal: ROLE, key: KEY, expect: 'deny' }]),
        'plan.json': keyPolicyPlan(namesPolicy(ADMIN))
      },
      { factPaths: ['plan.json'] }
    )
    const result = only(report)
    expect(result.decision).toBe('implicit-deny')
    expect(result.status).toBe('pass')
  })

  test('plan policy that names the role allows it', async () => {
    const { report } = await liveRun(
      { keys: [{ arn: KEY, policy: namesPolicy(ADMIN) }], override: deniedPolicy },
      {
        'kms-access.yml': manifest([{ principal: ROLE, key: KEY, expect: 'allow' }]),
        'plan.json': keyPolicyPlan(namesPolicy(ROLE))
      },
      { factPaths: ['plan.json'] }
    )
    expect(only(report).decision).toBe('allowed')
  })
})

describe('code that changes a simulated role', () => {
  test('plan Deny on a live role is not lost', async () => {
    const { report } = await liveRun(
      { keys: [{ arn: KEY, policy: trustAccountPolicy() }], simulate: allowAll },
      {
        'kms-access.yml': manifest([{ principal: ROLE, key: KEY, expect: 'allow' }]),
        'plan.json': plan([
          change(
            'aws_iam_role_policy.deny',
            { name: 'deny', role: 'App', policy: JSON.stringify(DENY_DECRYPT) },
            { id: true }
          )
        ])
      },
      { factPaths: ['plan.json'] }
    )
    expect(only(report).status).not.toBe('pass')
  })

  test('plan Allow on a live role is not lost', async () => {
    const { report } = await liveRun(
      { keys: [{ arn: KEY, policy: trustAccountPolicy() }], simulate: simulateAll('implicitDeny') },
      {
        'kms-access.yml': manifest([{ principal: ROLE, key: KEY, expect: 'deny' }]),
        'plan.json': plan([
          change(
            'aws_iam_role_policy.allow',
            { name: 'allow', role: 'App', policy: JSON.stringify(ALLOW_DECRYPT) },
            { id: true }
          )
        ])
      },
      { factPaths: ['plan.json'] }
    )
    expect(only(report).status).not.toBe('pass')
  })

  test('template policy on a live role is not lost', async () => {
    const { report } = await liveRun(
      { keys: [{ arn: KEY, policy: trustAccountPolicy() }], simulate: allowAll },
      {
        'kms-access.yml': manifest([{ principal: ROLE, key: KEY, expect: 'allow' }]),
        'app.json': template({
          DenyDecrypt: {
            Type: 'AWS::IAM::Policy',
            Properties: { PolicyName: 'deny', Roles: ['App'], PolicyDocument: DENY_DECRYPT }
          }
        })
      },
      { factPaths: ['app.json'] }
    )
    expect(only(report).status).not.toBe('pass')
  })

  test('template role keeps the SCP the simulator reports', async () => {
    // The template defines the existing role App. For the same role, the simulator reports
    // that the SCPs do not allow kms:Decrypt.
    const { report } = await liveRun(
      {
        keys: [{ arn: KEY, policy: trustAccountPolicy() }],
        simulate: simulateAll('implicitDeny', false)
      },
      {
        'kms-access.yml': manifest([{ principal: ROLE, key: KEY, expect: 'allow' }]),
        'app.json': template({
          App: {
            Type: 'AWS::IAM::Role',
            Properties: {
              RoleName: 'App',
              AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [] },
              Policies: [{ PolicyName: 'decrypt', PolicyDocument: ALLOW_DECRYPT }]
            }
          }
        })
      },
      { factPaths: ['app.json'] }
    )
    expect(only(report).status).not.toBe('pass')
  })

  test('template role replaces the simulated one', async () => {
    const { report } = await liveRun(
      { keys: [{ arn: KEY, policy: trustAccountPolicy() }], simulate: allowAll },
      {
        'kms-access.yml': manifest([{ principal: ROLE, key: KEY, expect: 'allow' }]),
        'app.json': template({
          App: {
            Type: 'AWS::IAM::Role',
            Properties: {
              RoleName: 'App',
              AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [] },
              Policies: [{ PolicyName: 'deny', PolicyDocument: DENY_DECRYPT }]
            }
          }
        })
      },
      { factPaths: ['app.json'] }
    )
    expect(only(report).decision).toBe('explicit-deny')
  })
})

describe('DryRun with code and unknowns', () => {
  test('unknown result stays unknown after DryRun', async () => {
    const { report } = await liveRun(
      {
        keys: [{ arn: KEY, policy: trustAccountPolicy() }],
        simulate: allowAll,
        override: (call) =>
          call.operation === 'kms:GetKeyPolicy'
            ? jsonError(400, 'AccessDeniedException', 'not authorized to perform kms:GetKeyPolicy')
            : dryRunAnswer('AccessDeniedException')(call)
      },
      {
        'kms-access.yml': manifest([
          { principal: ROLE, key: KEY, expect: 'deny' },
          { principal: ADMIN, key: KEY, expect: 'allow' }
        ])
      },
      { confirmWithDryRun: true, failOnUnknown: false }
    )
    expect(report.results.map((result) => result.status)).toEqual(['unknown', 'unknown'])
    expect(report.passed).toBe(true)
    expectConsistentCounts(report)
  })

  test('disagreement fails even with fail-on-unknown off', async () => {
    const { report } = await liveRun(
      {
        keys: [{ arn: KEY, policy: trustAccountPolicy() }],
        simulate: allowAll,
        override: dryRunAnswer('AccessDeniedException')
      },
      { 'kms-access.yml': manifest([{ principal: ROLE, key: KEY, expect: 'allow' }]) },
      { confirmWithDryRun: true, failOnUnknown: false }
    )
    expect(only(report).status).toBe('fail')
    expect(report.passed).toBe(false)
    expectConsistentCounts(report)
  })

  test('DryRun skips a result a template changes', async () => {
    // Today AWS denies App; the template adds the Allow. KMS's DryRun evaluates today's
    // policies, so it cannot confirm or refute the change's result.
    const { report } = await liveRun(
      {
        keys: [{ arn: KEY, policy: trustAccountPolicy() }],
        simulate: simulateAll('implicitDeny'),
        override: dryRunAnswer('AccessDeniedException')
      },
      {
        'kms-access.yml': manifest([{ principal: ROLE, key: KEY, expect: 'allow' }]),
        'app.json': template({
          App: {
            Type: 'AWS::IAM::Role',
            Properties: {
              RoleName: 'App',
              AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [] },
              Policies: [{ PolicyName: 'decrypt', PolicyDocument: ALLOW_DECRYPT }]
            }
          }
        })
      },
      { factPaths: ['app.json'], confirmWithDryRun: true }
    )
    const result = only(report)
    expect(result.decision).toBe('allowed')
    expect(result.dryRun?.kms).toBe('not-checked')
    expect(result.status).toBe('pass')
  })
})

describe('base comparison in a live run', () => {
  const git = (directory: string, ...args: string[]) =>
    execFileSync('git', args, {
      cwd: directory,
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'test',
        GIT_AUTHOR_EMAIL: 'test@example.com',
        GIT_COMMITTER_NAME: 'test',
        GIT_COMMITTER_EMAIL: 'test@example.com'
      }
    })

  const denyTemplate = template({
    DenyDecrypt: {
      Type: 'AWS::IAM::Role',
      Properties: {
        RoleName: 'App',
        AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [] },
        Policies: [{ PolicyName: 'deny', PolicyDocument: DENY_DECRYPT }]
      }
    }
  })

  /** Commits `base` files as HEAD, then writes `head` files over the work tree. */
  async function repository(
    base: Record<string, string>,
    head: Record<string, string | null>
  ): Promise<string> {
    const directory = await writeFiles({})
    for (const [name, text] of Object.entries(base)) {
      await mkdir(path.dirname(path.join(directory, name)), { recursive: true })
      await writeFile(path.join(directory, name), text)
    }
    git(directory, 'init', '-q')
    git(directory, 'add', '.')
    git(directory, 'commit', '-q', '-m', 'base')
    for (const [name, text] of Object.entries(head)) {
      if (text === null) await rm(path.join(directory, name))
      else await writeFile(path.join(directory, name), text)
    }
    return directory
  }

  const otherTemplate = template({
    Other: {
      Type: 'AWS::IAM::Role',
      Properties: {
        RoleName: 'Other',
        AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [] }
      }
    }
  })

  test('base with a template the change deletes', async () => {
    const text = manifest([{ principal: ROLE, key: KEY, expect: 'allow' }], 'facts: ["infra/"]')
    const directory = await repository(
      {
        'kms-access.yml': text,
        'infra/app.json': denyTemplate,
        'infra/other.json': otherTemplate
      },
      { 'infra/app.json': null }
    )
    try {
      const { report, aws } = await checkIn(
        directory,
        { keys: [{ arn: KEY, policy: trustAccountPolicy() }], simulate: allowAll },
        { baseRef: 'HEAD' }
      )
      const result = only(report)
      expect(result.decision).toBe('allowed')
      expect(result.baseStatus).toBe('fail')
      expect(result.change).toBe('fixes')
      expect(report.passed).toBe(true)
      expect(report.baseline?.counts.failed).toBe(1)
      // The base run uses the head's live facts: one simulation in all.
      expect(aws.count('iam:SimulatePrincipalPolicy')).toBe(1)
      expectConsistentCounts(report)
    } finally {
      await rm(directory, { recursive: true, force: true })
    }
  })

  test('base without the template the change adds', async () => {
    const text = manifest([{ principal: ROLE, key: KEY, expect: 'allow' }], 'facts: ["app.json"]')
    const directory = await repository({ 'kms-access.yml': text }, { 'app.json': denyTemplate })
    try {
      const { report } = await checkIn(
        directory,
        { keys: [{ arn: KEY, policy: trustAccountPolicy() }], simulate: allowAll },
        { baseRef: 'HEAD' }
      )
      const result = only(report)
      expect(result.decision).toBe('explicit-deny')
      expect(result.baseStatus).toBe('pass')
      expect(result.change).toBe('breaks')
      expect(report.passed).toBe(false)
      expectConsistentCounts(report)
    } finally {
      await rm(directory, { recursive: true, force: true })
    }
  })

  test('base never changes the head status', async () => {
    const text = manifest(
      [
        { principal: ROLE, key: KEY, expect: 'allow' },
        { principal: ADMIN, key: KEY, expect: 'allow' }
      ],
      'facts: ["app.json"]'
    )
    const directory = await repository(
      { 'kms-access.yml': text, 'app.json': denyTemplate },
      { 'app.json': otherTemplate }
    )
    try {
      const world: ScriptedWorld = {
        keys: [{ arn: KEY, policy: trustAccountPolicy() }],
        simulate: allowAll
      }
      const without = await checkIn(directory, world)
      const withBase = await checkIn(directory, world, { baseRef: 'HEAD' })
      const statuses = (report: CheckReport) => report.results.map((result) => result.status)
      expect(statuses(withBase.report)).toEqual(statuses(without.report))
      expect(withBase.report.passed).toBe(without.report.passed)
      expect(withBase.report.counts).toEqual(without.report.counts)
    } finally {
      await rm(directory, { recursive: true, force: true })
    }
  })

  test('broken base template leaves a warning', async () => {
    const text = manifest([{ principal: ROLE, key: KEY, expect: 'allow' }], 'facts: ["app.json"]')
    const directory = await repository(
      {
        'kms-access.yml': text,
        'app.json':
          '{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"App": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": ["App"]}}}}'
      },
      { 'app.json': otherTemplate }
    )
    try {
      const { report } = await checkIn(
        directory,
        { keys: [{ arn: KEY, policy: trustAccountPolicy() }], simulate: allowAll },
        { baseRef: 'HEAD' }
      )
      expect(only(report).status).toBe('pass')
      expect(report.passed).toBe(true)
      expect(report.baseline).toBeUndefined()
      const messages = report.warnings.map((warning) => warning.message).join('\n')
      expect(messages).toContain('The base (git revision HEAD) could not be checked')
    } finally {
      await rm(directory, { recursive: true, force: true })
    }
  })

  test('DryRun disagreement is not a change the code breaks', async () => {
    // Nothing changes between base and head. Only the DryRun of the head disagrees.
    const text = manifest([{ principal: ROLE, key: KEY, expect: 'allow' }], 'facts: ["app.json"]')
    const directory = await repository({ 'kms-access.yml': text, 'app.json': otherTemplate }, {})
    try {
      const { report } = await checkIn(
        directory,
        {
          keys: [{ arn: KEY, policy: trustAccountPolicy() }],
          simulate: allowAll,
          override: dryRunAnswer('AccessDeniedException')
        },
        { baseRef: 'HEAD', confirmWithDryRun: true }
      )
      const result = only(report)
      expect(result.status).toBe('fail')
      expect(result.change).not.toBe('breaks')
    } finally {
      await rm(directory, { recursive: true, force: true })
    }
  })
})
