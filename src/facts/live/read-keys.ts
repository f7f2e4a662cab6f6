/**
 * Live reads of KMS keys: DescribeKey once per distinct reference, then per key ARN the
 * key policy, every page of the grants, and the aliases and tags where they matter. The
 * outputs become key objects in the offline format, so `buildFacts` reads them as it
 * reads exported files.
 */
import {
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  type KeyMetadata,
  ListAliasesCommand,
  ListGrantsCommand,
  ListResourceTagsCommand
} from '@aws-sdk/client-kms'
import type { FactGap } from '../../engine/model.js'
import { parseArn } from '../arn.js'
import { type AwsResult, type CallContext, callAws } from './aws-call.js'
import { toCliJson } from './cli-json.js'
import type { AccountAccess, LiveClients } from './clients.js'
import { accountGap, kmsGap } from './gap-reasons.js'
import { type Page, readAllPages } from './pages.js'
import { findKeyPolicyTests, type KeyPolicyTests } from './policy-tests.js'
import type { KeyReference } from './references.js'

/** A key object in the offline format, with the key it describes. */
export interface KeyDocument {
  keyArn: string
  accountId: string
  region: string
  /** Such as `kms:us-east-1:111122223333:key/ID`. */
  source: string
  value: Record<string, unknown>
}

export interface KeyReadResult {
  documents: KeyDocument[]
  /** Key ARN per reference ID (see `referenceId`), for the references DescribeKey resolved. */
  resolved: Map<string, string>
  /** The condition keys and unique IDs each fetched key policy tests, by key ARN. */
  policyTests: Map<string, KeyPolicyTests>
  gaps: FactGap[]
}

/** Identifies a reference by where it is looked up, so each is described once. */
export function referenceId(reference: KeyReference): string {
  return `${reference.accountId}|${reference.region}|${reference.keyId}`
}

/**
 * Reads the keys the references name. With `allParts` (snapshots) aliases and tags are
 * always read. Otherwise aliases are read only for keys named by an alias or whose policy
 * tests `kms:ResourceAliases`/`kms:RequestAlias`, and tags only when it tests
 * `aws:ResourceTag/`.
 */
export async function readKeys(
  references: KeyReference[],
  clients: LiveClients,
  context: CallContext,
  allParts: boolean
): Promise<KeyReadResult> {
  const result: KeyReadResult = {
    documents: [],
    resolved: new Map(),
    policyTests: new Map(),
    gaps: []
  }
  const distinct = new Map(references.map((reference) => [referenceId(reference), reference]))
  const described = await Promise.all(
    [...distinct.values()].map((reference) => describe(reference, clients, context, result.gaps))
  )

  const keys = new Map<string, { metadata: KeyMetadata; access: AccountAccess; byAlias: boolean }>()
  for (const entry of described) {
    if (!entry) continue
    const arn = entry.metadata.Arn as string
    result.resolved.set(referenceId(entry.reference), arn)
    const known = keys.get(arn)
    const byAlias = entry.reference.aliasName !== undefined || (known?.byAlias ?? false)
    keys.set(arn, { metadata: entry.metadata, access: entry.access, byAlias })
  }

  const documents = await Promise.all(
    [...keys].map(([arn, key]) =>
      readKeyParts(arn, key.metadata, key.access, context, {
        allParts,
        byAlias: key.byAlias,
        result
      })
    )
  )
  result.documents = documents.sort((left, right) => left.keyArn.localeCompare(right.keyArn, 'en'))
  return result
}

interface Described {
  reference: KeyReference
  metadata: KeyMetadata
  access: AccountAccess
}

async function describe(
  reference: KeyReference,
  clients: LiveClients,
  context: CallContext,
  gaps: FactGap[]
): Promise<Described | undefined> {
  const place = reference.bare
    ? { accountId: reference.accountId, region: reference.region }
    : undefined
  const access = await clients.forAccount(reference.accountId)
  if ('reason' in access) {
    gaps.push(accountGap('key', reference.written, access.reason, place))
    return undefined
  }
  const output = await callAws(context, 'kms:DescribeKey', (abortSignal) =>
    access
      .kms(reference.region)
      .send(new DescribeKeyCommand({ KeyId: reference.keyId }), { abortSignal })
  )
  if (!output.ok) {
    const gap = kmsGap('key', reference.written, output.failure, access.gateArn, access.accountId)
    gaps.push({ ...gap, ...place })
    return undefined
  }
  const metadata = output.value.KeyMetadata
  if (!metadata?.Arn || !parseArn(metadata.Arn)) {
    gaps.push({
      subject: reference.written,
      part: 'key',
      kind: 'unreadable',
      ...place,
      reason: `kms:DescribeKey on ${reference.written} returned no key ARN`
    })
    return undefined
  }
  return { reference, metadata, access }
}

