/**
 * A Mermaid flowchart of the locks one request passes: the principal, each lock in
 * evaluation order marked passed, closed, unknown or not needed, then the key. Across
 * accounts, each account's locks sit in a subgraph titled with the account ID.
 */
import type { ExpectationResult } from '../check/results.js'
import type { Lock, LockCheck, LockStatus } from '../engine/decision.js'
import { shorten } from './format.js'

/** The order in which the diagram draws the locks: the principal's side, then the key's. */
export const DIAGRAM_LOCK_ORDER: readonly Lock[] = [
  'scp',
  'permissions-boundary',
  'session-policy',
  'iam',
  'vpce',
  'rcp',
  'key-policy',
  'grant',
  'key-state',
  'key-usage',
  'key-not-found',
  'explicit-deny'
]

/** Locks that sit in the principal's account when the evidence names no account. */
const PRINCIPAL_SIDE: ReadonlySet<Lock> = new Set([
  'scp',
  'permissions-boundary',
  'session-policy',
  'iam',
  'vpce'
])

const LOCK_LABELS: Record<Lock, string> = {
  scp: 'SCP',
  'permissions-boundary': 'permissions boundary',
  'session-policy': 'session policy',
  iam: 'IAM policy',
  vpce: 'VPC endpoint policy',
  rcp: 'RCP',
  'key-policy': 'key policy',
  grant: 'grant',
  'key-state': 'key state',
  'key-usage': 'key usage',
  'key-not-found': 'key exists',
  'explicit-deny': 'no explicit deny'
}

/** A text mark and word for each state, so the diagram reads without colour. */
const STATUS_MARKS: Record<LockStatus, { mark: string; word: string; className: string }> = {
  open: { mark: '✅', word: 'passed', className: 'passed' },
  closed: { mark: '❌', word: 'closed', className: 'closed' },
  unknown: { mark: '❔', word: 'unknown', className: 'unknown' },
  'not-applicable': { mark: '➖', word: 'not needed', className: 'notNeeded' }
}

const CLASS_DEFINITIONS = [
  'classDef passed fill:#e6f4ea,stroke:#1e7e34,color:#0b3d1a',
  'classDef closed fill:#fdecea,stroke:#c62828,color:#5f1111,stroke-width:2px',
  'classDef unknown fill:#fff4e5,stroke:#b26a00,color:#4d2e00,stroke-dasharray:4 3',
  'classDef notNeeded fill:#f1f3f4,stroke:#9aa0a6,color:#3c4043',
  'classDef endpoint fill:#ffffff,stroke:#5f6368,color:#202124'
]

/** Maximum length of a name taken from the data, so ARNs do not stretch the diagram. */
const MAX_LABEL_LENGTH = 48

interface DiagramNode {
  id: string
  label: string
  className: string
  /** The account subgraph the node belongs to; undefined outside any subgraph. */
  accountId?: string
}

/**
 * Draws the locks of one result as a Mermaid `flowchart LR`. Node IDs are fixed names, and
 * every label from the data goes through `escapeMermaidLabel`, so no ARN, Sid or account
 * ID can end a label or add a statement. The lock states come from the evidence unchanged;
 * locks the evidence does not list are not drawn.
 */
export function lockDiagram(result: ExpectationResult): string {
  const evidence = result.evidence
  const principalAccount = evidence.principal.accountId
  const keyAccount = evidence.key.accountId
  const grouped =
    evidence.crossAccount && principalAccount !== undefined && keyAccount !== undefined

  const principal: DiagramNode = {
    id: 'principal',
    label: shortName(evidence.principal.input, result.principal),
    className: 'endpoint',
    ...(grouped ? { accountId: principalAccount } : {})
  }
  const key: DiagramNode = {
    id: 'key',
    label: shortName(evidence.key.input, result.key),
    className: 'endpoint',
    ...(grouped ? { accountId: keyAccount } : {})
  }
  const locks = orderedChecks(evidence.locks).map((check) =>
    lockNode(
      check,
      grouped
        ? (check.accountId ?? sideAccount(check.lock, principalAccount, keyAccount))
        : undefined
    )
  )
  const nodes = [principal, ...locks, key]

  return [
    'flowchart LR',
    ...declareNodes(nodes),
    ...connect(nodes, evidence.locks),
    ...CLASS_DEFINITIONS.map((line) => `  ${line}`),
    ...assignClasses(nodes)
  ].join('\n')
}

