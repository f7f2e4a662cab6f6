/**
 * KMS resources of a plan: keys (`aws_kms_key`, replica and external keys), with the
 * policies of `aws_kms_key_policy`, the names of `aws_kms_alias` and the grants of
 * `aws_kms_grant` applied to the key they target, and the keys the plan destroys.
 */

import type {
  GrantFact,
  KeyFact,
  KeyMetadataFact,
  Policy,
  SourceLocation
} from '../../../engine/model.js'
import { isAccountId, parseArn } from '../../arn.js'
import { isObject } from '../../document-reader.js'
import { defaultKeyPolicy } from '../code-facts.js'
import type { PlanContext } from './plan-context.js'
import type { ResourceInstance } from './plan-resources.js'
import {
  configExpressions,
  expressionReferences,
  hasUnknownPart,
  isConfigured
} from './plan-values.js'
import { referencedInstances } from './references.js'
import { readTags } from './tags.js'

const KEY_TYPES = [
  'aws_kms_key',
  'aws_kms_external_key',
  'aws_kms_replica_key',
  'aws_kms_replica_external_key'
]

/** A key being built, with the plan resource that declares it (absent for a key outside the plan). */
interface KeyEntry {
  fact: KeyFact
  instance?: ResourceInstance
  /** True for a key the plan deletes: only its state is set, to `PendingDeletion`. */
  deleted?: boolean
  grants: GrantFact[]
  grantsUnknown: boolean
}

/**
 * Reads the keys of the plan, the keys it deletes, and keys outside it whose policy,
 * aliases or grants the plan sets.
 */
export function readKeys(plan: PlanContext): KeyFact[] {
  const entries = plan.ofType(...KEY_TYPES).map((instance) => readKey(plan, instance))
  const table = new KeyTable(plan, entries)
  for (const old of plan.deletedOfType(...KEY_TYPES)) {
    const entry = deletedKey(plan, old)
    if (entry) table.add(entry)
  }

  readKeyPolicies(plan, table)
  for (const instance of plan.ofType('aws_kms_alias')) {
    const name = plan.knownString(instance, 'name')
    if (!name) continue
    for (const entry of table.targets(instance, 'target_key_id')) {
      if (entry.deleted) continue
      entry.fact.aliases = [...new Set([...(entry.fact.aliases ?? []), name])].sort()
    }
  }
  for (const instance of plan.ofType('aws_kms_grant')) {
    const grant = readGrant(plan, instance)
    for (const entry of table.targets(instance, 'key_id')) {
      entry.grants.push(grant.fact)
      if (grant.unknown) entry.grantsUnknown = true
    }
  }
  return table.all().map(finishKey)
}

/**
 * Sets the policy of each key: that of an `aws_kms_key_policy`, else the default policy
 * when the plan destroys the `aws_kms_key_policy` of the key, else the key's own `policy`.
 */
function readKeyPolicies(plan: PlanContext, table: KeyTable) {
  const policyResources = new Map<KeyEntry, ResourceInstance>()
  for (const instance of plan.ofType('aws_kms_key_policy')) {
    for (const entry of table.targets(instance, 'key_id')) policyResources.set(entry, instance)
  }
  const destroyedPolicies = new Map<KeyEntry, ResourceInstance>()
  for (const old of plan.deletedOfType('aws_kms_key_policy')) {
    // A replacement puts its new policy in place; the create above reads it.
    if (old.replaced) continue
    // The AWS provider destroys an aws_kms_key_policy by putting the default key policy back,
    // unless bypass_policy_lockout_safety_check is set: then it leaves the policy as it is
    // (resourceKeyPolicyDelete in internal/service/kms/key_policy.go of
    // terraform-provider-aws, and the resource's documentation).
    if (old.values.bypass_policy_lockout_safety_check === true) continue
    for (const entry of table.targets(old, 'key_id')) destroyedPolicies.set(entry, old)
  }

  for (const entry of table.all()) {
    if (entry.deleted) continue
    const policyResource = policyResources.get(entry)
    const destroyed = destroyedPolicies.get(entry)
    let policy: Policy | undefined
    if (policyResource) policy = readPolicyResource(plan, policyResource, entry.fact)
    else if (destroyed) policy = restoredDefaultPolicy(plan, destroyed, entry.fact)
    else if (entry.instance) policy = readOwnPolicy(plan, entry.instance, entry.fact)
    if (policy) entry.fact.policy = policy
  }
}

