import { afterEach, describe, expect, jest, test } from '@jest/globals'
import { parseDocument } from 'yaml'
import { InputError } from '../../src/inputs/errors.js'
import { parseManifest } from '../../src/inputs/manifest.js'

/** A valid manifest. Values start at: name 5:11, principal 6:16, key 7:10, actions 8:14, expect 9:13. */
const BASE = `version: 1
defaults:
  region: ap-northeast-1
expectations:
  - name: App reads
    principal: arn:aws:iam::123456789012:role/MyRole
    key: alias/app
    actions: [kms:Decrypt]
    expect: allow
`

/** Returns BASE with each `[from, to]` replacement applied; each `from` must occur. */
function edit(...replacements: [string, string][]): string {
  return replacements.reduce((text, [from, to]) => {
    if (!text.includes(from)) throw new Error(`test setup: ${JSON.stringify(from)} not in manifest`)
    return text.replace(from, to)
  }, BASE)
}

interface ErrorCase {
  text: string
  message: string
  line: number
  column: number
}

/** Parses `text` and returns the InputError it throws. */
function parseError(text: string): InputError {
  try {
    parseManifest(text, 'kms.yml')
  } catch (error) {
    if (error instanceof InputError) return error
    throw error
  }
  throw new Error('expected an InputError, but the manifest was accepted')
}

function checkCases(cases: Record<string, ErrorCase>): void {
  test.each(Object.entries(cases))('%s', (_, { text, message, line, column }) => {
    const error = parseError(text)
    expect(error.message).toBe(message)
    expect(error.location?.file).toBe('kms.yml')
    expect(error.location?.line).toBe(line)
    expect(error.location?.column).toBe(column)
  })
}

test('base manifest is valid', () => {
  expect(parseManifest(BASE, 'kms.yml').expectations).toHaveLength(1)
})

test('error formats as file, line and column', () => {
  const error = parseError(edit(['expect: allow', 'expect: permit']))
  expect(error.format()).toBe(
    'kms.yml:9:13: `permit` is not a valid `expect` value: expected allow or deny'
  )
})

describe('YAML document errors', () => {
  checkCases({
    'syntax error': {
      text: edit(['[kms:Decrypt]', '[kms:Decrypt']),
      message:
        'invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]',
      line: 9,
      column: 5
    },
    'tab indentation': {
      text: 'version: 1\nexpectations:\n\t- name: x\n',
      message: 'invalid YAML: Tabs are not allowed as indentation',
      line: 3,
      column: 1
    },
    'empty file': {
      text: '',
      message: 'the manifest is empty: it needs `version: 1` and a list of `expectations`',
      line: 1,
      column: 1
    },
    'file with only comments': {
      text: '# nothing yet\n',
      message: 'the manifest is empty: it needs `version: 1` and a list of `expectations`',
      line: 1,
      column: 1
    },
    'top level is a list': {
      text: '# header\n- version: 1\n',
      message:
        'the manifest must be a YAML mapping with `version` and `expectations` at the top level',
      line: 2,
      column: 1
    },
    'top level is a scalar': {
      text: 'hello\n',
      message:
        'the manifest must be a YAML mapping with `version` and `expectations` at the top level',
      line: 1,
      column: 1
    },
    'duplicate key': {
      text: edit(['    expect: allow', '    expect: allow\n    expect: deny']),
      message: 'duplicate key `expect`: it is already set on line 9',
      line: 10,
      column: 5
    },
    'duplicate top-level key after a nested duplicate': {
      text: `version: 1\n${BASE.slice('version: 1\n'.length)}version: 1\n`.replace(
        '  region: ap-northeast-1',
        '  region: ap-northeast-1\n  region: us-east-1'
      ),
      message: 'duplicate key `region`: it is already set on line 3',
      line: 4,
      column: 3
    },
    'mapping as a key': {
      text: `version: 1\n? {a: 1}\n: x\n${BASE.slice('version: 1\n'.length)}`,
      message:
        'a YAML mapping is used as a mapping key; manifest keys must be plain strings, such as `name` or `kms:ViaService`',
      line: 2,
      column: 3
    },
    'list as a key in an expectation': {
      text: edit(['    expect: allow', '    expect: allow\n    ? [kms:Decrypt]\n    : allow']),
      message:
        'a YAML list is used as a mapping key; manifest keys must be plain strings, such as `name` or `kms:ViaService`',
      line: 10,
      column: 7
    },
    'alias of a mapping as a key': {
      text: edit(
        ['defaults:', 'defaults: &defaults'],
        ['    expect: allow', '    expect: allow\n    *defaults : x']
      ),
      message:
        'the alias `*defaults` names a YAML mapping and is used as a mapping key; manifest keys must be plain strings, such as `name` or `kms:ViaService`',
      line: 10,
      column: 5
    },
    'alias key that repeats a key': {
      text: edit(['    expect: allow', '    &expect expect: allow\n    *expect : deny']),
      message: 'duplicate key `expect`: it is already set on line 9',
      line: 10,
      column: 5
    },
    'mapping key before a later duplicate': {
      text: `${BASE}  - ? {a: 1}\n    : x\n    name: y\n    name: z\n`,
      message:
        'a YAML mapping is used as a mapping key; manifest keys must be plain strings, such as `name` or `kms:ViaService`',
      line: 10,
      column: 7
    },
    'two documents': {
      text: `${BASE}---\nversion: 1\n`,
      message:
        'invalid YAML: the file contains more than one YAML document; remove the `---` separator and keep one document',
      line: 10,
      column: 1
    }
  })
})

