import { describe, expect, test } from '@jest/globals'
import fc from 'fast-check'
import { InputError } from '../../src/inputs/errors.js'
import { type DeniedRequest, parseDeniedRequest } from '../../src/inputs/explain-input.js'

const ACCOUNT = '123456789012'
const ROLE = `arn:aws:iam::${ACCOUNT}:role/MyRole`
const SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/MyRole/build-42`
const KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`
const OTHER_KEY = 'arn:aws:kms:eu-west-1:210987654321:key/0987dcba-09fe-87dc-65ba-ab0987654321'
const SCP_ARN =
  'arn:aws:organizations::999999999999:policy/o-abcd1234/service_control_policy/p-abcd1234'
const CLI_PREFIX = 'An error occurred (AccessDeniedException) when calling the Decrypt operation: '

/** Builds the message as AWS prints it for ROLE and KEY, followed by `suffix`. */
function denied(suffix = '', action = 'kms:Decrypt', principal = ROLE, key = KEY): string {
  const base = `User: ${principal} is not authorized to perform: ${action} on resource: ${key}`
  return suffix === '' ? base : `${base} ${suffix}`
}

/** Builds the request that `denied()` describes, with `extra` fields added. */
function request(extra: Partial<DeniedRequest> = {}): DeniedRequest {
  return {
    principal: ROLE,
    action: 'kms:Decrypt',
    key: KEY,
    region: 'us-east-1',
    account: ACCOUNT,
    context: {},
    source: 'message',
    ...extra
  }
}

/** Parses `text` and returns the InputError it throws. */
function parseError(text: string, origin = 'argument'): InputError {
  try {
    parseDeniedRequest(text, origin)
  } catch (error) {
    if (error instanceof InputError) return error
    throw error
  }
  throw new Error('expected an InputError, but the text was accepted')
}

/** Returns the 1-based line and column of the first occurrence of `needle` in `text`. */
function positionOf(text: string, needle: string): { line: number; column: number } {
  const offset = text.indexOf(needle)
  if (offset < 0) throw new Error(`test setup: ${JSON.stringify(needle)} not in text`)
  const before = text.slice(0, offset).split(/\r\n|\n/u)
  return { line: before.length, column: before[before.length - 1].length + 1 }
}

