import { afterAll, it } from '@jest/globals'
import {
  ACCOUNT, APP_ROLE_ARN, LIVE_KEY_ARN, LIVE_KEY_ID, REGION, Scenario, allowPolicy, decryptKeyPolicy,
  liveIam, liveKey, manifest, outcomes, ROOT_KEY_POLICY, terraformPlan
} from './hostile-harness.js'

const made: Scenario[] = []
afterAll(async () => { for (const s of made) await s.remove() })
async function run(files: Record<string, string>) {
  const s = await Scenario.create(); made.push(s)
  await s.write(files)
  try {
    const report = await s.check()
    return { out: outcomes(report), report }
  } catch (error) {
    return { out: [`THROW ${(error as Error).constructor.name}: ${(error as Error).message}`], report: undefined }
  }
}
function log(name: string, r: { out: string[]; report?: any }, extra = '') {
  console.log(`${name}: ${r.out.join(' ')} ${extra}\n  reasons: ${r.report?.results.map((x: any) => x.evidence.reasons.join(' | ')).join(' || ')}\n  warnings: ${r.report?.warnings.map((w: any) => w.message).join(' | ')}`)
}
const ADMIN = `arn:aws:iam::${ACCOUNT}:role/admin`
const j = JSON.stringify

it('T5 grant on existing key', async () => {
  const r = await run({
    'facts/key.json': liveKey({ policy: decryptKeyPolicy(ADMIN) }),
    'facts/iam.json': liveIam([{ name: 'app', inline: { allow: allowPolicy() } }]),
    'tf/plan.json': terraformPlan([{ address: 'aws_kms_grant.app', actions: ['create'], after: { key_id: LIVE_KEY_ARN, grantee_principal: APP_ROLE_ARN, operations: ['Decrypt'], name: 'app', constraints: [] }, afterUnknown: { grant_id: true, grant_token: true, id: true } }]),
    'kms-access.yml': manifest(['facts/', 'tf/'], [{ principal: APP_ROLE_ARN, key: LIVE_KEY_ARN, expect: 'deny' }])
  })
  log('T5', r)
})

it('T6 key policy by bare key id', async () => {
  const r = await run({
    'facts/key.json': liveKey({ policy: decryptKeyPolicy(APP_ROLE_ARN) }),
    'facts/iam.json': liveIam([{ name: 'app', inline: { allow: allowPolicy() } }]),
    'tf/plan.json': terraformPlan([{ address: 'aws_kms_key_policy.this', actions: ['create'], after: { key_id: LIVE_KEY_ID, policy: j(decryptKeyPolicy(ADMIN)), bypass_policy_lockout_safety_check: false }, afterUnknown: { id: true } }]),
    'kms-access.yml': manifest(['facts/', 'tf/'], [{ principal: APP_ROLE_ARN, key: LIVE_KEY_ARN, expect: 'allow' }])
  })
  log('T6', r)
})

it('T7 key deleted by the plan', async () => {
  const r = await run({
    'facts/key.json': liveKey({ policy: decryptKeyPolicy(APP_ROLE_ARN) }),
    'facts/iam.json': liveIam([{ name: 'app', inline: { allow: allowPolicy() } }]),
    'tf/plan.json': terraformPlan([{ address: 'aws_kms_key.this', actions: ['delete'], after: null, before: { arn: LIVE_KEY_ARN, key_id: LIVE_KEY_ID, policy: j(decryptKeyPolicy(APP_ROLE_ARN)) } }]),
    'kms-access.yml': manifest(['facts/', 'tf/'], [{ principal: APP_ROLE_ARN, key: LIVE_KEY_ARN, expect: 'allow' }])
  })
  log('T7', r)
})