describe('top-level errors', () => {
  checkCases({
    'unsupported version': {
      text: edit(['version: 1', 'version: 2']),
      message: 'unsupported manifest version 2: this tool reads version 1',
      line: 1,
      column: 10
    },
    'quoted version': {
      text: edit(['version: 1', 'version: "1"']),
      message: '`version` must be the number 1 without quotes; got the string `1`',
      line: 1,
      column: 10
    },
    'missing version': {
      text: edit(['version: 1\n', '']),
      message: 'the manifest is missing the required field `version`: add `version: 1`',
      line: 1,
      column: 1
    },
    'missing expectations': {
      text: 'version: 1\n',
      message:
        'the manifest is missing the required field `expectations`: list at least one expectation',
      line: 1,
      column: 1
    },
    'empty expectations': {
      text: 'version: 1\nexpectations: []\n',
      message: '`expectations` is empty; list at least one expectation',
      line: 2,
      column: 15
    },
    'expectations is a mapping': {
      text: 'version: 1\nexpectations:\n  name: x\n',
      message: '`expectations` must be a list of expectations; got a mapping',
      line: 3,
      column: 3
    },
    'expectation is a string': {
      text: 'version: 1\nexpectations:\n  - check my key\n',
      message:
        '`expectation` must be a mapping with name, principal, key, actions and expect; got the string `check my key`',
      line: 3,
      column: 5
    },
    'unknown top-level field with a suggestion': {
      text: edit(['expectations:', 'expectation:']),
      message: 'unknown field `expectation` at the top level; did you mean `expectations`?',
      line: 4,
      column: 1
    },
    'unknown top-level field without a suggestion': {
      text: `${BASE}owner: platform\n`,
      message:
        'unknown field `owner` at the top level; expected one of: version, defaults, facts, live, iac, expectations',
      line: 10,
      column: 1
    },
    'defaults is a list': {
      text: edit(['  region: ap-northeast-1', '  - ap-northeast-1']),
      message: '`defaults` must be a mapping with region, account or partition; got a list',
      line: 3,
      column: 3
    },
    'facts is a number': {
      text: `facts: 3\n${BASE}`,
      message: '`facts` must be a path or a list of paths; got the number `3`',
      line: 1,
      column: 8
    },
    'empty fact path': {
      text: `facts: [facts/, ""]\n${BASE}`,
      message: '`facts` must not be empty',
      line: 1,
      column: 17
    }
  })
})

