/**
 * The SARIF rules: one per kind of finding the gate reports. Rule IDs and names are a
 * stable interface, because code scanning matches alerts across runs by rule ID: never
 * renumber a rule, only add new ones.
 */
import type { Lock } from '../engine/decision.js'

/** The kinds of finding that have a rule. */
export type FindingKind =
  | Lock
  | 'condition-not-satisfied'
  | 'unexpected-access'
  | 'dry-run-disagreement'
  | 'unknown'
  | 'expectation-not-met'
  | 'statement-ignored'
  | 'condition-key-not-allowed'
  | 'principal-wildcard-in-arn'
  | 'resource-not-star'
  | 'group-principal'
  | 'orphaned-principal'
  | 'invalid-element'
  | 'facts'
  | 'organizations-not-supplied'
  | 'input-warning'

export interface SarifRuleDefinition {
  kind: FindingKind
  id: string
  /** PascalCase name, as SARIF viewers show it beside the ID. */
  name: string
  shortDescription: string
  fullDescription: string
  /** How to fix the finding, in plain text. */
  help: string
  /** The same help in Markdown. It is fixed text, so it contains nothing from policies. */
  helpMarkdown: string
  level: 'error' | 'warning'
  tags: string[]
  /**
   * GitHub's severity score from `0.0` to `10.0`, set only for findings that let someone
   * in or hide a policy error: a denied request breaks a deployment, but opens nothing.
   */
  securitySeverity?: string
}

interface RuleText {
  id: string
  name: string
  short: string
  full: string
  fix: string[]
  level?: 'error' | 'warning'
  tags: string[]
  securitySeverity?: string
}

