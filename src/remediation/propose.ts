/**
 * Remediation for an expectation that does not hold. It proposes the smallest change on each
 * side that must change: the key policy in the key's account, IAM in the principal's account,
 * a guardrail, or the key itself. Changes come as statements to paste, plus commands that
 * check the fix.
 */

import type { Remediation, RemediationChange } from '../check/results.js'
import type { Evaluation, LockCheck, NearMiss, StatementRef } from '../engine/decision.js'
import type { PolicyOrigin } from '../engine/model.js'
import type { Expect, RequestContext } from '../inputs/settings.js'
import {
  authorizationDetailsCommand,
  describeKeyCommand,
  keyPolicyCommand,
  listGrantsCommand,
  simulateCommand
} from './commands.js'
import { statementSnippet } from './snippets.js'
import {
  denyStatement,
  identityDenyStatement,
  identityStatement,
  keyPolicyPrincipal,
  keyPolicyStatement
} from './statements.js'

export interface RemediationInput {
  evaluation: Evaluation
  expect: Expect
  /** The expectation's actions that fail the same way; statements list all of them. */
  actions: string[]
  context: RequestContext
  /** The manifest, for the command that runs the check again. */
  manifestFile?: string
}

/** Proposes the changes that make the expectation hold. Returns undefined when it already holds. */
export function proposeRemediation(input: RemediationInput): Remediation | undefined {
  const { evaluation, expect } = input
  if (evaluation.decision === 'unknown') return unknownRemediation(input)
  if (expect === 'allow' && evaluation.decision !== 'allowed') return openRemediation(input)
  if (expect === 'deny' && evaluation.decision === 'allowed') return closeRemediation(input)
  return undefined
}

function who(evaluation: Evaluation): string {
  return evaluation.principal.roleArn ?? evaluation.principal.arn
}

function keyName(evaluation: Evaluation): string {
  return evaluation.key.arn ?? evaluation.key.input
}

function lock(evaluation: Evaluation, name: LockCheck['lock']): LockCheck | undefined {
  return evaluation.locks.find((candidate) => candidate.lock === name)
}

function openRemediation(input: RemediationInput): Remediation {
  const { evaluation, actions } = input
  const changes: RemediationChange[] = []
  const closed = new Set(evaluation.closedLocks)
  const keyAccount = evaluation.key.accountId
  const principalAccount = evaluation.principal.accountId

  if (closed.has('key-not-found')) {
    changes.push({
      side: 'expectation',
      target: evaluation.key.input,
      description: `${lock(evaluation, 'key-not-found')?.reason ?? 'The key is not found.'} Name the key by its key ARN in the expectation and in the application${/not an alias/.test(lock(evaluation, 'key-not-found')?.reason ?? '') ? '' : ' (an alias ARN also works for cryptographic operations and DescribeKey)'}.`
    })
  }
  if (closed.has('explicit-deny')) {
    changes.push(...denyChanges(evaluation.deniedBy, evaluation))
  }
  if (closed.has('scp') || closed.has('rcp')) {
    for (const guardrail of ['scp', 'rcp'] as const) {
      const check = lock(evaluation, guardrail)
      if (check?.status !== 'closed') continue
      // The change is made in the management account, so no member account is named here.
      changes.push({
        side: guardrail,
        target:
          guardrail === 'scp'
            ? `the SCPs that apply to account ${principalAccount}`
            : `the RCPs that apply to account ${keyAccount}`,
        description: `${check.reason} An ${guardrail.toUpperCase()} at that level must allow ${actions.join(', ')} (for an allow-list ${guardrail.toUpperCase()}, add them to its Action list). ${guardrail.toUpperCase()}s are managed in the organization's management account.`
      })
    }
  }
  const valueFix = conditionValueChange(evaluation)
  if (valueFix) changes.push(valueFix)
  if (closed.has('key-policy')) changes.push(keyPolicyChange(input))
  if (closed.has('iam')) changes.push(iamChange(input))
  if (closed.has('permissions-boundary')) changes.push(boundaryChange(input))
  if (closed.has('session-policy')) changes.push(capChange(input, 'session-policy'))
  if (closed.has('vpce')) changes.push(capChange(input, 'vpce'))
  if (closed.has('grant') && !closed.has('key-policy') && !closed.has('iam')) {
    changes.push({
      side: 'grant',
      accountId: keyAccount,
      target: keyName(evaluation),
      description:
        `${lock(evaluation, 'grant')?.reason ?? ''} Create a grant for ${who(evaluation)} with operations ${actions.map((action) => action.replace(/^kms:/, '')).join(', ')} and constraints that fit the request's encryption context.`.trim()
    })
  }
  if (closed.has('key-state')) {
    changes.push({
      side: 'key',
      accountId: keyAccount,
      target: keyName(evaluation),
      description: `${lock(evaluation, 'key-state')?.reason} Enable the key (aws kms enable-key), or cancel its scheduled deletion (aws kms cancel-key-deletion, then enable-key).`
    })
  }
  if (closed.has('key-usage')) {
    changes.push({
      side: 'key',
      accountId: keyAccount,
      target: keyName(evaluation),
      description: `${lock(evaluation, 'key-usage')?.reason} Key usage cannot change after creation: use a key created with the right usage and spec.`
    })
  }

  const nearMiss = describeNearMiss(relevantNearMisses(evaluation))
  return {
    summary: openSummary(input, changes, nearMiss),
    changes,
    verifyCommands: verifyCommands(input)
  }
}

