import { describe, expect, test } from '@jest/globals'
import { Ajv } from 'ajv'
import schema from '../../schema/manifest.schema.json' with { type: 'json' }
import { kmsAction, kmsActionNames } from '../../src/engine/kms-actions.js'
import {
  ACCOUNT_PATTERN,
  ACTION_PATTERN,
  CONDITION_KEY_PATTERN,
  KEY_PATTERN,
  NON_BLANK_PATTERN,
  PARTITIONS,
  PRINCIPAL_PATTERN,
  parseKeyReference,
  parsePrincipal,
  REGION_PATTERN
} from '../../src/inputs/manifest-formats.js'

type SchemaNode = Record<string, unknown>

const defaults = schema.properties.defaults.properties
const expectation = schema.properties.expectations.items.properties

/** Calls `visit` with every subschema and the JSON Pointer to it. */
function walkSchema(
  node: SchemaNode,
  visit: (node: SchemaNode, pointer: string) => void,
  pointer = ''
): void {
  visit(node, pointer)
  for (const keyword of ['properties']) {
    const children = node[keyword] as Record<string, SchemaNode> | undefined
    for (const [name, child] of Object.entries(children ?? {})) {
      walkSchema(child, visit, `${pointer}/${keyword}/${name}`)
    }
  }
  for (const keyword of ['items', 'additionalProperties', 'propertyNames']) {
    const child = node[keyword]
    if (typeof child === 'object' && child !== null) {
      walkSchema(child as SchemaNode, visit, `${pointer}/${keyword}`)
    }
  }
}

describe('manifest schema file', () => {
  test('is a valid draft-07 schema', () => {
    const ajv = new Ajv({ strict: true, allowUnionTypes: true })
    expect(ajv.validateSchema(schema)).toBe(true)
    expect(ajv.errors).toBeNull()
    expect(() => ajv.compile(schema)).not.toThrow()
  })

  test('declares draft-07', () => {
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#')
  })

  test('describes every property', () => {
    const undescribed: string[] = []
    walkSchema(schema as SchemaNode, (node, pointer) => {
      if (pointer.includes('/properties/') && pointer.split('/').at(-2) === 'properties') {
        if (typeof node.description !== 'string' || node.description === '')
          undescribed.push(pointer)
      }
    })
    expect(undescribed).toEqual([])
  })

  test('rejects unknown fields in every fixed mapping', () => {
    const open: string[] = []
    walkSchema(schema as SchemaNode, (node, pointer) => {
      if (node.properties !== undefined && node.additionalProperties !== false) open.push(pointer)
    })
    expect(open).toEqual([])
  })

  test('uses the patterns of the formats module', () => {
    expect(defaults.account.pattern).toBe(ACCOUNT_PATTERN)
    expect(expectation.account.pattern).toBe(ACCOUNT_PATTERN)
    expect(defaults.region.pattern).toBe(REGION_PATTERN)
    expect(expectation.region.pattern).toBe(REGION_PATTERN)
    expect(expectation.principal.pattern).toBe(PRINCIPAL_PATTERN)
    expect(expectation.key.pattern).toBe(KEY_PATTERN)
    expect(expectation.actions.pattern).toBe(ACTION_PATTERN)
    expect(expectation.actions.items.pattern).toBe(ACTION_PATTERN)
    expect(expectation.context.propertyNames.pattern).toBe(CONDITION_KEY_PATTERN)
    expect(expectation.name.pattern).toBe(NON_BLANK_PATTERN)
  })

  test('lists the partitions of the formats module', () => {
    expect(defaults.partition.enum).toEqual([...PARTITIONS])
  })

  test('offers every key-scoped action as an example', () => {
    const keyScoped = kmsActionNames().filter((name) => kmsAction(name)?.scope === 'key')
    expect(expectation.actions.items.examples).toEqual(keyScoped)
  })

  test('accepts a full manifest as plain data', () => {
    const validate = new Ajv({ allowUnionTypes: true }).compile(schema)
    const manifest = {
      version: 1,
      defaults: { region: 'us-east-1', account: '123456789012', partition: 'aws' },
      facts: ['facts/'],
      expectations: [
        {
          name: 'n',
          principal: 'arn:aws:iam::123456789012:role/r',
          key: 'alias/app',
          actions: ['kms:Decrypt'],
          expect: 'allow',
          context: { 'kms:ViaService': 's3.us-east-1.amazonaws.com', 'aws:SourceVpce': ['a', 1] },
          region: 'us-east-1',
          account: '123456789012'
        }
      ]
    }
    expect(validate(manifest)).toBe(true)
    expect(validate({ ...manifest, extra: true })).toBe(false)
  })
})

