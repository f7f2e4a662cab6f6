/**
 * Live reads of the IAM roles and users the expectations name. iam:GetRole or iam:GetUser
 * is called only for an assumed-role session, whose ARN lacks the role path, and when a
 * key policy tests principal tags or names unique IDs. Otherwise the facts come from the
 * ARN and the tags stay unknown.
 */
import { GetRoleCommand, GetUserCommand, type Tag } from '@aws-sdk/client-iam'
import type { FactGap, RoleFact, UserFact } from '../../engine/model.js'
import { type CallContext, callAws } from './aws-call.js'
import type { AccountAccess, LiveClients } from './clients.js'
import { accountGap, iamGap } from './gap-reasons.js'
import type { SimulatedPrincipal } from './references.js'

/** An IAM entity to read, with the principals as the manifest writes them. */
export interface PrincipalRequest {
  entity: SimulatedPrincipal
  /** Principal strings of the expectations that name this entity. */
  written: string[]
  /** True when a key policy of these expectations tests principal tags or unique IDs. */
  needsDetails: boolean
}

/** An entity whose ARN with path is known, ready to simulate. */
export interface ReadPrincipal {
  arn: string
  fact: RoleFact | UserFact
  access: AccountAccess
  written: string[]
}

/** Reads one entity; returns undefined (with gaps pushed) when it cannot be simulated. */
export async function readPrincipal(
  request: PrincipalRequest,
  clients: LiveClients,
  context: CallContext,
  gaps: FactGap[]
): Promise<ReadPrincipal | undefined> {
  const { entity, written } = request
  const pushGaps = (gap: FactGap) => {
    for (const subject of written) gaps.push({ ...gap, subject })
  }
  const access = await clients.forAccount(entity.accountId)
  if ('reason' in access) {
    pushGaps(accountGap('principal', written[0], access.reason))
    return undefined
  }

  const plainArn = `arn:${entity.partition}:iam::${entity.accountId}:${entity.kind}/${entity.name}`
  const fact = factFromArn(entity, entity.arn ?? plainArn)
  if (!entity.viaSession && !request.needsDetails) return { arn: fact.arn, fact, access, written }

  const details = await getEntity(entity, access, context)
  if (!details.ok) {
    pushGaps(
      iamGap('principal', entity.arn ?? plainArn, details.failure, access.gateArn, access.accountId)
    )
    // Without the role's path the simulator cannot be given the session's role. A
    // directly named role or user is still simulated, with its tags unknown.
    if (entity.viaSession || details.failure.code === 'NoSuchEntity') return undefined
    return { arn: fact.arn, fact, access, written }
  }

  const { Arn, Path, Tags } = details.value
  const detailed: RoleFact | UserFact = {
    ...fact,
    arn: Arn ?? fact.arn,
    path: Path ?? fact.path,
    tags: tagMap(Tags),
    ...(details.value.id && { id: details.value.id })
  }
  delete detailed.tagsUnknown
  return { arn: detailed.arn, fact: detailed, access, written }
}

function factFromArn(entity: SimulatedPrincipal, arn: string): RoleFact | UserFact {
  const base = {
    arn,
    name: entity.name,
    path: entity.path ?? '/',
    accountId: entity.accountId,
    policies: [],
    missingPolicies: [],
    tags: {},
    tagsUnknown: true,
    identitySource: 'simulator' as const
  }
  return entity.kind === 'role' ? { kind: 'role', ...base } : { kind: 'user', groups: [], ...base }
}

interface EntityDetails {
  Arn?: string
  Path?: string
  Tags?: Tag[]
  id?: string
  $metadata?: { attempts?: number }
}

async function getEntity(entity: SimulatedPrincipal, access: AccountAccess, context: CallContext) {
  if (entity.kind === 'role') {
    return callAws(context, 'iam:GetRole', async (abortSignal): Promise<EntityDetails> => {
      const output = await access.iam.send(new GetRoleCommand({ RoleName: entity.name }), {
        abortSignal
      })
      return { ...output.Role, id: output.Role?.RoleId, $metadata: output.$metadata }
    })
  }
  return callAws(context, 'iam:GetUser', async (abortSignal): Promise<EntityDetails> => {
    const output = await access.iam.send(new GetUserCommand({ UserName: entity.name }), {
      abortSignal
    })
    return { ...output.User, id: output.User?.UserId, $metadata: output.$metadata }
  })
}

function tagMap(tags: Tag[] | undefined): Record<string, string> {
  return Object.fromEntries((tags ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? '']))
}
