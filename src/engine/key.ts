/**
 * Resolving the expectation's key (key ARN, key ID, alias name or alias ARN) to a key in the
 * facts. AWS resolves a bare key ID or alias name in the caller's account and Region.
 */
import { parseArn } from './arn.js'
import type { ResolvedKey } from './decision.js'
import type { Facts, KeyFact } from './model.js'
import { isCodeReference } from './principal.js'

export interface KeyResolution {
  resolved: ResolvedKey
  key?: KeyFact
  /** `not-in-facts`: the tool lacks the facts; `not-found`: AWS itself would not find the key. */
  problem?: { kind: 'not-in-facts' | 'not-found'; reason: string }
}

export interface KeyLookupScope {
  /** The caller's account: where AWS resolves a bare key ID or alias name. */
  callerAccountId?: string
  region?: string
}

/** Resolves a key among `keys` alone, as `resolveKey` does among all the facts. */
export function resolveKeyAmong(
  input: string,
  keys: KeyFact[],
  scope: KeyLookupScope
): KeyResolution {
  const facts: Facts = { iam: [], keys, organizations: [], vpcEndpoints: [], sessionPolicies: [] }
  return resolveKey(input, facts, scope)
}

export function resolveKey(input: string, facts: Facts, scope: KeyLookupScope): KeyResolution {
  if (isCodeReference(input)) return byReference(input, facts)
  const arn = parseArn(input)
  if (arn && arn.service === 'kms' && arn.resource.startsWith('key/')) {
    return byArn(input, facts, arn.accountId, arn.region)
  }
  if (arn && arn.service === 'kms' && arn.resource.startsWith('alias/')) {
    return byAlias(input, arn.resource, facts, arn.accountId, arn.region)
  }
  if (input.startsWith('alias/')) {
    return byAlias(input, input, facts, scope.callerAccountId, scope.region)
  }
  return byKeyId(input, facts, scope)
}

/** Resolves a key that a template or plan defines, by its reference (`infra/app.yaml#AppKey`). */
function byReference(input: string, facts: Facts): KeyResolution {
  const key = facts.keys.find((candidate) => candidate.references?.includes(input))
  if (key) {
    return {
      resolved: {
        input,
        arn: key.arn,
        accountId: key.accountId,
        region: key.region,
        keyId: key.keyId
      },
      key
    }
  }
  return {
    resolved: { input },
    problem: {
      kind: 'not-in-facts',
      reason: `No template or plan in the facts defines a key \`${input}\`; check the file path (relative to the manifest) and the logical ID or address.`
    }
  }
}

function byArn(input: string, facts: Facts, accountId: string, region: string): KeyResolution {
  const key = facts.keys.find((candidate) => candidate.arn === input)
  const resolved: ResolvedKey = {
    input,
    arn: input,
    accountId,
    region,
    keyId: input.split('/').pop()
  }
  if (key) return { resolved: { ...resolved, keyId: key.keyId }, key }
  return {
    resolved,
    problem: { kind: 'not-in-facts', reason: `Key ${input} is not in the facts.` }
  }
}

function byAlias(
  input: string,
  aliasName: string,
  facts: Facts,
  accountId: string | undefined,
  region: string | undefined
): KeyResolution {
  const resolved: ResolvedKey = { input, alias: aliasName, accountId, region }
  const named = facts.keys.filter(
    (candidate) =>
      (candidate.aliases ?? []).includes(aliasName) &&
      candidate.accountId === accountId &&
      candidate.region === region
  )
  // An alias names one key per account and Region: two in the facts means one is out of date.
  if (named.length > 1) {
    return {
      resolved,
      problem: {
        kind: 'not-in-facts',
        reason: `Alias ${aliasName} names more than one key in the facts (${named.map((candidate) => candidate.arn).join(', ')}); supply facts in which it names one.`
      }
    }
  }
  const [key] = named
  if (key) return { resolved: { ...resolved, arn: key.arn, keyId: key.keyId }, key }

  const elsewhere = facts.keys.find((candidate) => (candidate.aliases ?? []).includes(aliasName))
  if (elsewhere && input === aliasName) {
    // The alias exists, but in another account or Region than the caller's: AWS would not find it.
    return {
      resolved,
      problem: {
        kind: 'not-found',
        reason: `Alias ${aliasName} belongs to ${elsewhere.arn}, but a bare alias name is resolved in the caller's account ${accountId ?? '(unknown)'} and Region ${region ?? '(unknown)'}; use the alias ARN or key ARN.`
      }
    }
  }
  return {
    resolved,
    problem: {
      kind: 'not-in-facts',
      reason: `No key in the facts has alias ${aliasName} in account ${accountId ?? '(unknown)'}, Region ${region ?? '(unknown)'}.`
    }
  }
}

function byKeyId(input: string, facts: Facts, scope: KeyLookupScope): KeyResolution {
  const resolved: ResolvedKey = {
    input,
    keyId: input,
    accountId: scope.callerAccountId,
    region: scope.region
  }
  const key = facts.keys.find(
    (candidate) =>
      candidate.keyId === input &&
      candidate.accountId === scope.callerAccountId &&
      candidate.region === scope.region
  )
  if (key) return { resolved: { ...resolved, arn: key.arn }, key }

  const elsewhere = facts.keys.find((candidate) => candidate.keyId === input)
  if (elsewhere) {
    return {
      resolved,
      problem: {
        kind: 'not-found',
        reason: `Key ID ${input} belongs to ${elsewhere.arn}, but a bare key ID is resolved in the caller's account ${scope.callerAccountId ?? '(unknown)'} and Region ${scope.region ?? '(unknown)'}; use the key ARN.`
      }
    }
  }
  return {
    resolved,
    problem: { kind: 'not-in-facts', reason: `Key ${input} is not in the facts.` }
  }
}