const LOCK_RULES: Record<Lock, RuleText> = {
  'key-policy': {
    id: 'KAG101',
    name: 'KeyPolicyDoesNotAllowPrincipal',
    short: 'The key policy does not allow the principal or trust its account.',
    full: "KMS lets a request in only when the key policy allows it: either a statement names the principal, or a statement trusts the principal's account (the account root) and an IAM policy of the principal allows the action. Here the key policy does neither.",
    fix: [
      'Add the key-policy statement from the result to the key policy, or name the account root if IAM policies of that account should decide.',
      'When the key is defined in a template or plan, the related location shows where the statement belongs.'
    ],
    tags: ['kms', 'key-policy', 'access-denied']
  },
  iam: {
    id: 'KAG102',
    name: 'IdentityPolicyDoesNotAllow',
    short: 'No IAM policy of the principal allows the action on the key.',
    full: "The key policy trusts the principal's account, so IAM decides, and no identity policy of the role or user allows the KMS action on this key. Across accounts, an IAM allow is needed even when the key policy names the principal.",
    fix: [
      'Add the identity-policy statement from the result to a policy attached to the role or user, with the key ARN as Resource.'
    ],
    tags: ['kms', 'iam', 'access-denied']
  },
  'explicit-deny': {
    id: 'KAG103',
    name: 'ExplicitDeny',
    short: 'A Deny statement matches the request.',
    full: 'A statement with Effect Deny in a key policy, identity policy, permissions boundary, session policy, SCP, RCP or VPC endpoint policy matches the request. An explicit deny overrides every allow.',
    fix: [
      'Narrow the Deny statement named in the result (its Principal, Action, Resource or Condition) so that it does not match this request, or remove it.',
      'If the deny is intended, change the expectation to expect: deny.'
    ],
    tags: ['kms', 'explicit-deny', 'access-denied']
  },
  grant: {
    id: 'KAG104',
    name: 'GrantMissing',
    short: 'No grant allows the request.',
    full: "Grants let a principal use a key apart from the policies. Either a grant names the principal but does not allow the operation with the request's encryption context, or the operation is one that only a grant can allow (such as RetireGrant) and no grant allows it.",
    fix: [
      'Create a grant for the principal with the operation and constraints that the request meets (aws kms create-grant), or allow the operation in the key policy where KMS accepts that.'
    ],
    tags: ['kms', 'grant', 'access-denied']
  },
  'key-state': {
    id: 'KAG105',
    name: 'KeyStateBlocksUse',
    short: 'The key is disabled or pending deletion.',
    full: 'KMS rejects cryptographic operations on a key that is disabled, pending deletion or pending import, whatever the policies allow.',
    fix: [
      'Enable the key (aws kms enable-key) or cancel its deletion (aws kms cancel-key-deletion), or point the expectation at a key in use.'
    ],
    tags: ['kms', 'key-state', 'access-denied']
  },
  'key-usage': {
    id: 'KAG106',
    name: 'WrongKeyUsage',
    short: 'The key usage or key spec does not support the operation.',
    full: 'The operation does not fit the key: for example Encrypt on a SIGN_VERIFY key, Sign on an ENCRYPT_DECRYPT key, or GenerateDataKey on an asymmetric key.',
    fix: [
      'Use a key whose KeyUsage and KeySpec support the operation, or change the action in the expectation.'
    ],
    tags: ['kms', 'key-usage', 'access-denied']
  },
  'key-not-found': {
    id: 'KAG107',
    name: 'KeyNotFound',
    short: 'The key does not exist or cannot be named that way.',
    full: 'The key ID, key ARN or alias in the expectation does not name a key in the facts, or the operation does not accept an alias as KeyId.',
    fix: [
      'Check the key or alias in the expectation, supply the key in the facts, or use the key ARN for operations that do not accept an alias.'
    ],
    tags: ['kms', 'key-resolution', 'access-denied']
  },
  scp: {
    id: 'KAG109',
    name: 'ScpDoesNotAllow',
    short: "No service control policy allows the action for the principal's account.",
    full: "Every SCP on the path from the organization root to the principal's account must allow the action. At least one of them allows no statement that matches this request.",
    fix: [
      'Allow the KMS action in the SCP named in the result (or attach FullAWSAccess), or move the account to an organizational unit whose SCPs allow it.'
    ],
    tags: ['kms', 'organizations', 'scp', 'access-denied']
  },
  rcp: {
    id: 'KAG110',
    name: 'RcpDoesNotAllow',
    short: "No resource control policy allows the request to the key's account.",
    full: "Every RCP on the path from the organization root to the key's account must allow the request. At least one of them allows no statement that matches it.",
    fix: [
      'Allow the request in the RCP named in the result (or attach RCPFullAWSAccess), or narrow its conditions so that this principal is let in.'
    ],
    tags: ['kms', 'organizations', 'rcp', 'access-denied']
  },
  'permissions-boundary': {
    id: 'KAG111',
    name: 'PermissionsBoundaryDoesNotAllow',
    short: "The principal's permissions boundary does not allow the action.",
    full: 'The role or user has a permissions boundary, and the boundary allows no statement that matches the request. An identity policy cannot grant more than the boundary allows.',
    fix: ['Allow the KMS action on the key in the permissions boundary policy.'],
    tags: ['kms', 'iam', 'permissions-boundary', 'access-denied']
  },
  'session-policy': {
    id: 'KAG112',
    name: 'SessionPolicyDoesNotAllow',
    short: 'The session policy does not allow the action.',
    full: "The assumed-role session was created with a session policy, which limits the session to what both the role's policies and the session policy allow. The session policy allows no statement that matches the request.",
    fix: [
      'Allow the KMS action on the key in the session policy passed to AssumeRole, or assume the role without a session policy.'
    ],
    tags: ['kms', 'iam', 'session-policy', 'access-denied']
  },
  vpce: {
    id: 'KAG113',
    name: 'VpcEndpointPolicyDoesNotAllow',
    short: 'The VPC endpoint policy does not allow the request.',
    full: 'The request goes through a KMS interface VPC endpoint, and the endpoint policy allows no statement that matches it.',
    fix: [
      'Allow the principal, action and key in the VPC endpoint policy, or send the request through another endpoint.'
    ],
    tags: ['kms', 'vpc-endpoint', 'access-denied']
  }
}

const RESULT_RULES: Record<
  | 'condition-not-satisfied'
  | 'unexpected-access'
  | 'dry-run-disagreement'
  | 'unknown'
  | 'expectation-not-met',
  RuleText
