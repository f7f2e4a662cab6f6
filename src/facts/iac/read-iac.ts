/**
 * Templates and plans among the facts: recognising them, reading them with the resolution
 * context, and laying what they define over the other facts. A template or plan describes
 * the state a change would deploy, so its keys and principals replace those with the same
 * ARN from exported facts or from AWS.
 */

import type {
  AccountIamFacts,
  Facts,
  KeyFact,
  PolicyAttachment,
  RoleFact,
  UserFact
} from '../../engine/model.js'
import { hasUnresolved } from '../../engine/unresolved.js'
import type { FactWarning } from '../fact-types.js'
import {
  type IacContext,
  isCloudFormationTemplate,
  readCloudFormationTemplate
} from './cloudformation/read-template.js'
import type { CodeFacts } from './code-facts.js'
import { isTerraformPlan, readTerraformPlan, type TfFile } from './terraform/index.js'

export type { IacContext } from './cloudformation/read-template.js'
export type { TfFile } from './terraform/index.js'

/** Options for reading templates and plans: the context for intrinsics and the `.tf` files for line numbers. */
export interface IacOptions {
  context: IacContext
  /** The `.tf` files to map a plan's addresses to lines, by plan source. */
  tfFiles?: (planSource: string) => TfFile[]
}

/** The facts one template or plan defines, with the file they come from. */
export interface IacDocumentFacts extends CodeFacts {
  source: string
}

export type IacShape = 'cloudformation' | 'terraform-plan'

/** Returns the kind of infrastructure-as-code document `value` is, if any. */
export function recognizeIacShape(value: unknown): IacShape | undefined {
  if (isTerraformPlan(value)) return 'terraform-plan'
  if (isCloudFormationTemplate(value)) return 'cloudformation'
  return undefined
}

/** Reads a template or plan. Throws an `InputError` for a malformed one. */
export function readIacDocument(
  source: string,
  text: string,
  shape: IacShape,
  options: IacOptions
): IacDocumentFacts {
  if (shape === 'terraform-plan') {
    return {
      source,
      ...readTerraformPlan(source, text, options.context, options.tfFiles?.(source) ?? [])
    }
  }
  const read = readCloudFormationTemplate(source, text, options.context)
  // CloudFormation has no grant resource: the grants a template's key has are those made at
  // run time, which the template cannot show. A key created by the change has none.
  const keys = read.keys.map((key) =>
    key.grants === undefined ? { ...key, grants: [], grantsFromCodeOnly: true } : key
  )
  return { source, ...read, keys }
}

/**
 * Lays templates and plans over the facts: their keys replace keys with the same ARN, their
 * roles and users replace entities with the same ARN, and their unresolved values join the
 * facts. Two templates that define the same ARN: the later source wins, after a warning.
 */
export function overlayIacFacts(
  facts: Facts,
  documents: IacDocumentFacts[],
  warnings: FactWarning[]
): Facts {
  if (documents.length === 0) return facts
  const keys = new Map(facts.keys.map((key) => [key.arn, key]))
  const accounts = new Map(facts.iam.map((account) => [account.accountId, cloneAccount(account)]))
  const definedBy = new Map<string, string>()

  const claim = (arn: string, source: string) => {
    const earlier = definedBy.get(arn)
    if (earlier && earlier !== source) {
      warnings.push({
        code: 'facts',
        message: `${arn} is defined by both ${earlier} and ${source}; the check uses ${source}`
      })
    }
    definedBy.set(arn, source)
  }

  for (const document of documents) {
    for (const key of document.keys) {
      claim(key.arn, document.source)
      const fromCode = { ...key, fromCode: true }
      keys.set(key.arn, mergeKey(keys.get(key.arn), fromCode))
      takeAliases(keys, fromCode)
    }
    for (const code of [...document.roles, ...document.users]) {
      const entity = { ...code, fromCode: true }
      claim(entity.arn, document.source)
      const account =
        accounts.get(entity.accountId) ?? emptyAccount(entity.accountId, document.source)
      account.roles = account.roles.filter((role) => role.arn !== entity.arn)
      account.users = account.users.filter((user) => user.arn !== entity.arn)
      if (entity.kind === 'role') account.roles.push(entity)
      else account.users.push(entity)
      accounts.set(entity.accountId, account)
    }
    // Groups belong to the account of the template's own principals.
    const groupAccounts = new Set(
      [...document.roles, ...document.users].map((entity) => entity.accountId)
    )
    for (const accountId of groupAccounts) {
      const account = accounts.get(accountId)
      for (const group of document.groups) {
        if (account && !account.groups.includes(group)) account.groups.push(group)
      }
    }
    warnings.push(...document.warnings)
  }
  const pending: PolicyAttachment[] = []
  for (const document of documents) {
    for (const attachment of document.attachments ?? []) {
      if (!applyAttachment(accounts, attachment)) pending.push(attachment)
    }
  }

  return {
    ...facts,
    keys: [...keys.values()].sort((left, right) => compare(left.arn, right.arn)),
    iam: [...accounts.values()].sort((left, right) => compare(left.accountId, right.accountId)),
    unresolved: [
      ...(facts.unresolved ?? []),
      ...documents.flatMap((document) => document.unresolved)
    ],
    ...(pending.length > 0 ? { pendingAttachments: pending } : {})
  }
}

/**
 * Lays a key from code over the same key from other facts. A key the change creates is
 * taken whole. For an existing key, the code sets what it manages (its policy, aliases,
 * grants, settings), and the rest comes from the other facts.
 */