describe('principal pattern', () => {
  const principal = new RegExp(PRINCIPAL_PATTERN, 'u')

  test.each([
    ['arn:aws:iam::123456789012:role/R', 'role'],
    ['arn:aws-us-gov:iam::123456789012:role/a/b/R', 'role'],
    ['arn:aws:iam::123456789012:user/u', 'user'],
    ['arn:aws:sts::123456789012:assumed-role/R/s', 'assumed-role'],
    ['arn:aws:sts::123456789012:federated-user/f', 'federated-user'],
    ['arn:aws-cn:iam::123456789012:root', 'root'],
    ['123456789012', 'account'],
    ['logs.amazonaws.com', 'service'],
    ['logs.eu-west-1.amazonaws.com', 'service'],
    ['ec2.amazonaws.com.cn', 'service']
  ])('accepts %s as %s', (value, kind) => {
    expect(principal.test(value)).toBe(true)
    expect(parsePrincipal(value)?.kind).toBe(kind)
  })

  test.each([
    'arn:aws:iam::123456789012:group/G',
    'arn:aws:iam::123456789012:role/*',
    'arn:aws:iam::123456789012:role/',
    'arn:aws:iam::123456789012:role/a//b',
    'arn:aws:sts::123456789012:assumed-role/R',
    'arn:aws:iam::12345678901:root',
    'arn:aws:iam:us-east-1:123456789012:root',
    'arn:aws:s3:::bucket',
    'amazonaws.com',
    'logs.amazonaws.com.evil',
    '*',
    ''
  ])('rejects %j', (value) => {
    expect(principal.test(value)).toBe(false)
    expect(parsePrincipal(value)).toBeUndefined()
  })
})

describe('key pattern', () => {
  const key = new RegExp(KEY_PATTERN, 'u')

  test.each([
    [
      'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      'key-arn',
      'us-east-1',
      '123456789012'
    ],
    [
      'arn:aws-cn:kms:cn-north-1:123456789012:alias/aws/s3',
      'alias-arn',
      'cn-north-1',
      '123456789012'
    ],
    ['1234abcd-12ab-34cd-56ef-1234567890ab', 'key-id', undefined, undefined],
    ['mrk-1234abcd12ab34cd56ef1234567890ab', 'key-id', undefined, undefined],
    ['alias/app', 'alias-name', undefined, undefined]
  ])('accepts %s', (value, kind, region, account) => {
    expect(key.test(value)).toBe(true)
    const parsed = parseKeyReference(value)
    expect(parsed?.kind).toBe(kind)
    expect(parsed?.region).toBe(region)
    expect(parsed?.account).toBe(account)
  })

  test.each([
    'arn:aws:kms:us-east-1:123456789012:key/*',
    'arn:aws:kms::123456789012:key/k',
    'arn:aws:kms:us-east-1:123456789012:grant/g',
    '1234ABCD-12AB-34CD-56EF-1234567890AB',
    'mrk-123',
    'alias/',
    'alias/a b',
    'app'
  ])('rejects %j', (value) => {
    expect(key.test(value)).toBe(false)
    expect(parseKeyReference(value)).toBeUndefined()
  })
})

describe('other patterns', () => {
  test.each([
    [CONDITION_KEY_PATTERN, 'kms:ViaService', true],
    [CONDITION_KEY_PATTERN, 'kms:EncryptionContext:aws:lambda:FunctionArn', true],
    [CONDITION_KEY_PATTERN, 'aws:PrincipalTag/team', true],
    [CONDITION_KEY_PATTERN, 'Department', false],
    [CONDITION_KEY_PATTERN, 'kms:', false],
    [CONDITION_KEY_PATTERN, ':ViaService', false],
    [REGION_PATTERN, 'us-gov-west-1', true],
    [REGION_PATTERN, 'ap-northeast-1', true],
    [REGION_PATTERN, 'tokyo', false],
    [ACCOUNT_PATTERN, '012345678901', true],
    [ACCOUNT_PATTERN, '12345678901', false],
    [ACTION_PATTERN, 'KMS:decrypt', true],
    [ACTION_PATTERN, 'kms:*', false]
  ])('%s tests %j as %s', (pattern, value, matches) => {
    expect(new RegExp(pattern, 'u').test(value)).toBe(matches)
  })
})
