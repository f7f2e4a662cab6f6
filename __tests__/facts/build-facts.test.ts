import { describe, expect, it } from '@jest/globals'
import { buildFacts } from '../../src/facts/build-facts.js'
import type { FactDocument } from '../../src/facts/fact-types.js'
import {
  ACCOUNT,
  authorizationDetails,
  cliText,
  inputErrorOf,
  KEY_ARN,
  keyObject,
  managedPolicy,
  policyDocument,
  ROOT_STATEMENT,
  role,
  statement
} from './builders.js'

const ORGANIZATION = {
  Organization: { Id: 'o-a1b2c3d4e5', MasterAccountId: '999999999999' },
  Accounts: [{ Id: ACCOUNT, Parents: ['r-ab12'] }],
  Policies: []
}

describe('buildFacts shapes', () => {
  it('recognises each shape without file names', () => {
    const { facts, sources } = buildFacts([
      { source: 'x', value: keyObject() },
      { source: 'y', value: authorizationDetails({ roles: [role('App')] }) },
      { source: 'z', value: ORGANIZATION }
    ])
    expect([facts.keys.length, facts.iam.length, facts.organizations.length]).toEqual([1, 1, 1])
    expect(sources).toEqual(['x', 'y', 'z'])
  })

  it('rejects JSON of no known shape at 1:1', () => {
    const error = inputErrorOf(() =>
      buildFacts([{ source: 'other.json', text: '{\n  "Items": []\n}' }])
    )
    expect(error.location).toEqual({ file: 'other.json', line: 1, column: 1 })
    expect(error.message).toContain('unrecognised fact file')
    expect(error.message).toContain('get-account-authorization-details')
    expect(error.message).toContain('KeyMetadata')
    expect(error.message).toContain('Organizations')
    expect(error.message).toContain('describe-vpc-endpoints')
    expect(error.message).toContain('SessionPolicies')
  })

  it('recognises VPC endpoint and session policy files', () => {
    const { facts } = buildFacts([
      { source: 'vpce', value: { VpcEndpoints: [] } },
      { source: 'sessions', value: { SessionPolicies: [] } }
    ])
    expect(facts.vpcEndpoints).toEqual([])
    expect(facts.sessionPolicies).toEqual([])
  })

  it('explains a policy document on its own', () => {
    const error = inputErrorOf(() =>
      buildFacts([{ source: 'p.json', text: JSON.stringify(policyDocument(ROOT_STATEMENT)) }])
    )
    expect(error.message).toContain('policy document on its own')
  })

  it('names the source of a bare value of no known shape', () => {
    const error = inputErrorOf(() => buildFacts([{ source: 'case#1', value: [] }]))
    expect(error.location).toBeUndefined()
    expect(error.message).toMatch(/^case#1: unrecognised fact file/)
  })

  it('rejects an empty file', () => {
    const error = inputErrorOf(() => buildFacts([{ source: 'empty.json', text: ' \n' }]))
    expect(error.location).toEqual({ file: 'empty.json', line: 1, column: 1 })
    expect(error.message).toContain('fact file is empty')
  })

  it('reads a file with a byte order mark', () => {
    const text = `\ufeff${cliText(keyObject({ Policy: policyDocument(ROOT_STATEMENT) }))}`
    const { facts } = buildFacts([{ source: 'bom.json', text }])
    expect(facts.keys[0].location).toEqual({ file: 'bom.json', line: 1, column: 1 })
    expect(facts.keys[0].policy?.statements[0].location?.column).toBe(13)
  })

  it('reads a file that holds its JSON as a string', () => {
    const text = JSON.stringify(JSON.stringify(keyObject()))
    const { facts } = buildFacts([{ source: 'string.json', text }])
    expect(facts.keys[0].arn).toBe(KEY_ARN)
    expect(facts.keys[0].location).toEqual({ file: 'string.json', line: 1, column: 2 })
  })

  it('reads a bare string value as text', () => {
    const { facts } = buildFacts([{ source: 's', value: JSON.stringify(keyObject()) }])
    expect(facts.keys[0].arn).toBe(KEY_ARN)
  })

  it('reports invalid JSON at its line and column', () => {
    const error = inputErrorOf(() =>
      buildFacts([{ source: 'bad.json', text: '{\n  "KeyMetadata": {,}\n}' }])
    )
    expect(error.location).toEqual({ file: 'bad.json', line: 2, column: 19 })
    expect(error.format()).toMatch(/^bad\.json:2:19: invalid JSON: /)
  })
})

describe('buildFacts merging', () => {
  it('keeps one of two identical keys', () => {
    const { facts } = buildFacts([
      { source: 'a.json', text: cliText(keyObject()) },
      { source: 'b.json', value: keyObject() }
    ])
    expect(facts.keys).toHaveLength(1)
    expect(facts.keys[0].location?.file).toBe('a.json')
  })

  it('rejects one key defined differently in two files', () => {
    const error = inputErrorOf(() =>
      buildFacts([
        { source: 'b.json', text: cliText(keyObject({ Grants: undefined })) },
        { source: 'a.json', value: keyObject() }
      ])
    )
    expect(error.message).toBe(
      `key ${KEY_ARN} is defined differently in a.json and b.json; keep one version of it`
    )
    expect(error.location).toEqual({ file: 'b.json', line: 1, column: 1 })
  })

  it('rejects one key defined twice in a list', () => {
    const error = inputErrorOf(() =>
      buildFacts([
        { source: 'keys.json', value: [keyObject(), keyObject({ Aliases: ['alias/x'] })] }
      ])
    )
    expect(error.message).toContain('is defined differently twice in keys.json')
  })

  it('does not depend on the order of documents', () => {
    const documents: FactDocument[] = [
      { source: 'k1.json', text: cliText([keyObject({}, 'b-key'), keyObject({}, 'a-key')]) },
      { source: 'k2.json', text: cliText(keyObject({}, 'c-key')) },
      {
        source: 'iam1.json',
        text: cliText(authorizationDetails({ roles: [role('Zed'), role('Amy')] }))
      },
      {
        source: 'iam2.json',
        text: cliText(
          authorizationDetails({
            roles: [
              role('Mid', { AttachedManagedPolicies: [{ PolicyArn: 'arn:aws:iam::aws:policy/P' }] })
            ],
            policies: [
              managedPolicy(
                'arn:aws:iam::aws:policy/P',
                policyDocument(statement({ Principal: '*' }))
              )
            ]
          })
        )
      },
      { source: 'org.json', text: cliText(ORGANIZATION) }
    ]
    const forward = buildFacts(documents)
    const backward = buildFacts([...documents].reverse())
    expect(backward).toEqual(forward)
    expect(forward.facts.keys.map((key) => key.keyId)).toEqual(['a-key', 'b-key', 'c-key'])
    expect(forward.facts.iam[0].roles.map((entry) => entry.name)).toEqual(['Amy', 'Mid', 'Zed'])
    expect(forward.warnings.map((warning) => warning.code)).toEqual(['invalid-element'])
  })
})