export function mergeKey(existing: KeyFact | undefined, fromCode: KeyFact): KeyFact {
  if (!existing || fromCode.pending) return withAddedGrants(fromCode, fromCode.grants)
  const { policy: _oldPolicy, grants: _oldGrants, ...withoutPolicy } = existing
  const { grants: _grants, ...withoutGrants } = existing
  const merged: KeyFact = {
    // A policy the change sets but that is known only after apply replaces the old one too.
    ...(fromCode.policyUnresolved ? withoutPolicy : withoutGrants),
    ...(fromCode.policy ? { policy: fromCode.policy } : {}),
    ...(fromCode.policyUnresolved ? { policyUnresolved: fromCode.policyUnresolved } : {}),
    metadata: { ...existing.metadata, ...definedFields(fromCode.metadata) },
    ...(fromCode.aliases
      ? { aliases: [...new Set([...(existing.aliases ?? []), ...fromCode.aliases])] }
      : {}),
    ...(fromCode.tags ? { tags: fromCode.tags } : {}),
    references: [...new Set([...(existing.references ?? []), ...(fromCode.references ?? [])])],
    ...(fromCode.location ? { location: fromCode.location } : {}),
    ...(fromCode.fromCode ? { fromCode: true } : {}),
    ...(fromCode.addedGrants ? { addedGrants: fromCode.addedGrants } : {})
  }
  return withAddedGrants(merged, fromCode.grants ?? existing.grants)
}

/**
 * Adds the grants a change creates on a key to the key's other grants. When the other grants
 * are unknown, they stay unknown: the new grants cannot be all there is.
 */
function withAddedGrants(key: KeyFact, grants: KeyFact['grants']): KeyFact {
  const { addedGrants, ...rest } = key
  if (!addedGrants || addedGrants.length === 0) return grants ? { ...rest, grants } : rest
  // A grant whose grantee, operations or constraints are known only after apply could match
  // anyone: the key's grants are then unknown.
  const undecided = addedGrants.some((grant) => hasUnresolved(JSON.stringify(grant)))
  if (!grants || undecided) {
    const { grants: _unknown, ...withoutGrants } = rest
    return withoutGrants
  }
  return { ...rest, grants: [...grants, ...addedGrants] }
}

/**
 * Removes the aliases that code points at `owner` from every other key of its account and
 * Region, because an alias names one key there.
 */
export function takeAliases(keys: Map<string, KeyFact>, owner: KeyFact): void {
  const taken = new Set(owner.aliases ?? [])
  if (taken.size === 0) return
  for (const [arn, key] of keys) {
    if (arn === owner.arn || key.accountId !== owner.accountId || key.region !== owner.region)
      continue
    if (!key.aliases?.some((alias) => taken.has(alias))) continue
    keys.set(arn, { ...key, aliases: key.aliases.filter((alias) => !taken.has(alias)) })
  }
}

/**
 * Applies a policy that code attaches to an entity defined elsewhere: it joins the entity's
 * policies (for a group, the policies of the group's users), and a removal drops the named
 * inline policy or managed policy. An entity that is not in the facts stays unknown.
 */
export function applyAttachment(
  accounts: Map<string, AccountIamFacts>,
  attachment: PolicyAttachment
): boolean {
  const account = accounts.get(attachment.accountId)
  if (!account) return false
  if (hasUnresolved(attachment.name)) {
    markUnknownTargets(account, attachment)
    return true
  }
  const targets = new Set<string>(
    attachment.kind === 'role'
      ? account.roles.filter((role) => role.name === attachment.name).map((role) => role.arn)
      : account.users
          .filter((user) =>
            attachment.kind === 'user'
              ? user.name === attachment.name
              : user.groups.includes(attachment.name)
          )
          .map((user) => user.arn)
  )
  const removes = new Set(attachment.removes ?? [])
  const change = <T extends RoleFact | UserFact>(entity: T): T => ({
    ...entity,
    policies: [
      // Inline policies are removed by name, managed policies by ARN.
      ...entity.policies.filter((policy) =>
        policy.arn ? !removes.has(policy.arn) : !removes.has(policy.name)
      ),
      ...(attachment.policy ? [attachment.policy] : [])
    ],
    missingPolicies: [
      ...entity.missingPolicies.filter((missing) => !removes.has(missing)),
      ...(attachment.missingPolicy ? [attachment.missingPolicy] : [])
    ]
  })
  account.roles = account.roles.map((role) => (targets.has(role.arn) ? change(role) : role))
  account.users = account.users.map((user) => (targets.has(user.arn) ? change(user) : user))
  return targets.size > 0
}

/**
 * Marks every entity of the attachment's kind with a policy that is not in the facts, because
 * an attachment whose target name is not resolved may apply to any of them.
 */
function markUnknownTargets(account: AccountIamFacts, attachment: PolicyAttachment): void {
  const missing = attachment.name
  const mark = <T extends RoleFact | UserFact>(entity: T): T => ({
    ...entity,
    missingPolicies: [...entity.missingPolicies, missing]
  })
  if (attachment.kind === 'role') account.roles = account.roles.map(mark)
  else account.users = account.users.map(mark)
}

function definedFields<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, field]) => field !== undefined)
  ) as Partial<T>
}

function cloneAccount(account: AccountIamFacts): AccountIamFacts {
  return {
    ...account,
    roles: [...account.roles],
    users: [...account.users],
    groups: [...account.groups]
  }
}

function emptyAccount(accountId: string, source: string): AccountIamFacts {
  return { accountId, roles: [], users: [], groups: [], source }
}

function compare(left: string, right: string): number {
  if (left === right) return 0
  return left < right ? -1 : 1
}