function keyPolicyChange(input: RemediationInput): RemediationChange {
  const { evaluation, actions, context } = input
  const check = lock(evaluation, 'key-policy')
  const crossAccountOnly = check?.reason.includes('cannot be used on a key in another account')
  if (crossAccountOnly) {
    return {
      side: 'expectation',
      accountId: evaluation.key.accountId,
      target: keyName(evaluation),
      description: `${check?.reason} Call it with credentials of account ${evaluation.key.accountId}.`
    }
  }
  const statement = keyPolicyStatement(evaluation, actions, context)
  const account = evaluation.key.accountId
  const crossNote =
    evaluation.principal.kind === 'service'
      ? ' A service principal holds no IAM policies, so this statement is all it needs; add a condition such as aws:SourceAccount, aws:SourceArn or the encryption context the service sends, to limit it to your resources.'
      : evaluation.crossAccount
        ? ` The principal is in account ${evaluation.principal.accountId}, so its IAM policies must allow the actions as well.`
        : ' In the same account this statement alone is enough: no IAM allow is needed.'
  return withCodeLocation(
    {
      side: 'key-policy',
      accountId: account,
      target: keyName(evaluation),
      description: `Add this statement to the key policy of ${keyName(evaluation)} in account ${account}, naming ${who(evaluation)}.${crossNote}`,
      statement
    },
    evaluation.key.policyOrigin,
    evaluation
  )
}

/**
 * Points a change at the policy's place in a template or plan, and writes its statement in
 * that file's language.
 */
function withCodeLocation(
  change: RemediationChange,
  origin: PolicyOrigin | undefined,
  evaluation: Evaluation
): RemediationChange {
  if (!origin || !change.statement) return change
  const where = origin.statementsLocation
    ? `${origin.file}:${origin.statementsLocation.line}`
    : origin.file
  const place = origin.flowStyleStatements
    ? `the flow-style Statement list ([...]) of ${origin.resource} at ${where}, inside its brackets`
    : origin.terraformStyle === 'policy-document'
      ? `the data "aws_iam_policy_document" block at ${where}`
      : origin.format === 'terraform-plan'
        ? `the policy of ${origin.resource} at ${where}`
        : `the Statement list of ${origin.resource} at ${where}`
  return {
    ...change,
    description: `${change.description} In code: add it to ${place}.`,
    ...(origin.statementsLocation ? { location: origin.statementsLocation } : {}),
    snippet: statementSnippet(change.statement, origin, codeNames(evaluation))
  }
}

/**
 * Maps the ARNs of resources the change creates (synthetic, `pending:`) to the logical ID
 * or address by which the expectation named them, so fixes refer to them as the code does.
 */