describe('parseDeniedRequest reads AccessDenied messages', () => {
  const cases: Record<string, { text: string; expected: DeniedRequest }> = {
    'bare message gives caller, action and key': {
      text: denied(),
      expected: request()
    },
    'CLI prefix is skipped': {
      text: CLI_PREFIX + denied(),
      expected: request()
    },
    'no identity-based allow is IAM': {
      text: CLI_PREFIX + denied('because no identity-based policy allows the kms:Decrypt action'),
      expected: request({
        cause: {
          lock: 'iam',
          text: 'because no identity-based policy allows the kms:Decrypt action',
          explicit: false
        }
      })
    },
    'SCP deny keeps the policy ARN': {
      text: denied(`with an explicit deny in a service control policy: ${SCP_ARN}`),
      expected: request({
        cause: {
          lock: 'scp',
          text: `with an explicit deny in a service control policy: ${SCP_ARN}`,
          explicit: true,
          policyArn: SCP_ARN
        }
      })
    },
    'resource-based deny is the key policy': {
      text: denied('with an explicit deny in a resource-based policy'),
      expected: request({
        cause: {
          lock: 'key-policy',
          text: 'with an explicit deny in a resource-based policy',
          explicit: true
        }
      })
    },
    'no resource-based allow is the key policy': {
      text: denied('because no resource-based policy allows the kms:Decrypt action'),
      expected: request({
        cause: {
          lock: 'key-policy',
          text: 'because no resource-based policy allows the kms:Decrypt action',
          explicit: false
        }
      })
    },
    'permissions boundary deny': {
      text: denied('with an explicit deny in a permissions boundary'),
      expected: request({
        cause: {
          lock: 'permissions-boundary',
          text: 'with an explicit deny in a permissions boundary',
          explicit: true
        }
      })
    },
    'no session policy allow': {
      text: denied('because no session policy allows the kms:Decrypt action'),
      expected: request({
        cause: {
          lock: 'session-policy',
          text: 'because no session policy allows the kms:Decrypt action',
          explicit: false
        }
      })
    },
    'VPC endpoint policy deny': {
      text: denied('with an explicit deny in a VPC endpoint policy.'),
      expected: request({
        cause: {
          lock: 'vpce',
          text: 'with an explicit deny in a VPC endpoint policy',
          explicit: true
        }
      })
    },
    'resource control policy deny': {
      text: denied('with an explicit deny in a resource control policy'),
      expected: request({
        cause: {
          lock: 'rcp',
          text: 'with an explicit deny in a resource control policy',
          explicit: true
        }
      })
    },
    'explicit deny without a type': {
      text: denied('with an explicit deny'),
      expected: request({
        cause: { lock: 'explicit-deny', text: 'with an explicit deny', explicit: true }
      })
    },
    'KMS ciphertext wording has no key': {
      text:
        `User: ${ROLE} is not authorized to perform: kms:Decrypt on the resource associated ` +
        'with this ciphertext because the resource does not exist in this Region, no ' +
        'resource-based policies allow access, or a resource-based policy explicitly denies access',
      expected: {
        principal: ROLE,
        action: 'kms:Decrypt',
        account: ACCOUNT,
        context: {},
        source: 'message',
        cause: {
          lock: 'key-policy',
          text:
            'because the resource does not exist in this Region, no resource-based policies ' +
            'allow access, or a resource-based policy explicitly denies access'
        }
      }
    },
    'ciphertext wording with IAM cause': {
      text:
        `User: ${ROLE} is not authorized to perform: kms:Decrypt on the resource associated ` +
        'with this ciphertext because no identity-based policy allows the kms:Decrypt action',
      expected: {
        principal: ROLE,
        action: 'kms:Decrypt',
        account: ACCOUNT,
        context: {},
        source: 'message',
        cause: {
          lock: 'iam',
          text: 'because no identity-based policy allows the kms:Decrypt action',
          explicit: false
        }
      }
    },
    'CLI operation replaces missing action': {
      text:
        'An error occurred (AccessDeniedException) when calling the GenerateDataKey operation: ' +
        `User: ${ROLE} is not authorized to perform this operation`,
      expected: {
        principal: ROLE,
        action: 'kms:GenerateDataKey',
        account: ACCOUNT,
        context: {},
        source: 'message'
      }
    },
    'wrapped message inside log noise': {
      text: [
        '2024-05-01T10:00:00Z INFO starting job',
        '2024-05-01T10:00:01Z ERROR An error occurred (AccessDeniedException) when calling the Decrypt operation:',
        `User: ${SESSION}`,
        'is not authorized to perform: kms:Decrypt',
        `on resource: ${KEY}`,
        'because no identity-based policy allows the kms:Decrypt action',
        'Traceback (most recent call last):',
        '  File "job.py", line 3, in <module>'
      ].join('\n'),
      expected: request({
        principal: SESSION,
        cause: {
          lock: 'iam',
          text: 'because no identity-based policy allows the kms:Decrypt action',
          explicit: false
        }
      })
    },
    'Windows line endings': {
      text: `log line\r\n${CLI_PREFIX}\r\n${denied('because no identity-based policy allows the kms:Decrypt action')}\r\nnext\r\n`,
      expected: request({
        cause: {
          lock: 'iam',
          text: 'because no identity-based policy allows the kms:Decrypt action',
          explicit: false
        }
      })
    },
    'Go SDK output': {
      text:
        'operation error KMS: Decrypt, https response error StatusCode: 400, RequestID: ' +
        `0f0e0d0c-0000-4000-8000-000000000000, api error AccessDeniedException: ${denied()}`,
      expected: request()
    },
    'Java SDK request details ignored': {
      text: `${denied()} (Service: Kms, Status Code: 400, Request ID: 0f0e0d0c-0000-4000-8000-000000000000)`,
      expected: request()
    },
    'JavaScript SDK error name prefix is skipped': {
      text: `AccessDeniedException: ${denied('because no resource-based policy allows the kms:Decrypt action')}`,
      expected: request({
        cause: {
          lock: 'key-policy',
          text: 'because no resource-based policy allows the kms:Decrypt action',
          explicit: false
        }
      })
    },
    'lowercase action becomes canonical': {
      text: denied('', 'kms:generatedatakeywithoutplaintext'),
      expected: request({ action: 'kms:GenerateDataKeyWithoutPlaintext' })
    },
    'alias ARN is kept as the key': {
      text: denied('', 'kms:Encrypt', ROLE, `arn:aws:kms:ap-northeast-1:${ACCOUNT}:alias/app`),
      expected: request({
        action: 'kms:Encrypt',
        key: `arn:aws:kms:ap-northeast-1:${ACCOUNT}:alias/app`,
        region: 'ap-northeast-1'
      })
    },
    'other account key sets account': {
      text: denied('', 'kms:Decrypt', ROLE, OTHER_KEY),
      expected: request({ key: OTHER_KEY, region: 'eu-west-1', account: '210987654321' })
    },
    'identical repeats need no note': {
      text: `${denied()}\n${denied()}\n${CLI_PREFIX}${denied()}`,
      expected: request()
    },
    'Unicode around the message is ignored': {
      text: `⚠️ 失敗しました — ${denied()}\u00a0— réessayez 🙂`,
      expected: request()
    },
    'User: glued to log field': {
      text: `level=error message=User:${denied().slice('User: '.length)}`,
      expected: request()
    },
    'byte order mark is ignored': {
      text: `\uFEFF${denied()}`,
      expected: request()
    },
    'non-CloudTrail JSON log line': {
      text: JSON.stringify({
        level: 'error',
        errorType: 'AccessDeniedException',
        errorMessage: denied()
      }),
      expected: request()
    }
  }

  test.each(Object.entries(cases))('%s', (_, { text, expected }) => {
    expect(parseDeniedRequest(text, 'argument')).toEqual(expected)
  })
})

