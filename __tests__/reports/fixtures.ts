/**
 * Hand-built check reports for the report renderers: one result of each kind the
 * renderers treat differently.
 */
import type {
  CheckReport,
  ExpectationResult,
  Remediation,
  ReportWarning
} from '../../src/check/results.js'
import type { Evaluation, LockCheck, StatementRef } from '../../src/engine/decision.js'
import type { SourceLocation } from '../../src/engine/model.js'

export const APP_ACCOUNT = '111122223333'
export const PARTNER_ACCOUNT = '444455556666'
export const MANIFEST = 'kms-access.yml'

export const APP_ROLE = `arn:aws:iam::${APP_ACCOUNT}:role/App`
export const PARTNER_ROLE = `arn:aws:iam::${PARTNER_ACCOUNT}:role/service-role/Reader`
export const APP_KEY = `arn:aws:kms:us-east-1:${APP_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`

export function at(line: number, column = 5, file = MANIFEST): SourceLocation {
  return { file, line, column }
}

function lockCheck(overrides: Partial<LockCheck> & Pick<LockCheck, 'lock'>): LockCheck {
  return { status: 'open', reason: 'The lock is open.', statements: [], grants: [], ...overrides }
}

function evaluation(overrides: Partial<Evaluation>): Evaluation {
  return {
    decision: 'implicit-deny',
    principal: {
      input: APP_ROLE,
      kind: 'role',
      arn: APP_ROLE,
      roleArn: APP_ROLE,
      accountId: APP_ACCOUNT,
      partition: 'aws'
    },
    key: { input: APP_KEY, arn: APP_KEY, accountId: APP_ACCOUNT, region: 'us-east-1' },
    action: 'kms:Decrypt',
    locks: [],
    closedLocks: [],
    accessPaths: [],
    allowedBy: [],
    allowedByGrants: [],
    deniedBy: [],
    reasons: [],
    missingContextKeys: [],
    nearMisses: [],
    crossAccount: false,
    ...overrides
  }
}

function result(
  overrides: Partial<ExpectationResult> & Pick<ExpectationResult, 'expectation' | 'evidence'>
): ExpectationResult {
  const evidence = overrides.evidence
  return {
    principal: evidence.principal.arn,
    key: evidence.key.arn ?? evidence.key.input,
    action: evidence.action,
    expect: 'allow',
    decision: evidence.decision,
    passed: false,
    status: 'fail',
    closedLocks: evidence.closedLocks,
    manifestLocation: at(4),
    ...overrides
  }
}

/** The statement the same-account fix adds to the key policy. */
export const APP_KEY_POLICY_STATEMENT = {
  Sid: 'AllowAppUseOfTheKey',
  Effect: 'Allow',
  Principal: { AWS: APP_ROLE },
  Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
  Resource: '*'
}

/** The key policy statement that almost allowed the App role. */
export const VIA_S3_STATEMENT: StatementRef = {
  policyKind: 'key-policy',
  policyName: 'default',
  accountId: APP_ACCOUNT,
  sid: 'AllowViaS3',
  index: 2,
  effect: 'Allow',
  location: at(21, 7, 'facts/key-policy.json')
}

function sameAccountRemediation(action: string): Remediation {
  return {
    summary: `Add a statement to the key policy of ${APP_KEY} that allows ${APP_ROLE} to call ${action}.`,
    changes: [
      {
        side: 'key-policy',
        accountId: APP_ACCOUNT,
        target: APP_KEY,
        description: 'Add this statement to the key policy.',
        statement: APP_KEY_POLICY_STATEMENT
      }
    ],
    verifyCommands: [
      `aws kms get-key-policy --key-id ${APP_KEY} --policy-name default --output text`
    ]
  }
}

/** Builds a same-account failure: the key policy names neither the role nor the account. */
export function sameAccountFailure(action = 'kms:Decrypt'): ExpectationResult {
  const keyPolicyLock = lockCheck({
    lock: 'key-policy',
    status: 'closed',
    accountId: APP_ACCOUNT,
    reason:
      'No key policy statement allows the principal, and the key policy does not trust the account.'
  })
  return result({
    expectation: 'app-uses-data-key',
    manifestLocation: at(4),
    evidence: evaluation({
      action,
      decision: 'implicit-deny',
      locks: [lockCheck({ lock: 'explicit-deny' }), keyPolicyLock, lockCheck({ lock: 'iam' })],
      closedLocks: ['key-policy'],
      missingContextKeys: ['kms:ViaService'],
      nearMisses: [
        {
          statement: VIA_S3_STATEMENT,
          mismatches: [
            {
              element: 'condition',
              detail: 'StringEquals kms:ViaService',
              expected: ['s3.us-east-1.amazonaws.com'],
              actual: [],
              hint: 'The request context has no kms:ViaService; add it when the call goes through S3.'
            }
          ]
        }
      ]
    }),
    remediation: sameAccountRemediation(action)
  })
}

