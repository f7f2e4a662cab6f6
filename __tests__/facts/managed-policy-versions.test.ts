import { describe, expect, it } from '@jest/globals'
import { buildFacts } from '../../src/facts/build-facts.js'
import {
  authorizationDetails,
  cliText,
  inputErrorOf,
  locationOf,
  policyDocument,
  role,
  statement
} from './builders.js'

const ARN = 'arn:aws:iam::111122223333:policy/App'

function version(versionId: string, isDefault: unknown, sid: string) {
  return {
    VersionId: versionId,
    IsDefaultVersion: isDefault,
    Document: policyDocument(statement({ Sid: sid }))
  }
}

function details(defaultVersionId: string | undefined, versions: unknown[]) {
  return authorizationDetails({
    roles: [role('App', { AttachedManagedPolicies: [{ PolicyName: 'App', PolicyArn: ARN }] })],
    policies: [
      {
        PolicyName: 'App',
        Arn: ARN,
        DefaultVersionId: defaultVersionId,
        PolicyVersionList: versions
      }
    ]
  })
}

function sidOfDefault(defaultVersionId: string | undefined, versions: unknown[]) {
  const { facts } = buildFacts([{ source: 'iam.json', value: details(defaultVersionId, versions) }])
  return facts.iam[0].roles[0].policies[0]?.statements[0].sid
}

function errorFor(defaultVersionId: string | undefined, versions: unknown[], at: string) {
  const text = cliText(details(defaultVersionId, versions))
  const error = inputErrorOf(() => buildFacts([{ source: 'iam.json', text }]))
  expect(error.location).toEqual(locationOf(text, at, 'iam.json'))
  return error.message
}

describe('managed policy default version', () => {
  it('uses the version marked default that DefaultVersionId names', () => {
    expect(sidOfDefault('v2', [version('v1', false, 'One'), version('v2', true, 'Two')])).toBe(
      'Two'
    )
  })

  it('uses DefaultVersionId when no version is marked', () => {
    expect(sidOfDefault('v1', [version('v1', undefined, 'One'), version('v2', false, 'Two')])).toBe(
      'One'
    )
  })

  it('uses the marked version without DefaultVersionId', () => {
    expect(sidOfDefault(undefined, [version('v1', false, 'One'), version('v2', true, 'Two')])).toBe(
      'Two'
    )
  })

  it('rejects DefaultVersionId that disagrees with the marked version', () => {
    const versions = [version('v1', true, 'One'), version('v2', false, 'Two')]
    expect(errorFor('v2', versions, 'true')).toBe(
      `managed policy ${ARN} has DefaultVersionId "v2", but the version marked IsDefaultVersion: true is "v1"; the two must name the same version`
    )
  })

  it('rejects two versions marked default', () => {
    const versions = [version('v1', true, 'One'), version('v2', true, 'Two')]
    const text = cliText(details('v2', versions))
    const error = inputErrorOf(() => buildFacts([{ source: 'iam.json', text }]))
    expect(error.message).toBe(
      `managed policy ${ARN} has more than one version marked IsDefaultVersion: true (v1 and v2); a policy has one default version`
    )
    const second = text.lastIndexOf('"IsDefaultVersion": true')
    expect(error.location?.line).toBe(text.slice(0, second).split('\n').length)
  })

  it('rejects one version ID listed twice', () => {
    const versions = [version('v2', false, 'Old'), version('v2', true, 'New')]
    const text = cliText(details('v2', versions))
    const error = inputErrorOf(() => buildFacts([{ source: 'iam.json', text }]))
    expect(error.message).toBe(
      `managed policy ${ARN} lists version v2 twice in PolicyVersionList; keep one entry per version`
    )
  })

  it('rejects an IsDefaultVersion that is not a boolean', () => {
    const versions = [version('v1', 'true', 'One')]
    expect(errorFor('v1', versions, '"true"')).toBe(
      `IsDefaultVersion of version 1 of managed policy ${ARN} must be true or false, found "true"`
    )
  })
})
