import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { InputError } from '../../src/inputs/errors.js'
import {
  DEFAULT_MANIFEST_PATH,
  loadManifest,
  parseManifest,
  withManifestFacts
} from '../../src/inputs/manifest.js'
import type { CheckSettings } from '../../src/inputs/settings.js'

const FULL_MANIFEST = `# yaml-language-server: $schema=../schema/manifest.schema.json
version: 1
defaults:
  region: ap-northeast-1
  account: "123456789012"
  partition: aws
facts:
  - facts/
  - more/*.json
expectations:
  - name: App reads its database password
    principal: arn:aws:iam::123456789012:role/MyRole
    key: arn:aws:kms:ap-northeast-1:123456789012:key/abc-123
    actions: [kms:Decrypt, kms:DescribeKey]
    expect: allow
    context:
      kms:ViaService: secretsmanager.ap-northeast-1.amazonaws.com
      kms:EncryptionContext:SecretARN: arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:db
  - name: Auditor cannot decrypt in eu-west-1
    principal: arn:aws:iam::210987654321:user/auditor
    key: alias/app
    actions: kms:decrypt
    expect: deny
    region: eu-west-1
`

/** Builds a one-expectation manifest with `principal` and `key` as YAML values, then `extra` lines. */
function singleExpectation(principal: string, key: string, extra = ''): string {
  return `version: 1
defaults:
  region: us-east-1
expectations:
  - name: check
    principal: ${principal}
    key: ${key}
    actions: [kms:Decrypt]
    expect: allow
${extra}`
}