describe('parseDeniedRequest notes what it skipped', () => {
  test('several different messages use the first', () => {
    const text = `first:\n${denied()}\nsecond:\n${denied('', 'kms:Encrypt')}`
    const result = parseDeniedRequest(text, 'denied.log')
    expect(result.action).toBe('kms:Decrypt')
    expect(result.note).toBe(
      'The text contains 2 different AccessDenied messages. This uses the first, on line 2; ' +
        'pass the others one at a time.'
    )
  })

  test('IAM message skipped for KMS', () => {
    const iamMessage = `User: ${ROLE} is not authorized to perform: iam:PassRole on resource: arn:aws:iam::${ACCOUNT}:role/Other`
    const result = parseDeniedRequest(`${iamMessage}\n${denied()}`, 'denied.log')
    expect(result.action).toBe('kms:Decrypt')
    expect(result.note).toContain('This uses the first one for a KMS action, on line 2')
  })

  test('non-KMS operation notes ViaService', () => {
    const text = `An error occurred (AccessDenied) when calling the GetObject operation: ${denied()}`
    const result = parseDeniedRequest(text, 'argument')
    expect(result.action).toBe('kms:Decrypt')
    expect(result.context).toEqual({})
    expect(result.note).toContain('The failed call was GetObject, not a KMS operation')
  })

  test('unknown cause wording is noted', () => {
    const result = parseDeniedRequest(denied('because the moon is full'), 'argument')
    expect(result.cause).toBeUndefined()
    expect(result.note).toBe(
      'The message gives a cause in a wording this version does not read: `because the moon is full`.'
    )
  })

  test('very long paste is read quickly', () => {
    const noise = `${'INFO nothing to see here, still waiting for the job to finish\n'.repeat(40_000)}`
    const text = `${noise}${denied()}\n${noise}`
    const started = Date.now()
    const result = parseDeniedRequest(text, 'big.log')
    expect(Date.now() - started).toBeLessThan(2000)
    expect(result).toEqual(request())
  })

  test('thousands of messages are counted', () => {
    const lines = Array.from({ length: 5000 }, (_, i) =>
      denied('', 'kms:Decrypt', `arn:aws:iam::${ACCOUNT}:role/Role${i}`)
    )
    const result = parseDeniedRequest(lines.join('\n'), 'many.log')
    expect(result.principal).toBe(`arn:aws:iam::${ACCOUNT}:role/Role0`)
    expect(result.note).toBe(
      'The text contains 5000 AccessDenied messages. This uses the first, on line 1; ' +
        'pass the others one at a time.'
    )
  })
})

