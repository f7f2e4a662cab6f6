/**
 * Validation of the action names in an expectation against the engine's action table.
 */
import { kmsAction, kmsActionNames } from '../engine/kms-actions.js'
import { didYouMean } from './suggest.js'

/** The result of checking one action name: the canonical name or why it is rejected. */
export type ActionCheck = { name: string } | { problem: string }

/** Wildcard expansions longer than this are summarized instead of listed in the message. */
const MAX_LISTED_ACTIONS = 8

/**
 * Returns the canonical name of a KMS action that an expectation can check, matched
 * case-insensitively as IAM does, or the reason the name is rejected. Rejected are
 * wildcards, a missing or wrong service prefix, unknown actions and actions that are not
 * key-scoped.
 */
export function checkAction(value: string): ActionCheck {
  const quoted = `\`${value}\``

  if (/[*?]/u.test(value)) return { problem: explainWildcard(value) }

  const prefixEnd = value.indexOf(':')
  if (prefixEnd < 0) {
    const prefixed = kmsAction(`kms:${value}`)
    if (prefixed) {
      return { problem: `${quoted} needs the kms: prefix; did you mean \`${prefixed.name}\`?` }
    }
    return { problem: `${quoted} is not a KMS action: expected kms:NAME, such as kms:Decrypt` }
  }

  const prefix = value.slice(0, prefixEnd)
  if (prefix.toLowerCase() !== 'kms') {
    return {
      problem: `${quoted} is not a KMS action: expectations check only kms: actions, such as kms:Decrypt`
    }
  }

  const info = kmsAction(value)
  if (!info) {
    return { problem: `${quoted} is not a KMS action${didYouMean(value, kmsActionNames())}` }
  }
  if (info.scope === 'iam-only') {
    return {
      problem:
        `\`${info.name}\` is not key-scoped: only IAM policies authorize it, on Resource "*", ` +
        'so it is not supported in expectations yet'
    }
  }
  if (info.scope === 'alias') {
    return {
      problem:
        `\`${info.name}\` is not key-scoped: it needs permission on an alias as well as on the key, ` +
        'so it is not supported in expectations yet'
    }
  }
  return { name: info.name }
}

/** Explains why `value` is not an action that an expectation can check. */
export function explainInvalidAction(value: string): string {
  const check = checkAction(value)
  if ('problem' in check) return check.problem
  return `\`${value}\` is not a valid action name: expected kms:NAME, such as kms:Decrypt`
}

function explainWildcard(value: string): string {
  const pattern = new RegExp(
    `^${value
      .replace(/[.+^${}()|[\]\\]/gu, '\\$&')
      .replaceAll('*', '.*')
      .replaceAll('?', '.')}$`,
    'iu'
  )
  const matches = kmsActionNames().filter(
    (name) => pattern.test(name) && kmsAction(name)?.scope === 'key'
  )
  const intro = `\`${value}\` is a wildcard, and expectations need exact actions`

  if (matches.length === 0) return `${intro}; it matches no key-scoped KMS action`
  if (matches.length > MAX_LISTED_ACTIONS) {
    return `${intro}; list the actions to check, such as kms:Decrypt (it matches ${matches.length} actions)`
  }
  return `${intro}; list them instead: ${matches.join(', ')}`
}