describe('defaults errors', () => {
  checkCases({
    'unknown field in defaults': {
      text: edit(['  region:', '  regoin:']),
      message: 'unknown field `regoin` in `defaults`; did you mean `region`?',
      line: 3,
      column: 3
    },
    'invalid region': {
      text: edit(['region: ap-northeast-1', 'region: tokyo']),
      message:
        '`tokyo` is not an AWS Region code: expected a code such as ap-northeast-1 or us-east-1',
      line: 3,
      column: 11
    },
    'account as a YAML number with a leading zero': {
      text: edit(['  region: ap-northeast-1', '  region: ap-northeast-1\n  account: 012345678901']),
      message:
        '`defaults.account` must be a 12-digit account ID in quotes; got the YAML number 012345678901. ' +
        'YAML reads unquoted digits as a number and drops leading zeros, so write "012345678901"',
      line: 4,
      column: 12
    },
    'account with too few digits': {
      text: edit(['  region: ap-northeast-1', '  region: ap-northeast-1\n  account: "12345"']),
      message: '`12345` is not an AWS account ID: expected exactly 12 digits, in quotes',
      line: 4,
      column: 12
    },
    'unknown partition': {
      text: edit(['  region: ap-northeast-1', '  region: ap-northeast-1\n  partition: aws-gov']),
      message:
        '`aws-gov` is not a valid `defaults.partition` value: expected aws, aws-cn or aws-us-gov',
      line: 4,
      column: 14
    }
  })
})

describe('expectation field errors', () => {
  checkCases({
    'unknown field with a suggestion': {
      text: edit(['    actions:', '    action:']),
      message: 'unknown field `action` in an expectation; did you mean `actions`?',
      line: 8,
      column: 5
    },
    'unknown field without a suggestion': {
      text: edit(['    expect: allow', '    expect: allow\n    description: x']),
      message:
        'unknown field `description` in an expectation; expected one of: name, principal, key, actions, expect, context, region, account',
      line: 10,
      column: 5
    },
    'missing principal': {
      text: edit(['    principal: arn:aws:iam::123456789012:role/MyRole\n', '']),
      message:
        'this expectation is missing the required field `principal`: set the role, user or service that makes the request',
      line: 5,
      column: 5
    },
    'missing expect': {
      text: edit(['    expect: allow\n', '']),
      message:
        'this expectation is missing the required field `expect`: set `expect: allow` or `expect: deny`',
      line: 5,
      column: 5
    },
    'missing name': {
      text: edit(['  - name: App reads\n    principal', '  - principal']),
      message:
        'this expectation is missing the required field `name`: name the expectation for reports',
      line: 5,
      column: 5
    },
    'empty name': {
      text: edit(['name: App reads', 'name: ""']),
      message: '`name` must not be blank',
      line: 5,
      column: 11
    },
    'blank name': {
      text: edit(['name: App reads', 'name: "   "']),
      message: '`name` must not be blank',
      line: 5,
      column: 11
    },
    'name is a number': {
      text: edit(['name: App reads', 'name: 42']),
      message: '`name` must be a string; got the number `42`',
      line: 5,
      column: 11
    },
    'duplicate name': {
      text: `${BASE}  - name: App reads\n    principal: "123456789012"\n    key: alias/b\n    actions: kms:Encrypt\n    expect: deny\n`,
      message:
        'duplicate expectation name `App reads`: line 5 already uses it, and names must be unique',
      line: 10,
      column: 11
    },
    'invalid expect': {
      text: edit(['expect: allow', 'expect: permit']),
      message: '`permit` is not a valid `expect` value: expected allow or deny',
      line: 9,
      column: 13
    },
    'misspelled expect': {
      text: edit(['expect: allow', 'expect: alow']),
      message:
        '`alow` is not a valid `expect` value: expected allow or deny; did you mean `allow`?',
      line: 9,
      column: 13
    },
    'expect is a boolean': {
      text: edit(['expect: allow', 'expect: true']),
      message: 'the boolean `true` is not a valid `expect` value: expected allow or deny',
      line: 9,
      column: 13
    },
    'expectation account as a YAML number': {
      text: edit(['    expect: allow', '    expect: allow\n    account: 123456789012']),
      message:
        '`account` must be a 12-digit account ID in quotes; got the YAML number 123456789012. ' +
        'YAML reads unquoted digits as a number and drops leading zeros, so write "123456789012"',
      line: 10,
      column: 14
    },
    'live account ID as a YAML number': {
      text: edit([
        'expectations:',
        'live:\n  accounts:\n    444455556666: arn:aws:iam::444455556666:role/reader\nexpectations:'
      ]),
      message:
        'account ID 444455556666 in `live.accounts` must be in quotes; YAML reads unquoted digits as a number and drops leading zeros, so write "444455556666"',
      line: 6,
      column: 5
    },
    'expectation region invalid': {
      text: edit(['    expect: allow', '    expect: allow\n    region: AP-NORTHEAST-1']),
      message:
        '`AP-NORTHEAST-1` is not an AWS Region code: expected a code such as ap-northeast-1 or us-east-1',
      line: 10,
      column: 13
    }
  })
})