interface PartOptions {
  allParts: boolean
  byAlias: boolean
  result: KeyReadResult
}

/** Reads policy and grants, then aliases and tags as needed, into one key object. */
async function readKeyParts(
  arn: string,
  metadata: KeyMetadata,
  access: AccountAccess,
  context: CallContext,
  options: PartOptions
): Promise<KeyDocument> {
  const parts = parseArn(arn) as NonNullable<ReturnType<typeof parseArn>>
  const kms = access.kms(parts.region)
  const gap = (part: FactGap['part'], failure: Parameters<typeof kmsGap>[2]) =>
    options.result.gaps.push(kmsGap(part, arn, failure, access.gateArn, access.accountId))

  const value: Record<string, unknown> = { KeyMetadata: toCliJson(metadata) }
  const [policy, grants] = await Promise.all([
    callAws(context, 'kms:GetKeyPolicy', (abortSignal) =>
      kms.send(new GetKeyPolicyCommand({ KeyId: arn, PolicyName: 'default' }), { abortSignal })
    ),
    readAllPages(context, 'kms:ListGrants', async (marker, abortSignal) => {
      const page = await kms.send(new ListGrantsCommand({ KeyId: arn, Marker: marker }), {
        abortSignal
      })
      return kmsPage(page.Grants, page)
    })
  ])

  let tests: KeyPolicyTests | undefined
  if (policy.ok && typeof policy.value.Policy === 'string') {
    value.Policy = policy.value.Policy
    value.PolicyName = policy.value.PolicyName ?? 'default'
    tests = findKeyPolicyTests(policy.value.Policy)
    options.result.policyTests.set(arn, tests)
  } else if (policy.ok) {
    options.result.gaps.push({
      subject: arn,
      part: 'key-policy',
      kind: 'unreadable',
      reason: `kms:GetKeyPolicy on ${arn} returned no policy`
    })
  } else gap('key-policy', policy.failure)
  if (grants.ok) value.Grants = toCliJson(grants.value)
  else gap('grants', grants.failure)

  const needsAliases = options.allParts || options.byAlias || tests?.aliases === true
  const needsTags = options.allParts || tests?.resourceTags === true
  const [aliases, tags] = await Promise.all([
    needsAliases ? readAliases(arn, kms, context) : undefined,
    needsTags ? readTags(arn, kms, context) : undefined
  ])
  if (aliases?.ok) value.Aliases = toCliJson(aliases.value)
  else if (aliases) gap('aliases', aliases.failure)
  if (tags?.ok) value.Tags = toCliJson(tags.value)
  else if (tags) gap('tags', tags.failure)

  return {
    keyArn: arn,
    accountId: parts.accountId,
    region: parts.region,
    source: `kms:${parts.region}:${parts.accountId}:${parts.resource}`,
    value
  }
}

function readAliases(
  arn: string,
  kms: ReturnType<AccountAccess['kms']>,
  context: CallContext
): Promise<AwsResult<unknown[]>> {
  return readAllPages(context, 'kms:ListAliases', async (marker, abortSignal) => {
    const page = await kms.send(new ListAliasesCommand({ KeyId: arn, Marker: marker }), {
      abortSignal
    })
    return kmsPage(page.Aliases, page)
  })
}

function readTags(
  arn: string,
  kms: ReturnType<AccountAccess['kms']>,
  context: CallContext
): Promise<AwsResult<unknown[]>> {
  return readAllPages(context, 'kms:ListResourceTags', async (marker, abortSignal) => {
    const page = await kms.send(new ListResourceTagsCommand({ KeyId: arn, Marker: marker }), {
      abortSignal
    })
    return kmsPage(page.Tags, page)
  })
}

/** Reduces a KMS list output to a page: its items, `Truncated` and `NextMarker`. */
function kmsPage<T>(
  items: T[] | undefined,
  output: { Truncated?: boolean; NextMarker?: string; $metadata?: { attempts?: number } }
): Page<T> {
  return {
    items: items ?? [],
    truncated: output.Truncated === true,
    next: output.NextMarker,
    $metadata: output.$metadata
  }
}