export const PARTNER_KEY_POLICY_STATEMENT = {
  Sid: 'AllowPartnerReader',
  Effect: 'Allow',
  Principal: { AWS: PARTNER_ROLE },
  Action: 'kms:Decrypt',
  Resource: '*'
}

export const PARTNER_IAM_STATEMENT = {
  Sid: 'DecryptAppKey',
  Effect: 'Allow',
  Action: 'kms:Decrypt',
  Resource: APP_KEY
}

/** Builds a cross-account failure: neither the key policy nor the partner's IAM policy allows it. */
export function crossAccountFailure(): ExpectationResult {
  const principal = {
    input: PARTNER_ROLE,
    kind: 'role' as const,
    arn: PARTNER_ROLE,
    roleArn: PARTNER_ROLE,
    accountId: PARTNER_ACCOUNT,
    partition: 'aws'
  }
  return result({
    expectation: 'partner-reads-exports',
    manifestLocation: at(12),
    evidence: evaluation({
      principal,
      decision: 'implicit-deny',
      crossAccount: true,
      locks: [
        lockCheck({
          lock: 'key-policy',
          status: 'closed',
          accountId: APP_ACCOUNT,
          reason: `The key policy does not allow account ${PARTNER_ACCOUNT} or the role.`
        }),
        lockCheck({
          lock: 'iam',
          status: 'closed',
          accountId: PARTNER_ACCOUNT,
          reason: 'No identity policy of the role allows kms:Decrypt on the key.'
        })
      ],
      closedLocks: ['key-policy', 'iam']
    }),
    remediation: {
      summary: `Allow the role in the key policy (account ${APP_ACCOUNT}) and in its IAM policy (account ${PARTNER_ACCOUNT}).`,
      changes: [
        {
          side: 'key-policy',
          accountId: APP_ACCOUNT,
          target: APP_KEY,
          description: 'Add this statement to the key policy.',
          statement: PARTNER_KEY_POLICY_STATEMENT
        },
        {
          side: 'iam',
          accountId: PARTNER_ACCOUNT,
          target: PARTNER_ROLE,
          description: 'Add this statement to an identity policy of the role.',
          statement: PARTNER_IAM_STATEMENT
        }
      ],
      verifyCommands: [
        `aws kms get-key-policy --key-id ${APP_KEY} --policy-name default --output text`,
        `aws iam simulate-principal-policy --policy-source-arn ${PARTNER_ROLE} --action-names kms:Decrypt --resource-arns ${APP_KEY}`
      ]
    }
  })
}

/** The SCP statement that denies KMS outside the VPC. */
export const DENY_STATEMENT: StatementRef = {
  policyKind: 'scp',
  policyName: 'DenyKmsOutsideVpc',
  policyArn:
    'arn:aws:organizations::999988887777:policy/o-abc123/service_control_policy/p-1a2b3c4d',
  accountId: '999988887777',
  sid: 'DenyKmsOutsideVpc',
  index: 0,
  effect: 'Deny',
  location: at(3, 5, 'facts/org/scp.json')
}

/** Builds an explicit deny: an SCP Deny statement matches. */
export function explicitDenyFailure(): ExpectationResult {
  return result({
    expectation: 'app-encrypts-outside-vpc',
    manifestLocation: at(20),
    evidence: evaluation({
      action: 'kms:Encrypt',
      decision: 'explicit-deny',
      locks: [
        lockCheck({
          lock: 'explicit-deny',
          status: 'closed',
          reason: 'An SCP statement denies the request.',
          statements: [DENY_STATEMENT]
        })
      ],
      closedLocks: ['explicit-deny'],
      deniedBy: [DENY_STATEMENT]
    }),
    remediation: {
      summary: 'Narrow the SCP statement DenyKmsOutsideVpc so that it does not match this request.',
      changes: [
        {
          side: 'scp',
          accountId: '999988887777',
          target: DENY_STATEMENT.policyArn ?? '',
          description: 'Narrow or remove the Deny statement.',
          statements: [DENY_STATEMENT]
        }
      ],
      verifyCommands: []
    }
  })
}

export const UNKNOWN_REASON = `The key policy of ${APP_KEY} is not in the facts, so the key-policy lock cannot be checked.`

/** Builds an unknown result: the key policy was not supplied. */
export function unknownResult(): ExpectationResult {
  return result({
    expectation: 'batch-signs-reports',
    manifestLocation: at(28),
    status: 'unknown',
    evidence: evaluation({
      action: 'kms:Sign',
      decision: 'unknown',
      locks: [
        lockCheck({
          lock: 'key-policy',
          status: 'unknown',
          accountId: APP_ACCOUNT,
          reason: UNKNOWN_REASON
        })
      ],
      closedLocks: ['key-policy'],
      reasons: [UNKNOWN_REASON]
    }),
    remediation: {
      summary: 'Add the key policy to the facts.',
      changes: [
        {
          side: 'key',
          accountId: APP_ACCOUNT,
          target: APP_KEY,
          description: 'Save the key policy to a fact file.'
        }
      ],
      verifyCommands: [`aws kms get-key-policy --key-id ${APP_KEY} --policy-name default`]
    }
  })
}

