/**
 * KMS resources of a plan: keys (`aws_kms_key`, replica and external keys), with the
 * policies of `aws_kms_key_policy`, the names of `aws_kms_alias` and the grants of
 * `aws_kms_grant` applied to the key they target.
 */
import type { GrantFact, KeyFact, KeyMetadataFact, Policy } from '../../../engine/model.js'
import { isAccountId, parseArn } from '../../arn.js'
import { isObject, type JsonObject } from '../../document-reader.js'
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
  grants: GrantFact[]
  grantsUnknown: boolean
}

/** Reads the keys of the plan, and keys outside it whose policy, aliases or grants the plan sets. */
export function readKeys(plan: PlanContext): KeyFact[] {
  const entries = plan.ofType(...KEY_TYPES).map((instance) => readKey(plan, instance))
  const table = new KeyTable(plan, entries)

  const policyResources = new Map<KeyEntry, ResourceInstance>()
  for (const instance of plan.ofType('aws_kms_key_policy')) {
    for (const entry of table.targets(instance, 'key_id')) policyResources.set(entry, instance)
  }
  for (const entry of table.all()) {
    const policyResource = policyResources.get(entry)
    const policy = policyResource
      ? readPolicyResource(plan, policyResource, entry.fact)
      : entry.instance && readOwnPolicy(plan, entry.instance, entry.fact)
    if (policy) entry.fact.policy = policy
  }

  for (const instance of plan.ofType('aws_kms_alias')) {
    const name = plan.knownString(instance, 'name')
    if (!name) continue
    for (const entry of table.targets(instance, 'target_key_id')) {
      entry.fact.aliases = [...new Set([...(entry.fact.aliases ?? []), name])].sort()
    }
  }
  for (const instance of plan.ofType('aws_kms_grant')) {
    const grant = readGrant(plan, instance)
    for (const entry of table.targets(instance, 'key_id')) {
      if (grant) entry.grants.push(grant)
      else entry.grantsUnknown = true
    }
  }
  return table.all().map(finishKey)
}

/**
 * Sets the grants of a key this change creates: the plan's grants are then all it has.
 * A key that exists already may have grants the plan does not manage, so its grants stay
 * unknown (undefined).
 */
function finishKey(entry: KeyEntry): KeyFact {
  if (entry.fact.pending && !entry.grantsUnknown) entry.fact.grants = entry.grants
  return entry.fact
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
    ...(pending && { pending: true })
  }
  const tags = readTags(plan, instance)
  if (tags) fact.tags = tags
  if (location) fact.location = location
  return { fact, instance, grants: [], grantsUnknown: false }
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
      defaultKeyPolicy(key),
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

/** Builds the key policy AWS sets when CreateKey gets none: the account may use IAM policies to allow access. */
function defaultKeyPolicy(key: KeyFact): JsonObject {
  return {
    Version: '2012-10-17',
    Id: 'key-default-1',
    Statement: [
      {
        Sid: 'Enable IAM User Permissions',
        Effect: 'Allow',
        Principal: { AWS: `arn:${key.partition}:iam::${key.accountId}:root` },
        Action: 'kms:*',
        Resource: '*'
      }
    ]
  }
}

/** Reads an `aws_kms_grant`; undefined when its grantee, operations or constraints are known only after apply. */
function readGrant(plan: PlanContext, instance: ResourceInstance): GrantFact | undefined {
  const location = plan.blockLocation(instance)
  const unknown = ['grantee_principal', 'operations', 'constraints'].filter((name) =>
    hasUnknownPart(instance, name)
  )
  if (unknown.length > 0) {
    for (const name of unknown) {
      plan.markUnknown(instance, name, plan.attributeLocation(instance, name))
    }
    return undefined
  }
  const operations = instance.values.operations
  const grant: GrantFact = {
    grantId: plan.knownString(instance, 'grant_id') ?? `pending:${instance.address}`,
    granteePrincipal: plan.knownString(instance, 'grantee_principal') ?? '',
    operations: Array.isArray(operations)
      ? operations
          .filter((item): item is string => typeof item === 'string')
          .map((item) => item.replace(/^kms:/i, ''))
      : []
  }
  const name = plan.knownString(instance, 'name')
  if (name) grant.name = name
  const retiring = plan.knownString(instance, 'retiring_principal')
  if (retiring) grant.retiringPrincipal = retiring
  const constraints = Array.isArray(instance.values.constraints)
    ? instance.values.constraints.filter(isObject)
    : []
  for (const constraint of constraints) {
    const equals = stringMap(constraint.encryption_context_equals)
    if (equals) grant.encryptionContextEquals = { ...grant.encryptionContextEquals, ...equals }
    const subset = stringMap(constraint.encryption_context_subset)
    if (subset) grant.encryptionContextSubset = { ...grant.encryptionContextSubset, ...subset }
  }
  if (location) grant.location = location
  return grant
}

function stringMap(value: unknown): Record<string, string> | undefined {
  if (!isObject(value)) return undefined
  return Object.fromEntries(
    Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string')
  )
}

/** The keys of the plan, and those outside it that plan resources name by ARN. */
class KeyTable {
  private readonly outside: KeyEntry[] = []

  constructor(
    private readonly plan: PlanContext,
    private readonly entries: KeyEntry[]
  ) {}

  all(): KeyEntry[] {
    return [...this.entries, ...this.outside]
  }

  /**
   * Returns the keys that attribute `name` of `instance` names: by key ID or ARN when known, else
   * through the configuration's references. A target that cannot be found is a warning.
   */
  targets(instance: ResourceInstance, name: string): KeyEntry[] {
    const value = this.plan.knownString(instance, name)
    const location = this.plan.attributeLocation(instance, name)
    if (value !== undefined) {
      const found = this.all().filter(
        (entry) => entry.fact.arn === value || entry.fact.keyId === value
      )
      if (found.length > 0) return found
      const outside = this.outsideKey(value)
      if (outside) return [outside]
      this.plan.warn(
        `${instance.address} names key ${value}, which the plan does not create; name it by key ARN so that it applies to that key, because a bare key ID does not say its account and Region`,
        location
      )
      return []
    }

    const references = expressionReferences(configExpressions(instance.config), name)
    const matches = referencedInstances(this.plan.root, this.plan.instances, instance, references)
      .filter((target) => KEY_TYPES.includes(target.type))
      .map((target) => this.entries.find((entry) => entry.instance === target))
      .filter((entry): entry is KeyEntry => entry !== undefined)
    if (matches.length > 0) return matches
    this.plan.markUnknown(instance, name, location)
    this.plan.warn(
      `cannot tell which key ${instance.address} applies to: ${name} is known only after apply and names no key of the plan`,
      location
    )
    return []
  }

  /** Adds a key outside the plan, named by ARN; its facts are only what the plan sets, for merging over live facts. */
  private outsideKey(arn: string): KeyEntry | undefined {
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
      metadata: {}
    }
    const entry: KeyEntry = { fact, grants: [], grantsUnknown: false }
    this.outside.push(entry)
    return entry
  }
}