/**
 * Finishes a key. A key this change creates has exactly the plan's grants. A key that exists
 * already may have grants the plan does not manage, so the plan's grants are `addedGrants`
 * and `grants` stays undefined, for the overlay to join them to the key's other grants.
 */
function finishKey(entry: KeyEntry): KeyFact {
  const { fact } = entry
  if (entry.deleted) return fact
  if (fact.pending) {
    if (!entry.grantsUnknown) {
      fact.grants = entry.grants
      fact.grantsFromCodeOnly = true
    }
  } else if (entry.grants.length > 0) {
    // NOTE: a grant with a value known only after apply carries markers in those fields.
    // Whether such a grant counts as unknown depends on the overlay and the engine.
    fact.addedGrants = entry.grants
  }
  return fact
}

function readKey(plan: PlanContext, instance: ResourceInstance): KeyEntry {
  const location = plan.blockLocation(instance)
  const knownArn = plan.knownString(instance, 'arn')
  const parts = knownArn ? parseArn(knownArn) : undefined
  const pending = instance.created || !parts
  const accountId =
    parts && isAccountId(parts.accountId)
      ? parts.accountId
      : plan.accountId(instance.address, location)
  const region = parts?.region || plan.region(instance, location)
  const keyId = parts?.resource.startsWith('key/')
    ? parts.resource.slice(4)
    : (plan.knownString(instance, 'key_id') ?? `pending:${instance.address}`)
  const arn = parts
    ? (knownArn as string)
    : `arn:${plan.partition}:kms:${region}:${accountId}:key/${keyId}`

  const fact: KeyFact = {
    arn,
    keyId,
    accountId,
    region,
    partition: parts?.partition ?? plan.partition,
    metadata: readMetadata(plan, instance),
    references: plan.references(instance),
    ...(pending && { pending: true }),
    fromCode: true
  }
  const tags = readTags(plan, instance)
  if (tags) fact.tags = tags
  if (location) fact.location = location
  return { fact, instance, grants: [], grantsUnknown: false }
}

/**
 * Reads a key that the plan deletes or replaces. The AWS provider destroys a key with
 * ScheduleKeyDeletion, which puts it in the `PendingDeletion` state, where KMS refuses to
 * use it, for the waiting period (`deletion_window_in_days`). Undefined when the old state
 * names no key ARN.
 */
function deletedKey(plan: PlanContext, old: ResourceInstance): KeyEntry | undefined {
  const arn = plan.knownString(old, 'arn')
  const parts = arn ? parseArn(arn) : undefined
  const location = plan.blockLocation(old)
  if (!arn || parts?.service !== 'kms' || !parts.resource.startsWith('key/')) {
    plan.warn(
      `${old.address} is destroyed, but its state in the plan has no key ARN, so the check cannot mark that key as pending deletion`,
      location
    )
    return undefined
  }
  const fact: KeyFact = {
    arn,
    keyId: parts.resource.slice(4),
    accountId: parts.accountId,
    region: parts.region,
    partition: parts.partition,
    metadata: { keyState: 'PendingDeletion', enabled: false },
    // A replaced key's address names the new key.
    ...(!old.replaced && { references: plan.references(old) }),
    fromCode: true,
    ...(location && { location })
  }
  return { fact, deleted: true, grants: [], grantsUnknown: false }
}

/** Key metadata as it will be after apply; a value known only after apply is left out. */
function readMetadata(plan: PlanContext, instance: ResourceInstance): KeyMetadataFact {
  const replica = instance.type.startsWith('aws_kms_replica')
  const external = instance.type.includes('external')
  const enabledValue = plan.value(instance, replica ? 'enabled' : 'is_enabled')
  // Terraform's default is an enabled key, and an unset attribute plans as null.
  const enabled = enabledValue.known ? enabledValue.value !== false : undefined
  const metadata: KeyMetadataFact = {
    keyManager: 'CUSTOMER',
    origin: external ? 'EXTERNAL' : 'AWS_KMS'
  }
  if (enabled !== undefined && !external) {
    metadata.enabled = enabled
    metadata.keyState = enabled ? 'Enabled' : 'Disabled'
  }
  const usage = configuredOrDefault(plan, instance, 'key_usage', 'ENCRYPT_DECRYPT')
  if (usage) metadata.keyUsage = usage
  const spec =
    plan.knownString(instance, 'key_spec') ??
    configuredOrDefault(plan, instance, 'customer_master_key_spec', 'SYMMETRIC_DEFAULT')
  if (spec) metadata.keySpec = spec
  if (replica) {
    metadata.multiRegion = true
    metadata.multiRegionKeyType = 'REPLICA'
  } else {
    const multiRegion = plan.value(instance, 'multi_region')
    if (multiRegion.known) {
      metadata.multiRegion = multiRegion.value === true
      if (multiRegion.value === true) metadata.multiRegionKeyType = 'PRIMARY'
    }
  }
  return metadata
}