describe('principal errors', () => {
  const principal = (value: string) => edit(['arn:aws:iam::123456789012:role/MyRole', value])

  checkCases({
    'IAM group': {
      text: principal('arn:aws:iam::123456789012:group/Admins'),
      message:
        '`arn:aws:iam::123456789012:group/Admins` is an IAM group ARN, and groups cannot be principals in AWS policies; name a role or user in the group instead',
      line: 6,
      column: 16
    },
    'wildcard role': {
      text: principal('arn:aws:iam::123456789012:role/*'),
      message:
        '`arn:aws:iam::123456789012:role/*` contains a wildcard, which a principal in an expectation cannot; name one role, user, session, account or service',
      line: 6,
      column: 16
    },
    'bare wildcard': {
      text: principal('"*"'),
      message:
        '`*` contains a wildcard, which a principal in an expectation cannot; name one role, user, session, account or service',
      line: 6,
      column: 16
    },
    'short account ID': {
      text: principal('"12345678901"'),
      message: '`12345678901` is not an account ID: account IDs have exactly 12 digits',
      line: 6,
      column: 16
    },
    'account ID as a YAML number': {
      text: principal('123456789012'),
      message:
        '`principal` must be a 12-digit account ID in quotes; got the YAML number 123456789012. ' +
        'YAML reads unquoted digits as a number and drops leading zeros, so write "123456789012"',
      line: 6,
      column: 16
    },
    'ARN of another service': {
      text: principal('arn:aws:s3:::bucket'),
      message:
        "`arn:aws:s3:::bucket` is not a principal: the ARN's service is `s3`; expected an IAM role or user ARN, an assumed-role session ARN (arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION), a federated-user ARN, an account root ARN (arn:aws:iam::ACCOUNT:root), a 12-digit account ID, a service principal such as logs.amazonaws.com, or a role or user in a template or plan (infra/app.yaml#AppRole)",
      line: 6,
      column: 16
    },
    'unknown partition': {
      text: principal('arn:aws-eu:iam::123456789012:role/MyRole'),
      message:
        '`arn:aws-eu:iam::123456789012:role/MyRole` is not a valid principal: unknown partition `aws-eu` (expected aws, aws-cn, aws-us-gov)',
      line: 6,
      column: 16
    },
    'ARN with a short account': {
      text: principal('arn:aws:iam::12345:role/MyRole'),
      message:
        '`arn:aws:iam::12345:role/MyRole` is not a valid principal: the account `12345` does not have 12 digits',
      line: 6,
      column: 16
    },
    'IAM ARN with a region': {
      text: principal('arn:aws:iam:us-east-1:123456789012:role/MyRole'),
      message:
        '`arn:aws:iam:us-east-1:123456789012:role/MyRole` is not a valid principal: IAM and STS ARNs have no Region, but this one has `us-east-1`',
      line: 6,
      column: 16
    },
    'assumed-role ARN without a session': {
      text: principal('arn:aws:sts::123456789012:assumed-role/MyRole'),
      message:
        '`arn:aws:sts::123456789012:assumed-role/MyRole` is not a valid assumed-role session ARN: expected arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION',
      line: 6,
      column: 16
    },
    'role name only': {
      text: principal('MyRole'),
      message:
        '`MyRole` is not a valid principal; expected an IAM role or user ARN, an assumed-role session ARN (arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION), a federated-user ARN, an account root ARN (arn:aws:iam::ACCOUNT:root), a 12-digit account ID, a service principal such as logs.amazonaws.com, or a role or user in a template or plan (infra/app.yaml#AppRole)',
      line: 6,
      column: 16
    },
    'ARN in another partition than the default': {
      text: principal('arn:aws-cn:iam::123456789012:role/MyRole'),
      message:
        "`arn:aws-cn:iam::123456789012:role/MyRole` is in the aws-cn partition, but the manifest's partition is aws; set `defaults.partition: aws-cn`",
      line: 6,
      column: 16
    },
    'ARN in another partition than the one set': {
      text: edit(
        ['  region: ap-northeast-1', '  region: ap-northeast-1\n  partition: aws-us-gov'],
        ['arn:aws:iam::123456789012:role/MyRole', 'arn:aws:iam::123456789012:role/MyRole']
      ),
      message:
        "`arn:aws:iam::123456789012:role/MyRole` is in the aws partition, but the manifest's partition is aws-us-gov; every ARN in a manifest must be in that partition",
      line: 7,
      column: 16
    }
  })
})