> = {
  'condition-not-satisfied': {
    id: 'KAG108',
    name: 'ConditionNotSatisfied',
    short: 'An Allow statement matches the request except for its Condition.',
    full: 'A statement would let the request in, but a condition does not hold: the request lacks a context key the condition tests (such as kms:ViaService or kms:EncryptionContext), or carries another value.',
    fix: [
      "If the real request carries the key, add it to the expectation's context.",
      'Otherwise widen the condition in the statement named in the result, or send the request in the way the condition expects (for example through the AWS service named in kms:ViaService).'
    ],
    tags: ['kms', 'condition', 'access-denied']
  },
  'unexpected-access': {
    id: 'KAG201',
    name: 'UnexpectedAccess',
    short: 'A principal that should be denied can use the key.',
    full: 'The expectation says the principal must not be able to call the action on the key, but the policies or grants let it in.',
    fix: [
      'Remove or narrow the statements and grants named in the result, for example a Principal "*" without conditions or an account-root statement that IAM policies then open.',
      'If the access is intended, change the expectation to expect: allow.'
    ],
    tags: ['security', 'kms', 'unexpected-access'],
    securitySeverity: '8.0'
  },
  'dry-run-disagreement': {
    id: 'KAG202',
    name: 'KmsDryRunDisagrees',
    short: "KMS DryRun answered differently from the gate's decision.",
    full: 'In a live run, KMS answered the DryRun request with a different decision than the gate reached from the facts. The facts or the gate are wrong for this request, so the result fails whatever the expectation says.',
    fix: [
      'Compare the facts with the account: a policy, grant or SCP may have changed or be missing from the facts.',
      'Run again with fresh facts; if KMS and the gate still disagree, report the case with the JSON report attached.'
    ],
    tags: ['security', 'kms', 'dry-run'],
    securitySeverity: '5.0'
  },
  unknown: {
    id: 'KAG203',
    name: 'UnknownResult',
    short: 'The gate could not decide whether the request is allowed.',
    full: 'Part of what decides the request is missing from the facts (a policy, the principal, a condition value) or cannot be evaluated. The gate never guesses allowed: the result is unknown, and it fails the gate unless fail-on-unknown is off.',
    fix: [
      'Supply the missing facts the result names (export the policy, add the principal or its account), or add the context keys the conditions test to the expectation.'
    ],
    tags: ['kms', 'unknown'],
    level: 'error'
  },
  'expectation-not-met': {
    id: 'KAG204',
    name: 'ExpectationNotMet',
    short: 'The decision does not match the expectation.',
    full: 'The request was denied although the expectation allows it, and the report names no closed lock that a more specific rule covers.',
    fix: [
      'Read the evidence in the JSON report or job summary, and change the policies or the expectation.'
    ],
    tags: ['kms', 'access-denied']
  }
}

const WARNING_RULES: Record<
  | 'statement-ignored'
  | 'condition-key-not-allowed'
  | 'principal-wildcard-in-arn'
  | 'resource-not-star'
  | 'group-principal'
  | 'orphaned-principal'
  | 'invalid-element'
  | 'facts'
  | 'organizations-not-supplied'
  | 'input-warning',
  RuleText
