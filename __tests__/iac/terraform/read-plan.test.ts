import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from '@jest/globals'
import { unresolvedMarker } from '../../../src/engine/unresolved.js'
import {
  type IacContext,
  isTerraformPlan,
  readTerraformPlan,
  type TfFile
} from '../../../src/facts/iac/terraform/index.js'
import { InputError } from '../../../src/inputs/errors.js'

const FIXTURES = path.join(import.meta.dirname, 'fixtures')
const CONTEXT: IacContext = {
  accountId: '111122223333',
  partition: 'aws',
  parameters: {},
  imports: {}
}
const SOURCE = 'infra/plan.json'

function tfFiles(): TfFile[] {
  return ['main.tf', 'modules/kms/main.tf'].map((name) => ({
    path: `infra/${name}`,
    text: readFileSync(path.join(FIXTURES, 'app', name), 'utf8')
  }))
}

interface ResourceChange {
  [member: string]: unknown
  address: string
  type: string
  change: {
    actions: string[]
    before: unknown
    after: Record<string, unknown>
    after_unknown: unknown
  }
}

/** The parts of a plan the tests edit. */
interface PlanJson {
  format_version: string
  resource_changes: ResourceChange[]
  configuration: { root_module: { resources: unknown[] } }
}

function basePlan(): PlanJson {
  return JSON.parse(readFileSync(path.join(FIXTURES, 'app', 'plan.json'), 'utf8'))
}

/** The first change of a resource of `type`. */
function changeOf(plan: PlanJson, type: string): ResourceChange {
  const found = plan.resource_changes.find((entry) => entry.type === type)
  if (!found) throw new Error(`the fixture plan has no ${type}`)
  return found
}

function read(plan: unknown = basePlan(), files: TfFile[] = tfFiles()) {
  return readTerraformPlan(SOURCE, JSON.stringify(plan, null, 2), CONTEXT, files)
}

function inputError(run: () => unknown): InputError {
  try {
    run()
  } catch (error) {
    if (error instanceof InputError) return error
    throw error
  }
  throw new Error('expected an InputError')
}