describe('key errors', () => {
  const key = (value: string) => edit(['key: alias/app', `key: ${value}`])
  const KEY_FORMS =
    'expected a key ARN, a key ID (a UUID or an mrk- multi-Region key ID), an alias name (alias/NAME), an alias ARN, or a key in a template or plan (infra/app.yaml#AppKey)'

  checkCases({
    'wildcard key': {
      text: key('"arn:aws:kms:us-east-1:123456789012:key/*"'),
      message:
        '`arn:aws:kms:us-east-1:123456789012:key/*` contains a wildcard, which a key in an expectation cannot; name one key ARN, key ID or alias',
      line: 7,
      column: 10
    },
    'ARN of another service': {
      text: key('arn:aws:s3:::bucket'),
      message: `\`arn:aws:s3:::bucket\` is not a KMS key: the ARN's service is \`s3\`; ${KEY_FORMS}`,
      line: 7,
      column: 10
    },
    'KMS ARN without key or alias': {
      text: key('arn:aws:kms:us-east-1:123456789012:foo/abc'),
      message:
        '`arn:aws:kms:us-east-1:123456789012:foo/abc` is not a valid KMS ARN: the resource must start with key/ or alias/',
      line: 7,
      column: 10
    },
    'KMS ARN without a region': {
      text: key('arn:aws:kms::123456789012:key/abc'),
      message:
        '`arn:aws:kms::123456789012:key/abc` is not a valid key ARN: `` is not a Region code',
      line: 7,
      column: 10
    },
    'alias with a space': {
      text: key('"alias/my key"'),
      message:
        '`alias/my key` is not a valid alias: alias names contain only letters, digits, /, _ and - after alias/',
      line: 7,
      column: 10
    },
    'short multi-Region key ID': {
      text: key('mrk-1234'),
      message:
        '`mrk-1234` is not a valid multi-Region key ID: expected mrk- followed by 32 lowercase hex digits',
      line: 7,
      column: 10
    },
    'uppercase key ID': {
      text: key('1234ABCD-12AB-34CD-56EF-1234567890AB'),
      message:
        '`1234ABCD-12AB-34CD-56EF-1234567890AB` is not a valid key ID: expected a lowercase UUID such as 1234abcd-12ab-34cd-56ef-1234567890ab',
      line: 7,
      column: 10
    },
    'alias without the prefix': {
      text: key('app'),
      message: `\`app\` is not a valid key; ${KEY_FORMS}`,
      line: 7,
      column: 10
    },
    'alias name without a region': {
      text: edit(['defaults:\n  region: ap-northeast-1\n', '']),
      message:
        '`alias/app` is an alias name, which AWS resolves in one Region; set `defaults.region` (or `region` on this expectation) or use the alias ARN',
      line: 5,
      column: 10
    },
    'key ID without a region': {
      text: edit(
        ['defaults:\n  region: ap-northeast-1\n', ''],
        ['key: alias/app', 'key: 1234abcd-12ab-34cd-56ef-1234567890ab']
      ),
      message:
        '`1234abcd-12ab-34cd-56ef-1234567890ab` is a key ID, which AWS resolves in one Region; set `defaults.region` (or `region` on this expectation) or use the key ARN',
      line: 5,
      column: 10
    },
    'alias name for a service principal without an account': {
      text: edit(['arn:aws:iam::123456789012:role/MyRole', 'logs.amazonaws.com']),
      message:
        "`alias/app` is an alias name, which AWS resolves in the caller's account, but the service principal `logs.amazonaws.com` has no account; set `defaults.account` (or `account` on this expectation) or use the alias ARN",
      line: 7,
      column: 10
    },
    'account that differs from the principal for an alias name': {
      text: edit(['    expect: allow', '    expect: allow\n    account: "210987654321"']),
      message:
        "`account` 210987654321 differs from the principal's account 123456789012, and AWS resolves an alias name such as `alias/app` in the principal's account; use the alias ARN to name a key in another account",
      line: 10,
      column: 14
    },
    'key ARN in another partition': {
      text: key('arn:aws-cn:kms:cn-north-1:123456789012:alias/app'),
      message:
        "`arn:aws-cn:kms:cn-north-1:123456789012:alias/app` is in the aws-cn partition, but the manifest's partition is aws; set `defaults.partition: aws-cn`",
      line: 7,
      column: 10
    }
  })
})