> = {
  'statement-ignored': {
    id: 'KAG301',
    name: 'KeyPolicyStatementIgnored',
    short: 'AWS ignores this key-policy statement.',
    full: 'A key-policy statement without Action or Resource has no effect: AWS ignores it. An ignored Deny protects nothing, and an ignored Allow lets no one in.',
    fix: ['Add the missing element ("Resource": "*" in a key policy, and the Action list).'],
    tags: ['security', 'kms', 'key-policy', 'policy-error'],
    level: 'warning',
    securitySeverity: '5.0'
  },
  'condition-key-not-allowed': {
    id: 'KAG302',
    name: 'ConditionKeyNotAllowedInKeyPolicy',
    short: 'AWS rejects this condition key in key policies.',
    full: 'Condition keys such as aws:ResourceTag/* and kms:ResourceAliases work only in IAM policies: KMS rejects a key policy that uses them.',
    fix: ['Move the condition to an identity policy, or test another key in the key policy.'],
    tags: ['kms', 'key-policy', 'policy-error'],
    level: 'warning'
  },
  'principal-wildcard-in-arn': {
    id: 'KAG303',
    name: 'PrincipalWildcardInArn',
    short: 'A principal ARN contains a wildcard, which AWS does not accept.',
    full: 'A Principal element cannot contain "*" inside an ARN. Writing "*" alone opens the statement to every principal, so the usual fix is "*" with an aws:PrincipalArn condition.',
    fix: [
      'Use "Principal": "*" with an ArnLike condition on aws:PrincipalArn that names the intended principals.'
    ],
    tags: ['security', 'kms', 'principal', 'policy-error'],
    level: 'warning',
    securitySeverity: '5.0'
  },
  'resource-not-star': {
    id: 'KAG304',
    name: 'KeyPolicyResourceNotStar',
    short: 'A key-policy statement names a Resource other than "*".',
    full: 'In a key policy, "Resource": "*" means this key. Any other value, or NotResource, does not do what it seems to.',
    fix: ['Write "Resource": "*" in key-policy statements.'],
    tags: ['kms', 'key-policy', 'policy-error'],
    level: 'warning'
  },
  'group-principal': {
    id: 'KAG305',
    name: 'GroupPrincipal',
    short: 'A policy names an IAM group as principal.',
    full: 'An IAM group can never be a principal, so a statement that names one lets no one in.',
    fix: [
      'Name the users or roles, or allow the account root and grant the group an identity policy.'
    ],
    tags: ['kms', 'principal', 'policy-error'],
    level: 'warning'
  },
  'orphaned-principal': {
    id: 'KAG306',
    name: 'OrphanedPrincipal',
    short: 'A key-policy principal is the unique ID of a deleted role or user.',
    full: 'When a role or user named in a key policy is deleted, AWS replaces its ARN with its unique ID (AROA… or AIDA…). A recreated role with the same name gets a new ID, so the statement lets no one in.',
    fix: ['Replace the unique ID with the role or user ARN.'],
    tags: ['kms', 'key-policy', 'principal'],
    level: 'warning'
  },
  'invalid-element': {
    id: 'KAG307',
    name: 'InvalidPolicyElement',
    short: 'A policy statement has an element AWS rejects in this kind of policy.',
    full: 'Resource-based policies such as key policies need Principal or NotPrincipal; identity policies, boundaries, SCPs and session policies must not have one. AWS rejects the policy.',
    fix: ['Add or remove the Principal element as the kind of policy requires.'],
    tags: ['kms', 'policy-error'],
    level: 'warning'
  },
  facts: {
    id: 'KAG308',
    name: 'IncompleteFacts',
    short: 'The facts are incomplete for some results.',
    full: 'A fact file lacks something the check needs, such as a policy a principal refers to or the KMS endpoints of a VPC. Results that depend on it are unknown or skip that lock.',
    fix: ["Export the missing facts named in the warning and add them to the manifest's facts."],
    tags: ['kms', 'facts'],
    level: 'warning'
  },
  'organizations-not-supplied': {
    id: 'KAG309',
    name: 'OrganizationsNotSupplied',
    short: 'SCPs and RCPs were not checked.',
    full: 'No AWS Organizations facts were supplied, so service control policies and resource control policies could not close any request.',
    fix: ["Export the organization's SCPs and RCPs with their targets and add them to the facts."],
    tags: ['kms', 'organizations', 'facts'],
    level: 'warning'
  },
  'input-warning': {
    id: 'KAG399',
    name: 'InputWarning',
    short: 'A problem in the inputs that did not stop the check.',
    full: 'A warning whose code this version of the SARIF output does not describe. The message states the problem.',
    fix: ['Follow the warning message.'],
    tags: ['kms'],
    level: 'warning'
  }
}

function toDefinition(kind: FindingKind, text: RuleText): SarifRuleDefinition {
  const definition: SarifRuleDefinition = {
    kind,
    id: text.id,
    name: text.name,
    shortDescription: text.short,
    fullDescription: text.full,
    help: [text.full, '', 'How to fix:', ...text.fix.map((line) => `- ${line}`)].join('\n'),
    helpMarkdown: [text.full, '', '## How to fix', '', ...text.fix.map((line) => `- ${line}`)].join(
      '\n'
    ),
    level: text.level ?? 'error',
    tags: text.tags
  }
  if (text.securitySeverity) definition.securitySeverity = text.securitySeverity
  return definition
}

/** Every rule, in the order the SARIF `rules` array lists them (so `ruleIndex` is stable). */
export const SARIF_RULES: readonly SarifRuleDefinition[] = [
  ...Object.entries(LOCK_RULES),
  ...Object.entries(RESULT_RULES),
  ...Object.entries(WARNING_RULES)
]
  .map(([kind, text]) => toDefinition(kind as FindingKind, text))
  .sort((left, right) => left.id.localeCompare(right.id))

/** Returns the rule for a kind of finding. */
export function ruleFor(kind: FindingKind): SarifRuleDefinition {
  const rule = SARIF_RULES.find((candidate) => candidate.kind === kind)
  // Every FindingKind has an entry in the tables above, which the type of those tables enforces.
  if (!rule) throw new Error(`no SARIF rule for ${kind}`)
  return rule
}

/** Returns the rule's position in `SARIF_RULES`, which is its SARIF `ruleIndex`. */
export function ruleIndexOf(rule: SarifRuleDefinition): number {
  return SARIF_RULES.indexOf(rule)
}

/** Returns the rule for a report warning code; codes this version does not know share one rule. */
export function warningKind(code: string): FindingKind {
  return Object.hasOwn(WARNING_RULES, code) ? (code as FindingKind) : 'input-warning'
}
