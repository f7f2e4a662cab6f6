/**
 * Laying a live run's facts over fact files: AWS wins over exported files, and templates and
 * plans (the state the change deploys) win over AWS.
 */
import { describe, expect, it } from '@jest/globals'
import { combineFacts } from '../../src/check/combine-facts.js'
import { evaluateRequest } from '../../src/engine/evaluate.js'
import type { KeyFact, Policy, RoleFact } from '../../src/engine/model.js'
import type { LoadedFacts } from '../../src/facts/load-facts.js'

const ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'
const ROLE = 'arn:aws:iam::111122223333:role/app'

function policy(name: string): Policy {
  return { kind: 'key-policy', name, statements: [], warnings: [] }
}

function key(extra: Partial<KeyFact>): KeyFact {
  return {
    arn: ARN,
    keyId: ARN.split('/')[1],
    accountId: '111122223333',
    region: 'eu-west-1',
    partition: 'aws',
    metadata: {},
    ...extra
  }
}

function role(extra: Partial<RoleFact>): RoleFact {
  return {
    kind: 'role',
    arn: ROLE,
    name: 'app',
    path: '/',
    accountId: '111122223333',
    policies: [],
    missingPolicies: [],
    tags: {},
    ...extra
  }
}

function loaded(keys: KeyFact[], roles: RoleFact[] = []): LoadedFacts {
  return {
    facts: {
      iam:
        roles.length > 0
          ? [{ accountId: '111122223333', roles, users: [], groups: [], source: 'f' }]
          : [],
      keys,
      organizations: [],
      vpcEndpoints: [],
      sessionPolicies: []
    },
    sources: [],
    warnings: []
  }
}

describe('combineFacts', () => {
  it('replaces an exported key with the one AWS returned', () => {
    const combined = combineFacts(loaded([key({ policy: policy('exported') })]), {
      keys: loaded([key({ policy: policy('live'), metadata: { keyState: 'Enabled' } })]),
      iam: [],
      simulations: [],
      gaps: []
    })
    expect(combined.facts.keys.map((entry) => entry.policy?.name)).toEqual(['live'])
  })

  it('keeps the policy of a key from a plan over the live one, with live metadata', () => {
    const fromPlan = key({
      policy: policy('planned'),
      references: ['plan.json#aws_kms_key.this'],
      fromCode: true
    })
    const combined = combineFacts(loaded([fromPlan]), {
      keys: loaded([
        key({ policy: policy('live'), metadata: { keyState: 'Enabled' }, grants: [] })
      ]),
      iam: [],
      simulations: [],
      gaps: []
    })
    const [merged] = combined.facts.keys
    expect(merged.policy?.name).toBe('planned')
    expect(merged.metadata.keyState).toBe('Enabled')
    expect(merged.grants).toEqual([])
  })

  it('keeps a role from a template over the simulated one', () => {
    const fromTemplate = role({ references: ['infra/app.yaml#App'], fromCode: true })
    const simulated = role({ identitySource: 'simulator', tagsUnknown: true })
    const combined = combineFacts(loaded([], [fromTemplate]), {
      keys: loaded([]),
      iam: [
        { accountId: '111122223333', roles: [simulated], users: [], groups: [], source: 'iam' }
      ],
      simulations: [],
      gaps: []
    })
    expect(combined.facts.iam[0].roles).toEqual([fromTemplate])
  })
})

describe('code attachments on simulated roles', () => {
  const KEY_POLICY: Policy = {
    kind: 'key-policy',
    name: 'default',
    version: '2012-10-17',
    statements: [
      {
        index: 0,
        effect: 'Allow',
        principal: {
          wildcard: false,
          aws: ['arn:aws:iam::111122223333:root'],
          service: [],
          federated: [],
          canonicalUser: []
        },
        action: ['kms:*'],
        resource: ['*'],
        conditions: []
      }
    ],
    warnings: []
  }

  function combinedWith(removes: string[]) {
    const simulated = role({ identitySource: 'simulator', tagsUnknown: true })
    const files = loaded([])
    files.facts.pendingAttachments = [
      { accountId: '111122223333', kind: 'role', name: 'app', removes }
    ]
    return combineFacts(files, {
      keys: loaded([
        key({
          policy: KEY_POLICY,
          grants: [],
          metadata: {
            keyState: 'Enabled',
            keyUsage: 'ENCRYPT_DECRYPT',
            keySpec: 'SYMMETRIC_DEFAULT'
          }
        })
      ]),
      iam: [
        { accountId: '111122223333', roles: [simulated], users: [], groups: [], source: 'iam' }
      ],
      simulations: [
        {
          principalArn: ROLE,
          context: {},
          source: 'simulation',
          results: [
            {
              action: 'kms:Decrypt',
              resourceArn: ARN,
              decision: 'allowed',
              matchedStatements: [{ sourcePolicyId: 'kms-use', sourcePolicyType: 'role' }],
              missingContextValues: []
            }
          ]
        }
      ],
      gaps: []
    })
  }

  function decrypt(facts: ReturnType<typeof combinedWith>['facts']) {
    return evaluateRequest(
      {
        principal: ROLE,
        action: 'kms:Decrypt',
        key: ARN,
        context: {},
        region: 'eu-west-1',
        partition: 'aws'
      },
      facts
    )
  }

  it('marks the simulation outdated when the change removes a policy', () => {
    const combined = combinedWith(['kms-use'])
    expect(combined.facts.iam[0].roles[0].simulationOutdated).toContain('kms-use')
  })

  it('leaves an allow by a removed policy unknown', () => {
    expect(decrypt(combinedWith(['kms-use']).facts).decision).toBe('unknown')
  })

  it('keeps the simulator allow when nothing is removed', () => {
    const evaluation = decrypt(combinedWith([]).facts)
    expect(evaluation.reasons).toEqual([])
    expect(evaluation.decision).toBe('allowed')
  })
})