function orderedChecks(checks: readonly LockCheck[]): LockCheck[] {
  return DIAGRAM_LOCK_ORDER.flatMap((lock) =>
    checks.filter((check) => check.lock === lock).slice(0, 1)
  )
}

function sideAccount(
  lock: Lock,
  principalAccount?: string,
  keyAccount?: string
): string | undefined {
  // An explicit deny can come from a policy in either account, so it stays outside both.
  if (lock === 'explicit-deny') return undefined
  return PRINCIPAL_SIDE.has(lock) ? principalAccount : keyAccount
}

function lockNode(check: LockCheck, accountId: string | undefined): DiagramNode {
  const status = STATUS_MARKS[check.status]
  return {
    id: `lock_${check.lock.replace(/-/g, '_')}`,
    label: `${status.mark} ${LOCK_LABELS[check.lock]}: ${status.word}`,
    className: status.className,
    ...(accountId !== undefined && check.lock !== 'explicit-deny' ? { accountId } : {})
  }
}

/** Names a principal or key briefly: the resource part of an ARN (`role/App`), or the input. */
function shortName(input: string, arn: string): string {
  const source = arn.startsWith('arn:') ? arn : input
  const resource = source.startsWith('arn:') ? source.split(':').slice(5).join(':') : source
  return shorten(resource || source, MAX_LABEL_LENGTH)
}

function declareNodes(nodes: readonly DiagramNode[]): string[] {
  const lines: string[] = []
  const accounts = [...new Set(nodes.flatMap((node) => (node.accountId ? [node.accountId] : [])))]
  for (const node of nodes.filter((candidate) => candidate.accountId === undefined)) {
    lines.push(`  ${nodeDeclaration(node)}`)
  }
  accounts.forEach((accountId, position) => {
    lines.push(
      `  subgraph account_${position + 1} ["${escapeMermaidLabel(`account ${accountId}`)}"]`
    )
    for (const node of nodes.filter((candidate) => candidate.accountId === accountId)) {
      lines.push(`    ${nodeDeclaration(node)}`)
    }
    lines.push('  end')
  })
  return lines
}

function nodeDeclaration(node: DiagramNode): string {
  return `${node.id}["${escapeMermaidLabel(node.label)}"]`
}

/** Chains the nodes in order; the edge out of a closed lock is drawn cut (`--x`). */
function connect(nodes: readonly DiagramNode[], checks: readonly LockCheck[]): string[] {
  const closed = new Set(
    checks
      .filter((check) => check.status === 'closed')
      .map((check) => `lock_${check.lock.replace(/-/g, '_')}`)
  )
  return nodes.slice(1).map((node, position) => {
    const from = nodes[position]?.id ?? 'principal'
    return `  ${from} ${closed.has(from) ? '--x' : '-->'} ${node.id}`
  })
}

function assignClasses(nodes: readonly DiagramNode[]): string[] {
  const byClass = new Map<string, string[]>()
  for (const node of nodes)
    byClass.set(node.className, [...(byClass.get(node.className) ?? []), node.id])
  return [...byClass.entries()].map(([className, ids]) => `  class ${ids.join(',')} ${className}`)
}

/** Characters that Mermaid's flowchart syntax, its directives or its HTML labels can read. */
const MERMAID_SPECIAL = /["#<>`[\](){}|;%&\\]/g

/** Line breaks, control characters and bidirectional controls. */
const UNPRINTABLE = /[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f]/gu

/**
 * Escapes text for a quoted Mermaid label (`id["…"]`). Characters with a meaning in Mermaid
 * become its entity codes (`#quot;`, `#35;` …), which Mermaid shows as the characters
 * themselves. Line breaks and control characters become spaces. Because `#` is encoded too,
 * the text cannot spell an entity code of its own.
 */
export function escapeMermaidLabel(text: string): string {
  return text
    .replace(UNPRINTABLE, ' ')
    .replace(MERMAID_SPECIAL, (character) =>
      character === '"' ? '#quot;' : `#${character.charCodeAt(0)};`
    )
}

/** Returns the lock diagram of a failing result as a fenced Mermaid block; undefined otherwise. */
export function lockDiagramBlock(result: ExpectationResult): string | undefined {
  if (result.status !== 'fail') return undefined
  return ['```mermaid', lockDiagram(result), '```'].join('\n')
}
