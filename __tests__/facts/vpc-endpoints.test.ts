import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from '@jest/globals'
import { buildFacts } from '../../src/facts/build-facts.js'
import { loadFacts } from '../../src/facts/load-facts.js'
import {
  ACCOUNT,
  cliText,
  inputErrorOf,
  keyObject,
  locationBefore,
  locationOf,
  policyDocument,
  statement
} from './builders.js'

const FIXTURE = path.join(import.meta.dirname, 'fixtures', 'vpc-endpoints.json')
const ENDPOINT_ID = 'vpce-0fedcba9876543210'
const OTHER_ENDPOINT_ID = 'vpce-0123456789abcdef0'

const ENDPOINT_POLICY = policyDocument(
  statement({
    Sid: 'AppOnly',
    Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/App` },
    Action: 'kms:Decrypt'
  })
)

/** Builds one entry of `describe-vpc-endpoints` output. */
function endpoint(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    VpcEndpointId: ENDPOINT_ID,
    VpcEndpointType: 'Interface',
    VpcId: 'vpc-0123456789abcdef0',
    ServiceName: 'com.amazonaws.us-east-1.kms',
    State: 'available',
    PolicyDocument: JSON.stringify(ENDPOINT_POLICY),
    SubnetIds: ['subnet-0123456789abcdef0'],
    PrivateDnsEnabled: true,
    OwnerId: ACCOUNT,
    ...overrides
  }
}

function output(...endpoints: Record<string, unknown>[]): Record<string, unknown> {
  return { VpcEndpoints: endpoints }
}

function loadText(value: unknown, source = 'vpce.json') {
  const text = cliText(value)
  return { ...buildFacts([{ source, text }]), text }
}

function errorFor(value: unknown, at: string, shift = 0) {
  const text = cliText(value)
  const error = inputErrorOf(() => buildFacts([{ source: 'vpce.json', text }]))
  expect(error.location).toEqual(locationOf(text, at, 'vpce.json', shift))
  return error.message
}

describe('describe-vpc-endpoints fixture', () => {
  const text = readFileSync(FIXTURE, 'utf8')
  const { facts, warnings, sources } = buildFacts([{ source: 'fixtures/vpce.json', text }])

  it('keeps only the KMS endpoints, sorted by ID', () => {
    expect(facts.vpcEndpoints.map((entry) => entry.vpcEndpointId)).toEqual([
      'vpce-01234567',
      ENDPOINT_ID
    ])
    expect(facts.vpcEndpoints.map((entry) => entry.serviceName)).toEqual([
      'com.amazonaws.eu-west-1.kms-fips',
      'com.amazonaws.eu-west-1.kms'
    ])
    expect(sources).toEqual(['fixtures/vpce.json'])
  })

  it('warns about nothing', () => {
    expect(warnings).toEqual([])
  })

  it('locates each endpoint entry', () => {
    expect(facts.vpcEndpoints.map((entry) => entry.location)).toEqual([
      { file: 'fixtures/vpce.json', line: 59, column: 5 },
      { file: 'fixtures/vpce.json', line: 22, column: 5 }
    ])
  })

  it('reads the endpoint policy', () => {
    const { policy } = facts.vpcEndpoints[1]
    expect(policy).toMatchObject({
      kind: 'vpce',
      name: ENDPOINT_ID,
      accountId: ACCOUNT,
      version: '2012-10-17',
      warnings: []
    })
    expect(policy.statements.map((entry) => [entry.sid, entry.effect])).toEqual([
      ['AppDecrypt', 'Allow'],
      ['DenyOtherOrganizations', 'Deny']
    ])
    expect(policy.statements[0].action).toEqual(['kms:Decrypt', 'kms:GenerateDataKey'])
    expect(policy.statements[1].conditions).toEqual([
      { operator: 'StringNotEquals', key: 'aws:PrincipalOrgID', values: ['o-a1b2c3d4e5'] }
    ])
  })

  it('locates statements inside the PolicyDocument string', () => {
    const { policy } = facts.vpcEndpoints[1]
    expect(policy.location).toEqual({ file: 'fixtures/vpce.json', line: 28, column: 26 })
    expect(policy.statements.map((entry) => entry.location)).toEqual([
      { file: 'fixtures/vpce.json', line: 28, column: 85 },
      { file: 'fixtures/vpce.json', line: 28, column: 370 }
    ])
  })

  it('gives an endpoint without PolicyDocument the default policy', () => {
    const { policy } = facts.vpcEndpoints[0]
    expect(policy).toEqual({
      kind: 'vpce',
      name: 'vpce-01234567',
      accountId: ACCOUNT,
      statements: [
        {
          index: 0,
          effect: 'Allow',
          principal: {
            wildcard: true,
            aws: [],
            service: [],
            federated: [],
            canonicalUser: []
          },
          action: ['*'],
          resource: ['*'],
          conditions: []
        }
      ],
      warnings: []
    })
  })
})

describe('VPC endpoint files on disk', () => {
  it('loads endpoints and session policies from a directory', async () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'vpce-'))
    try {
      writeFileSync(path.join(directory, 'vpce.json'), readFileSync(FIXTURE, 'utf8'))
      const sessions = {
        SessionPolicies: [
          {
            SessionArn: `arn:aws:sts::${ACCOUNT}:assumed-role/App/build`,
            Policy: JSON.stringify(policyDocument(statement()))
          }
        ]
      }
      writeFileSync(path.join(directory, 'sessions.json'), cliText(sessions))
      const { facts, sources, warnings } = await loadFacts(['.'], directory)
      expect(sources).toEqual(['sessions.json', 'vpce.json'])
      expect(facts.vpcEndpoints.map((entry) => entry.vpcEndpointId)).toEqual([
        'vpce-01234567',
        ENDPOINT_ID
      ])
      expect(facts.vpcEndpoints[1].policy.statements[0].location?.file).toBe('vpce.json')
      expect(facts.sessionPolicies.map((entry) => entry.location)).toEqual([
        { file: 'sessions.json', line: 3, column: 9 }
      ])
      expect(warnings).toEqual([])
    } finally {
      rmSync(directory, { recursive: true, force: true })
    }
  })
})

describe('VPC endpoint variants', () => {
  it('leaves both lists empty without such files', () => {
    const { facts, warnings } = buildFacts([{ source: 'key.json', value: keyObject() }])
    expect(facts.vpcEndpoints).toEqual([])
    expect(facts.sessionPolicies).toEqual([])
    expect(warnings).toEqual([])
  })

  it('accepts the policy as an object', () => {
    const { facts, text } = loadText(output(endpoint({ PolicyDocument: ENDPOINT_POLICY })))
    const [entry] = facts.vpcEndpoints
    expect(entry.policy.statements[0].sid).toBe('AppOnly')
    expect(entry.policy.statements[0].location).toEqual(
      locationBefore(text, '"Sid": "AppOnly"', 'vpce.json')
    )
  })

  it('locates statements of a one-line PolicyDocument string', () => {
    const { facts, text } = loadText(output(endpoint()))
    expect(facts.vpcEndpoints[0].policy.statements[0].location).toEqual(
      locationBefore(text, '\\"Sid\\":\\"AppOnly\\"', 'vpce.json')
    )
  })

  it('gives a null PolicyDocument the default policy', () => {
    const { facts } = loadText(output(endpoint({ PolicyDocument: null })))
    const { policy } = facts.vpcEndpoints[0]
    expect(policy.statements).toHaveLength(1)
    expect(policy.statements[0]).toMatchObject({ effect: 'Allow', action: ['*'], resource: ['*'] })
    expect(policy.statements[0].principal?.wildcard).toBe(true)
    expect(policy.statements[0].location).toBeUndefined()
    expect(policy.location).toBeUndefined()
  })

  it('skips endpoints of other services without warning', () => {
    const s3 = endpoint({
      VpcEndpointId: OTHER_ENDPOINT_ID,
      VpcEndpointType: 'Gateway',
      ServiceName: 'com.amazonaws.us-east-1.s3',
      PolicyDocument: '{"no statement": true}',
      Extra: 'not read'
    })
    const { facts, warnings } = loadText(output(s3, endpoint()))
    expect(facts.vpcEndpoints.map((entry) => entry.vpcEndpointId)).toEqual([ENDPOINT_ID])
    expect(warnings).toEqual([])
  })

  it('treats a service name only ending in kms as KMS', () => {
    const names = [
      'com.amazonaws.us-east-1.kms',
      'com.amazonaws.us-east-1.kms-fips',
      'com.amazonaws.us-east-1.kmsx',
      'com.amazonaws.us-east-1.kms.other'
    ]
    const endpoints = names.map((name, position) =>
      endpoint({ VpcEndpointId: `vpce-${position}`, ServiceName: name })
    )
    const { facts } = loadText(output(...endpoints))
    expect(facts.vpcEndpoints.map((entry) => entry.serviceName)).toEqual(names.slice(0, 2))
  })

  it('warns about a KMS endpoint that is not Interface', () => {
    const { facts, warnings, text } = loadText(output(endpoint({ VpcEndpointType: 'Gateway' })))
    expect(facts.vpcEndpoints).toHaveLength(1)
    expect(warnings).toEqual([
      {
        code: 'facts',
        message: expect.stringContaining(
          `VPC endpoint ${ENDPOINT_ID} has type "Gateway", but AWS KMS is reached only through Interface endpoints`
        ),
        location: locationOf(text, '"Gateway"', 'vpce.json')
      }
    ])
  })

  it('does not warn when the type is absent', () => {
    const { warnings } = loadText(output(endpoint({ VpcEndpointType: undefined })))
    expect(warnings).toEqual([])
  })

  it('warns about members it does not use', () => {
    const { warnings, text } = loadText({
      ...output(endpoint({ Comment: 'team kms' })),
      Extra: 1
    })
    expect(warnings).toEqual([
      {
        code: 'facts',
        message: expect.stringContaining(
          `VPC endpoint ${ENDPOINT_ID}: member "Comment" is not used`
        ),
        location: locationOf(text, '"team kms"', 'vpce.json')
      },
      {
        code: 'facts',
        message: expect.stringContaining(
          'the describe-vpc-endpoints output: member "Extra" is not used'
        ),
        location: locationOf(text, '1\n}', 'vpce.json')
      }
    ])
  })

  it('warns about a partial list', () => {
    const { facts, warnings, text } = loadText({ ...output(endpoint()), NextToken: 'eyJ0b2tlbiI6' })
    expect(facts.vpcEndpoints).toHaveLength(1)
    expect(warnings).toEqual([
      {
        code: 'facts',
        message: expect.stringContaining('one page of a longer list ("NextToken" is set)'),
        location: locationOf(text, '"eyJ0b2tlbiI6"', 'vpce.json')
      }
    ])
  })

  it('warns when the files list no KMS endpoint', () => {
    const s3 = endpoint({ ServiceName: 'com.amazonaws.us-east-1.s3' })
    const { facts, warnings } = buildFacts([
      { source: 'b.json', value: output(s3) },
      { source: 'a.json', value: output() }
    ])
    expect(facts.vpcEndpoints).toEqual([])
    expect(warnings).toEqual([
      {
        code: 'facts',
        message: expect.stringContaining(
          'the VPC endpoint facts in a.json, b.json list no KMS endpoint'
        )
      }
    ])
  })

  it('skips that warning when another file has some', () => {
    const s3 = endpoint({ ServiceName: 'com.amazonaws.us-east-1.s3' })
    const { warnings } = buildFacts([
      { source: 'a.json', value: output(s3) },
      { source: 'b.json', value: output(endpoint()) }
    ])
    expect(warnings).toEqual([])
  })

  it('takes the partition from the Region in the service name', () => {
    const bareAccount = JSON.stringify(
      policyDocument(statement({ Principal: { AWS: ACCOUNT }, Action: 'kms:Decrypt' }))
    )
    const cases: Array<[string, string]> = [
      ['cn.com.amazonaws.cn-north-1.kms', 'aws-cn'],
      ['com.amazonaws.us-gov-west-1.kms-fips', 'aws-us-gov'],
      ['com.amazonaws.us-isob-east-1.kms', 'aws-iso-b'],
      ['com.amazonaws.eusc-de-east-1.kms', 'aws-eusc'],
      ['com.amazonaws.eu-west-1.kms', 'aws']
    ]
    for (const [serviceName, partition] of cases) {
      const { facts } = loadText(
        output(endpoint({ ServiceName: serviceName, PolicyDocument: bareAccount }))
      )
      expect(facts.vpcEndpoints[0].policy.statements[0].principal?.aws).toEqual([
        `arn:${partition}:iam::${ACCOUNT}:root`
      ])
    }
  })

  it('leaves the account out without OwnerId', () => {
    const { facts } = loadText(output(endpoint({ OwnerId: undefined })))
    expect(facts.vpcEndpoints[0].policy.accountId).toBeUndefined()
  })

  it('reports policy warnings, such as a missing Principal', () => {
    const noPrincipal = JSON.stringify(policyDocument(statement({ Sid: 'NoPrincipal' })))
    const { warnings } = loadText(output(endpoint({ PolicyDocument: noPrincipal })))
    expect(warnings).toEqual([
      expect.objectContaining({
        code: 'invalid-element',
        message: expect.stringContaining(
          `statement 1 ("NoPrincipal") of the policy of VPC endpoint ${ENDPOINT_ID}: a statement in a VPC endpoint policy needs Principal or NotPrincipal`
        )
      })
    ])
  })

  it('gives facts without locations for a bare value', () => {
    const { facts } = buildFacts([{ source: 'case', value: output(endpoint()) }])
    expect(facts.vpcEndpoints[0].location).toBeUndefined()
    expect(facts.vpcEndpoints[0].policy.statements[0].location).toBeUndefined()
  })
})

describe('VPC endpoint merging', () => {
  const first = output(endpoint({ VpcEndpointId: OTHER_ENDPOINT_ID }), endpoint())
  const second = output(
    endpoint({
      VpcEndpointId: 'vpce-0aaaaaaaaaaaaaaa1',
      ServiceName: 'com.amazonaws.us-east-1.kms-fips'
    })
  )

  it('does not depend on the order of files', () => {
    const forward = buildFacts([
      { source: 'a.json', text: cliText(first) },
      { source: 'b.json', text: cliText(second) }
    ])
    const backward = buildFacts([
      { source: 'b.json', text: cliText(second) },
      { source: 'a.json', text: cliText(first) }
    ])
    expect(backward).toEqual(forward)
    expect(forward.facts.vpcEndpoints.map((entry) => entry.vpcEndpointId)).toEqual([
      OTHER_ENDPOINT_ID,
      'vpce-0aaaaaaaaaaaaaaa1',
      ENDPOINT_ID
    ])
  })

  it('keeps one copy of identical duplicates', () => {
    const { facts } = buildFacts([
      { source: 'b.json', text: cliText(output(endpoint())) },
      { source: 'a.json', text: cliText(output(endpoint({ State: 'pending' }))) }
    ])
    expect(facts.vpcEndpoints).toHaveLength(1)
    expect(facts.vpcEndpoints[0].location?.file).toBe('a.json')
  })

  it('accepts identical duplicates in one file', () => {
    const { facts } = loadText(output(endpoint(), endpoint()))
    expect(facts.vpcEndpoints).toHaveLength(1)
  })

  it('rejects one endpoint with two policies', () => {
    const changed = endpoint({
      PolicyDocument: JSON.stringify(policyDocument(statement({ Principal: '*' })))
    })
    const changedText = cliText(output(changed))
    const error = inputErrorOf(() =>
      buildFacts([
        { source: 'b.json', text: changedText },
        { source: 'a.json', text: cliText(output(endpoint())) }
      ])
    )
    expect(error.message).toBe(
      `VPC endpoint ${ENDPOINT_ID} is defined differently in a.json and b.json; keep one version of it`
    )
    expect(error.location).toEqual({ file: 'b.json', line: 3, column: 9 })
  })

  it('rejects a conflicting duplicate in one file', () => {
    const other = endpoint({ ServiceName: 'com.amazonaws.us-east-1.kms-fips' })
    const error = inputErrorOf(() => loadText(output(endpoint(), other)))
    expect(error.message).toContain(
      `VPC endpoint ${ENDPOINT_ID} is defined differently twice in vpce.json`
    )
  })
})

describe('VPC endpoint errors', () => {
  const badIds = ['vpc-0123abcd', 'vpce-', 'vpce-0123ABCD', 'vpce-xyz', ' vpce-0123abcd']
  for (const id of badIds) {
    it(`rejects the endpoint ID ${JSON.stringify(id)}`, () => {
      const message = errorFor(output(endpoint({ VpcEndpointId: id })), JSON.stringify(id))
      expect(message).toBe(
        `VpcEndpointId must be "vpce-" followed by lowercase hexadecimal digits, such as "vpce-0123456789abcdef0", found ${JSON.stringify(id)}`
      )
    })
  }

  it('rejects a bad ID of an endpoint of another service too', () => {
    const s3 = endpoint({ VpcEndpointId: 'gw-1', ServiceName: 'com.amazonaws.us-east-1.s3' })
    expect(errorFor(output(s3), '"gw-1"')).toContain('VpcEndpointId must be "vpce-"')
  })

  it('rejects a missing endpoint ID', () => {
    const message = errorFor(
      output(endpoint({ VpcEndpointId: undefined })),
      '{\n            "VpcEndpointType"'
    )
    expect(message).toContain('VpcEndpointId of an endpoint is missing')
  })

  it('rejects a missing service name', () => {
    const message = errorFor(
      output(endpoint({ ServiceName: undefined })),
      '{\n            "VpcEndpointId"'
    )
    expect(message).toContain(`ServiceName of VPC endpoint ${ENDPOINT_ID} is missing`)
  })

  it('rejects a VpcEndpoints member that is not a list', () => {
    const message = errorFor(
      { VpcEndpoints: { VpcEndpointId: ENDPOINT_ID } },
      '{\n        "VpcEndpointId"'
    )
    expect(message).toContain('VpcEndpoints must be a list')
  })

  it('rejects an entry that is not an object', () => {
    expect(errorFor({ VpcEndpoints: ['vpce-1'] }, '"vpce-1"')).toContain(
      'each entry of VpcEndpoints must be an object'
    )
  })

  it('rejects an OwnerId that is not an account ID', () => {
    expect(errorFor(output(endpoint({ OwnerId: '1234' })), '"1234"')).toContain(
      `OwnerId of VPC endpoint ${ENDPOINT_ID} must be a 12-digit account ID`
    )
  })

  it('rejects a member spelled in another case', () => {
    const misspelled = endpoint({ PolicyDocument: undefined, policyDocument: '{}' })
    expect(errorFor(output(misspelled), '"{}"')).toContain(
      'member "policyDocument" of VPC endpoint vpce-0fedcba9876543210 must be spelled "PolicyDocument"'
    )
  })

  it('rejects a malformed policy at its place in the string', () => {
    const policy = JSON.stringify({
      Statement: [{ Effect: 'Allow', Principal: '*', Action: 7, Resource: '*' }]
    })
    expect(errorFor(output(endpoint({ PolicyDocument: policy })), '7,')).toContain(
      `Action in statement 1 of the policy of VPC endpoint ${ENDPOINT_ID}`
    )
  })

  it('rejects invalid JSON in the policy string at its place', () => {
    const policy = '{"Statement": [}'
    const text = cliText(output(endpoint({ PolicyDocument: policy })))
    const error = inputErrorOf(() => buildFacts([{ source: 'vpce.json', text }]))
    expect(error.location).toEqual(locationOf(text, '}"', 'vpce.json'))
  })

  it('rejects a statement without Resource', () => {
    const policy = JSON.stringify(
      policyDocument(statement({ Principal: '*', Resource: undefined }))
    )
    expect(errorFor(output(endpoint({ PolicyDocument: policy })), '{\\"Effect')).toContain(
      'has no Resource or NotResource'
    )
  })

  it('rejects a PolicyDocument that is not a policy', () => {
    expect(errorFor(output(endpoint({ PolicyDocument: 7 })), '7,')).toContain(
      `the policy of VPC endpoint ${ENDPOINT_ID} must be a policy document`
    )
  })
})
