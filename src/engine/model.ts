/**
 * The facts the engine evaluates: parsed policies, IAM principals, KMS keys and
 * Organizations policies. Loaders in `src/facts` build these from files or AWS APIs;
 * the engine only reads them.
 */

/** A place in an input file. Lines and columns are 1-based. */
export interface SourceLocation {
  file: string
  line: number
  column: number
}

export type Effect = 'Allow' | 'Deny'

/**
 * A parsed `Principal` or `NotPrincipal` element. Account IDs are normalised to
 * `arn:<partition>:iam::<account>:root`, because AWS treats both forms the same.
 */
export interface PrincipalSet {
  /** `"*"` or `{"AWS": "*"}`: every principal. */
  wildcard: boolean
  aws: string[]
  service: string[]
  federated: string[]
  canonicalUser: string[]
}

/** One condition: an operator (as written, with any `ForAnyValue:`/`IfExists` parts), a key and its values. */
export interface ConditionEntry {
  operator: string
  key: string
  values: string[]
}

export interface Statement {
  /** 0-based position of the statement in its policy. */
  index: number
  sid?: string
  effect: Effect
  principal?: PrincipalSet
  notPrincipal?: PrincipalSet
  action?: string[]
  notAction?: string[]
  resource?: string[]
  notResource?: string[]
  conditions: ConditionEntry[]
  location?: SourceLocation
}

export type PolicyKind =
  | 'key-policy'
  | 'identity'
  | 'permissions-boundary'
  | 'scp'
  | 'rcp'
  | 'session-policy'
  | 'vpce'

/** A problem in a policy that AWS ignores or rejects, found while parsing it. */
export interface PolicyWarning {
  code:
    | 'statement-ignored'
    | 'condition-key-not-allowed'
    | 'principal-wildcard-in-arn'
    | 'resource-not-star'
    | 'group-principal'
    | 'orphaned-principal'
    | 'invalid-element'
  message: string
  statementIndex?: number
  location?: SourceLocation
}

/**
 * Place of a policy in infrastructure as code, so that a fix is written in that file's
 * language and annotations point at the right line.
 */
export interface PolicyOrigin {
  format: 'cloudformation-yaml' | 'cloudformation-json' | 'terraform-plan'
  file: string
  /** The CloudFormation logical ID or the Terraform resource address. */
  resource: string
  /** Place for a new statement: the `Statement` list, or the Terraform resource block. */
  statementsLocation?: SourceLocation
  /**
   * Form of a Terraform policy: `jsonencode({...})`, a `data "aws_iam_policy_document"`
   * (then `statementsLocation` is that data block), or JSON text.
   */
  terraformStyle?: 'jsonencode' | 'policy-document' | 'json'
  /** True when a CloudFormation policy is written as JSON text (a string). */
  policyIsText?: boolean
  /** True when a YAML template writes the `Statement` list in flow style (`[...]`). */
  flowStyleStatements?: boolean
}

export interface Policy {
  kind: PolicyKind
  /** Human-readable name: the inline policy name, the managed policy name, or `default` for a key policy. */
  name: string
  /** ARN of a managed policy, SCP or RCP; absent for inline and key policies. */
  arn?: string
  /** Account that contains the policy (the key's account for key policies). */
  accountId?: string
  statements: Statement[]
  /**
   * The `Version` element. Policy variables work only with `2012-10-17`; in a policy without
   * it (or with `2008-10-17`) AWS reads `${…}` as literal text.
   */
  version?: string
  location?: SourceLocation
  warnings: PolicyWarning[]
  /** Set for policies read from templates and plans. */
  origin?: PolicyOrigin
}

/** A permissions boundary reference. `policy` is absent when its document was not in the facts. */
export interface BoundaryRef {
  arn: string
  policy?: Policy
}

interface IamEntityFact {
  arn: string
  name: string
  /** IAM path, such as `/` or `/service-role/`. */
  path: string
  /** Unique ID (AROA… for roles, AIDA… for users). */
  id?: string
  accountId: string
  /** Identity policies that apply: inline and attached managed ones (and, for users, their groups'). */
  policies: Policy[]
  /**
   * Managed policy ARNs that are attached but whose documents are not in the facts, and ARNs
   * of the user's groups that no IAM file defines.
   */
  missingPolicies: string[]
  permissionsBoundary?: BoundaryRef
  tags: Record<string, string>
  /** True when the tags were not read (live runs read them only when a key policy tests them). */
  tagsUnknown?: boolean
  /** Names by which the manifest may refer to an entity defined in code: `infra/app.yaml#AppRole`. */
  references?: string[]
  /** True when this change creates the entity, so an ARN without a fixed name is synthetic. */
  pending?: boolean
  /** True for an entity a template or plan defines: it describes the state the change deploys. */
  fromCode?: boolean
  /**
   * Reason the simulator's result no longer describes a simulated entity, such as a policy the
   * change removes. `policies` then contain only what the change adds.
   */
  simulationOutdated?: string
  /**
   * `simulator`: the identity policies, permissions boundary and SCPs were not read as
   * documents; the IAM policy simulator evaluated them (see `Facts.iamSimulations`), and
   * `policies` is empty. Absent means `documents`.
   */
  identitySource?: 'documents' | 'simulator'
  location?: SourceLocation
}