describe('parseDeniedRequest rejects messages it cannot use', () => {
  const cases: Record<string, { text: string; message: string; at?: string }> = {
    'text without a message or event': {
      text: 'ERROR something failed\nplease retry',
      message:
        'no `is not authorized to perform` message and no CloudTrail event found in argument; ' +
        'paste the AccessDenied message as AWS printed it, or a CloudTrail event in JSON'
    },
    'empty text': {
      text: '',
      message:
        'no `is not authorized to perform` message and no CloudTrail event found in argument; ' +
        'paste the AccessDenied message as AWS printed it, or a CloudTrail event in JSON'
    },
    'message naming an IAM action': {
      text: `User: ${ROLE} is not authorized to perform: iam:PassRole on resource: arn:aws:iam::${ACCOUNT}:role/Other`,
      message:
        '`iam:PassRole` is not a KMS action: explain reads requests that AWS KMS denied, for ' +
        'actions such as kms:Decrypt; for other services, use their own tools',
      at: 'iam:PassRole'
    },
    'misspelled KMS action': {
      text: `\n${denied('', 'kms:Decript')}`,
      message: '`kms:Decript` is not a KMS action; did you mean `kms:Decrypt`?',
      at: 'kms:Decript'
    },
    'message without the caller': {
      text: 'is not authorized to perform: kms:Decrypt',
      message:
        'the AccessDenied message names no caller before `is not authorized to perform`; ' +
        'paste the whole message, starting at `User:`',
      at: 'is not'
    },
    'anonymous caller': {
      text: 'User: anonymous is not authorized to perform: kms:Decrypt',
      message:
        'the caller is not a principal that explain can check: `anonymous` is not a valid ' +
        'principal; expected an IAM role or user ARN, an assumed-role session ARN ' +
        '(arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION), a federated-user ARN, an account root ' +
        'ARN (arn:aws:iam::ACCOUNT:root), a 12-digit account ID, a service principal such as ' +
        'logs.amazonaws.com, or a role or user in a template or plan (infra/app.yaml#AppRole)',
      at: 'anonymous'
    },
    'resource that is not a KMS key': {
      text: denied('', 'kms:Decrypt', ROLE, 'arn:aws:s3:::my-bucket'),
      message:
        'the resource is not a KMS key that explain can check: `arn:aws:s3:::my-bucket` is not ' +
        "a KMS key: the ARN's service is `s3`; expected a key ARN, a key ID (a UUID or an mrk- " +
        'multi-Region key ID), an alias name (alias/NAME), an alias ARN, or a key in a template or plan (infra/app.yaml#AppKey)',
      at: 'arn:aws:s3'
    },
    'no action and no operation': {
      text: `User: ${ROLE} is not authorized to perform this operation`,
      message:
        'the AccessDenied message names no action after `is not authorized to perform`, and no ' +
        '`when calling the NAME operation` prefix names the operation; paste the whole CLI or SDK output'
    },
    'missing action, Go SDK S3 operation': {
      text: `operation error S3: GetObject, api error AccessDenied: User: ${ROLE} is not authorized to perform this operation`,
      message:
        'the AccessDenied message names no action, and the operation `GetObject` belongs to ' +
        'another service than KMS',
      at: 'GetObject'
    },
    'missing action, ReEncrypt operation': {
      text: `An error occurred (AccessDeniedException) when calling the ReEncrypt operation: User: ${ROLE} is not authorized to perform this operation`,
      message:
        'the AccessDenied message names no action, and the ReEncrypt operation needs two: ' +
        'kms:ReEncryptFrom on the source key and kms:ReEncryptTo on the destination key'
    }
  }

  test.each(Object.entries(cases))('%s', (_, { text, message, at }) => {
    const error = parseError(text)
    expect(error.message).toBe(message)
    if (at) expect(error.location).toEqual({ file: 'argument', ...positionOf(text, at) })
  })

  test('Unicode in the session name is rejected', () => {
    const text = denied('', 'kms:Decrypt', `arn:aws:sts::${ACCOUNT}:assumed-role/MyRole/jöhn`)
    const error = parseError(text)
    expect(error.message).toMatch(/^the caller is not a principal that explain can check: /u)
    expect(error.location).toEqual({ file: 'argument', ...positionOf(text, 'arn:aws:sts') })
  })

  test('mangled messages throw only InputError', () => {
    const pieces = [
      'User: ',
      ROLE,
      ' is not authorized to perform',
      ': ',
      'kms:Decrypt',
      ' on resource: ',
      KEY,
      ' because no ',
      'identity-based policy',
      ' with an explicit deny in a ',
      '{"Records":[',
      '"eventSource":"kms.amazonaws.com"',
      '\r\n',
      '\u00e9'
    ]
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constantFrom(...pieces), fc.string({ maxLength: 8 })), {
          maxLength: 20
        }),
        (parts) => {
          try {
            parseDeniedRequest(parts.join(''), 'argument')
          } catch (error) {
            expect(error).toBeInstanceOf(InputError)
          }
        }
      ),
      { numRuns: 2000 }
    )
  })

  test('huge caller token is cut in the message', () => {
    const error = parseError(
      `User: arn:${'x'.repeat(100_000)} is not authorized to perform: kms:Decrypt`
    )
    expect(error.message.length).toBeLessThan(600)
    expect(error.message).toContain('...`')
  })
})

