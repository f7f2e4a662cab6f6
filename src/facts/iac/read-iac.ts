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
  RoleFact,
  UnresolvedValue,
  UserFact
} from '../../engine/model.js'
import type { FactWarning } from '../fact-types.js'
import {
  type IacContext,
  isCloudFormationTemplate,
  readCloudFormationTemplate
} from './cloudformation/read-template.js'
import { isTerraformPlan, readTerraformPlan, type TfFile } from './terraform/index.js'

export type { IacContext } from './cloudformation/read-template.js'
export type { TfFile } from './terraform/index.js'

/** How templates and plans are read: the context for intrinsics and the `.tf` files for line numbers. */
export interface IacOptions {
  context: IacContext
  /** The `.tf` files to map a plan's addresses to lines, by plan source. */
  tfFiles?: (planSource: string) => TfFile[]
}

/** What one template or plan defines. */
export interface IacDocumentFacts {
  source: string
  keys: KeyFact[]
  roles: RoleFact[]
  users: UserFact[]
  groups: string[]
  unresolved: UnresolvedValue[]
  warnings: FactWarning[]
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
      keys.set(key.arn, mergeKey(keys.get(key.arn), key))
    }
    for (const entity of [...document.roles, ...document.users]) {
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

  return {
    ...facts,
    keys: [...keys.values()].sort((left, right) => compare(left.arn, right.arn)),
    iam: [...accounts.values()].sort((left, right) => compare(left.accountId, right.accountId)),
    unresolved: [
      ...(facts.unresolved ?? []),
      ...documents.flatMap((document) => document.unresolved)
    ]
  }
}

/**
 * Lays a key from code over the same key from other facts. A key the change creates is
 * taken whole; for an existing key, the code sets what it manages (its policy, aliases,
 * grants, settings) and the rest comes from the other facts.
 */
export function mergeKey(existing: KeyFact | undefined, fromCode: KeyFact): KeyFact {
  if (!existing || fromCode.pending) return fromCode
  const { policy: _oldPolicy, ...withoutPolicy } = existing
  return {
    // A policy the change sets but that is known only after apply replaces the old one too.
    ...(fromCode.policyUnresolved ? withoutPolicy : existing),
    ...(fromCode.policy ? { policy: fromCode.policy } : {}),
    ...(fromCode.policyUnresolved ? { policyUnresolved: fromCode.policyUnresolved } : {}),
    metadata: { ...existing.metadata, ...definedFields(fromCode.metadata) },
    ...(fromCode.grants ? { grants: fromCode.grants } : {}),
    ...(fromCode.aliases
      ? { aliases: [...new Set([...(existing.aliases ?? []), ...fromCode.aliases])] }
      : {}),
    ...(fromCode.tags ? { tags: fromCode.tags } : {}),
    references: [...new Set([...(existing.references ?? []), ...(fromCode.references ?? [])])],
    ...(fromCode.location ? { location: fromCode.location } : {})
  }
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
  return left < right ? -1 : left > right ? 1 : 0
}
