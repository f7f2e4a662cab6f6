import { describe, expect, it } from '@jest/globals'
import { buildFacts } from '../../src/facts/build-facts.js'
import { cliText, inputErrorOf, KEY_ARN, KEY_ID, keyObject, locationOf } from './builders.js'

const FRESH_ID = '5678efgh-12ab-34cd-56ef-1234567890ab'
const FRESH_ARN = `arn:aws:kms:us-east-1:111122223333:key/${FRESH_ID}`

/** Builds the test key object in another Region: the same key ID under another ARN. */
function inRegion(region: string, aliases: string[]): Record<string, unknown> {
  const base = keyObject({ Aliases: aliases })
  const arn = `arn:aws:kms:${region}:111122223333:key/${KEY_ID}`
  return { ...base, KeyMetadata: { ...(base.KeyMetadata as object), Arn: arn } }
}

describe('alias owners', () => {
  it('rejects one alias on two keys of one account and Region', () => {
    const stale = cliText(keyObject({ Aliases: ['alias/app'] }))
    const fresh = cliText(keyObject({ Aliases: ['alias/app'] }, FRESH_ID))
    const error = inputErrorOf(() =>
      buildFacts([
        { source: 'fresh.json', text: fresh },
        { source: 'stale.json', text: stale }
      ])
    )
    expect(error.message).toBe(
      `alias/app names two keys in account 111122223333, us-east-1: ${FRESH_ARN} in fresh.json and ${KEY_ARN} in stale.json; an alias names one key, so remove the alias from the stale key object`
    )
    expect(error.location).toEqual({ file: 'stale.json', line: 1, column: 1 })
  })

  it('rejects one alias on two keys of one list', () => {
    const keys = [
      keyObject({ Aliases: ['alias/app'] }),
      keyObject({ Aliases: ['alias/app'] }, FRESH_ID)
    ]
    const error = inputErrorOf(() => buildFacts([{ source: 'keys.json', value: keys }]))
    expect(error.message).toContain(`${KEY_ARN} in keys.json and ${FRESH_ARN} in keys.json`)
  })

  it('accepts one alias name in two Regions', () => {
    const { facts } = buildFacts([
      { source: 'east.json', value: inRegion('us-east-1', ['alias/app']) },
      { source: 'west.json', value: inRegion('us-west-2', ['alias/app']) }
    ])
    expect(facts.keys.map((key) => key.aliases)).toEqual([['alias/app'], ['alias/app']])
  })

  it('accepts the same key with its alias in two files', () => {
    const { facts } = buildFacts([
      { source: 'a.json', value: keyObject({ Aliases: ['alias/app'] }) },
      { source: 'b.json', value: keyObject({ Aliases: ['alias/app'] }) }
    ])
    expect(facts.keys).toHaveLength(1)
  })
})

describe('list-aliases entries', () => {
  function errorFor(aliases: unknown, at: string) {
    const text = cliText(keyObject({ Aliases: aliases }))
    const error = inputErrorOf(() => buildFacts([{ source: 'key.json', text }]))
    expect(error.location).toEqual(locationOf(text, at, 'key.json'))
    return error.message
  }

  it('rejects an alias whose TargetKeyId names another key', () => {
    const aliases = {
      Aliases: [
        { AliasName: 'alias/app', TargetKeyId: KEY_ID },
        { AliasName: 'alias/other', TargetKeyId: FRESH_ID }
      ]
    }
    expect(errorFor(aliases, `"${FRESH_ID}"`)).toBe(
      `TargetKeyId of alias alias/other of key ${KEY_ARN} is "${FRESH_ID}", so the alias names another key; list only this key's aliases ("aws kms list-aliases --key-id ${KEY_ID}")`
    )
  })

  it('rejects an AliasArn in another Region', () => {
    const aliasArn = 'arn:aws:kms:eu-west-1:111122223333:alias/app'
    const aliases = [{ AliasName: 'alias/app', AliasArn: aliasArn, TargetKeyId: KEY_ID }]
    expect(errorFor(aliases, `"${aliasArn}"`)).toBe(
      `AliasArn of alias alias/app of key ${KEY_ARN} must be arn:aws:kms:us-east-1:111122223333:alias/app, found "${aliasArn}"; an alias names a key in its own account and Region`
    )
  })

  it('rejects an AliasArn of another alias name', () => {
    const aliasArn = 'arn:aws:kms:us-east-1:111122223333:alias/other'
    const aliases = [{ AliasName: 'alias/app', AliasArn: aliasArn }]
    expect(errorFor(aliases, `"${aliasArn}"`)).toContain(
      'must be arn:aws:kms:us-east-1:111122223333:alias/app'
    )
  })

  it('accepts a matching AliasArn', () => {
    const aliases = [
      {
        AliasName: 'alias/app',
        AliasArn: 'arn:aws:kms:us-east-1:111122223333:alias/app',
        TargetKeyId: KEY_ID,
        CreationDate: '2024-01-01T00:00:00+00:00',
        LastUpdatedDate: '2024-01-01T00:00:00+00:00'
      }
    ]
    const { facts, warnings } = buildFacts([
      { source: 'k', value: keyObject({ Aliases: aliases }) }
    ])
    expect(facts.keys[0].aliases).toEqual(['alias/app'])
    expect(warnings).toEqual([])
  })

  it('rejects a lowercase TargetKeyId member', () => {
    const aliases = [{ AliasName: 'alias/app', targetKeyId: FRESH_ID }]
    expect(errorFor(aliases, `"${FRESH_ID}"`)).toContain('must be spelled "TargetKeyId"')
  })
})