function codeNames(evaluation: Evaluation): Record<string, string> {
  const names: Record<string, string> = {}
  const add = (arn: string | undefined, input: string) => {
    if (arn?.includes('pending:') && input.includes('#'))
      names[arn] = input.slice(input.indexOf('#') + 1)
  }
  add(evaluation.principal.roleArn ?? evaluation.principal.arn, evaluation.principal.input)
  add(evaluation.key.arn, evaluation.key.input)
  return names
}

function iamChange(input: RemediationInput): RemediationChange {
  const { evaluation, actions, context } = input
  const statement = identityStatement(evaluation, actions, context)
  return withCodeLocation(
    {
      side: 'iam',
      accountId: evaluation.principal.accountId,
      target: who(evaluation),
      description: `Add this statement to a policy of ${who(evaluation)} in account ${evaluation.principal.accountId} (an inline policy or a managed policy attached to it). The Resource must be the key ARN.`,
      statement
    },
    evaluation.principal.policyOrigin,
    evaluation
  )
}

function boundaryChange(input: RemediationInput): RemediationChange {
  const { evaluation, actions, context } = input
  const check = lock(evaluation, 'permissions-boundary')
  const boundaryArn =
    /permissions boundary (\S+)/.exec(check?.reason ?? '')?.[1] ?? 'the permissions boundary'
  return {
    side: 'permissions-boundary',
    accountId: evaluation.principal.accountId,
    target: boundaryArn,
    description: `The permissions boundary of ${who(evaluation)} must allow the actions too. Add this statement to ${boundaryArn}, after checking that the boundary is not meant to block them: a boundary is a guardrail, and widening it affects every principal it is attached to.`,
    statement: identityStatement(evaluation, actions, context)
  }
}

/** Proposes the statement that a session policy or VPC endpoint policy must add. */
function capChange(input: RemediationInput, side: 'session-policy' | 'vpce'): RemediationChange {
  const { evaluation, actions, context } = input
  const reason = lock(evaluation, side)?.reason ?? ''
  if (side === 'session-policy') {
    return {
      side,
      accountId: evaluation.principal.accountId,
      target: evaluation.principal.arn,
      description: `${reason} Pass a session policy that allows the actions on the key ARN when the session is created (or none).`,
      statement: identityStatement(evaluation, actions, context)
    }
  }
  return {
    side,
    accountId: evaluation.principal.accountId,
    target: String(context['aws:SourceVpce'] ?? 'the VPC endpoint'),
    description: `${reason} Add this statement to the endpoint policy.`,
    statement: {
      ...identityStatement(evaluation, actions, context),
      Principal: keyPolicyPrincipal(evaluation)
    }
  }
}

/**
 * Describes what to do about Deny statements that match. A Deny is usually a guardrail, such
 * as a network perimeter or an organization rule. So the advice is to check whether the
 * request is legitimate and extend the condition to it. An exception or removing the statement
 * would weaken the control for everyone.
 */
function denyChanges(denies: StatementRef[], evaluation: Evaluation): RemediationChange[] {
  const because = lock(evaluation, 'explicit-deny')?.reason ?? ''
  return denies.map((ref) => ({
    side:
      ref.policyKind === 'key-policy'
        ? 'key-policy'
        : ref.policyKind === 'identity'
          ? 'iam'
          : ref.policyKind === 'permissions-boundary'
            ? 'permissions-boundary'
            : ref.policyKind === 'rcp'
              ? 'rcp'
              : 'scp',
    accountId: ref.accountId,
    target:
      ref.policyArn ?? (ref.policyKind === 'key-policy' ? keyName(evaluation) : ref.policyName),
    description: `Deny statement ${ref.sid ?? `#${ref.index}`} of ${ref.policyKind === 'key-policy' ? 'the key policy' : ref.policyName} matches this request, and an explicit deny wins over every allow (${because}). If the request is legitimate, make the condition cover it, for example by adding the value the request carries; an exception for ${who(evaluation)} or removing the statement weakens the control${ref.policyKind === 'scp' || ref.policyKind === 'rcp' ? ' for the whole organization (SCPs and RCPs are managed in the management account)' : ''}.`,
    statements: [ref]
  }))
}