describe('action errors', () => {
  const actions = (value: string) => edit(['actions: [kms:Decrypt]', `actions: ${value}`])

  checkCases({
    'misspelled action': {
      text: actions('[kms:Decript]'),
      message: '`kms:Decript` is not a KMS action; did you mean `kms:Decrypt`?',
      line: 8,
      column: 15
    },
    'misspelled action as a single string': {
      text: actions('kms:Encrpyt'),
      message: '`kms:Encrpyt` is not a KMS action; did you mean `kms:Encrypt`?',
      line: 8,
      column: 14
    },
    'unknown action without a suggestion': {
      text: actions('[kms:Decrypt, kms:Frobnicate]'),
      message: '`kms:Frobnicate` is not a KMS action',
      line: 8,
      column: 28
    },
    'prefix wildcard': {
      text: actions('["kms:Generate*"]'),
      message:
        '`kms:Generate*` is a wildcard, and expectations need exact actions; list them instead: kms:GenerateDataKey, kms:GenerateDataKeyWithoutPlaintext, kms:GenerateDataKeyPair, kms:GenerateDataKeyPairWithoutPlaintext, kms:GenerateMac',
      line: 8,
      column: 15
    },
    'full wildcard': {
      text: actions('"kms:*"'),
      message:
        '`kms:*` is a wildcard, and expectations need exact actions; list the actions to check, such as kms:Decrypt (it matches 41 actions)',
      line: 8,
      column: 14
    },
    'wildcard that matches nothing': {
      text: actions('["kms:Nothing*"]'),
      message:
        '`kms:Nothing*` is a wildcard, and expectations need exact actions; it matches no key-scoped KMS action',
      line: 8,
      column: 15
    },
    'IAM-only action': {
      text: actions('[kms:Decrypt, kms:CreateKey]'),
      message:
        '`kms:CreateKey` is not key-scoped: only IAM policies authorize it, on Resource "*", so it is not supported in expectations yet',
      line: 8,
      column: 28
    },
    'alias action': {
      text: actions('[kms:createalias]'),
      message:
        '`kms:CreateAlias` is not key-scoped: it needs permission on an alias as well as on the key, so it is not supported in expectations yet',
      line: 8,
      column: 15
    },
    'action of another service': {
      text: actions('[s3:GetObject]'),
      message:
        '`s3:GetObject` is not a KMS action: expectations check only kms: actions, such as kms:Decrypt',
      line: 8,
      column: 15
    },
    'action without the prefix': {
      text: actions('[Decrypt]'),
      message: '`Decrypt` needs the kms: prefix; did you mean `kms:Decrypt`?',
      line: 8,
      column: 15
    },
    'exact duplicate': {
      text: actions('[kms:Decrypt, kms:Encrypt, kms:Decrypt]'),
      message: '`kms:Decrypt` is listed twice in `actions`',
      line: 8,
      column: 41
    },
    'duplicate in another case': {
      text: actions('\n      - kms:Decrypt\n      - KMS:DECRYPT'),
      message:
        '`KMS:DECRYPT` is listed twice in `actions` (as `kms:Decrypt` on line 9); action names are case-insensitive',
      line: 10,
      column: 9
    },
    'empty list': {
      text: actions('[]'),
      message: '`actions` is empty; list at least one action',
      line: 8,
      column: 14
    },
    number: {
      text: actions('3'),
      message: '`actions` must be a string or a list; got the number `3`',
      line: 8,
      column: 14
    }
  })
})