/** Builds a failed Decrypt event as CloudTrail records it, with `extra` members replaced. */
function decryptEvent(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eventVersion: '1.11',
    userIdentity: {
      type: 'AssumedRole',
      principalId: 'AROAEXAMPLE:build-42',
      arn: SESSION,
      accountId: ACCOUNT
    },
    eventTime: '2024-05-01T10:00:00Z',
    eventSource: 'kms.amazonaws.com',
    eventName: 'Decrypt',
    awsRegion: 'us-east-1',
    sourceIPAddress: '192.0.2.10',
    userAgent: 'aws-cli/2.15.0',
    errorCode: 'AccessDenied',
    errorMessage: `User: ${SESSION} is not authorized to perform: kms:Decrypt on resource: ${KEY} because no resource-based policy allows the kms:Decrypt action`,
    requestParameters: {
      encryptionAlgorithm: 'SYMMETRIC_DEFAULT',
      keyId: KEY,
      encryptionContext: { Department: 'Engineering', Project: 'Alpha' }
    },
    responseElements: null,
    readOnly: true,
    resources: [{ accountId: ACCOUNT, type: 'AWS::KMS::Key', ARN: KEY }],
    eventType: 'AwsApiCall',
    recipientAccountId: ACCOUNT,
    ...extra
  }
}

