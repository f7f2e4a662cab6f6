/**
 * Snapshot of the live facts as offline fact files: the key objects (always with aliases
 * and tags) per account and Region, and per principal account an IAM authorization-details
 * document pruned to what the expectations use. Checking these files offline gives the
 * same facts as the live run, except that IAM is read from documents instead of the
 * simulator.
 */
import {
  GetAccountAuthorizationDetailsCommand,
  type GetAccountAuthorizationDetailsResponse,
  type GroupDetail,
  type ManagedPolicyDetail,
  type RoleDetail,
  type UserDetail
} from '@aws-sdk/client-iam'
import type { FactGap } from '../../engine/model.js'
import type { Expectation, ManifestDefaults } from '../../inputs/settings.js'
import { failureText, isAccessDenied } from './aws-call.js'
import type { CallSummary } from './call-summary.js'
import { toCliJson } from './cli-json.js'
import { accountGap } from './gap-reasons.js'
import { readAllPages } from './pages.js'
import { uniqueGaps } from './plan.js'
import { readKeys } from './read-keys.js'
import { type LiveOptions, type LiveRun, startLiveRun } from './read-live-facts.js'
import type { SimulatedPrincipal } from './references.js'

/** A fact file to write: a path relative to the snapshot directory and its JSON value. */
export interface SnapshotDocument {
  /** `kms/ACCOUNT-REGION.json` or `iam/ACCOUNT.json`. */
  path: string
  value: unknown
}

export interface SnapshotResult {
  documents: SnapshotDocument[]
  gaps: FactGap[]
  calls: CallSummary
}

/**
 * Reads the keys and the IAM entities the expectations name and returns them as fact
 * documents. Failed reads become gaps, as in `readLiveFacts`; writing the files is the
 * caller's job.
 */
export async function readSnapshotDocuments(
  expectations: Expectation[],
  defaults: ManifestDefaults,
  options: LiveOptions
): Promise<SnapshotResult> {
  const run = await startLiveRun(expectations, defaults, options)
  try {
    const gaps = [...run.plan.gaps]
    const keys = await readKeys(run.plan.keyReferences, run.clients, run.context, true)
    gaps.push(...keys.gaps)

    const keyFiles = new Map<string, unknown[]>()
    for (const document of keys.documents) {
      const path = `kms/${document.accountId}-${document.region}.json`
      keyFiles.set(path, [...(keyFiles.get(path) ?? []), document.value])
    }
    const documents: SnapshotDocument[] = [...keyFiles].map(([path, value]) => ({ path, value }))
    const iamDocuments = await Promise.all(
      principalAccounts(run).map(([accountId, entities]) =>
        readAccountDocument(run, accountId, entities, gaps)
      )
    )
    for (const document of iamDocuments) if (document) documents.push(document)

    documents.sort((left, right) => left.path.localeCompare(right.path, 'en'))
    return { documents, gaps: uniqueGaps(gaps), calls: run.context.recorder.summary() }
  } finally {
    run.clients.destroy()
  }
}

interface WrittenEntity {
  entity: SimulatedPrincipal
  written: string[]
}

function principalAccounts(run: LiveRun): [string, WrittenEntity[]][] {
  const accounts = new Map<string, WrittenEntity[]>()
  for (const entry of run.plan.entities.values()) {
    const list = accounts.get(entry.entity.accountId) ?? []
    list.push(entry)
    accounts.set(entry.entity.accountId, list)
  }
  return [...accounts]
}