describe('readTerraformPlan', () => {
  it('gives the split module key a pending ARN', () => {
    const { keys } = read()
    const key = keys.find((entry) =>
      entry.references?.includes(`${SOURCE}#module.kms.aws_kms_key.this`)
    )
    expect(key?.arn).toBe(
      'arn:aws:kms:eu-west-1:111122223333:key/pending:module.kms.aws_kms_key.this'
    )
    expect(key?.pending).toBe(true)
    expect(key?.metadata.keyState).toBe('Enabled')
    expect(key?.metadata.keyUsage).toBe('ENCRYPT_DECRYPT')
    expect(key?.tags).toEqual({ team: 'a}b' })
    expect(key?.location).toEqual({ file: 'infra/modules/kms/main.tf', line: 3, column: 1 })
  })

  it('leaves a policy known after apply unresolved', () => {
    const { keys, unresolved } = read()
    const key = keys.find((entry) => entry.pending)
    expect(key?.policy).toBeUndefined()
    expect(unresolved).toContainEqual({
      id: `${SOURCE}:1`,
      expression:
        'module.kms.aws_kms_key_policy.this.policy (known after apply; depends on aws_iam_role.app.arn)',
      location: { file: 'infra/modules/kms/main.tf', line: 10, column: 3 }
    })
    expect(unresolved).toHaveLength(1)
  })

  it('applies a known split key policy', () => {
    const plan = basePlan()
    const change = changeOf(plan, 'aws_kms_key_policy')
    change.change.after.policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'Root',
          Effect: 'Allow',
          Principal: { AWS: '111122223333' },
          Action: 'kms:*',
          Resource: '*'
        }
      ]
    })
    change.change.after_unknown = { id: true, key_id: true }
    const { keys, unresolved } = read(plan)
    const policy = keys.find((entry) => entry.pending)?.policy
    expect(policy?.statements[0].principal?.aws).toEqual(['arn:aws:iam::111122223333:root'])
    expect(policy?.statements[0].location).toEqual({
      file: 'infra/modules/kms/main.tf',
      line: 10,
      column: 3
    })
    expect(policy?.origin).toEqual({
      format: 'terraform-plan',
      file: 'infra/modules/kms/main.tf',
      resource: 'module.kms.aws_kms_key_policy.this',
      statementsLocation: { file: 'infra/modules/kms/main.tf', line: 10, column: 3 },
      terraformStyle: 'jsonencode'
    })
    expect(unresolved).toEqual([])
  })

  it('gives a new key without policy the default policy', () => {
    const plan = basePlan()
    plan.resource_changes = plan.resource_changes.filter(
      (entry) => entry.type !== 'aws_kms_key_policy'
    )
    const { keys } = read(plan)
    const statement = keys.find((entry) => entry.pending)?.policy?.statements[0]
    expect(statement?.sid).toBe('Enable IAM User Permissions')
    expect(statement?.principal?.aws).toEqual(['arn:aws:iam::111122223333:root'])
  })

  it('adds for_each aliases through a module output', () => {
    const key = read().keys.find((entry) => entry.pending)
    expect(key?.aliases).toEqual(['alias/app', 'alias/app-eu'])
  })

  it('marks a deleted key pending deletion', () => {
    const { keys } = read()
    expect(keys.map((key) => key.references)).toEqual([
      [`${SOURCE}#module.kms.aws_kms_key.this`],
      [`${SOURCE}#aws_kms_key.old`]
    ])
    const deleted = keys[1]
    expect(deleted.arn).toBe(
      'arn:aws:kms:eu-west-1:111122223333:key/0f0f0f0f-1111-2222-3333-444444444444'
    )
    expect(deleted.metadata).toEqual({ keyState: 'PendingDeletion', enabled: false })
    expect(deleted.policy).toBeUndefined()
    expect(deleted.fromCode).toBe(true)
  })

  it('builds a new role with its policies', () => {
    const { roles } = read()
    expect(roles).toHaveLength(1)
    const [role] = roles
    expect(role.arn).toBe('arn:aws:iam::111122223333:role/service/app-dev-{x}')
    expect(role.pending).toBe(true)
    expect(role.tagsUnknown).toBe(true)
    expect(role.missingPolicies).toEqual([])
    expect(role.policies.map((policy) => policy.name)).toEqual(['logs', 'kms'])
    expect(role.policies[1].statements[0].location).toEqual({
      file: 'infra/main.tf',
      line: 31,
      column: 3
    })
    expect(role.policies[0].statements[0].location).toEqual({
      file: 'infra/main.tf',
      line: 24,
      column: 5
    })
  })

  it('reads a role policy that drops kms:Decrypt', () => {
    const plan = basePlan()
    const change = changeOf(plan, 'aws_iam_role_policy')
    change.change.actions = ['update']
    change.change.before = {
      name: 'kms',
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: ['kms:Encrypt', 'kms:Decrypt'], Resource: '*' }]
      })
    }
    const [role] = read(plan).roles
    expect(role.policies[1].statements[0].action).toEqual(['kms:Encrypt'])
  })

  it('marks an unknown attached policy ARN', () => {
    const plan = basePlan()
    plan.resource_changes.push({
      address: 'aws_iam_role_policy_attachment.extra',
      mode: 'managed',
      type: 'aws_iam_role_policy_attachment',
      name: 'extra',
      change: {
        actions: ['create'],
        before: null,
        after: { role: 'app-dev-{x}' },
        after_unknown: { policy_arn: true }
      }
    })
    const { roles, unresolved } = read(plan)
    const [role] = roles
    const entry = unresolved.find(
      (value) =>
        value.expression === 'aws_iam_role_policy_attachment.extra.policy_arn (known after apply)'
    )
    expect(entry?.id).toBe(`${SOURCE}:2`)
    expect(role.missingPolicies).toEqual([unresolvedMarker(`${SOURCE}:2`)])
  })

  it('attaches a managed policy of the plan', () => {
    const plan = basePlan()
    plan.resource_changes.push(
      {
        address: 'aws_iam_policy.use["a"]',
        mode: 'managed',
        type: 'aws_iam_policy',
        name: 'use',
        index: 'a',
        change: {
          actions: ['create'],
          before: null,
          after: {
            name: 'use-key',
            path: '/',
            policy: JSON.stringify({
              Version: '2012-10-17',
              Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' }]
            })
          },
          after_unknown: { arn: true }
        }
      },
      {
        address: 'aws_iam_role_policy_attachment.use["a"]',
        mode: 'managed',
        type: 'aws_iam_role_policy_attachment',
        name: 'use',
        index: 'a',
        change: {
          actions: ['create'],
          before: null,
          after: {},
          after_unknown: { policy_arn: true, role: true }
        }
      }
    )
    plan.configuration.root_module.resources.push({
      address: 'aws_iam_role_policy_attachment.use',
      mode: 'managed',
      type: 'aws_iam_role_policy_attachment',
      name: 'use',
      expressions: {
        policy_arn: { references: ['aws_iam_policy.use', 'each.key'] },
        role: { references: ['aws_iam_role.app.name', 'aws_iam_role.app'] }
      }
    })
    const [role] = read(plan).roles
    expect(role.missingPolicies).toEqual([])
    expect(role.policies.map((policy) => policy.arn)).toContain(
      'arn:aws:iam::111122223333:policy/use-key'
    )
  })

  it('locates policies in the plan without .tf files', () => {
    const [role] = read(basePlan(), []).roles
    expect(role.policies[1].origin?.file).toBe(SOURCE)
    expect(role.policies[1].statements[0].location?.file).toBe(SOURCE)
  })

  it('rejects malformed plan JSON with its location', () => {
    const error = inputError(() =>
      readTerraformPlan(SOURCE, '{\n  "format_version": "1.2",\n  oops\n}', CONTEXT, [])
    )
    expect(error.location).toEqual({ file: SOURCE, line: 3, column: 3 })
  })

  it('rejects an unsupported format_version', () => {
    const plan = basePlan()
    plan.format_version = '2.0'
    const error = inputError(() => read(plan))
    expect(error.message).toContain('unsupported Terraform plan format_version "2.0"')
    expect(error.location).toEqual({ file: SOURCE, line: 2, column: 21 })
  })

  it('rejects a malformed policy string', () => {
    const plan = basePlan()
    changeOf(plan, 'aws_iam_role_policy').change.after.policy = '{"Statement": 3}'
    const error = inputError(() => read(plan))
    expect(error.location?.file).toBe(SOURCE)
  })

  it('asks for the account when nothing tells it', () => {
    const error = inputError(() =>
      readTerraformPlan(
        SOURCE,
        JSON.stringify(basePlan()),
        { ...CONTEXT, accountId: undefined },
        []
      )
    )
    expect(error.message).toContain('set the default account in the manifest')
  })
})

describe('isTerraformPlan', () => {
  it('recognises plan shapes', () => {
    expect(isTerraformPlan(basePlan())).toBe(true)
    expect(isTerraformPlan({ format_version: '1.0', terraform_version: '1.9.0', values: {} })).toBe(
      false
    )
    expect(isTerraformPlan({ Resources: {} })).toBe(false)
  })
})
