import { describe, expect, it } from '@jest/globals'
import { buildFacts } from '../../src/facts/build-facts.js'
import {
  ACCOUNT,
  cliText,
  inputErrorOf,
  KEY_ARN,
  locationBefore,
  locationOf,
  policyDocument,
  statement
} from './builders.js'

const SESSION_ARN = `arn:aws:sts::${ACCOUNT}:assumed-role/App/build`
const FEDERATED_ARN = `arn:aws:sts::${ACCOUNT}:federated-user/alice`

const SESSION_POLICY = policyDocument(
  statement({ Sid: 'DecryptAppKey', Action: ['kms:Decrypt'], Resource: KEY_ARN }),
  statement({ Sid: 'NoKeyAdmin', Effect: 'Deny', Action: 'kms:ScheduleKeyDeletion' })
)

function session(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { SessionArn: SESSION_ARN, Policy: SESSION_POLICY, ...overrides }
}

function file(...sessions: Record<string, unknown>[]): Record<string, unknown> {
  return { SessionPolicies: sessions }
}

function loadText(value: unknown, source = 'sessions.json') {
  const text = cliText(value)
  return { ...buildFacts([{ source, text }]), text }
}

function errorFor(value: unknown, at: string, shift = 0) {
  const text = cliText(value)
  const error = inputErrorOf(() => buildFacts([{ source: 'sessions.json', text }]))
  expect(error.location).toEqual(locationOf(text, at, 'sessions.json', shift))
  return error.message
}

describe('session policy file', () => {
  const { facts, warnings, text } = loadText(file(session()))
  const [entry] = facts.sessionPolicies

  it('reads the session and its policy', () => {
    expect(facts.sessionPolicies).toHaveLength(1)
    expect(entry.sessionArn).toBe(SESSION_ARN)
    expect(entry.location).toEqual(locationBefore(text, '"SessionArn"', 'sessions.json'))
    expect(entry.policy).toMatchObject({
      kind: 'session-policy',
      name: SESSION_ARN,
      accountId: ACCOUNT,
      version: '2012-10-17',
      warnings: []
    })
    expect(warnings).toEqual([])
  })

  it('keeps Deny statements', () => {
    expect(entry.policy.statements.map((item) => [item.sid, item.effect])).toEqual([
      ['DecryptAppKey', 'Allow'],
      ['NoKeyAdmin', 'Deny']
    ])
    expect(entry.policy.statements[0].resource).toEqual([KEY_ARN])
  })

  it('locates statements of a policy object', () => {
    expect(entry.policy.statements.map((item) => item.location)).toEqual([
      locationBefore(text, '"Sid": "DecryptAppKey"', 'sessions.json'),
      locationBefore(text, '"Sid": "NoKeyAdmin"', 'sessions.json')
    ])
  })
})

describe('session policy variants', () => {
  it('locates statements in a policy string', () => {
    const { facts, text } = loadText(file(session({ Policy: JSON.stringify(SESSION_POLICY) })))
    const { policy } = facts.sessionPolicies[0]
    expect(policy.statements.map((item) => item.sid)).toEqual(['DecryptAppKey', 'NoKeyAdmin'])
    expect(policy.statements.map((item) => item.location)).toEqual([
      locationBefore(text, '\\"Sid\\":\\"DecryptAppKey\\"', 'sessions.json'),
      locationBefore(text, '\\"Sid\\":\\"NoKeyAdmin\\"', 'sessions.json')
    ])
    expect(policy.location).toEqual(locationOf(text, '"{', 'sessions.json', 1))
  })

  it('accepts a federated-user session', () => {
    const { facts } = loadText(file(session({ SessionArn: FEDERATED_ARN })))
    expect(facts.sessionPolicies[0].sessionArn).toBe(FEDERATED_ARN)
  })

  it('takes account and partition from the session ARN', () => {
    const arn = 'arn:aws-cn:sts::444455556666:assumed-role/App/build'
    const policy = policyDocument(statement({ Principal: { AWS: '444455556666' } }))
    const { facts, warnings } = loadText(file(session({ SessionArn: arn, Policy: policy })))
    expect(facts.sessionPolicies[0].policy.accountId).toBe('444455556666')
    expect(facts.sessionPolicies[0].policy.statements[0].principal?.aws).toEqual([
      'arn:aws-cn:iam::444455556666:root'
    ])
    expect(warnings).toEqual([
      expect.objectContaining({
        code: 'invalid-element',
        message: expect.stringContaining(
          `statement 1 of the session policy of ${arn}: AWS rejects Principal in a session policy`
        )
      })
    ])
  })

  it('accepts an empty PolicyArns list', () => {
    const { facts, warnings } = loadText(file(session({ PolicyArns: [] })))
    expect(facts.sessionPolicies).toHaveLength(1)
    expect(warnings).toEqual([])
    expect(loadText(file(session({ PolicyArns: null }))).facts.sessionPolicies).toHaveLength(1)
  })

  it('accepts an empty SessionPolicies list', () => {
    const { facts, warnings } = loadText(file())
    expect(facts.sessionPolicies).toEqual([])
    expect(warnings).toEqual([])
  })

  it('warns about members it does not use', () => {
    const { warnings, text } = loadText({
      ...file(session({ Note: 'ci build' })),
      Comment: 'exported by hand'
    })
    expect(warnings).toEqual([
      {
        code: 'facts',
        message: expect.stringContaining(`session ${SESSION_ARN}: member "Note" is not used`),
        location: locationOf(text, '"ci build"', 'sessions.json')
      },
      {
        code: 'facts',
        message: expect.stringContaining('the session policy file: member "Comment" is not used'),
        location: locationOf(text, '"exported by hand"', 'sessions.json')
      }
    ])
  })
})