/** Reads every page of iam:GetAccountAuthorizationDetails of one account and prunes it. */
async function readAccountDocument(
  run: LiveRun,
  accountId: string,
  entities: WrittenEntity[],
  gaps: FactGap[]
): Promise<SnapshotDocument | undefined> {
  const pushGap = (gap: Omit<FactGap, 'subject'>, only?: WrittenEntity[]) => {
    for (const { written } of only ?? entities) {
      for (const subject of written) gaps.push({ ...gap, subject })
    }
  }
  const access = await run.clients.forAccount(accountId)
  if ('reason' in access) {
    pushGap(accountGap('principal', '', access.reason))
    return undefined
  }

  const pages = await readAllPages(
    run.context,
    'iam:GetAccountAuthorizationDetails',
    async (marker, abortSignal) => {
      const page = await access.iam.send(
        new GetAccountAuthorizationDetailsCommand({ Marker: marker }),
        { abortSignal }
      )
      return {
        items: [page],
        truncated: page.IsTruncated === true,
        next: page.Marker,
        $metadata: page.$metadata
      }
    }
  )
  if (!pages.ok) {
    const text = failureText(pages.failure, `account ${accountId}`)
    const grant = isAccessDenied(pages.failure)
      ? `; the gate's role ${access.gateArn} in account ${accountId} needs iam:GetAccountAuthorizationDetails`
      : '; the SDK retries did not help, so run the snapshot again'
    pushGap({ part: 'principal', kind: 'unreadable', reason: `${text}${grant}` })
    return undefined
  }

  const details = mergePages(pages.value)
  const pruned = pruneDetails(details, entities)
  const missing = entities.filter(({ entity }) => !pruned.found.has(entityKey(entity)))
  pushGap(
    {
      part: 'principal',
      kind: 'not-found',
      reason: `iam:GetAccountAuthorizationDetails of account ${accountId} lists no such role or user`
    },
    missing
  )
  return { path: `iam/${accountId}.json`, value: toCliJson(pruned.document) }
}

interface MergedDetails {
  roles: RoleDetail[]
  users: UserDetail[]
  groups: GroupDetail[]
  policies: ManagedPolicyDetail[]
}

function mergePages(pages: GetAccountAuthorizationDetailsResponse[]): MergedDetails {
  return {
    roles: pages.flatMap((page) => page.RoleDetailList ?? []),
    users: pages.flatMap((page) => page.UserDetailList ?? []),
    groups: pages.flatMap((page) => page.GroupDetailList ?? []),
    policies: pages.flatMap((page) => page.Policies ?? [])
  }
}

function entityKey(entity: { kind: string; name: string }): string {
  return `${entity.kind}/${entity.name}`
}

/**
 * Keeps the expectations' roles and users, the groups of those users, and the managed
 * policies and permissions boundaries any of them use.
 */
function pruneDetails(details: MergedDetails, entities: WrittenEntity[]) {
  const expected = new Set(entities.map(({ entity }) => entityKey(entity)))
  const found = new Set<string>()
  const roles = details.roles.filter((role) => {
    const key = entityKey({ kind: 'role', name: role.RoleName ?? '' })
    if (expected.has(key)) found.add(key)
    return expected.has(key)
  })
  const users = details.users.filter((user) => {
    const key = entityKey({ kind: 'user', name: user.UserName ?? '' })
    if (expected.has(key)) found.add(key)
    return expected.has(key)
  })
  const groupNames = new Set(users.flatMap((user) => user.GroupList ?? []))
  const groups = details.groups.filter((group) => groupNames.has(group.GroupName ?? ''))

  const policyArns = new Set<string>()
  for (const entity of [...roles, ...users, ...groups]) {
    for (const attached of entity.AttachedManagedPolicies ?? []) {
      if (attached.PolicyArn) policyArns.add(attached.PolicyArn)
    }
  }
  for (const entity of [...roles, ...users]) {
    const boundary = entity.PermissionsBoundary?.PermissionsBoundaryArn
    if (boundary) policyArns.add(boundary)
  }
  const policies = details.policies.filter((policy) => policyArns.has(policy.Arn ?? ''))
  return {
    found,
    document: {
      RoleDetailList: roles,
      UserDetailList: users,
      GroupDetailList: groups,
      Policies: policies
    }
  }
}