describe('parseManifest', () => {
  test('reads every field', () => {
    const manifest = parseManifest(FULL_MANIFEST, '.github/kms-access.yml')
    const at = (line: number, column: number) => ({ file: '.github/kms-access.yml', line, column })

    expect(manifest).toEqual({
      version: 1,
      file: '.github/kms-access.yml',
      defaults: { region: 'ap-northeast-1', account: '123456789012', partition: 'aws' },
      live: { accounts: {}, confirmWithDryRun: false },
      iac: { parameters: {}, imports: {} },
      factPaths: ['.github/facts/', '.github/more/*.json'],
      expectations: [
        {
          name: 'App reads its database password',
          principal: 'arn:aws:iam::123456789012:role/MyRole',
          key: 'arn:aws:kms:ap-northeast-1:123456789012:key/abc-123',
          actions: ['kms:Decrypt', 'kms:DescribeKey'],
          expect: 'allow',
          context: {
            'kms:ViaService': 'secretsmanager.ap-northeast-1.amazonaws.com',
            'kms:EncryptionContext:SecretARN':
              'arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:db'
          },
          region: 'ap-northeast-1',
          account: '123456789012',
          location: at(11, 5),
          fieldLocations: {
            name: at(11, 11),
            principal: at(12, 16),
            key: at(13, 10),
            actions: at(14, 14),
            expect: at(15, 13),
            context: at(17, 7)
          }
        },
        {
          name: 'Auditor cannot decrypt in eu-west-1',
          principal: 'arn:aws:iam::210987654321:user/auditor',
          key: 'alias/app',
          actions: ['kms:Decrypt'],
          expect: 'deny',
          context: {},
          region: 'eu-west-1',
          account: '210987654321',
          location: at(19, 5),
          fieldLocations: {
            name: at(19, 11),
            principal: at(20, 16),
            key: at(21, 10),
            actions: at(22, 14),
            expect: at(23, 13)
          }
        }
      ]
    })
  })

  test('defaults the partition to aws', () => {
    const manifest = parseManifest(
      singleExpectation('arn:aws:iam::123456789012:role/r', 'alias/app'),
      'm.yml'
    )
    expect(manifest.defaults).toEqual({
      region: 'us-east-1',
      account: undefined,
      partition: 'aws'
    })
    expect(manifest.factPaths).toEqual([])
  })

  test.each([
    ['role', 'arn:aws:iam::123456789012:role/MyRole'],
    ['role with path', 'arn:aws:iam::123456789012:role/service-role/team/MyRole'],
    ['role with IAM name characters', 'arn:aws:iam::123456789012:role/a+b=c,d.e@f_g-h'],
    ['user', 'arn:aws:iam::123456789012:user/alice'],
    ['user with path', 'arn:aws:iam::123456789012:user/division/alice'],
    ['assumed-role session', 'arn:aws:sts::123456789012:assumed-role/MyRole/session-1'],
    ['federated user', 'arn:aws:sts::123456789012:federated-user/bob'],
    ['account root', 'arn:aws:iam::123456789012:root'],
    ['account ID', '"123456789012"']
  ])('accepts a principal: %s', (_, principal) => {
    const manifest = parseManifest(singleExpectation(principal, 'alias/app'), 'm.yml')
    const [expectation] = manifest.expectations

    expect(expectation.principal).toBe(principal.replaceAll('"', ''))
    expect(expectation.account).toBe('123456789012')
  })

  test.each([
    ['global service principal', 'logs.amazonaws.com'],
    ['regional service principal', 'logs.ap-northeast-1.amazonaws.com'],
    ['dotted service principal', 'delivery.logs.amazonaws.com']
  ])('accepts a principal: %s', (_, principal) => {
    const text = singleExpectation(principal, 'alias/app', '    account: "111122223333"\n')
    const [expectation] = parseManifest(text, 'm.yml').expectations

    expect(expectation.principal).toBe(principal)
    expect(expectation.account).toBe('111122223333')
  })

  test.each([
    ['key ARN', 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'],
    [
      'multi-Region key ARN',
      'arn:aws:kms:us-east-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab'
    ],
    ['key ID', '1234abcd-12ab-34cd-56ef-1234567890ab'],
    ['multi-Region key ID', 'mrk-1234abcd12ab34cd56ef1234567890ab'],
    ['alias name', 'alias/app'],
    ['alias name with slashes', 'alias/team/app_key-1'],
    ['AWS managed alias', 'alias/aws/s3'],
    ['alias ARN', 'arn:aws:kms:us-east-1:123456789012:alias/app']
  ])('accepts a key: %s', (_, key) => {
    const manifest = parseManifest(
      singleExpectation('arn:aws:iam::123456789012:role/r', key),
      'm.yml'
    )
    expect(manifest.expectations[0].key).toBe(key)
  })

  test('accepts a key ARN without a region default', () => {
    const text = `version: 1
expectations:
  - name: check
    principal: arn:aws:iam::123456789012:role/r
    key: arn:aws:kms:eu-west-1:210987654321:key/1234abcd-12ab-34cd-56ef-1234567890ab
    actions: kms:Decrypt
    expect: allow
`
    const [expectation] = parseManifest(text, 'm.yml').expectations
    expect(expectation.region).toBeUndefined()
    expect(expectation.account).toBe('123456789012')
  })

  test('stores canonical action names', () => {
    const text = singleExpectation('arn:aws:iam::123456789012:role/r', 'alias/app').replace(
      '[kms:Decrypt]',
      '[KMS:decrypt, kms:generatedatakey, kms:ReEncryptFrom]'
    )
    expect(parseManifest(text, 'm.yml').expectations[0].actions).toEqual([
      'kms:Decrypt',
      'kms:GenerateDataKey',
      'kms:ReEncryptFrom'
    ])
  })

  test('keeps context numbers and booleans as written', () => {
    const context = `    context:
      kms:EncryptionContext:Version: 1.10
      kms:EncryptionContext:Enabled: true
      kms:EncryptionContext:Id: 0042
      aws:SourceVpce: [vpce-1a2b3c4d, 7]
      kms:EncryptionContext:Quoted: "yes"
`
    const text = singleExpectation('arn:aws:iam::123456789012:role/r', 'alias/app', context)
    expect(parseManifest(text, 'm.yml').expectations[0].context).toEqual({
      'kms:EncryptionContext:Version': '1.10',
      'kms:EncryptionContext:Enabled': 'true',
      'kms:EncryptionContext:Id': '0042',
      'aws:SourceVpce': ['vpce-1a2b3c4d', '7'],
      'kms:EncryptionContext:Quoted': 'yes'
    })
  })

  test('accepts context keys the caller sets', () => {
    const context = `    context:
      kms:ViaService: s3.us-east-1.amazonaws.com
      kms:EncryptionContext:aws:s3:arn: arn:aws:s3:::my-bucket
      kms:GrantIsForAWSResource: true
      kms:EncryptionAlgorithm: SYMMETRIC_DEFAULT
      aws:SourceIp: 192.0.2.10
      aws:SourceVpce: vpce-1a2b3c4d
      aws:SourceVpc: vpc-1a2b3c4d
      aws:CurrentTime: 2024-01-01T00:00:00Z
      aws:EpochTime: 1704067200
      aws:MultiFactorAuthPresent: false
      aws:ViaAWSService: true
      aws:CalledVia: [athena.amazonaws.com]
      aws:SourceArn: arn:aws:s3:::my-bucket
      aws:SourceAccount: "123456789012"
      aws:RequestTag/env: prod
`
    const text = singleExpectation('arn:aws:iam::123456789012:role/r', 'alias/app', context)
    const parsed = parseManifest(text, 'm.yml').expectations[0].context
    expect(Object.keys(parsed)).toHaveLength(15)
    expect(parsed['aws:SourceIp']).toBe('192.0.2.10')
    expect(parsed['aws:CurrentTime']).toBe('2024-01-01T00:00:00Z')
    expect(parsed['kms:GrantIsForAWSResource']).toBe('true')
  })

  test('applies an expectation region over the default', () => {
    const text = singleExpectation(
      'arn:aws:iam::123456789012:role/r',
      'alias/app',
      '    region: eu-central-1\n'
    )
    expect(parseManifest(text, 'm.yml').expectations[0].region).toBe('eu-central-1')
  })

  test('uses the principal account for a bare key', () => {
    const text = `version: 1
defaults:
  region: us-east-1
  account: "111122223333"
expectations:
  - name: check
    principal: arn:aws:iam::123456789012:role/r
    key: alias/app
    actions: [kms:Decrypt]
    expect: allow
`
    expect(parseManifest(text, 'm.yml').expectations[0].account).toBe('123456789012')
  })

  test('uses the default account for a service principal', () => {
    const text = `version: 1
defaults:
  region: us-east-1
  account: "111122223333"
expectations:
  - name: check
    principal: logs.amazonaws.com
    key: alias/app
    actions: [kms:Decrypt]
    expect: allow
`
    expect(parseManifest(text, 'm.yml').expectations[0].account).toBe('111122223333')
  })

  test('accepts ARNs of another partition when it is set', () => {
    const text = `version: 1
defaults:
  partition: aws-cn
expectations:
  - name: check
    principal: arn:aws-cn:iam::123456789012:role/r
    key: arn:aws-cn:kms:cn-north-1:123456789012:alias/app
    actions: [kms:Decrypt]
    expect: deny
`
    const manifest = parseManifest(text, 'm.yml')
    expect(manifest.defaults.partition).toBe('aws-cn')
    expect(manifest.expectations[0].expect).toBe('deny')
  })

  test('resolves YAML aliases', () => {
    const text = `version: 1
defaults:
  region: us-east-1
expectations:
  - name: first
    principal: &app arn:aws:iam::123456789012:role/App
    key: alias/app
    actions: &read [kms:Decrypt, kms:DescribeKey]
    expect: allow
  - name: second
    principal: *app
    key: alias/other
    actions: *read
    expect: allow
`
    const [, second] = parseManifest(text, 'm.yml').expectations
    expect(second.principal).toBe('arn:aws:iam::123456789012:role/App')
    expect(second.actions).toEqual(['kms:Decrypt', 'kms:DescribeKey'])
  })

  test.each([
    [
      'a list relative to the manifest',
      '.github/m.yml',
      '[facts/, "x/*.json"]',
      ['.github/facts/', '.github/x/*.json']
    ],
    ['one string', '.github/m.yml', 'facts', ['.github/facts']],
    ['a manifest in the working directory', 'm.yml', '[./facts/a.json]', ['facts/a.json']],
    ['a parent directory', '.github/m.yml', '[../facts]', ['facts']],
    [
      'an exclusion pattern',
      '.github/m.yml',
      '["facts/**", "!facts/old/**"]',
      ['.github/facts/**', '!.github/facts/old/**']
    ],
    ['an absolute path', '.github/m.yml', '[/srv/facts]', ['/srv/facts']]
  ])('resolves facts: %s', (_, file, facts, expected) => {
    const text = `facts: ${facts}\n${singleExpectation('arn:aws:iam::123456789012:role/r', 'alias/app')}`
    expect(parseManifest(text, file).factPaths).toEqual(expected)
  })
})

describe('loadManifest', () => {
  let cwd: string

  beforeAll(async () => {
    cwd = await mkdtemp(path.join(tmpdir(), 'kms-access-gate-manifest-'))
    await mkdir(path.join(cwd, '.github'))
    await writeFile(path.join(cwd, DEFAULT_MANIFEST_PATH), FULL_MANIFEST)
    await mkdir(path.join(cwd, 'not-a-file.yml'))
  })

  afterAll(async () => {
    await rm(cwd, { recursive: true, force: true })
  })

  test('reads the manifest relative to cwd', async () => {
    const manifest = await loadManifest(DEFAULT_MANIFEST_PATH, cwd)

    expect(manifest.file).toBe(path.join('.github', 'kms-access.yml'))
    expect(manifest.expectations).toHaveLength(2)
    expect(manifest.expectations[0].location.file).toBe(manifest.file)
    expect(manifest.factPaths).toEqual(['.github/facts/', '.github/more/*.json'])
  })

  test('names an absolute path inside cwd relative to cwd', async () => {
    const manifest = await loadManifest(path.join(cwd, DEFAULT_MANIFEST_PATH), cwd)
    expect(manifest.file).toBe(path.join('.github', 'kms-access.yml'))
  })

  test('keeps a manifest outside cwd absolute', async () => {
    const otherCwd = path.join(cwd, 'not-a-file.yml')
    const manifest = await loadManifest(path.join(cwd, DEFAULT_MANIFEST_PATH), otherCwd)

    expect(manifest.file).toBe(path.join(cwd, DEFAULT_MANIFEST_PATH))
    expect(manifest.factPaths).toEqual([
      `${path.join(cwd, '.github')}/facts/`,
      `${path.join(cwd, '.github')}/more/*.json`
    ])
  })

  test('reports a missing file', async () => {
    const error = await loadManifest('missing.yml', cwd).catch((caught: unknown) => caught)

    expect(error).toBeInstanceOf(InputError)
    expect((error as InputError).message).toBe(
      `manifest file \`missing.yml\` not found (looked in ${cwd}); create it or pass its path with --manifest or the \`manifest\` input`
    )
    expect((error as InputError).location).toBeUndefined()
  })

  test('reports a directory', async () => {
    const error = await loadManifest('not-a-file.yml', cwd).catch((caught: unknown) => caught)

    expect(error).toBeInstanceOf(InputError)
    expect((error as InputError).message).toBe(
      'manifest path `not-a-file.yml` is a directory; pass the manifest file'
    )
  })

  test('locates errors in the file', async () => {
    await writeFile(path.join(cwd, 'bad.yml'), 'version: 1\nexpectations: []\n')
    const error = await loadManifest('bad.yml', cwd).catch((caught: unknown) => caught)

    expect((error as InputError).format()).toBe(
      'bad.yml:2:15: `expectations` is empty; list at least one expectation'
    )
  })
})

describe('withManifestFacts', () => {
  const settings: CheckSettings = {
    manifestPath: DEFAULT_MANIFEST_PATH,
    factPaths: [],
    format: 'text',
    failOnUnknown: true,
    mode: 'offline',
    accountRoles: {},
    cwd: '/work'
  }
  const manifest = parseManifest(FULL_MANIFEST, '.github/kms-access.yml')

  test('uses the manifest facts when none are given', () => {
    expect(withManifestFacts(settings, manifest).factPaths).toEqual([
      '.github/facts/',
      '.github/more/*.json'
    ])
  })

  test('keeps given facts over the manifest list', () => {
    const withFlags = { ...settings, factPaths: ['other/'] }
    expect(withManifestFacts(withFlags, manifest)).toBe(withFlags)
  })
})
