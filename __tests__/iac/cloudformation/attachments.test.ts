import { describe, expect, it } from '@jest/globals'
import { hasUnresolved } from '../../../src/engine/unresolved.js'
import { read } from './helpers.js'

const DENY_DOCUMENT = `      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Deny
            Action: kms:Decrypt
            Resource: "*"
`

describe('policies on entities outside the template', () => {
  it('turns AWS::IAM::Policy on outside entities into attachments', () => {
    const facts = read(`Resources:
  Deny:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: deny-decrypt
      Roles: [app, "arn:aws:iam::111122223333:role/service/worker"]
      Users: [bob]
      Groups: [ops]
${DENY_DOCUMENT}`)
    expect(facts.attachments.map(({ kind, name }) => `${kind}:${name}`)).toEqual([
      'role:app',
      'role:worker',
      'user:bob',
      'group:ops'
    ])
    const [first] = facts.attachments
    expect(first.accountId).toBe('111122223333')
    expect(first.policy?.name).toBe('deny-decrypt')
    expect(first.policy?.statements[0].effect).toBe('Deny')
    expect(first.policy?.origin).toMatchObject({ file: 'infra/t.yaml', resource: 'Deny' })
    expect(first.location?.line).toBe(6)
    expect(facts.warnings).toEqual([])
  })

  it('attaches to template roles and outside roles alike', () => {
    const facts = read(`Resources:
  AppRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: app
      AssumeRolePolicyDocument: {}
  Deny:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: deny-decrypt
      Roles: [!Ref AppRole, other]
${DENY_DOCUMENT}`)
    expect(facts.roles[0].policies.map((policy) => policy.name)).toEqual(['deny-decrypt'])
    expect(facts.attachments.map((attachment) => attachment.name)).toEqual(['other'])
  })

  it('attaches RolePolicy on an outside role', () => {
    const facts = read(`Resources:
  Deny:
    Type: AWS::IAM::RolePolicy
    Properties:
      RoleName: app
      PolicyName: deny-decrypt
${DENY_DOCUMENT}`)
    expect(facts.attachments).toEqual([
      expect.objectContaining({ kind: 'role', name: 'app', policy: expect.anything() })
    ])
  })

  it('attaches a template managed policy with its document', () => {
    const facts = read(`Resources:
  Managed:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      ManagedPolicyName: deny-decrypt
      Users: [bob]
${DENY_DOCUMENT}`)
    expect(facts.attachments).toHaveLength(1)
    expect(facts.attachments[0].policy?.arn).toBe('arn:aws:iam::111122223333:policy/deny-decrypt')
  })

  it('gives an unresolved document as a missing policy', () => {
    const facts = read(`Resources:
  Deny:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: deny-decrypt
      Roles: [app]
      PolicyDocument: !ImportValue shared-policy
`)
    const [attachment] = facts.attachments
    expect(attachment.policy).toBeUndefined()
    expect(hasUnresolved(attachment.missingPolicy ?? '')).toBe(true)
    expect(facts.unresolved.map((value) => value.expression)).toContain('PolicyDocument of Deny')
  })

  it('gives a user outside the template the policies of its new group', () => {
    const facts = read(`Resources:
  Admins:
    Type: AWS::IAM::Group
    Properties:
      GroupName: admins
      Policies:
        - PolicyName: admin-deny
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Effect: Deny
                Action: kms:Decrypt
                Resource: "*"
  AddBob:
    Type: AWS::IAM::UserToGroupAddition
    Properties:
      GroupName: !Ref Admins
      Users: [bob]
  AddCarol:
    Type: AWS::IAM::UserToGroupAddition
    Properties:
      GroupName: existing
      Users: [carol]
`)
    expect(facts.attachments).toEqual([
      expect.objectContaining({
        kind: 'user',
        name: 'bob',
        policy: expect.objectContaining({ name: 'admin-deny' })
      }),
      expect.objectContaining({
        kind: 'user',
        name: 'carol',
        missingPolicy: 'arn:aws:iam::111122223333:group/existing'
      })
    ])
  })

  it('keeps an unresolved target name as a marker', () => {
    const facts = read(`Parameters:
  Target:
    Type: String
Resources:
  Deny:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: deny-decrypt
      Roles: [!Ref Target]
${DENY_DOCUMENT}`)
    expect(hasUnresolved(facts.attachments[0].name)).toBe(true)
  })
})
