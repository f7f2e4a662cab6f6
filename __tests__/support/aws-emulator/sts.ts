/** The STS operations (awsQuery). */
import { randomBytes } from 'node:crypto'
import {
  accessDeniedMessage,
  type CallContext,
  type Caller,
  type Handler,
  numberParam,
  stringParam
} from './context.js'
import { type WireResponse, xmlError, xmlResponse } from './protocol.js'
import { findEntity } from './world.js'

/** STS handlers by operation name. */
export const STS_HANDLERS: Record<string, Handler> = {
  GetCallerIdentity: getCallerIdentity,
  AssumeRole: assumeRole
}

function getCallerIdentity(context: CallContext): WireResponse {
  const { caller } = context
  return xmlResponse('sts', 'GetCallerIdentity', {
    UserId: caller.userId,
    Account: caller.accountId,
    Arn: caller.arn
  })
}

/**
 * Returns credentials for a role in the facts and remembers their access key ID, so that
 * later requests signed with it act as the role session. Trust policies are not checked.
 */
function assumeRole(context: CallContext): WireResponse {
  const roleArn = stringParam(context.params, 'RoleArn') ?? ''
  const sessionName = stringParam(context.params, 'RoleSessionName') ?? ''
  if (!/^[\w+=,.@-]{2,64}$/.test(sessionName)) {
    return xmlError(
      'sts',
      400,
      'ValidationError',
      `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`
    )
  }
  const role = findEntity(context.world, roleArn)
  if (role?.kind !== 'role') {
    return xmlError(
      'sts',
      403,
      'AccessDenied',
      accessDeniedMessage(context.caller.arn, 'sts:AssumeRole', roleArn)
    )
  }
  const accountId = roleArn.split(':')[4]
  const roleName = String(role.entry.RoleName ?? roleArn.split('/').pop())
  const roleId = String(role.entry.RoleId ?? `AROA${randomId(17)}`)
  const accessKeyId = `ASIA${randomId(16)}`
  const session: Caller = {
    // The session ARN names the role without its path.
    arn: `arn:aws:sts::${accountId}:assumed-role/${roleName}/${sessionName}`,
    accountId,
    userId: `${roleId}:${sessionName}`,
    roleArn
  }
  context.sessions.set(accessKeyId, session)

  const duration = numberParam(context.params, 'DurationSeconds') ?? 3600
  return xmlResponse('sts', 'AssumeRole', {
    Credentials: {
      AccessKeyId: accessKeyId,
      SecretAccessKey: randomBytes(30).toString('base64'),
      SessionToken: randomBytes(60).toString('base64'),
      Expiration: new Date(Date.now() + duration * 1000).toISOString()
    },
    AssumedRoleUser: { AssumedRoleId: session.userId, Arn: session.arn }
  })
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'

function randomId(length: number): string {
  return [...randomBytes(length)].map((byte) => ID_ALPHABET[byte % ID_ALPHABET.length]).join('')
}