/**
 * Proposes correcting a condition value when the closest statement failed only because its
 * condition values differ from the request's (a typo, another Region). That is a smaller
 * change than a new statement.
 */
function conditionValueChange(evaluation: Evaluation): RemediationChange | undefined {
  const miss = relevantNearMisses(evaluation).find((candidate) =>
    candidate.mismatches.every(
      (mismatch) => mismatch.element === 'condition' && mismatch.actual.length > 0
    )
  )
  if (!miss) return undefined
  const { statement } = miss
  const fixes = miss.mismatches.map(
    (mismatch) =>
      `${mismatch.detail} expects ${mismatch.expected.join(', ')} but the request has ${mismatch.actual.join(', ')}`
  )
  const inKeyPolicy = statement.policyKind === 'key-policy'
  return {
    side: inKeyPolicy
      ? 'key-policy'
      : statement.policyKind === 'identity'
        ? 'iam'
        : 'permissions-boundary',
    accountId:
      statement.accountId ??
      (inKeyPolicy ? evaluation.key.accountId : evaluation.principal.accountId),
    target: inKeyPolicy ? keyName(evaluation) : (statement.policyArn ?? statement.policyName),
    description: `Smallest change: statement ${statement.sid ?? `#${statement.index}`} of ${inKeyPolicy ? 'the key policy' : statement.policyName} almost lets the request in. ${fixes.join('; ')}. Correct the value if the request is right.`,
    statements: [statement]
  }
}

/**
 * Near misses worth a sentence in the summary: statements on a side whose lock is closed,
 * that failed only on conditions or the resource (a principal mismatch is rarely a typo).
 */
function relevantNearMisses(evaluation: Evaluation): NearMiss[] {
  const sideLock: Record<string, string> = {
    'key-policy': 'key-policy',
    identity: 'iam',
    'permissions-boundary': 'permissions-boundary'
  }
  return evaluation.nearMisses.filter((miss) => {
    const lockName = sideLock[miss.statement.policyKind]
    const onClosedSide =
      lockName !== undefined && evaluation.closedLocks.includes(lockName as never)
    const onlyConditionsOrResource = miss.mismatches.every(
      (mismatch) => mismatch.element === 'condition' || mismatch.element === 'resource'
    )
    return onClosedSide && onlyConditionsOrResource
  })
}

function describeNearMiss(nearMisses: NearMiss[]): string | undefined {
  const [closest] = nearMisses
  if (!closest) return undefined
  const parts = closest.mismatches.map((mismatch) => {
    const actual = mismatch.actual.length > 0 ? mismatch.actual.join(', ') : '(absent)'
    return `${mismatch.detail} expects ${mismatch.expected.join(', ')} but the request has ${actual}${mismatch.hint ? ` (${mismatch.hint})` : ''}`
  })
  const name = closest.statement.sid ?? `#${closest.statement.index}`
  return `Closest statement: ${closest.statement.policyName} ${name}: ${parts.join('; ')}.`
}

const SIDE_NAMES: Record<RemediationChange['side'], string> = {
  'key-policy': 'the key policy',
  iam: 'the IAM policies',
  'permissions-boundary': 'the permissions boundary',
  'session-policy': 'the session policy',
  vpce: 'the VPC endpoint policy',
  scp: 'the SCPs',
  rcp: 'the RCPs',
  grant: 'the grants',
  key: 'the key',
  expectation: 'the expectation'
}

function openSummary(
  input: RemediationInput,
  changes: RemediationChange[],
  nearMiss: string | undefined
): string {
  const { evaluation } = input
  const sides = changes
    .map(
      (change) =>
        `${SIDE_NAMES[change.side]}${change.accountId ? ` in account ${change.accountId}` : ''}`
    )
    .filter((side, index, all) => all.indexOf(side) === index)
  const request = `${who(evaluation)} to use ${input.actions.join(', ')} on ${keyName(evaluation)}`
  const base =
    sides.length > 0
      ? `To allow ${request}, change ${joinWords(sides)}.`
      : `Nothing in the facts can allow ${request}.`
  return nearMiss ? `${base} ${nearMiss}` : base
}

