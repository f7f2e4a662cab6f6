/**
 * The emulated AWS state: the facts as the project's loader builds them, plus the raw
 * fact documents, so that responses can repeat the files' text exactly.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import type { Facts } from '../../../src/engine/model.js'
import { recognizeShape } from '../../../src/facts/fact-shape.js'
import { loadFacts } from '../../../src/facts/load-facts.js'
import { parseRawJson } from './raw-json.js'

export type JsonObject = Record<string, unknown>

/** The raw parts of a KMS key object, by key ARN. */
export interface RawKey {
  metadata?: JsonObject
  /** The key policy as the file writes it: a JSON string, or an object. */
  policy?: unknown
  policyName?: string
}

/** One `get-account-authorization-details` document. */
export interface RawIamDocument {
  /** Absent for a document with nothing but AWS managed policies. */
  accountId?: string
  value: JsonObject
}

export interface EmulatorWorld {
  facts: Facts
  /** Original text of every object and array of the raw documents. */
  textOf: WeakMap<object, string>
  keys: Map<string, RawKey>
  iamDocuments: RawIamDocument[]
}

/** Loads the fact files with `loadFacts`, then reads the same files again as raw JSON. */
export async function loadWorld(factPaths: string[], cwd: string): Promise<EmulatorWorld> {
  const loaded = await loadFacts(factPaths, cwd)
  const world: EmulatorWorld = {
    facts: loaded.facts,
    textOf: new WeakMap(),
    keys: new Map(),
    iamDocuments: []
  }
  for (const source of loaded.sources) {
    const text = await readFile(path.resolve(cwd, source), 'utf8')
    const value = parseRawJson(text, world.textOf)
    const shape = recognizeShape(value)
    if (shape === 'kms') addKeyObjects(world, value)
    else if (shape === 'iam') addIamDocument(world, value as JsonObject)
  }
  return world
}

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function addKeyObjects(world: EmulatorWorld, value: unknown): void {
  const entries = Array.isArray(value) ? value : [value]
  for (const entry of entries) {
    if (!isObject(entry) || !isObject(entry.KeyMetadata)) continue
    const arn = entry.KeyMetadata.Arn
    if (typeof arn !== 'string') continue
    const raw = world.keys.get(arn) ?? {}
    raw.metadata ??= entry.KeyMetadata
    let container: JsonObject = entry
    // The Policy member may be the whole get-key-policy output.
    if (isObject(entry.Policy) && 'Policy' in entry.Policy && !('Statement' in entry.Policy)) {
      container = entry.Policy
    }
    if (raw.policy === undefined && container.Policy !== undefined && container.Policy !== null) {
      raw.policy = container.Policy
      const name = container.PolicyName ?? entry.PolicyName
      if (typeof name === 'string') raw.policyName = name
    }
    world.keys.set(arn, raw)
  }
}

const ENTITY_LISTS = ['RoleDetailList', 'UserDetailList', 'GroupDetailList', 'Policies']

function addIamDocument(world: EmulatorWorld, value: JsonObject): void {
  world.iamDocuments.push({ accountId: documentAccount(value), value })
}

/** Takes the account from the first ARN of the document that belongs to an account. */
function documentAccount(value: JsonObject): string | undefined {
  for (const list of ENTITY_LISTS) {
    const entries = value[list]
    if (!Array.isArray(entries)) continue
    for (const entry of entries) {
      const account = isObject(entry) && typeof entry.Arn === 'string' && arnAccount(entry.Arn)
      if (account && account !== 'aws') return account
    }
  }
  return undefined
}

/** Returns the account field of an ARN (`aws` for AWS managed policies). */
export function arnAccount(arn: string): string | undefined {
  const parts = arn.split(':')
  return parts.length >= 6 && parts[0] === 'arn' ? parts[4] : undefined
}

/** Lists the raw entries of one list of the account's IAM documents, once per ARN. */
export function iamEntries(
  world: EmulatorWorld,
  accountId: string,
  list: 'RoleDetailList' | 'UserDetailList' | 'GroupDetailList' | 'Policies'
): JsonObject[] {
  const seen = new Set<string>()
  const entries: JsonObject[] = []
  for (const document of world.iamDocuments) {
    const items = document.value[list]
    if (!Array.isArray(items)) continue
    for (const item of items) {
      if (!isObject(item) || typeof item.Arn !== 'string' || seen.has(item.Arn)) continue
      const owner = arnAccount(item.Arn)
      // AWS managed policies belong to every account.
      if (owner !== accountId && !(list === 'Policies' && owner === 'aws')) continue
      seen.add(item.Arn)
      entries.push(item)
    }
  }
  return entries
}

/** Finds a role or user by ARN (exactly, with its path). */
export function findEntity(
  world: EmulatorWorld,
  arn: string
): { kind: 'role' | 'user'; entry: JsonObject } | undefined {
  const accountId = arnAccount(arn)
  if (!accountId) return undefined
  const role = iamEntries(world, accountId, 'RoleDetailList').find((entry) => entry.Arn === arn)
  if (role) return { kind: 'role', entry: role }
  const user = iamEntries(world, accountId, 'UserDetailList').find((entry) => entry.Arn === arn)
  return user ? { kind: 'user', entry: user } : undefined
}

/** Finds a role or user of the account by name, as GetRole and GetUser take it. */
export function findByName(
  world: EmulatorWorld,
  accountId: string,
  list: 'RoleDetailList' | 'UserDetailList' | 'GroupDetailList',
  name: string
): JsonObject | undefined {
  const field = {
    RoleDetailList: 'RoleName',
    UserDetailList: 'UserName',
    GroupDetailList: 'GroupName'
  }[list]
  // IAM names are unique within an account regardless of case.
  const lower = name.toLowerCase()
  return iamEntries(world, accountId, list).find(
    (entry) => typeof entry[field] === 'string' && entry[field].toLowerCase() === lower
  )
}

/** Finds a managed policy by ARN in any document. */
export function findManagedPolicy(world: EmulatorWorld, arn: string): JsonObject | undefined {
  const accountId = arnAccount(arn)
  if (!accountId) return undefined
  for (const document of world.iamDocuments) {
    const items = document.value.Policies
    if (!Array.isArray(items)) continue
    const found = items.find((item) => isObject(item) && item.Arn === arn)
    if (found) return found as JsonObject
  }
  return undefined
}

/** Returns the default version's document of a managed policy entry. */
export function defaultVersionDocument(policy: JsonObject): unknown {
  const versions = Array.isArray(policy.PolicyVersionList) ? policy.PolicyVersionList : []
  const chosen =
    versions.find((version) => isObject(version) && version.IsDefaultVersion === true) ??
    versions.find((version) => isObject(version) && version.VersionId === policy.DefaultVersionId)
  return isObject(chosen) ? chosen.Document : undefined
}

export { isObject }
