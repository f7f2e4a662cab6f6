/**
 * How a plan's changes to things it does not create read: grants and policies on existing
 * keys, destroyed keys and key policies, and policies on roles outside the plan.
 */
import { describe, expect, it } from '@jest/globals'
import { type IacContext, readTerraformPlan } from '../../../src/facts/iac/terraform/index.js'

const ACCOUNT = '111122223333'
const KEY_ID = '0d3b6a2e-5c1f-4b8e-9a7d-2f4e6c8a1b3d'
const KEY_ARN = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/${KEY_ID}`
const CONTEXT: IacContext = { accountId: ACCOUNT, partition: 'aws', parameters: {}, imports: {} }
const ALLOW = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' }]
})

interface Change {
  address: string
  actions: string[]
  before?: Record<string, unknown> | null
  after?: Record<string, unknown> | null
  afterUnknown?: Record<string, unknown>
}

function read(changes: Change[], configResources: object[] = []) {
  const plan = {
    format_version: '1.2',
    terraform_version: '1.9.8',
    resource_changes: changes.map((change) => {
      const [type, name] = change.address.split('.')
      return {
        address: change.address,
        mode: 'managed',
        type,
        name: name.replace(/\[.*$/, ''),
        change: {
          actions: change.actions,
          before: change.before ?? null,
          after: change.after ?? null,
          after_unknown: change.afterUnknown ?? {}
        }
      }
    }),
    configuration: {
      provider_config: {
        aws: { name: 'aws', expressions: { region: { constant_value: 'eu-west-1' } } }
      },
      root_module: { resources: configResources }
    }
  }
  return readTerraformPlan('plan.json', JSON.stringify(plan, null, 2), CONTEXT, [])
}

function grant(keyId: string): Change {
  return {
    address: 'aws_kms_grant.app',
    actions: ['create'],
    after: {
      key_id: keyId,
      grantee_principal: `arn:aws:iam::${ACCOUNT}:role/app`,
      operations: ['Decrypt'],
      constraints: []
    },
    afterUnknown: { grant_id: true, id: true }
  }
}

const EXISTING_KEY: Change = {
  address: 'aws_kms_key.this',
  actions: ['no-op'],
  before: { arn: KEY_ARN, key_id: KEY_ID, policy: '', is_enabled: true, tags_all: {} },
  after: { arn: KEY_ARN, key_id: KEY_ID, policy: '', is_enabled: true, tags_all: {} }
}

describe('grants on keys the plan does not create', () => {
  it('adds a grant on an outside key ARN', () => {
    const [key] = read([grant(KEY_ARN)]).keys
    expect(key.arn).toBe(KEY_ARN)
    expect(key.grants).toBeUndefined()
    expect(key.addedGrants?.map((entry) => entry.operations)).toEqual([['Decrypt']])
    expect(key.fromCode).toBe(true)
  })

  it('adds a grant on an existing key of the plan', () => {
    const [key] = read([EXISTING_KEY, grant(KEY_ID)]).keys
    expect(key.pending).toBeUndefined()
    expect(key.grants).toBeUndefined()
    expect(key.addedGrants).toHaveLength(1)
  })

  it('gives a new key exactly the plan grants', () => {
    const [key] = read(
      [
        {
          address: 'aws_kms_key.new',
          actions: ['create'],
          after: { policy: ALLOW, is_enabled: true },
          afterUnknown: { arn: true, key_id: true }
        },
        {
          ...grant(KEY_ID),
          after: {
            grantee_principal: 'arn:aws:iam::111122223333:role/app',
            operations: ['Decrypt']
          },
          afterUnknown: { key_id: true }
        }
      ],
      [
        {
          address: 'aws_kms_grant.app',
          mode: 'managed',
          type: 'aws_kms_grant',
          name: 'app',
          expressions: { key_id: { references: ['aws_kms_key.new.key_id', 'aws_kms_key.new'] } }
        }
      ]
    ).keys
    expect(key.pending).toBe(true)
    expect(key.grantsFromCodeOnly).toBe(true)
    expect(key.grants?.map((entry) => entry.granteePrincipal)).toEqual([
      'arn:aws:iam::111122223333:role/app'
    ])
    expect(key.addedGrants).toBeUndefined()
  })
})

describe('key policies on keys the plan does not create', () => {
  it('builds the ARN of a bare key ID', () => {
    const [key] = read([
      {
        address: 'aws_kms_key_policy.this',
        actions: ['create'],
        after: { key_id: KEY_ID, policy: ALLOW },
        afterUnknown: { id: true }
      }
    ]).keys
    expect(key.arn).toBe(KEY_ARN)
    expect(key.policy?.statements).toHaveLength(1)
  })

  it('puts back the default policy of a destroyed key policy', () => {
    const [key] = read([
      {
        address: 'aws_kms_key_policy.this',
        actions: ['delete'],
        before: { key_id: KEY_ID, policy: ALLOW, bypass_policy_lockout_safety_check: false }
      }
    ]).keys
    const [statement] = key.policy?.statements ?? []
    expect(key.arn).toBe(KEY_ARN)
    expect(statement.sid).toBe('Enable IAM User Permissions')
    expect(statement.principal?.aws).toEqual([`arn:aws:iam::${ACCOUNT}:root`])
  })

  it('keeps the policy of a destroyed bypassing key policy', () => {
    const { keys } = read([
      {
        address: 'aws_kms_key_policy.this',
        actions: ['delete'],
        before: { key_id: KEY_ID, policy: ALLOW, bypass_policy_lockout_safety_check: true }
      }
    ])
    expect(keys).toEqual([])
  })
})

describe('destroyed keys', () => {
  it('marks the old key of a replacement pending deletion', () => {
    const { keys } = read([
      {
        ...EXISTING_KEY,
        actions: ['delete', 'create'],
        after: { policy: ALLOW, is_enabled: true },
        afterUnknown: { arn: true, key_id: true }
      }
    ])
    const old = keys.find((key) => key.arn === KEY_ARN)
    expect(old?.metadata.keyState).toBe('PendingDeletion')
    expect(old?.references).toBeUndefined()
    expect(keys.find((key) => key.pending)?.references).toEqual(['plan.json#aws_kms_key.this'])
  })
})

describe('policies on roles outside the plan', () => {
  it('attaches an inline policy that replaces one of its name', () => {
    const { attachments, roles, warnings } = read([
      {
        address: 'aws_iam_role_policy.deny',
        actions: ['create'],
        after: { name: 'deny', role: 'app', policy: ALLOW },
        afterUnknown: { id: true }
      }
    ])
    expect(roles).toEqual([])
    expect(warnings).toEqual([])
    expect(attachments).toHaveLength(1)
    expect(attachments[0]).toMatchObject({
      accountId: ACCOUNT,
      kind: 'role',
      name: 'app',
      removes: ['deny']
    })
    expect(attachments[0].policy?.origin?.resource).toBe('aws_iam_role_policy.deny')
  })

  it('marks an inline policy known after apply missing', () => {
    const { attachments, unresolved } = read([
      {
        address: 'aws_iam_role_policy.later',
        actions: ['create'],
        after: { name: 'later', role: 'app' },
        afterUnknown: { policy: true, id: true }
      }
    ])
    expect(attachments[0].policy).toBeUndefined()
    expect(attachments[0].missingPolicy).toBe(`\${kms-access-gate:unresolved/${unresolved[0].id}}`)
  })

  it('names a role given by ARN by its name and account', () => {
    const { attachments } = read([
      {
        address: 'aws_iam_role_policy_attachment.read',
        actions: ['create'],
        after: {
          role: 'arn:aws:iam::444455556666:role/team/app',
          policy_arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess'
        },
        afterUnknown: { id: true }
      }
    ])
    expect(attachments).toEqual([
      {
        accountId: '444455556666',
        kind: 'role',
        name: 'app',
        missingPolicy: 'arn:aws:iam::aws:policy/ReadOnlyAccess',
        location: expect.anything()
      }
    ])
  })

  it('attaches a managed policy of the plan with its document', () => {
    const { attachments } = read([
      {
        address: 'aws_iam_policy.use',
        actions: ['create'],
        after: { name: 'use', path: '/', policy: ALLOW },
        afterUnknown: { arn: true }
      },
      {
        address: 'aws_iam_policy_attachment.use',
        actions: ['create'],
        after: {
          name: 'use',
          roles: ['app'],
          users: ['ann'],
          groups: [],
          policy_arn: `arn:aws:iam::${ACCOUNT}:policy/use`
        },
        afterUnknown: { id: true }
      }
    ])
    expect(attachments.map((entry) => [entry.kind, entry.name, entry.policy?.arn])).toEqual([
      ['role', 'app', `arn:aws:iam::${ACCOUNT}:policy/use`],
      ['user', 'ann', `arn:aws:iam::${ACCOUNT}:policy/use`]
    ])
  })

  it('lists destroyed policies as removals first', () => {
    const { attachments } = read([
      {
        address: 'aws_iam_role_policy.add',
        actions: ['create'],
        after: { name: 'add', role: 'app', policy: ALLOW },
        afterUnknown: { id: true }
      },
      {
        address: 'aws_iam_role_policy.old',
        actions: ['delete'],
        before: { name: 'old', role: 'app', policy: ALLOW }
      },
      {
        address: 'aws_iam_role_policy_attachment.old',
        actions: ['delete'],
        before: { role: 'app', policy_arn: 'arn:aws:iam::aws:policy/PowerUserAccess' }
      }
    ])
    expect(attachments.map((entry) => entry.removes)).toEqual([
      ['old'],
      ['arn:aws:iam::aws:policy/PowerUserAccess'],
      ['add']
    ])
    expect(attachments[2].policy).toBeDefined()
  })

  it('keeps a policy the plan replaces unchanged out of removals', () => {
    const { attachments } = read([
      {
        address: 'aws_iam_role_policy.same',
        actions: ['delete', 'create'],
        before: { name: 'same', role: 'app', policy: ALLOW },
        after: { name: 'same', role: 'app', policy: ALLOW },
        afterUnknown: { id: true }
      }
    ])
    expect(attachments).toHaveLength(1)
    expect(attachments[0].policy).toBeDefined()
  })
})

describe('policies the plan destroys on its own roles', () => {
  const ROLE = {
    arn: `arn:aws:iam::${ACCOUNT}:role/app`,
    name: 'app',
    path: '/',
    inline_policy: [{ name: 'old', policy: ALLOW }],
    managed_policy_arns: ['arn:aws:iam::aws:policy/PowerUserAccess'],
    permissions_boundary: '',
    tags_all: {}
  }

  it('removes them from the role state', () => {
    const { roles, attachments } = read([
      { address: 'aws_iam_role.app', actions: ['no-op'], before: ROLE, after: ROLE },
      {
        address: 'aws_iam_role_policy.old',
        actions: ['delete'],
        before: { name: 'old', role: 'app', policy: ALLOW }
      },
      {
        address: 'aws_iam_role_policy_attachment.old',
        actions: ['delete'],
        before: { role: 'app', policy_arn: 'arn:aws:iam::aws:policy/PowerUserAccess' }
      }
    ])
    expect(attachments).toEqual([])
    expect(roles[0].policies).toEqual([])
    expect(roles[0].missingPolicies).toEqual([])
    expect(roles[0].fromCode).toBe(true)
  })
})