function joinWords(items: string[]): string {
  if (items.length <= 1) return items.join('')
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`
}

/**
 * Fixes for a deny expectation that AWS allows. An explicit Deny comes first because it is
 * the smallest safe change. The account-principal statement is never offered for removal,
 * since every IAM permission on the key in the account depends on it.
 */
function closeRemediation(input: RemediationInput): Remediation {
  const { evaluation, actions } = input
  const changes: RemediationChange[] = []
  const viaIam = evaluation.accessPaths.includes('key-policy-trusts-account-and-iam-allows')

  if (viaIam && evaluation.principal.kind !== 'service') {
    changes.push({
      side: 'iam',
      accountId: evaluation.principal.accountId,
      target: who(evaluation),
      description: `Add this Deny to an inline policy of ${who(evaluation)} in account ${evaluation.principal.accountId}; an explicit deny wins over every allow and grant.`,
      statement: identityDenyStatement(evaluation, actions, input.context)
    })
  }
  changes.push({
    side: 'key-policy',
    accountId: evaluation.key.accountId,
    target: keyName(evaluation),
    description: `${viaIam ? 'Or add' : 'Add'} this Deny to the key policy of ${keyName(evaluation)} in account ${evaluation.key.accountId}; it wins over every allow and grant.`,
    statement: denyStatement(evaluation, actions, input.context)
  })

  for (const ref of evaluation.allowedBy) {
    const change = allowingStatementChange(ref, evaluation)
    if (change) changes.push(change)
  }
  for (const grant of evaluation.allowedByGrants) {
    changes.push({
      side: 'grant',
      accountId: evaluation.key.accountId,
      target: keyName(evaluation),
      description: `Grant ${grant.grantId} lets ${grant.granteePrincipal} ${grant.operations.join(', ')}. Revoke it: aws kms revoke-grant --key-id ${keyName(evaluation)} --grant-id ${grant.grantId}.`
    })
  }

  return {
    summary: `${who(evaluation)} can ${actions.join(', ')} on ${keyName(evaluation)}, but the expectation says it must not. It gets in through: ${evaluation.accessPaths.map(describePath).join('; ')}.`,
    changes,
    verifyCommands: verifyCommands(input)
  }
}

function describePath(path: string): string {
  if (path === 'key-policy-names-principal') return 'the key policy, which names it (or `*`)'
  if (path === 'key-policy-trusts-account-and-iam-allows')
    return 'its IAM policies, which the key policy lets count'
  return 'a grant'
}

/** Describes how to narrow a statement that lets the principal in, or undefined for the account statement. */
function allowingStatementChange(
  ref: StatementRef,
  evaluation: Evaluation
): RemediationChange | undefined {
  const name = ref.sid ?? `#${ref.index}`
  if (ref.policyKind === 'key-policy') {
    // The key's own account statement carries every IAM permission on the key in that
    // account; only a statement trusting another account is worth narrowing.
    const ownAccountStatement =
      !evaluation.crossAccount &&
      evaluation.accessPaths.includes('key-policy-trusts-account-and-iam-allows') &&
      !evaluation.accessPaths.includes('key-policy-names-principal')
    if (ownAccountStatement) return undefined
    return {
      side: 'key-policy',
      accountId: evaluation.key.accountId,
      target: keyName(evaluation),
      description: evaluation.crossAccount
        ? `Or narrow statement ${name} of the key policy, which lets ${who(evaluation)} in: name only the roles of account ${evaluation.principal.accountId} that need the key instead of the whole account.`
        : `Or narrow statement ${name} of the key policy, which lets ${who(evaluation)} in.`,
      statements: [ref]
    }
  }
  const awsManaged = ref.policyArn?.includes(':iam::aws:policy/') ?? false
  const advice = awsManaged
    ? `is an AWS managed policy, which cannot be edited: detach it from ${who(evaluation)} or rely on the Deny above`
    : ref.policyArn
      ? 'is a managed policy: narrow the statement, or detach the policy'
      : 'is an inline policy: narrow or remove the statement'
  return {
    side: 'iam',
    accountId: evaluation.principal.accountId,
    target: ref.policyArn ?? ref.policyName,
    description: `Or change statement ${name} of ${ref.policyName}, which allows the request; ${ref.policyName} ${advice}.`,
    statements: [ref]
  }
}