describe('context errors', () => {
  const context = (lines: string) =>
    edit(['    expect: allow', `    expect: allow\n    context:\n${lines}`])

  checkCases({
    'key without a prefix': {
      text: context('      Department: Finance'),
      message:
        '`Department` is not a condition key: expected prefix:Name, such as kms:ViaService, aws:SourceVpce or kms:EncryptionContext:Department',
      line: 11,
      column: 7
    },
    'empty value': {
      text: context('      kms:ViaService:'),
      message: '`context.kms:ViaService` must be a string or a list of strings; got an empty value',
      line: 11,
      column: 22
    },
    'mapping value': {
      text: context('      kms:EncryptionContext:\n        Department: Finance'),
      message:
        '`context.kms:EncryptionContext` must be a string or a list of strings; got a mapping',
      line: 12,
      column: 9
    },
    'empty list value': {
      text: context('      aws:SourceVpce: []'),
      message:
        'the list of values for `aws:SourceVpce` is empty; give at least one value or remove the key',
      line: 11,
      column: 23
    },
    'list with a mapping': {
      text: context('      aws:SourceVpce: [vpce-1, {a: b}]'),
      message: '`context.aws:SourceVpce` must be a string or a list of strings; got a mapping',
      line: 11,
      column: 32
    },
    'same key in another case': {
      text: context('      kms:ViaService: a\n      KMS:viaservice: b'),
      message:
        'condition key `KMS:viaservice` repeats `kms:ViaService`: condition keys are case-insensitive, so give each key once',
      line: 12,
      column: 7
    },
    'context is a list': {
      text: context('      - kms:ViaService'),
      message: '`context` must be a mapping from condition keys to values; got a list',
      line: 11,
      column: 7
    }
  })
})

describe('derived context keys', () => {
  const context = (lines: string) =>
    edit(['    expect: allow', `    expect: allow\n    context:\n${lines}`])
  const cannotSet = (key: string, derivedFrom: string, instead: string) =>
    `condition key \`${key}\` cannot be set in \`context\`: AWS derives it from ${derivedFrom}, so no request can set it; ${instead}`

  checkCases({
    'principal ARN': {
      text: context('      aws:PrincipalArn: arn:aws:iam::123456789012:role/Admin'),
      message: cannotSet(
        'aws:PrincipalArn',
        'the principal',
        'the tool uses the `principal` ARN (the role ARN for an assumed-role session)'
      ),
      line: 11,
      column: 7
    },
    'principal tag': {
      text: context(
        '      kms:ViaService: s3.ap-northeast-1.amazonaws.com\n      aws:PrincipalTag/team: admins'
      ),
      message: cannotSet(
        'aws:PrincipalTag/team',
        'the principal',
        "the tool uses the tags of the principal's role or user in the IAM facts"
      ),
      line: 12,
      column: 7
    },
    'caller account': {
      text: context('      kms:CallerAccount: "123456789012"'),
      message: cannotSet(
        'kms:CallerAccount',
        'the principal',
        'the tool uses the account of `principal`'
      ),
      line: 11,
      column: 7
    },
    'caller account in upper case': {
      text: context('      KMS:CALLERACCOUNT: "210987654321"'),
      message: cannotSet(
        'KMS:CALLERACCOUNT',
        'the principal',
        'the tool uses the account of `principal`'
      ),
      line: 11,
      column: 7
    },
    'request alias': {
      text: context('      kms:RequestAlias: alias/other'),
      message: cannotSet(
        'kms:RequestAlias',
        'the alias that the request names the key by',
        'name the key by its alias (alias/NAME or an alias ARN in `key`) to test kms:RequestAlias'
      ),
      line: 11,
      column: 7
    },
    'resource tag': {
      text: context('      aws:ResourceTag/env: prod'),
      message: cannotSet(
        'aws:ResourceTag/env',
        'the key',
        "the tool uses the key's tags in the KMS facts"
      ),
      line: 11,
      column: 7
    },
    'encryption context keys': {
      text: context('      kms:EncryptionContextKeys: [Department]'),
      message: cannotSet(
        'kms:EncryptionContextKeys',
        'the encryption context',
        'the tool builds it from the `kms:EncryptionContext:NAME` entries, so set those instead'
      ),
      line: 11,
      column: 7
    },
    'secure transport': {
      text: context('      aws:SecureTransport: false'),
      message: cannotSet(
        'aws:SecureTransport',
        'the connection',
        'the tool sets it to true because AWS KMS accepts only HTTPS requests'
      ),
      line: 11,
      column: 7
    },
    'first derived key in the document wins': {
      text: context('      aws:userid: AIDAEXAMPLE\n      aws:ResourceAccount: "123456789012"'),
      message: cannotSet(
        'aws:userid',
        'the principal',
        'the tool uses `principal` and the unique ID of its user or role in the IAM facts'
      ),
      line: 11,
      column: 7
    }
  })
})