const DECRYPT_REQUEST: DeniedRequest = {
  principal: SESSION,
  action: 'kms:Decrypt',
  key: KEY,
  region: 'us-east-1',
  account: ACCOUNT,
  context: {
    'kms:EncryptionAlgorithm': 'SYMMETRIC_DEFAULT',
    'kms:EncryptionContext:Department': 'Engineering',
    'kms:EncryptionContext:Project': 'Alpha',
    'aws:SourceIp': '192.0.2.10'
  },
  cause: {
    lock: 'key-policy',
    text: 'because no resource-based policy allows the kms:Decrypt action',
    explicit: false
  },
  source: 'cloudtrail'
}

const json = (value: unknown): string => JSON.stringify(value, null, 2)

describe('parseDeniedRequest reads CloudTrail events', () => {
  const s3Call = {
    eventSource: 's3.amazonaws.com',
    eventName: 'GetObject',
    errorCode: 'AccessDenied',
    userIdentity: { type: 'IAMUser', arn: `arn:aws:iam::${ACCOUNT}:user/alice` }
  }

  const cases: Record<string, { text: string; expected: DeniedRequest }> = {
    'single failed Decrypt event': {
      text: json(decryptEvent()),
      expected: DECRYPT_REQUEST
    },
    'Records use first failed KMS event': {
      text: json({
        Records: [
          s3Call,
          decryptEvent({ errorCode: undefined, errorMessage: undefined }),
          decryptEvent()
        ]
      }),
      expected: DECRYPT_REQUEST
    },
    'EventBridge detail wrapper': {
      text: json({
        version: '0',
        'detail-type': 'AWS API Call via CloudTrail',
        source: 'aws.kms',
        region: 'us-east-1',
        detail: decryptEvent()
      }),
      expected: DECRYPT_REQUEST
    },
    'lookup-events output with JSON strings': {
      text: json({
        Events: [
          { EventId: 'e1', EventName: 'Decrypt', CloudTrailEvent: JSON.stringify(decryptEvent()) }
        ]
      }),
      expected: DECRYPT_REQUEST
    },
    'pretty JSON with Windows line endings': {
      text: json(decryptEvent()).replaceAll('\n', '\r\n'),
      expected: DECRYPT_REQUEST
    },
    'S3 call for caller sets ViaService': {
      text: json(
        decryptEvent({
          userIdentity: {
            type: 'AssumedRole',
            arn: SESSION,
            accountId: ACCOUNT,
            invokedBy: 's3.amazonaws.com'
          },
          sourceIPAddress: 's3.amazonaws.com',
          userAgent: 's3.amazonaws.com',
          errorMessage: undefined
        })
      ),
      expected: {
        ...DECRYPT_REQUEST,
        context: {
          'kms:EncryptionAlgorithm': 'SYMMETRIC_DEFAULT',
          'kms:EncryptionContext:Department': 'Engineering',
          'kms:EncryptionContext:Project': 'Alpha',
          'kms:ViaService': 's3.us-east-1.amazonaws.com'
        },
        cause: undefined
      }
    },
    'VPC endpoint call sets SourceVpce': {
      text: json(
        decryptEvent({
          sourceIPAddress: '10.0.1.25',
          vpcEndpointId: 'vpce-0123456789abcdef0',
          requestParameters: { keyId: KEY }
        })
      ),
      expected: {
        ...DECRYPT_REQUEST,
        context: { 'aws:SourceIp': '10.0.1.25', 'aws:SourceVpce': 'vpce-0123456789abcdef0' }
      }
    },
    'CreateGrant gives grant condition keys': {
      text: json(
        decryptEvent({
          eventName: 'CreateGrant',
          errorMessage: `User: ${SESSION} is not authorized to perform: kms:CreateGrant on resource: ${KEY} with an explicit deny in a resource-based policy`,
          sourceIPAddress: '2001:db8::1',
          requestParameters: {
            keyId: KEY,
            granteePrincipal: `arn:aws:iam::${ACCOUNT}:role/Worker`,
            operations: ['Decrypt', 'GenerateDataKey'],
            constraints: { encryptionContextSubset: { Department: 'IT' } }
          }
        })
      ),
      expected: {
        ...DECRYPT_REQUEST,
        action: 'kms:CreateGrant',
        context: {
          'kms:GrantOperations': ['Decrypt', 'GenerateDataKey'],
          'kms:GranteePrincipal': `arn:aws:iam::${ACCOUNT}:role/Worker`,
          'kms:GrantConstraintType': 'EncryptionContextSubset',
          'aws:SourceIp': '2001:db8::1'
        },
        cause: {
          lock: 'key-policy',
          text: 'with an explicit deny in a resource-based policy',
          explicit: true
        }
      }
    },
    'alias keyId kept with event Region': {
      text: json(
        decryptEvent({
          eventName: 'GenerateDataKey',
          errorMessage: undefined,
          resources: undefined,
          awsRegion: 'ap-northeast-1',
          requestParameters: { keyId: 'alias/app', keySpec: 'AES_256' }
        })
      ),
      expected: {
        ...DECRYPT_REQUEST,
        action: 'kms:GenerateDataKey',
        key: 'alias/app',
        region: 'ap-northeast-1',
        context: { 'aws:SourceIp': '192.0.2.10' },
        cause: undefined
      }
    },
    'ReEncrypt uses the denied action key': {
      text: json(
        decryptEvent({
          eventName: 'ReEncrypt',
          errorMessage: `User: ${SESSION} is not authorized to perform: kms:ReEncryptTo on resource: ${OTHER_KEY}`,
          resources: undefined,
          requestParameters: { sourceKeyId: KEY, destinationKeyId: OTHER_KEY }
        })
      ),
      expected: {
        ...DECRYPT_REQUEST,
        action: 'kms:ReEncryptTo',
        key: OTHER_KEY,
        region: 'eu-west-1',
        account: '210987654321',
        context: { 'aws:SourceIp': '192.0.2.10' },
        cause: undefined
      }
    },
    'cross-account caller from the message': {
      text: json(
        decryptEvent({
          userIdentity: { type: 'AWSAccount', principalId: 'AROAEXAMPLE', accountId: ACCOUNT },
          recipientAccountId: '210987654321'
        })
      ),
      expected: DECRYPT_REQUEST
    },
    'service identity is the principal': {
      text: json(
        decryptEvent({
          userIdentity: { type: 'AWSService', invokedBy: 'cloudtrail.amazonaws.com' },
          sourceIPAddress: 'cloudtrail.amazonaws.com',
          userAgent: 'cloudtrail.amazonaws.com',
          errorMessage: undefined
        })
      ),
      expected: {
        ...DECRYPT_REQUEST,
        principal: 'cloudtrail.amazonaws.com',
        context: {
          'kms:EncryptionAlgorithm': 'SYMMETRIC_DEFAULT',
          'kms:EncryptionContext:Department': 'Engineering',
          'kms:EncryptionContext:Project': 'Alpha'
        },
        cause: undefined
      }
    }
  }

  test.each(Object.entries(cases))('%s', (_, { text, expected }) => {
    // toEqual treats a member set to undefined, such as `cause: undefined`, as absent.
    expect(parseDeniedRequest(text, 'event.json')).toEqual(expected)
  })

  test('several failed KMS events are noted', () => {
    const text = json({ Records: [decryptEvent(), decryptEvent({ eventName: 'Encrypt' })] })
    const result = parseDeniedRequest(text, 'trail.json')
    expect(result.action).toBe('kms:Decrypt')
    expect(result.note).toBe(
      'The file contains 2 failed KMS events. This uses the first, on line 3; pass the others one at a time.'
    )
  })

  test('error other than AccessDenied is noted', () => {
    const text = json(
      decryptEvent({ errorCode: 'DisabledException', errorMessage: 'key is disabled' })
    )
    const result = parseDeniedRequest(text, 'event.json')
    expect(result.cause).toBeUndefined()
    expect(result.note).toBe(
      'The errorCode is `DisabledException`, not AccessDenied: KMS rejected the call for another ' +
        'reason than permissions, such as the key state, so a permissions check may not explain it.'
    )
  })
})