/** The key policy statement that opens the key to everyone. */
export const OPEN_STATEMENT: StatementRef = {
  policyKind: 'key-policy',
  policyName: 'default',
  accountId: APP_ACCOUNT,
  sid: 'OpenToEveryone',
  index: 1,
  effect: 'Allow',
  location: at(12, 5, 'facts/key-policy.json')
}

/** Builds a deny expectation that a key policy statement with `Principal: "*"` allowed. */
export function unexpectedAccess(): ExpectationResult {
  return result({
    expectation: 'guest-cannot-decrypt',
    manifestLocation: at(36),
    expect: 'deny',
    evidence: evaluation({
      decision: 'allowed',
      closedLocks: [],
      accessPaths: ['key-policy-names-principal'],
      allowedBy: [OPEN_STATEMENT]
    }),
    remediation: {
      summary: 'Remove or narrow the key policy statement OpenToEveryone.',
      changes: [
        {
          side: 'key-policy',
          accountId: APP_ACCOUNT,
          target: APP_KEY,
          description: 'Narrow the Principal of this statement.',
          statements: [OPEN_STATEMENT]
        }
      ],
      verifyCommands: []
    }
  })
}

/** Builds a result that passed. */
export function passingResult(): ExpectationResult {
  return result({
    expectation: 'app-describes-key',
    manifestLocation: at(44),
    passed: true,
    status: 'pass',
    evidence: evaluation({
      action: 'kms:DescribeKey',
      decision: 'allowed',
      accessPaths: ['key-policy-trusts-account-and-iam-allows']
    })
  })
}

export const IGNORED_STATEMENT_WARNING: ReportWarning = {
  code: 'statement-ignored',
  message: 'Statement #3 has no Resource element; AWS ignores it.',
  location: at(30, 5, 'facts/key-policy.json')
}

export const ORGANIZATIONS_WARNING: ReportWarning = {
  code: 'organizations-not-supplied',
  message: 'No Organizations facts were supplied, so SCPs and RCPs were not checked.'
}

/** Builds a report around results, counting them as the check would. */
export function buildReport(
  results: ExpectationResult[],
  options: { warnings?: ReportWarning[]; failOnUnknown?: boolean } = {}
): CheckReport {
  const failOnUnknown = options.failOnUnknown ?? true
  const count = (status: ExpectationResult['status']) =>
    results.filter((candidate) => candidate.status === status).length
  const failed = count('fail')
  const unknown = count('unknown')
  return {
    reportVersion: 1,
    tool: { name: 'kms-access-gate', version: '0.1.0' },
    manifest: MANIFEST,
    mode: 'offline',
    factSources: ['facts/key-policy.json', 'facts/iam.json'],
    passed: failed === 0 && (unknown === 0 || !failOnUnknown),
    failOnUnknown,
    counts: {
      expectations: new Set(results.map((candidate) => candidate.expectation)).size,
      results: results.length,
      passed: count('pass'),
      failed,
      unknown
    },
    results,
    warnings: options.warnings ?? []
  }
}

/** Builds a report with one result of each kind, two failing actions of one expectation, and two warnings. */
export function mixedReport(options: { failOnUnknown?: boolean } = {}): CheckReport {
  return buildReport(
    [
      passingResult(),
      sameAccountFailure('kms:Decrypt'),
      sameAccountFailure('kms:GenerateDataKey'),
      crossAccountFailure(),
      explicitDenyFailure(),
      unknownResult(),
      unexpectedAccess()
    ],
    { warnings: [IGNORED_STATEMENT_WARNING, ORGANIZATIONS_WARNING], ...options }
  )
}

/** Strings that would break Markdown, HTML, mentions or links if printed unescaped. */
export const HOSTILE = {
  pipe: 'a | b',
  backticks: 'run `rm -rf` ``` now',
  script: '<script>alert(1)</script>',
  link: '[click](http://x)',
  mention: '@octocat',
  newline: 'first\nsecond\r\nthird',
  image: '![x](http://x/y.png)',
  url: 'see https://evil.example and www.evil.example'
}

/** Builds a failing result whose manifest and policy text is hostile. */
export function hostileResult(): ExpectationResult {
  const hostileName = `x | ${HOSTILE.script} ${HOSTILE.link} ${HOSTILE.mention}\n## heading`
  const base = sameAccountFailure()
  const statement: StatementRef = { ...VIA_S3_STATEMENT, sid: 'Sid`with`ticks | @octocat' }
  return {
    ...base,
    expectation: hostileName,
    evidence: {
      ...base.evidence,
      reasons: [`Reason with ${HOSTILE.image} and ${HOSTILE.url}`],
      nearMisses: [
        {
          statement,
          mismatches: [
            {
              element: 'condition',
              detail: 'StringEquals aws:PrincipalTag/team',
              expected: ['```', '`'],
              actual: ['x|y'],
              hint: `${HOSTILE.mention} said ${HOSTILE.link}`
            }
          ]
        }
      ]
    }
  }
}