function unknownRemediation(input: RemediationInput): Remediation {
  const { evaluation } = input
  const changes: RemediationChange[] = []
  const principalAccount = evaluation.principal.accountId
  const inCode = /could not be resolved|known only after apply|kms-access-gate:unresolved/.test(
    evaluation.reasons.join(' ')
  )
  if (inCode) {
    changes.push({
      side: 'expectation',
      target: evaluation.key.input,
      description:
        'Give the values that templates or plans leave open: template parameters and Fn::ImportValue exports under `iac.parameters` and `iac.imports` in the manifest, `defaults.account` and `defaults.region` for pseudo parameters; for Terraform values known only after apply, check again after apply (mode live).'
    })
  }
  const iamUnknown = evaluation.locks.some(
    (check) =>
      (check.lock === 'iam' || check.lock === 'permissions-boundary') && check.status === 'unknown'
  )
  if (iamUnknown && principalAccount) {
    changes.push({
      side: 'iam',
      accountId: principalAccount,
      target: who(evaluation),
      description: `Supply the IAM facts of account ${principalAccount}: ${authorizationDetailsCommand(principalAccount)}`
    })
  }
  const keyFactsUnknown = evaluation.locks.some(
    (check) =>
      ['key-not-found', 'key-policy', 'grant', 'key-state', 'key-usage'].includes(check.lock) &&
      check.status === 'unknown'
  )
  // A key named by its place in code has no ARN to give AWS commands.
  if (keyFactsUnknown && !evaluation.key.input.includes('#')) {
    changes.push({
      side: 'key',
      accountId: evaluation.key.accountId,
      target: keyName(evaluation),
      description: `Supply the key's facts (KeyMetadata, Policy and Grants in one JSON object): ${describeKeyCommand(evaluation)}; ${keyPolicyCommand(evaluation)}; ${listGrantsCommand(evaluation)}`
    })
  }
  return {
    summary: `Cannot decide: ${uniqueReasons(evaluation.reasons).join(' ') || 'a fact is missing.'}`,
    changes,
    verifyCommands: []
  }
}

/** Drops reasons that repeat another reason's text, such as a lock reason that quotes it. */
function uniqueReasons(reasons: string[]): string[] {
  return reasons.filter(
    (reason, index) =>
      !reasons.some(
        (other, otherIndex) =>
          otherIndex !== index && other.includes(reason) && (other !== reason || otherIndex < index)
      )
  )
}

function verifyCommands(input: RemediationInput): string[] {
  const { evaluation, actions, context } = input
  // A key the change creates has no ARN yet: AWS commands can check it only after deployment.
  if (evaluation.key.arn?.includes(':key/pending:')) {
    return input.manifestFile ? [`npx kms-access-gate check --manifest ${input.manifestFile}`] : []
  }
  const keyAccount = evaluation.key.accountId
  const withKeyAccount = keyAccount ? `  # with credentials of account ${keyAccount}` : ''
  const commands = [`${keyPolicyCommand(evaluation)}${withKeyAccount}`]
  const simulate = simulateCommand(evaluation, actions, context)
  if (simulate && evaluation.principal.kind !== 'service') {
    const account = evaluation.principal.accountId
      ? ` with credentials of account ${evaluation.principal.accountId};`
      : ''
    commands.push(
      `${simulate}  #${account} IAM side only: the simulator does not evaluate key policies for roles`
    )
  }
  if (evaluation.closedLocks.some((name) => name === 'key-state' || name === 'key-usage')) {
    commands.push(describeKeyCommand(evaluation))
  }
  if (evaluation.closedLocks.includes('grant') || evaluation.allowedByGrants.length > 0) {
    commands.push(listGrantsCommand(evaluation))
  }
  return commands
}