describe('session policy merging', () => {
  const otherArn = `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/alice`
  const first = file(session({ SessionArn: otherArn }), session())
  const second = file(session({ SessionArn: FEDERATED_ARN }))

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
    expect(forward.facts.sessionPolicies.map((item) => item.sessionArn)).toEqual([
      otherArn,
      SESSION_ARN,
      FEDERATED_ARN
    ])
  })

  it('keeps one copy of identical duplicates', () => {
    const asString = session({ Policy: JSON.stringify(SESSION_POLICY) })
    const { facts } = buildFacts([
      { source: 'b.json', text: cliText(file(session())) },
      { source: 'a.json', text: cliText(file(asString, session())) }
    ])
    expect(facts.sessionPolicies).toHaveLength(1)
    expect(facts.sessionPolicies[0].location?.file).toBe('a.json')
  })

  it('rejects one session with two policies', () => {
    const narrower = session({ Policy: policyDocument(statement({ Resource: KEY_ARN })) })
    const error = inputErrorOf(() =>
      buildFacts([
        { source: 'b.json', text: cliText(file(narrower)) },
        { source: 'a.json', text: cliText(file(session())) }
      ])
    )
    expect(error.message).toBe(
      `the session policy of ${SESSION_ARN} is defined differently in a.json and b.json; keep one version of it`
    )
    expect(error.location).toEqual({ file: 'b.json', line: 3, column: 9 })
  })

  it('rejects a conflicting duplicate in one file', () => {
    const narrower = session({ Policy: policyDocument(statement({ Resource: KEY_ARN })) })
    const error = inputErrorOf(() => loadText(file(session(), narrower)))
    expect(error.message).toContain(
      `the session policy of ${SESSION_ARN} is defined differently twice in sessions.json`
    )
  })
})

describe('session policy errors', () => {
  const badArns = [
    `arn:aws:iam::${ACCOUNT}:role/App`,
    `arn:aws:sts::${ACCOUNT}:assumed-role/App`,
    `arn:aws:sts::${ACCOUNT}:assumed-role/App/build/extra`,
    `arn:aws:sts:us-east-1:${ACCOUNT}:assumed-role/App/build`,
    'arn:aws:sts::1234:assumed-role/App/build',
    `arn:aws:sts::${ACCOUNT}:federated-user/`,
    'App/build'
  ]
  for (const arn of badArns) {
    it(`rejects the session ARN ${arn}`, () => {
      const message = errorFor(file(session({ SessionArn: arn })), JSON.stringify(arn))
      expect(message).toBe(
        `SessionArn must be an assumed-role or federated-user session ARN, such as "arn:aws:sts::111122223333:assumed-role/App/build", found ${JSON.stringify(arn)}; a session policy caps one session, so name the session, not the role`
      )
    })
  }

  it('rejects a missing SessionArn', () => {
    const message = errorFor(file({ Policy: SESSION_POLICY }), '{\n            "Policy"')
    expect(message).toContain('SessionArn of a session policy is missing')
  })

  it('rejects managed session policies', () => {
    const arns = ['arn:aws:iam::aws:policy/ReadOnlyAccess']
    const message = errorFor(
      file(session({ PolicyArns: arns })),
      '[\n                "arn:aws:iam::aws'
    )
    expect(message).toBe(
      `session ${SESSION_ARN} has PolicyArns, but managed session policies are not supported, and ignoring them could report an allow that AWS denies; list only sessions created without --policy-arns`
    )
  })

  it('rejects managed session policies without an inline policy', () => {
    const entry = { SessionArn: SESSION_ARN, PolicyArns: [{ arn: 'arn:aws:iam::aws:policy/X' }] }
    expect(errorFor(file(entry), '[\n                {')).toContain('has PolicyArns')
  })

  it('rejects a missing or null Policy', () => {
    for (const Policy of [undefined, null]) {
      const message = errorFor(file(session({ Policy })), '{\n            "SessionArn"')
      expect(message).toBe(
        `session ${SESSION_ARN} has no Policy; expected the session policy passed as --policy, as a JSON object or a JSON string`
      )
    }
  })

  it('rejects a member spelled in another case', () => {
    const entry = { SessionArn: SESSION_ARN, policy: SESSION_POLICY }
    expect(errorFor(file(entry), '{\n                "Version"')).toContain(
      'member "policy" of session arn:aws:sts::111122223333:assumed-role/App/build must be spelled "Policy"'
    )
  })

  it('rejects a malformed policy at its place in the string', () => {
    const policy = JSON.stringify({ Statement: [{ Effect: 'Permit', Action: '*', Resource: '*' }] })
    expect(errorFor(file(session({ Policy: policy })), '\\"Permit')).toContain(
      `Effect in statement 1 of the session policy of ${SESSION_ARN} must be "Allow" or "Deny"`
    )
  })

  it('rejects a statement without Resource', () => {
    const policy = policyDocument(statement({ Resource: undefined }))
    expect(
      errorFor(file(session({ Policy: policy })), '{\n                        "Effect"')
    ).toContain('has no Resource or NotResource')
  })

  it('rejects a Policy that is not a policy document', () => {
    expect(
      errorFor(file(session({ Policy: ['kms:Decrypt'] })), '[\n                "kms')
    ).toContain(`the session policy of ${SESSION_ARN} must be a policy document`)
  })

  it('rejects SessionPolicies that is not a list', () => {
    expect(errorFor({ SessionPolicies: 'none' }, '"none"')).toContain(
      'SessionPolicies must be a list'
    )
  })
})