describe('error order', () => {
  checkCases({
    'first error in the document wins': {
      text: edit(['expect: allow', 'expect: permit'], ['role/MyRole', 'group/Admins']),
      message:
        '`arn:aws:iam::123456789012:group/Admins` is an IAM group ARN, and groups cannot be principals in AWS policies; name a role or user in the group instead',
      line: 6,
      column: 16
    },
    'first semantic error in the document wins': {
      text: edit(
        ['[kms:Decrypt]', '[kms:CreateKey]'],
        ['name: App reads', 'name: App reads\n    account: "210987654321"']
      ),
      message:
        "`account` 210987654321 differs from the principal's account 123456789012, and AWS resolves an alias name such as `alias/app` in the principal's account; use the alias ARN to name a key in another account",
      line: 6,
      column: 14
    },
    'schema errors come before semantic errors': {
      text: edit(['expect: allow', 'expect: permit'], ['[kms:Decrypt]', '[kms:Decript]']),
      message: '`permit` is not a valid `expect` value: expected allow or deny',
      line: 9,
      column: 13
    },
    'misspelled field comes before the missing field': {
      text: edit(['    actions:', '    action:']),
      message: 'unknown field `action` in an expectation; did you mean `actions`?',
      line: 8,
      column: 5
    },
    'later expectation': {
      text: `${BASE}  - name: Second\n    principal: arn:aws:iam::123456789012:group/G\n    key: alias/b\n    actions: kms:Encrypt\n    expect: deny\n`,
      message:
        '`arn:aws:iam::123456789012:group/G` is an IAM group ARN, and groups cannot be principals in AWS policies; name a role or user in the group instead',
      line: 11,
      column: 16
    }
  })
})

describe('YAML library warnings', () => {
  const COMPLEX_KEY = `version: 1\n? {a: 1}\n: x\n? [b]\n: y\n${BASE.slice('version: 1\n'.length)}`

  afterEach(() => {
    jest.restoreAllMocks()
  })

  test('spy sees warnings from the library', () => {
    const emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => {})
    parseDocument(COMPLEX_KEY).toJS()
    expect(emitWarning).toHaveBeenCalled()
  })

  test('complex key writes nothing to stderr', async () => {
    const emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => {})
    const stderrWrite = jest.spyOn(process.stderr, 'write').mockImplementation(() => true)

    const error = parseError(COMPLEX_KEY)
    // Node prints warnings on a later tick, so let pending callbacks run first.
    await new Promise((resolve) => setImmediate(resolve))

    expect(emitWarning).not.toHaveBeenCalled()
    expect(stderrWrite).not.toHaveBeenCalled()
    expect(error.location?.line).toBe(2)
  })
})
