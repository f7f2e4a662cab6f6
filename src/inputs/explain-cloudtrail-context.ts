/**
 * The request context that a CloudTrail event for a KMS call shows: condition keys whose
 * values the event records directly. Keys that AWS derives from the principal or the key
 * (kms:CallerAccount, kms:EncryptionContextKeys, kms:RequestAlias and the like) are left out,
 * because an expectation's `context` cannot set them.
 */
import { isIP } from 'node:net'
import type { RequestContext } from './settings.js'

type JsonObject = Record<string, unknown>

/** Condition keys read from one `requestParameters` member. Their names follow the KMS API parameters. */
const PARAMETER_KEYS: [parameter: string, conditionKey: string][] = [
  ['encryptionAlgorithm', 'kms:EncryptionAlgorithm'],
  ['signingAlgorithm', 'kms:SigningAlgorithm'],
  ['messageType', 'kms:MessageType'],
  ['macAlgorithm', 'kms:MacAlgorithm'],
  ['keyPairSpec', 'kms:DataKeyPairSpec'],
  ['keyAgreementAlgorithm', 'kms:KeyAgreementAlgorithm'],
  ['operations', 'kms:GrantOperations'],
  ['granteePrincipal', 'kms:GranteePrincipal'],
  ['retiringPrincipal', 'kms:RetiringPrincipal'],
  ['pendingWindowInDays', 'kms:ScheduleKeyDeletionPendingWindowInDays'],
  ['rotationPeriodInDays', 'kms:RotationPeriodInDays'],
  ['bypassPolicyLockoutSafetyCheck', 'kms:BypassPolicyLockoutSafetyCheck'],
  ['replicaRegion', 'kms:ReplicaRegion'],
  ['primaryRegion', 'kms:PrimaryRegion']
]

/** Grant constraint members and the kms:GrantConstraintType value each stands for. */
const GRANT_CONSTRAINTS: [member: string, constraintType: string][] = [
  ['encryptionContextSubset', 'EncryptionContextSubset'],
  ['encryptionContextEquals', 'EncryptionContextEquals']
]

/** A host such as `s3.amazonaws.com`, which CloudTrail records when a service called KMS for the caller. */
const SERVICE_HOST = /^([a-z0-9-]+)\.(amazonaws\.com(?:\.cn)?)$/u

/** Builds the condition keys that `event` shows for a request for `action`. */
export function contextFromEvent(event: JsonObject, action: string): RequestContext {
  const context: RequestContext = {}
  const parameters = asObject(event.requestParameters)

  if (parameters) {
    // NOTE: ReEncrypt records sourceEncryptionContext and destinationEncryptionContext, which
    // are not mapped to kms:EncryptionContext:* here, so a ReEncrypt context is incomplete.
    if (action !== 'kms:ReEncryptFrom' && action !== 'kms:ReEncryptTo') {
      addEncryptionContext(context, asObject(parameters.encryptionContext))
    }
    for (const [parameter, conditionKey] of PARAMETER_KEYS) {
      const value = contextValue(parameters[parameter])
      if (value !== undefined) context[conditionKey] = value
    }
    addGrantConstraint(context, asObject(parameters.constraints))
  }

  const sourceIp = event.sourceIPAddress
  if (typeof sourceIp === 'string' && isIP(sourceIp) !== 0) context['aws:SourceIp'] = sourceIp
  if (typeof event.vpcEndpointId === 'string' && event.vpcEndpointId !== '') {
    context['aws:SourceVpce'] = event.vpcEndpointId
  }

  const viaService = viaServiceOf(event)
  if (viaService) context['kms:ViaService'] = viaService
  return context
}

function addEncryptionContext(context: RequestContext, encryptionContext?: JsonObject): void {
  if (!encryptionContext) return
  for (const [name, value] of Object.entries(encryptionContext)) {
    if (typeof value === 'string') context[`kms:EncryptionContext:${name}`] = value
  }
}

function addGrantConstraint(context: RequestContext, constraints?: JsonObject): void {
  if (!constraints) return
  const types = GRANT_CONSTRAINTS.filter(([member]) => asObject(constraints[member])).map(
    ([, constraintType]) => constraintType
  )
  if (types.length === 1) context['kms:GrantConstraintType'] = types[0]
  else if (types.length > 1) context['kms:GrantConstraintType'] = types
}

/**
 * Returns `SERVICE.REGION.amazonaws.com` when an AWS service made the call for the caller:
 * CloudTrail then records the service host in `userIdentity.invokedBy`, `sourceIPAddress`
 * or `userAgent`. A service calling with its own identity (`AWSService`) is not such a
 * call, so kms:ViaService does not apply to it.
 */
function viaServiceOf(event: JsonObject): string | undefined {
  const identity = asObject(event.userIdentity)
  if (identity?.type === 'AWSService') return undefined
  const region = event.awsRegion
  if (typeof region !== 'string' || region === '') return undefined

  for (const candidate of [identity?.invokedBy, event.sourceIPAddress, event.userAgent]) {
    const host = typeof candidate === 'string' ? SERVICE_HOST.exec(candidate) : null
    // NOTE: this assumes the service's kms:ViaService name equals the first label of the host
    // that CloudTrail records, which holds for services such as s3, secretsmanager and ssm.
    if (host) return `${host[1]}.${region}.${host[2]}`
  }
  return undefined
}

function contextValue(value: unknown): string | string[] | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === 'string')) {
    return value as string[]
  }
  return undefined
}

function asObject(value: unknown): JsonObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as JsonObject)
    : undefined
}