const DENY = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kms:Decrypt', Resource: '*' }] }
it('T8 deleted role policy still in inline_policy', async () => {
  const roleAfter = { arn: APP_ROLE_ARN, name: 'app', path: '/', id: 'app', unique_id: 'AROAX', inline_policy: [{ name: 'allow', policy: j(allowPolicy()) }, { name: 'deny', policy: j(DENY) }], managed_policy_arns: [], permissions_boundary: '', tags: null, tags_all: {} }
  const r = await run({
    'facts/key.json': liveKey({ policy: ROOT_KEY_POLICY }),
    'tf/plan.json': terraformPlan([
      { address: 'aws_iam_role.app', actions: ['no-op'], after: roleAfter, before: roleAfter },
      { address: 'aws_iam_role_policy.deny', actions: ['delete'], after: null, before: { name: 'deny', role: 'app', policy: j(DENY) } }
    ], [{ address: 'aws_iam_role.app', mode: 'managed', type: 'aws_iam_role', name: 'app', expressions: { name: { constant_value: 'app' } } }]),
    'kms-access.yml': manifest(['facts/', 'tf/'], [{ principal: APP_ROLE_ARN, key: LIVE_KEY_ARN, expect: 'deny' }])
  })
  log('T8', r)
})

it('T9 role policy with Deny on role outside plan', async () => {
  const r = await run({
    'facts/key.json': liveKey({ policy: ROOT_KEY_POLICY }),
    'facts/iam.json': liveIam([{ name: 'app', inline: { allow: allowPolicy() } }]),
    'tf/plan.json': terraformPlan([{ address: 'aws_iam_role_policy.deny', actions: ['create'], after: { name: 'deny', role: 'app', policy: j(DENY) }, afterUnknown: { id: true } }]),
    'kms-access.yml': manifest(['facts/', 'tf/'], [{ principal: APP_ROLE_ARN, key: LIVE_KEY_ARN, expect: 'allow' }])
  })
  log('T9', r)
})

it('T10 alias moved to created key', async () => {
  const r = await run({
    'facts/key.json': liveKey({ policy: decryptKeyPolicy(APP_ROLE_ARN), aliases: ['alias/app'] }),
    'facts/iam.json': liveIam([{ name: 'app', inline: { allow: allowPolicy() } }]),
    'tf/plan.json': terraformPlan([
      { address: 'aws_kms_key.new', actions: ['create'], after: { policy: j(decryptKeyPolicy(ADMIN)), is_enabled: true, key_usage: 'ENCRYPT_DECRYPT' }, afterUnknown: { arn: true, key_id: true, id: true } },
      { address: 'aws_kms_alias.app', actions: ['update'], before: { name: 'alias/app', target_key_id: LIVE_KEY_ID }, after: { name: 'alias/app' }, afterUnknown: { target_key_id: true, target_key_arn: true } }
    ], [
      { address: 'aws_kms_key.new', mode: 'managed', type: 'aws_kms_key', name: 'new', expressions: { policy: {} } },
      { address: 'aws_kms_alias.app', mode: 'managed', type: 'aws_kms_alias', name: 'app', expressions: { name: { constant_value: 'alias/app' }, target_key_id: { references: ['aws_kms_key.new.key_id', 'aws_kms_key.new'] } } }
    ]),
    'kms-access.yml': manifest(['facts/', 'tf/'], [{ principal: APP_ROLE_ARN, key: 'alias/app', expect: 'allow' }])
  })
  log('T10', r, r.report?.results[0].key)
})

it('T11 grant on existing key that the plan manages', async () => {
  const keyAfter = { arn: LIVE_KEY_ARN, key_id: LIVE_KEY_ID, id: LIVE_KEY_ID, policy: j(decryptKeyPolicy(ADMIN)), is_enabled: true, key_usage: 'ENCRYPT_DECRYPT', tags_all: {} }
  const r = await run({
    'facts/key.json': liveKey({ policy: decryptKeyPolicy(ADMIN) }),
    'facts/iam.json': liveIam([{ name: 'app', inline: { allow: allowPolicy() } }]),
    'tf/plan.json': terraformPlan([
      { address: 'aws_kms_key.this', actions: ['no-op'], before: keyAfter, after: keyAfter },
      { address: 'aws_kms_grant.app', actions: ['create'], after: { key_id: LIVE_KEY_ID, grantee_principal: APP_ROLE_ARN, operations: ['Decrypt'], name: 'app', constraints: [] }, afterUnknown: { grant_id: true } }]),
    'kms-access.yml': manifest(['facts/', 'tf/'], [{ principal: APP_ROLE_ARN, key: LIVE_KEY_ARN, expect: 'deny' }])
  })
  log('T11', r)
})
