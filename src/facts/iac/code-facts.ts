/** Types shared by the template and plan readers and the overlay that lays them over other facts. */
import type {
  KeyFact,
  PolicyAttachment,
  RoleFact,
  UnresolvedValue,
  UserFact
} from '../../engine/model.js'
import type { FactWarning } from '../fact-types.js'

/** Values the manifest supplies for what templates and plans leave to deployment. */
export interface IacContext {
  accountId?: string
  region?: string
  partition: string
  stackName?: string
  parameters: Record<string, string | string[]>
  imports: Record<string, string>
}

/** The facts one template or plan defines. */
export interface CodeFacts {
  /**
   * Keys the code defines, keys a plan destroys (in state `PendingDeletion`), and keys outside
   * it whose policy, aliases or grants it sets (with only those parts).
   */
  keys: KeyFact[]
  roles: RoleFact[]
  users: UserFact[]
  groups: string[]
  /**
   * Policies the code attaches to or removes from roles, users and groups it does not define,
   * removals first, so they are applied in order.
   */
  attachments: PolicyAttachment[]
  unresolved: UnresolvedValue[]
  /** Problems that do not stop the check; policy warnings stay on each policy. */
  warnings: FactWarning[]
}

/**
 * Builds the key policy KMS gives a key created without one: the account's root may use the
 * key, so IAM policies decide (KMS Developer Guide, "Default key policy").
 */
export function defaultKeyPolicy(partition: string, accountId: string) {
  return {
    Version: '2012-10-17',
    Id: 'key-default-1',
    Statement: [
      {
        Sid: 'Enable IAM User Permissions',
        Effect: 'Allow',
        Principal: { AWS: `arn:${partition}:iam::${accountId}:root` },
        Action: 'kms:*',
        Resource: '*'
      }
    ]
  }
}