describe('parseDeniedRequest rejects CloudTrail events it cannot use', () => {
  const cases: Record<string, { text: string; message: string | RegExp; at?: string }> = {
    'event of another service': {
      text: json(decryptEvent({ eventSource: 's3.amazonaws.com', eventName: 'GetObject' })),
      message:
        "the CloudTrail event's eventSource is `s3.amazonaws.com`, not kms.amazonaws.com; " +
        'explain reads denied KMS requests, so pass the KMS event of the failed call',
      at: '"s3.amazonaws.com"'
    },
    'event of a call that succeeded': {
      text: json(decryptEvent({ errorCode: undefined, errorMessage: undefined })),
      message:
        'the CloudTrail event has no errorCode, so it records a call that succeeded; ' +
        'explain needs the event of a failed call',
      at: '{'
    },
    'Records without a KMS event': {
      text: json({
        Records: [
          decryptEvent({ eventSource: 's3.amazonaws.com' }),
          decryptEvent({ eventSource: 'sts.amazonaws.com' })
        ]
      }),
      message:
        'none of the 2 CloudTrail events in trail.json is a KMS call (eventSource ' +
        'kms.amazonaws.com); explain reads denied KMS requests'
    },
    'Records whose KMS events all succeeded': {
      text: json({
        Records: [decryptEvent({ errorCode: undefined }), decryptEvent({ errorCode: '' })]
      }),
      message:
        'none of the 2 KMS events in trail.json has an errorCode; explain needs the event of a failed call'
    },
    'empty Records': {
      text: json({ Records: [] }),
      message: 'no CloudTrail events found in trail.json; expected at least one KMS event'
    },
    'caller recorded only by account': {
      text: json(
        decryptEvent({
          userIdentity: {
            type: 'AWSAccount',
            principalId: 'AIDAEXAMPLE',
            accountId: '210987654321'
          },
          errorMessage:
            'The ciphertext refers to a key that does not exist or that you cannot access'
        })
      ),
      message:
        'the CloudTrail event names the caller only by its account (userIdentity type AWSAccount), ' +
        "as the key owner's trail records callers from other accounts; pass the event from the " +
        "caller's account, or the AccessDenied message, which name the caller's ARN",
      at: '{\n    "type": "AWSAccount"'
    },
    'ReEncrypt without an action message': {
      text: json(decryptEvent({ eventName: 'ReEncrypt', errorMessage: undefined })),
      message:
        'the ReEncrypt event needs two actions, kms:ReEncryptFrom on the source key and ' +
        'kms:ReEncryptTo on the destination key, and its errorMessage does not say which was denied',
      at: '"ReEncrypt"'
    },
    'unknown KMS eventName': {
      text: json(decryptEvent({ eventName: 'Decript', errorMessage: undefined })),
      message: '`kms:Decript` is not a KMS action; did you mean `kms:Decrypt`?',
      at: '"Decript"'
    },
    'invalid JSON without a message': {
      text: '{\n  "eventSource": "kms.amazonaws.com",\n  "eventName": Decrypt\n}',
      message: /^invalid JSON: /u,
      at: 'Decrypt\n'
    }
  }

  test.each(Object.entries(cases))('%s', (_, { text, message, at }) => {
    const error = parseError(text, 'trail.json')
    if (message instanceof RegExp) expect(error.message).toMatch(message)
    else expect(error.message).toBe(message)
    if (at) expect(error.location).toEqual({ file: 'trail.json', ...positionOf(text, at) })
  })

  test('deeply nested JSON is rejected without a crash', () => {
    const text = `${'['.repeat(100_000)}${']'.repeat(100_000)}`
    expect(parseError(text, 'deep.json').message).toMatch(/nested deeper than/u)
  })

  test('broken JSON with a message falls back', () => {
    const text = `{ broken log line: ${denied()}`
    expect(parseDeniedRequest(text, 'argument')).toEqual(request())
  })
})