export interface RoleFact extends IamEntityFact {
  kind: 'role'
}

export interface UserFact extends IamEntityFact {
  kind: 'user'
  groups: string[]
}

/** The IAM facts of one account, as `aws iam get-account-authorization-details` prints them. */
export interface AccountIamFacts {
  accountId: string
  roles: RoleFact[]
  users: UserFact[]
  /** Group names that exist, so a group ARN used as a principal can be recognised. */
  groups: string[]
  source: string
}

export interface KeyMetadataFact {
  keyState?: string
  enabled?: boolean
  keyUsage?: string
  keyManager?: string
  keySpec?: string
  origin?: string
  multiRegion?: boolean
  multiRegionKeyType?: string
}

export interface GrantFact {
  grantId: string
  name?: string
  granteePrincipal: string
  retiringPrincipal?: string
  /** Operation names without the `kms:` prefix, as ListGrants prints them (`Decrypt`). */
  operations: string[]
  encryptionContextEquals?: Record<string, string>
  encryptionContextSubset?: Record<string, string>
  issuingAccount?: string
  location?: SourceLocation
}

export interface KeyFact {
  arn: string
  keyId: string
  accountId: string
  region: string
  partition: string
  metadata: KeyMetadataFact
  /** Absent when the key policy was not supplied: decisions that need it are `unknown`. */
  policy?: Policy
  /** Absent when the grants were not supplied: a grant could then allow, so denials are `unknown`. */
  grants?: GrantFact[]
  /** Alias names, such as `alias/app`; absent when the aliases were not supplied. */
  aliases?: string[]
  /** Tags by key; absent when the tags were not supplied, so aws:ResourceTag conditions are unknown. */
  tags?: Record<string, string>
  location?: SourceLocation
  /** Names by which the manifest may refer to a key defined in code: `infra/app.yaml#AppKey`. */
  references?: string[]
  /** True when this change creates the key: its ARN is synthetic (`key/pending:AppKey`). */
  pending?: boolean
  /**
   * Unresolved marker of a key policy that the change sets but whose text is known only after
   * apply. `policy` is then absent, and the old policy must not be used either.
   */
  policyUnresolved?: string
  /**
   * True when `grants` lists only the grants the code creates: a template cannot show grants
   * made at run time, so a denial that relies on there being none is not certain.
   */
  grantsFromCodeOnly?: boolean
  /** True for a key (or the parts of one) that a template or plan sets. */
  fromCode?: boolean
  /**
   * Grants the change adds to a key that already exists: they join the key's other grants,
   * which come from other facts (unknown when those facts have none).
   */
  addedGrants?: GrantFact[]
}

/**
 * A policy that a template or plan attaches to a role, user or group it does not define
 * itself (an `AWS::IAM::Policy` with `Roles: [existing]`, an `aws_iam_role_policy` on a role
 * outside the plan), or removes from one. The overlay applies it to that entity in the other
 * facts; when the entity is not there, results for it stay unknown.
 */
export interface PolicyAttachment {
  /** The entity as the code names it: account, kind and name (ARN paths are not needed). */
  accountId: string
  kind: 'role' | 'user' | 'group'
  name: string
  /** The policy added; absent when only a removal. */
  policy?: Policy
  /** A policy the change attaches whose document is not known (a marker or an ARN). */
  missingPolicy?: string
  /** Inline policy names or managed policy ARNs the change removes from the entity. */
  removes?: string[]
  location?: SourceLocation
}

export interface OrganizationPolicyFact {
  type: 'scp' | 'rcp'
  policy: Policy
  /** Root, OU and account IDs the policy is attached to. */
  targets: string[]
}

export interface OrganizationAccountFact {
  accountId: string
  /** Parent chain from the root down, such as `['r-ab12', 'ou-ab12-11111111']`. */
  parents: string[]
}

