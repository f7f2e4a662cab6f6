import { describe, expect, it } from '@jest/globals'
import { buildFacts } from '../../src/facts/build-facts.js'
import { cliText, inputErrorOf, KEY_ARN, keyObject, locationOf } from './builders.js'

function withMetadata(fields: Record<string, unknown>): Record<string, unknown> {
  const base = keyObject()
  return { ...base, KeyMetadata: { ...(base.KeyMetadata as object), ...fields } }
}

function errorFor(fields: Record<string, unknown>, member: string) {
  const text = cliText(withMetadata(fields))
  const error = inputErrorOf(() => buildFacts([{ source: 'key.json', text }]))
  expect(error.location).toEqual(locationOf(text, `"${member}": `, 'key.json', member.length + 4))
  return error.message
}

describe('key metadata values', () => {
  const invalid: Array<[string, string, string]> = [
    ['KeyState', '', 'Creating, Enabled, Disabled, PendingDeletion, PendingImport'],
    ['KeyState', 'Active', 'PendingReplicaDeletion, Unavailable, Updating'],
    ['KeyUsage', '', 'ENCRYPT_DECRYPT, SIGN_VERIFY, GENERATE_VERIFY_MAC, KEY_AGREEMENT'],
    ['KeyUsage', 'ENCRYPT', 'ENCRYPT_DECRYPT, SIGN_VERIFY'],
    ['KeyManager', '', 'AWS, CUSTOMER'],
    ['KeyManager', 'OWNER', 'AWS, CUSTOMER']
  ]

  it.each(invalid)('rejects %s %j', (member, value, expected) => {
    const fields =
      member === 'KeyState' ? { KeyState: value, Enabled: undefined } : { [member]: value }
    const message = errorFor(fields, member)
    expect(message).toContain(`${member} of key ${KEY_ARN} must be one of`)
    expect(message).toContain(expected)
    expect(message).toContain(`found ${JSON.stringify(value)}`)
  })

  const wrongCase: Array<[string, string, string]> = [
    ['KeyState', 'enabled', 'Enabled'],
    ['KeyState', 'PENDINGDELETION', 'PendingDeletion'],
    ['KeyUsage', 'encrypt_decrypt', 'ENCRYPT_DECRYPT'],
    ['KeyManager', 'Customer', 'CUSTOMER']
  ]

  it.each(wrongCase)('suggests the spelling for %s %j', (member, value, intended) => {
    const message = errorFor({ [member]: value }, member)
    expect(message).toContain(`found "${value}"; AWS spells it "${intended}"`)
  })

  it('accepts every key state', () => {
    for (const state of ['Creating', 'PendingImport', 'Unavailable', 'Updating']) {
      const { facts } = buildFacts([
        { source: 'k', value: withMetadata({ KeyState: state, Enabled: false }) }
      ])
      expect(facts.keys[0].metadata.keyState).toBe(state)
    }
  })

  it('treats a null key state as absent', () => {
    const { facts } = buildFacts([{ source: 'k', value: withMetadata({ KeyState: null }) }])
    expect(facts.keys[0].metadata.keyState).toBeUndefined()
  })

  it('rejects a lower-case key spec', () => {
    const message = errorFor({ KeySpec: 'symmetric_default' }, 'KeySpec')
    expect(message).toContain('AWS spells key specs in upper case, such as "SYMMETRIC_DEFAULT"')
  })

  it('rejects an empty older key spec', () => {
    const message = errorFor(
      { KeySpec: undefined, CustomerMasterKeySpec: '' },
      'CustomerMasterKeySpec'
    )
    expect(message).toBe(
      `CustomerMasterKeySpec of key ${KEY_ARN} must be a key spec such as "SYMMETRIC_DEFAULT", found ""`
    )
  })

  it('accepts a key spec it does not know', () => {
    const { facts } = buildFacts([{ source: 'k', value: withMetadata({ KeySpec: 'ML_DSA_65' }) }])
    expect(facts.keys[0].metadata.keySpec).toBe('ML_DSA_65')
  })

  it('rejects Enabled that contradicts KeyState', () => {
    const message = errorFor({ KeyState: 'Disabled', Enabled: true }, 'Enabled')
    expect(message).toBe(
      `Enabled of key ${KEY_ARN} is true, but KeyState is "Disabled"; "aws kms describe-key" sets Enabled to true exactly when KeyState is Enabled, so export KeyMetadata again`
    )
    expect(errorFor({ KeyState: 'Enabled', Enabled: false }, 'Enabled')).toContain(
      'is false, but KeyState is "Enabled"'
    )
  })
})