/** Returns a known string attribute, or AWS's default when the configuration does not set it. */
function configuredOrDefault(
  plan: PlanContext,
  instance: ResourceInstance,
  name: string,
  fallback: string
): string | undefined {
  const known = plan.knownString(instance, name)
  if (known) return known
  if (instance.config && !isConfigured(instance, name)) return fallback
  return undefined
}

/** Reads the `policy` of a key resource; a new key without one gets the default key policy. */
function readOwnPolicy(
  plan: PlanContext,
  instance: ResourceInstance,
  key: KeyFact
): Policy | undefined {
  const planned = plan.value(instance, 'policy')
  const location = plan.attributeLocation(instance, 'policy')
  const options = {
    kind: 'key-policy' as const,
    name: 'default',
    accountId: key.accountId,
    label: `key policy of ${instance.address}`
  }
  if (planned.known && typeof planned.value === 'string' && planned.value !== '') {
    return plan.parsePolicy(instance, instance.values, 'policy', options, location)
  }
  // AWS gives a key created without a policy the default key policy.
  if (instance.created && instance.config && !isConfigured(instance, 'policy')) {
    return plan.parseBuiltPolicy(
      instance,
      defaultKeyPolicy(key.partition, key.accountId),
      options,
      plan.blockLocation(instance)
    )
  }
  key.policyUnresolved = plan.markUnknown(instance, 'policy', location)
  return undefined
}

/** Reads the `policy` of an `aws_kms_key_policy`, which replaces the key's own. */
function readPolicyResource(
  plan: PlanContext,
  instance: ResourceInstance,
  key: KeyFact
): Policy | undefined {
  const location = plan.attributeLocation(instance, 'policy')
  if (plan.knownString(instance, 'policy')) {
    return plan.parsePolicy(
      instance,
      instance.values,
      'policy',
      {
        kind: 'key-policy',
        name: 'default',
        accountId: key.accountId,
        label: `key policy ${instance.address}`
      },
      location
    )
  }
  key.policyUnresolved = plan.markUnknown(instance, 'policy', location)
  return undefined
}

/**
 * Returns the policy a key has after the plan destroys its `aws_kms_key_policy`: the default
 * key policy for the account the provider runs in, as the provider builds it.
 */
function restoredDefaultPolicy(
  plan: PlanContext,
  old: ResourceInstance,
  key: KeyFact
): Policy | undefined {
  const location = plan.blockLocation(old)
  const accountId = plan.knownAccountId()
  if (!accountId) {
    key.policyUnresolved = plan.addUnresolved(
      `${old.address} is destroyed, which puts back the default key policy of the account the AWS provider runs in, and that account is not known`,
      location
    )
    return undefined
  }
  return plan.parseBuiltPolicy(
    old,
    defaultKeyPolicy(key.partition, accountId),
    {
      kind: 'key-policy',
      name: 'default',
      accountId: key.accountId,
      label: `default key policy that destroying ${old.address} puts back`
    },
    location
  )
}

/**
 * Reads an `aws_kms_grant`. A grantee, operations or constraints known only after apply
 * become markers, and `unknown` is set.
 */
function readGrant(
  plan: PlanContext,
  instance: ResourceInstance
): { fact: GrantFact; unknown: boolean } {
  const location = plan.blockLocation(instance)
  const markers = new Map<string, string>()
  for (const name of ['grantee_principal', 'operations', 'constraints']) {
    if (hasUnknownPart(instance, name)) {
      markers.set(name, plan.markUnknown(instance, name, plan.attributeLocation(instance, name)))
    }
  }
  const operations = instance.values.operations
  const grant: GrantFact = {
    grantId: plan.knownString(instance, 'grant_id') ?? `pending:${instance.address}`,
    granteePrincipal:
      markers.get('grantee_principal') ?? plan.knownString(instance, 'grantee_principal') ?? '',
    operations: markers.has('operations')
      ? [markers.get('operations') as string]
      : Array.isArray(operations)
        ? operations
            .filter((item): item is string => typeof item === 'string')
            .map((item) => item.replace(/^kms:/i, ''))
        : []
  }
  const name = plan.knownString(instance, 'name')
  if (name) grant.name = name
  const retiring = plan.knownString(instance, 'retiring_principal')
  if (retiring) grant.retiringPrincipal = retiring
  const constraintsMarker = markers.get('constraints')
  const constraints =
    !constraintsMarker && Array.isArray(instance.values.constraints)
      ? instance.values.constraints.filter(isObject)
      : []
  if (constraintsMarker) grant.encryptionContextEquals = { [constraintsMarker]: constraintsMarker }
  for (const constraint of constraints) {
    const equals = stringMap(constraint.encryption_context_equals)
    if (equals) grant.encryptionContextEquals = { ...grant.encryptionContextEquals, ...equals }
    const subset = stringMap(constraint.encryption_context_subset)
    if (subset) grant.encryptionContextSubset = { ...grant.encryptionContextSubset, ...subset }
  }
  if (location) grant.location = location
  return { fact: grant, unknown: markers.size > 0 }
}

