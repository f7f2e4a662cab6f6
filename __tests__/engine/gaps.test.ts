/**
 * Facts a live run could not read: the engine denies a key AWS says does not exist, and
 * reports anything else it could not read as `unknown` with the gap's reason.
 */
import { describe, expect, it } from '@jest/globals'
import { evaluateRequest } from '../../src/engine/evaluate.js'
import type { FactGap, Facts } from '../../src/engine/model.js'
import { buildFacts } from '../../src/facts/build-facts.js'

const ACCOUNT = '111122223333'
const KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`
const ROLE = `arn:aws:iam::${ACCOUNT}:role/App`

function factsWith(gaps: FactGap[], options: { policy?: boolean; grants?: boolean } = {}): Facts {
  const key: Record<string, unknown> = {
    KeyMetadata: {
      AWSAccountId: ACCOUNT,
      KeyId: KEY.split('/')[1],
      Arn: KEY,
      KeyState: 'Enabled',
      KeyUsage: 'ENCRYPT_DECRYPT',
      KeyManager: 'CUSTOMER'
    }
  }
  if (options.policy !== false) {
    key.Policy = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
          Action: 'kms:*',
          Resource: '*'
        }
      ]
    }
  }
  if (options.grants !== false) key.Grants = []
  const simulation = {
    PolicySourceArn: ROLE,
    EvaluationResults: [
      {
        EvalActionName: 'kms:Decrypt',
        EvalResourceName: KEY,
        EvalDecision: 'implicitDeny',
        MatchedStatements: [],
        MissingContextValues: []
      }
    ]
  }
  const { facts } = buildFacts([
    { source: 'key.json', value: key },
    { source: 'simulation.json', value: simulation }
  ])
  return { ...facts, gaps }
}

const request = (key = KEY) => ({
  principal: ROLE,
  action: 'kms:Decrypt',
  key,
  context: {},
  region: 'us-east-1',
  partition: 'aws'
})

describe('fact gaps', () => {
  it('denies a key that AWS says does not exist', () => {
    const missing = 'alias/gone'
    const facts = factsWith([
      {
        subject: missing,
        part: 'key',
        kind: 'not-found',
        accountId: ACCOUNT,
        region: 'us-east-1',
        reason: 'kms:DescribeKey on alias/gone failed with NotFoundException; AWS has no such key'
      }
    ])
    const evaluation = evaluateRequest(request(missing), facts)
    expect(evaluation.decision).toBe('implicit-deny')
    expect(evaluation.closedLocks).toEqual(['key-not-found'])
    expect(evaluation.reasons[0]).toContain('NotFoundException')
  })

  it('keeps a key the gate could not describe unknown', () => {
    const facts = factsWith([
      {
        subject: 'alias/locked',
        part: 'key',
        kind: 'unreadable',
        reason: 'kms:DescribeKey on alias/locked failed with AccessDeniedException'
      }
    ])
    const evaluation = evaluateRequest(request('alias/locked'), facts)
    expect(evaluation.decision).toBe('unknown')
    expect(evaluation.reasons).toEqual([
      'kms:DescribeKey on alias/locked failed with AccessDeniedException'
    ])
  })

  it('does not take a gap found in another Region for this key', () => {
    const facts = factsWith([
      {
        subject: 'alias/elsewhere',
        part: 'key',
        kind: 'not-found',
        accountId: ACCOUNT,
        region: 'eu-west-1',
        reason: 'not found in eu-west-1'
      }
    ])
    const evaluation = evaluateRequest(request('alias/elsewhere'), facts)
    expect(evaluation.decision).toBe('unknown')
    expect(evaluation.reasons.join(' ')).not.toContain('eu-west-1')
  })

  it('names the missing permission on the key-policy lock', () => {
    const reason = `kms:GetKeyPolicy on ${KEY} failed with AccessDeniedException; the key policy must allow the gate kms:GetKeyPolicy`
    const facts = factsWith([{ subject: KEY, part: 'key-policy', kind: 'unreadable', reason }], {
      policy: false
    })
    const evaluation = evaluateRequest(request(), facts)
    expect(evaluation.decision).toBe('unknown')
    expect(evaluation.locks.find((lock) => lock.lock === 'key-policy')?.reason).toBe(reason)
    expect(evaluation.reasons).toContain(reason)
  })

  it('names the failed grant read on the grant lock', () => {
    const reason = `kms:ListGrants on ${KEY} failed with ThrottlingException after 5 attempts`
    const facts = factsWith([{ subject: KEY, part: 'grants', kind: 'unreadable', reason }], {
      grants: false
    })
    const evaluation = evaluateRequest(request(), facts)
    expect(evaluation.decision).toBe('unknown')
    expect(evaluation.locks.find((lock) => lock.lock === 'grant')?.reason).toBe(reason)
  })

  it('reports why the simulator gave no answer for the principal', () => {
    const other = `arn:aws:kms:us-east-1:${ACCOUNT}:key/ffffffff-12ab-34cd-56ef-1234567890ab`
    const reason = `iam:SimulatePrincipalPolicy on ${ROLE} failed with AccessDenied`
    const facts = factsWith([{ subject: ROLE, part: 'iam-simulation', kind: 'unreadable', reason }])
    const keyFacts = {
      ...facts,
      keys: [{ ...facts.keys[0], arn: other, keyId: other.split('/')[1] }]
    }
    const evaluation = evaluateRequest(request(other), keyFacts)
    expect(evaluation.decision).toBe('unknown')
    expect(evaluation.locks.find((lock) => lock.lock === 'iam')?.reason).toBe(reason)
  })
})
