/**
 * Hostile Terraform plans: changes the check must lay over the other facts, in offline and
 * live mode. Tests marked `failing` document a wrong result of the current reader, named
 * for the behaviour it should have.
 */
import { afterAll, describe, expect, it, test } from '@jest/globals'
import { runCheck } from '../../src/check/run-check.js'
import { readTerraformPlan } from '../../src/facts/iac/terraform/index.js'
import { InputError } from '../../src/inputs/errors.js'
import { liveEnv, startAwsEmulator } from '../support/aws-emulator/index.js'
import {
  ACCOUNT,
  APP_ROLE_ARN,
  allowPolicy,
  decryptKeyPolicy,
  LIVE_KEY_ARN,
  LIVE_KEY_ID,
  liveIam,
  liveKey,
  manifest,
  onlyResult,
  type PlanChange,
  ROOT_KEY_POLICY,
  Scenario,
  terraformPlan
} from './hostile-harness.js'

const ADMIN_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/admin`
const DENY_DECRYPT = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Deny', Action: 'kms:Decrypt', Resource: '*' }]
}
const LIVE_APP_ROLE = liveIam([{ name: 'app', inline: { allow: allowPolicy() } }])

const scenarios: Scenario[] = []

afterAll(async () => {
  for (const scenario of scenarios) await scenario.remove()
})

async function check(files: Record<string, string>) {
  const scenario = await Scenario.create()
  scenarios.push(scenario)
  await scenario.write(files)
  return scenario.check()
}

function grantTo(keyId: string): PlanChange {
  return {
    address: 'aws_kms_grant.app',
    actions: ['create'],
    after: {
      key_id: keyId,
      grantee_principal: APP_ROLE_ARN,
      operations: ['Decrypt'],
      name: 'app',
      constraints: []
    },
    afterUnknown: { grant_id: true, grant_token: true, id: true }
  }
}

function keyPolicyResource(keyId: string, policy: object): PlanChange {
  return {
    address: 'aws_kms_key_policy.this',
    actions: ['create'],
    after: {
      key_id: keyId,
      policy: JSON.stringify(policy),
      bypass_policy_lockout_safety_check: false
    },
    afterUnknown: { id: true }
  }
}

describe('grants the plan adds', () => {
  test('grant on a key outside the plan lets the grantee in', async () => {
    const report = await check({
      'facts/key.json': liveKey({ policy: decryptKeyPolicy(ADMIN_ROLE_ARN) }),
      'facts/iam.json': LIVE_APP_ROLE,
      'tf/plan.json': terraformPlan([grantTo(LIVE_KEY_ARN)]),
      'kms-access.yml': manifest(
        ['facts/', 'tf/'],
        [{ principal: APP_ROLE_ARN, key: LIVE_KEY_ARN, expect: 'deny' }]
      )
    })
    expect(onlyResult(report).status).not.toBe('pass')
  })

  test('grant on an existing key of the plan lets the grantee in', async () => {
    const key = {
      arn: LIVE_KEY_ARN,
      key_id: LIVE_KEY_ID,
      id: LIVE_KEY_ID,
      policy: JSON.stringify(decryptKeyPolicy(ADMIN_ROLE_ARN)),
      is_enabled: true,
      key_usage: 'ENCRYPT_DECRYPT',
      tags_all: {}
    }
    const report = await check({
      'facts/key.json': liveKey({ policy: decryptKeyPolicy(ADMIN_ROLE_ARN) }),
      'facts/iam.json': LIVE_APP_ROLE,
      'tf/plan.json': terraformPlan([
        { address: 'aws_kms_key.this', actions: ['no-op'], before: key, after: key },
        grantTo(LIVE_KEY_ID)
      ]),
      'kms-access.yml': manifest(
        ['facts/', 'tf/'],
        [{ principal: APP_ROLE_ARN, key: LIVE_KEY_ARN, expect: 'deny' }]
      )
    })
    expect(onlyResult(report).status).not.toBe('pass')
  })
})

describe('key changes the plan makes', () => {
  const LIVE = {
    'facts/key.json': liveKey({ policy: decryptKeyPolicy(APP_ROLE_ARN), aliases: ['alias/app'] }),
    'facts/iam.json': LIVE_APP_ROLE
  }

  test('key policy for a key ID outside the plan is not ignored', async () => {
    const report = await check({
      ...LIVE,
      'tf/plan.json': terraformPlan([
        keyPolicyResource(LIVE_KEY_ID, decryptKeyPolicy(ADMIN_ROLE_ARN))
      ]),
      'kms-access.yml': manifest(
        ['facts/', 'tf/'],
        [{ principal: APP_ROLE_ARN, key: LIVE_KEY_ARN, expect: 'allow' }]
      )
    })
    expect(onlyResult(report).status).not.toBe('pass')
  })

  it('applies a key policy for a key ARN outside the plan', async () => {
    const report = await check({
      ...LIVE,
      'tf/plan.json': terraformPlan([
        keyPolicyResource(LIVE_KEY_ARN, decryptKeyPolicy(ADMIN_ROLE_ARN))
      ]),
      'kms-access.yml': manifest(
        ['facts/', 'tf/'],
        [{ principal: APP_ROLE_ARN, key: LIVE_KEY_ARN, expect: 'allow' }]
      )
    })
    expect(onlyResult(report).decision).toBe('implicit-deny')
  })

  test('key the plan deletes cannot be used', async () => {
    const report = await check({
      ...LIVE,
      'tf/plan.json': terraformPlan([
        {
          address: 'aws_kms_key.this',
          actions: ['delete'],
          before: { arn: LIVE_KEY_ARN, key_id: LIVE_KEY_ID },
          after: null
        }
      ]),
      'kms-access.yml': manifest(
        ['facts/', 'tf/'],
        [{ principal: APP_ROLE_ARN, key: LIVE_KEY_ARN, expect: 'allow' }]
      )
    })
    expect(onlyResult(report).status).not.toBe('pass')
  })

  test('alias the plan moves names the new key', async () => {
    const report = await check({
      ...LIVE,
      'tf/plan.json': terraformPlan(
        [
          {
            address: 'aws_kms_key.new',
            actions: ['create'],
            after: {
              policy: JSON.stringify(decryptKeyPolicy(ADMIN_ROLE_ARN)),
              is_enabled: true,
              key_usage: 'ENCRYPT_DECRYPT'
            },
            afterUnknown: { arn: true, key_id: true, id: true }
          },
          {
            address: 'aws_kms_alias.app',
            actions: ['update'],
            before: { name: 'alias/app', target_key_id: LIVE_KEY_ID },
            after: { name: 'alias/app' },
            afterUnknown: { target_key_id: true, target_key_arn: true }
          }
        ],
        [
          {
            address: 'aws_kms_key.new',
            mode: 'managed',
            type: 'aws_kms_key',
            name: 'new',
            expressions: { policy: {} }
          },
          {
            address: 'aws_kms_alias.app',
            mode: 'managed',
            type: 'aws_kms_alias',
            name: 'app',
            expressions: {
              name: { constant_value: 'alias/app' },
              target_key_id: { references: ['aws_kms_key.new.key_id', 'aws_kms_key.new'] }
            }
          }
        ]
      ),
      'kms-access.yml': manifest(
        ['facts/', 'tf/'],
        [{ principal: APP_ROLE_ARN, key: 'alias/app', expect: 'allow' }]
      )
    })
    expect(onlyResult(report).status).not.toBe('pass')
  })
})

describe('role policies the plan changes', () => {
  test('Deny on a role outside the plan is not lost', async () => {
    const report = await check({
      'facts/key.json': liveKey({ policy: ROOT_KEY_POLICY }),
      'facts/iam.json': LIVE_APP_ROLE,
      'tf/plan.json': terraformPlan([
        {
          address: 'aws_iam_role_policy.deny',
          actions: ['create'],
          after: { name: 'deny', role: 'app', policy: JSON.stringify(DENY_DECRYPT) },
          afterUnknown: { id: true }
        }
      ]),
      'kms-access.yml': manifest(
        ['facts/', 'tf/'],
        [{ principal: APP_ROLE_ARN, key: LIVE_KEY_ARN, expect: 'allow' }]
      )
    })
    expect(onlyResult(report).status).not.toBe('pass')
  })

  test('role policy the plan deletes no longer applies', async () => {
    // The role's refreshed `inline_policy` still lists the policy that the plan deletes.
    const role = {
      arn: APP_ROLE_ARN,
      name: 'app',
      path: '/',
      id: 'app',
      unique_id: 'AROAAPPXXXXXXXXXXXXX',
      inline_policy: [
        { name: 'allow', policy: JSON.stringify(allowPolicy()) },
        { name: 'deny', policy: JSON.stringify(DENY_DECRYPT) }
      ],
      managed_policy_arns: [],
      permissions_boundary: '',
      tags: null,
      tags_all: {}
    }
    const report = await check({
      'facts/key.json': liveKey({ policy: ROOT_KEY_POLICY }),
      'tf/plan.json': terraformPlan(
        [
          { address: 'aws_iam_role.app', actions: ['no-op'], before: role, after: role },
          {
            address: 'aws_iam_role_policy.deny',
            actions: ['delete'],
            before: { name: 'deny', role: 'app', policy: JSON.stringify(DENY_DECRYPT) },
            after: null
          }
        ],
        [
          {
            address: 'aws_iam_role.app',
            mode: 'managed',
            type: 'aws_iam_role',
            name: 'app',
            expressions: { name: { constant_value: 'app' } }
          }
        ]
      ),
      'kms-access.yml': manifest(
        ['facts/', 'tf/'],
        [{ principal: APP_ROLE_ARN, key: LIVE_KEY_ARN, expect: 'deny' }]
      )
    })
    expect(onlyResult(report).status).not.toBe('pass')
  })
})

describe('plans over a live account', () => {
  test('key policy for a key ARN outside the plan applies in live mode', async () => {
    const world = await Scenario.create()
    scenarios.push(world)
    await world.write({
      'key.json': liveKey({ policy: decryptKeyPolicy(APP_ROLE_ARN) }),
      'iam.json': liveIam([
        { name: 'app', inline: { allow: allowPolicy() } },
        { name: 'kms-access-gate' }
      ])
    })
    const change = await Scenario.create()
    scenarios.push(change)
    await change.write({
      'tf/plan.json': terraformPlan([
        keyPolicyResource(LIVE_KEY_ARN, decryptKeyPolicy(ADMIN_ROLE_ARN))
      ]),
      'kms-access.yml': manifest(
        ['tf/'],
        [{ principal: APP_ROLE_ARN, key: LIVE_KEY_ARN, expect: 'allow' }]
      )
    })
    const emulator = await startAwsEmulator({ factPaths: [world.dir] })
    const saved = { ...process.env }
    const env = liveEnv(emulator.endpoint)
    try {
      for (const name of Object.keys(process.env)) {
        if (name.startsWith('AWS_')) delete process.env[name]
      }
      for (const [name, value] of Object.entries(env)) {
        if (value !== undefined) process.env[name] = value
      }
      const report = await runCheck(
        {
          manifestPath: 'kms-access.yml',
          factPaths: [],
          format: 'text',
          failOnUnknown: true,
          mode: 'live',
          accountRoles: {},
          cwd: change.dir
        },
        process.env
      )
      expect(onlyResult(report).decision).toBe('implicit-deny')
    } finally {
      for (const name of Object.keys(process.env)) {
        if (!(name in saved)) delete process.env[name]
      }
      Object.assign(process.env, saved)
      await emulator.close()
    }
  })
})

describe('plan size and shape', () => {
  /** Returns a plan with `count` roles, managed policies and attachments that refer to each other. */
  function planOfSize(count: number): string {
    const changes: object[] = []
    const resources: object[] = []
    for (let index = 0; index < count; index++) {
      const role = `aws_iam_role.r${index}`
      const policy = `aws_iam_policy.p${index}`
      const attachment = `aws_iam_role_policy_attachment.a${index}`
      changes.push(
        resourceChange(role, { name: `r${index}`, path: '/' }, { arn: true, id: true }),
        resourceChange(
          policy,
          { name: `p${index}`, path: '/', policy: JSON.stringify(allowPolicy()) },
          { arn: true }
        ),
        resourceChange(attachment, { role: `r${index}` }, { policy_arn: true })
      )
      resources.push(
        configEntry(role, { name: { constant_value: `r${index}` } }),
        configEntry(policy, {}),
        configEntry(attachment, {
          role: { references: [`${role}.name`, role] },
          policy_arn: { references: [`${policy}.arn`, policy] }
        })
      )
    }
    return JSON.stringify({
      format_version: '1.2',
      terraform_version: '1.9.8',
      resource_changes: changes,
      configuration: { root_module: { resources } }
    })
  }

  function resourceChange(address: string, after: object, afterUnknown: object) {
    const [type, name] = address.split('.')
    return {
      address,
      mode: 'managed',
      type,
      name,
      change: { actions: ['create'], before: null, after, after_unknown: afterUnknown }
    }
  }

  function configEntry(address: string, expressions: object) {
    const [type, name] = address.split('.')
    return { address, mode: 'managed', type, name, expressions }
  }

  function secondsToRead(count: number): number {
    const text = planOfSize(count)
    const started = process.hrtime.bigint()
    readTerraformPlan(
      'plan.json',
      text,
      { accountId: ACCOUNT, region: 'eu-west-1', partition: 'aws', parameters: {}, imports: {} },
      []
    )
    return Number(process.hrtime.bigint() - started) / 1e9
  }

  test('reading time grows linearly with plan size', () => {
    secondsToRead(100)
    const small = secondsToRead(500)
    const large = secondsToRead(1500)
    // Three times the resources: about three times the time when linear, nine when quadratic.
    expect(large / small).toBeLessThan(5)
  }, 120_000)

  it('rejects a plan format of another major version', () => {
    const text = JSON.stringify({
      format_version: '2.0',
      terraform_version: '2.0.0',
      resource_changes: []
    })
    expect(() =>
      readTerraformPlan('plan.json', text, { partition: 'aws', parameters: {}, imports: {} }, [])
    ).toThrow(InputError)
  })
})