export interface OrganizationFacts {
  organizationId?: string
  managementAccountId?: string
  accounts: OrganizationAccountFact[]
  /**
   * Accounts known to be outside this organization, so no SCP or RCP of it applies. An
   * account in neither list makes guardrail results `unknown`.
   */
  externalAccounts: string[]
  policies: OrganizationPolicyFact[]
  source: string
}

/**
 * A VPC interface endpoint for KMS, as `aws ec2 describe-vpc-endpoints` prints it. Requests
 * through it carry its ID in aws:SourceVpce, and its policy must allow them.
 */
export interface VpcEndpointFact {
  vpcEndpointId: string
  serviceName?: string
  /** The endpoint policy; AWS's default (full access) when the endpoint has none set. */
  policy: Policy
  location?: SourceLocation
}

/** A session policy passed when a role session was created, which caps that session. */
export interface SessionPolicyFact {
  /** The session ARN, `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`. */
  sessionArn: string
  policy: Policy
  location?: SourceLocation
}

/** One statement the IAM policy simulator matched, as SimulatePrincipalPolicy reports it. */
export interface SimulatedStatement {
  /** The policy's name or ARN (`SourcePolicyId`). */
  sourcePolicyId: string
  /** `user`, `group`, `role`, `aws-managed`, `user-managed`, `resource` or `none` (`SourcePolicyType`). */
  sourcePolicyType: string
  /** 1-based position of the statement in the policy document, when the simulator gave one. */
  startLine?: number
  startColumn?: number
}

/** The simulator's decision for one action on one resource. */
export interface SimulatedResult {
  /** Action as simulated, such as `kms:Decrypt`. */
  action: string
  resourceArn: string
  decision: 'allowed' | 'explicitDeny' | 'implicitDeny'
  matchedStatements: SimulatedStatement[]
  /** Condition keys the policies tested that the simulation was not given. */
  missingContextValues: string[]
  /** From `PermissionsBoundaryDecisionDetail`; absent when the principal has no boundary. */
  allowedByPermissionsBoundary?: boolean
  /** From `OrganizationsDecisionDetail`; absent when the account is in no organization. */
  allowedByOrganizations?: boolean
}

/**
 * Result of iam:SimulatePrincipalPolicy for one IAM role or user and one request
 * context. It covers the identity policies, the permissions boundary and the SCPs.
 */
export interface IamSimulationFact {
  /** The role or user ARN simulated (`PolicySourceArn`), with its path. */
  principalArn: string
  /** The context that the expectation supplied (the manifest's `context`), keys as written. */
  context: Record<string, string[]>
  results: SimulatedResult[]
  /** Origin of the result, such as `iam:SimulatePrincipalPolicy (account 111122223333)`. */
  source: string
}

/**
 * A fact that could not be read from AWS. Results that need it are `unknown` with this
 * reason, or denied for a key that AWS reports missing.
 */
export interface FactGap {
  /** A key ARN, a key ID or alias as the expectation names it, or a principal ARN. */
  subject: string
  part: 'key' | 'key-policy' | 'grants' | 'aliases' | 'tags' | 'principal' | 'iam-simulation'
  /** `not-found`: AWS reported that it does not exist; `unreadable`: the gate could not read it. */
  kind: 'not-found' | 'unreadable'
  /** For a key named by a bare key ID or alias name: the account and Region it was looked up in. */
  accountId?: string
  region?: string
  reason: string
}

/**
 * A value in a template or plan that could not be resolved. Policies carry it as the marker
 * `${kms-access-gate:unresolved/ID}`, and anything that tests a marker is `unknown`.
 */
export interface UnresolvedValue {
  id: string
  /** The expression as written, such as `!ImportValue shared-key-arn` or `aws_iam_role.app.arn (known after apply)`. */
  expression: string
  location?: SourceLocation
}

/** Everything known about the accounts the expectations touch. */
export interface Facts {
  iam: AccountIamFacts[]
  keys: KeyFact[]
  organizations: OrganizationFacts[]
  /** Empty when no VPC endpoint facts were supplied; endpoint policies are then not checked. */
  vpcEndpoints: VpcEndpointFact[]
  sessionPolicies: SessionPolicyFact[]
  /** Simulator results for principals whose `identitySource` is `simulator` (live runs). */
  iamSimulations?: IamSimulationFact[]
  /** Facts a live run could not read, with the reason. */
  gaps?: FactGap[]
  /** Values in templates and plans that could not be resolved. */
  unresolved?: UnresolvedValue[]
  /**
   * Policies that code attaches to entities no fact file defines: a live run applies them to
   * the entities it reads.
   */
  pendingAttachments?: PolicyAttachment[]
}