function stringMap(value: unknown): Record<string, string> | undefined {
  if (!isObject(value)) return undefined
  return Object.fromEntries(
    Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string')
  )
}

/** Key IDs as KMS prints them: a UUID, or `mrk-` and 32 hex digits for a multi-Region key. */
const KEY_ID = /^(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i

/** The keys of the plan, those it deletes, and those outside it that plan resources name. */
class KeyTable {
  private readonly entries: KeyEntry[] = []
  private readonly byName = new Map<string, KeyEntry[]>()
  private readonly byInstance = new Map<ResourceInstance, KeyEntry>()

  constructor(
    private readonly plan: PlanContext,
    entries: KeyEntry[]
  ) {
    for (const entry of entries) this.add(entry)
  }

  all(): KeyEntry[] {
    return this.entries
  }

  /** Adds a key, found afterwards by its ARN and its key ID. */
  add(entry: KeyEntry) {
    this.entries.push(entry)
    for (const name of new Set([entry.fact.arn, entry.fact.keyId])) {
      const list = this.byName.get(name)
      if (list) list.push(entry)
      else this.byName.set(name, [entry])
    }
    if (entry.instance) this.byInstance.set(entry.instance, entry)
  }

  /**
   * Returns the keys that attribute `name` of `instance` names: by key ID or ARN when known, else
   * through the configuration's references. A target that cannot be found is a warning.
   */
  targets(instance: ResourceInstance, name: string): KeyEntry[] {
    const value = this.plan.knownString(instance, name)
    const location = this.plan.attributeLocation(instance, name)
    if (value !== undefined) {
      const found = this.byName.get(value)
      if (found) return found
      const outside = this.outsideKey(instance, value, location)
      if (outside) return [outside]
      this.plan.warn(
        `${instance.address} names key ${value}, which is neither a key ARN nor a key ID, so the change is not part of the facts; name the key by key ARN or key ID`,
        location
      )
      return []
    }

    const references = expressionReferences(configExpressions(instance.config), name)
    const matches = referencedInstances(this.plan.root, this.plan, instance, references)
      .filter((target) => KEY_TYPES.includes(target.type))
      .map((target) => this.byInstance.get(target))
      .filter((entry): entry is KeyEntry => entry !== undefined)
    if (matches.length > 0) return matches
    this.plan.markUnknown(instance, name, location)
    this.plan.warn(
      `cannot tell which key ${instance.address} applies to: ${name} is known only after apply and names no key of the plan`,
      location
    )
    return []
  }

  /**
   * Adds a key outside the plan, named by ARN or by key ID; a key ID is in the account and
   * Region the plan's resources are in. Its facts are only what the plan sets, for merging
   * over the other facts.
   */
  private outsideKey(
    instance: ResourceInstance,
    value: string,
    location: SourceLocation | undefined
  ): KeyEntry | undefined {
    let arn = value
    if (KEY_ID.test(value)) {
      const accountId = this.plan.accountId(`key ${value} that ${instance.address} names`, location)
      const region = this.plan.region(instance, location)
      arn = `arn:${this.plan.partition}:kms:${region}:${accountId}:key/${value}`
      const known = this.byName.get(arn)
      if (known) return known[0]
    }
    const parts = parseArn(arn)
    if (
      parts?.service !== 'kms' ||
      !parts.resource.startsWith('key/') ||
      !isAccountId(parts.accountId)
    )
      return undefined
    const fact: KeyFact = {
      arn,
      keyId: parts.resource.slice(4),
      accountId: parts.accountId,
      region: parts.region,
      partition: parts.partition,
      metadata: {},
      fromCode: true
    }
    const entry: KeyEntry = { fact, grants: [], grantsUnknown: false }
    this.add(entry)
    return entry
  }
}
