/**
 * The KMS requests with `DryRun: true` that reproduce one expectation: its action on its
 * key, with the expectation's encryption context and operation parameters. Operations and
 * parameters follow the KMS API Reference and the `@aws-sdk/client-kms` 3.1178 models, in
 * which these operations take `DryRun`: CreateGrant, Decrypt, DeriveSharedSecret, Encrypt,
 * GenerateDataKey, GenerateDataKeyPair, GenerateDataKeyPairWithoutPlaintext,
 * GenerateDataKeyWithoutPlaintext, GenerateMac, ReEncrypt, RetireGrant, RevokeGrant, Sign,
 * Verify, VerifyMac, Encapsulate and Decapsulate.
 */
import { generateKeyPairSync } from 'node:crypto'
import {
  CreateGrantCommand,
  type DataKeyPairSpec,
  DecryptCommand,
  DeriveSharedSecretCommand,
  EncryptCommand,
  type EncryptionAlgorithmSpec,
  GenerateDataKeyCommand,
  GenerateDataKeyPairCommand,
  GenerateDataKeyPairWithoutPlaintextCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  GenerateMacCommand,
  type GrantOperation,
  type KMSClient,
  type MacAlgorithmSpec,
  type MessageType,
  ReEncryptCommand,
  SignCommand,
  type SigningAlgorithmSpec,
  VerifyCommand,
  VerifyMacCommand
} from '@aws-sdk/client-kms'
import type { RequestContext } from '../../inputs/settings.js'

/** One DryRun request, ready to send with the principal's KMS client. */
export interface DryRunRequest {
  /** The KMS API operation, such as `kms:Decrypt`, under which the call is counted. */
  operation: string
  /** Sends the request; `abortSignal` ends the call at the run's call deadline. */
  send(client: KMSClient, abortSignal: AbortSignal): Promise<{ $metadata?: { attempts?: number } }>
  /**
   * Set when an AccessDeniedException does not show which permission is missing, because
   * the request needs a second permission on the same key besides the expectation's action.
   */
  ambiguousDenial?: string
}

/** The parts of an expectation that a DryRun request is built from. */
export interface DryRunInput {
  action: string
  /** The key ARN. The request goes to its Region. */
  keyArn: string
  region: string
  context: RequestContext
  /** `KeyMetadata.KeySpec`, which chooses the algorithms of asymmetric and HMAC keys. */
  keySpec?: string
}

/** Stand-in bytes: KMS checks authorization of a dry run, and these values are never used. */
const DUMMY_BYTES = new Uint8Array(32).fill(1)
const IGNORE_CIPHERTEXT = ['IGNORE_CIPHERTEXT' as const]

/** The request's encryption context, and its parameter values by condition key. */
interface RequestValues {
  encryptionContext?: Record<string, string>
  parameters: Map<string, string[]>
}

/** The plan for one action: the condition keys its request carries and the request builder. */
interface OperationPlan {
  /** The IAM action the request confirms, such as `kms:ReEncryptFrom`. */
  action: string
  /** The API operation the request calls, such as `kms:ReEncrypt`. */
  operation: string
  /** Condition keys (lower case) whose values the request sends as parameters. */
  parameterKeys: string[]
  /** Condition keys (lower case) that the request always carries, with their values. */
  fixed?: Record<string, string>
  takesEncryptionContext: boolean
  build(input: DryRunInput, values: RequestValues): DryRunRequest | { reason: string }
}

/**
 * Builds the DryRun request for the input's action, or returns why KMS cannot confirm it.
 * That is the case when the action takes no DryRun, when the expectation's context sets
 * condition keys that a request signed by the gate's session cannot carry, or when a
 * parameter the request needs is unknown.
 */
export function buildDryRunRequest(input: DryRunInput): DryRunRequest | { reason: string } {
  const name = input.action.replace(/^kms:/i, '').toLowerCase()
  const plan = PLANS.get(name)
  if (!plan) return { reason: unsupportedReason(input.action, name) }

  const values = requestValues(input, plan)
  if ('reason' in values) return values
  return plan.build(input, values)
}

/**
 * Condition keys whose value the gate's request has anyway, with that value: the request
 * goes to the key's Region over TLS, straight from the role session.
 */
function fixedValues(input: DryRunInput, plan: OperationPlan): Record<string, string> {
  return {
    'aws:requestedregion': input.region,
    'aws:securetransport': 'true',
    'aws:viaawsservice': 'false',
    'aws:principalisawsservice': 'false',
    ...plan.fixed
  }
}

const ENCRYPTION_CONTEXT_PREFIX = 'kms:encryptioncontext:'

/**
 * Sorts the expectation's context into the request's encryption context and parameters.
 * Any other key means the request KMS evaluates would differ from the expectation's.
 */
function requestValues(
  input: DryRunInput,
  plan: OperationPlan
): RequestValues | { reason: string } {
  const fixed = fixedValues(input, plan)
  const encryptionContext: Record<string, string> = {}
  const parameters = new Map<string, string[]>()
  const uncarried: string[] = []
  let contextKeys: string[] | undefined

  for (const [key, value] of Object.entries(input.context)) {
    const values = Array.isArray(value) ? value : [value]
    const lower = key.toLowerCase()
    if (plan.takesEncryptionContext && lower.startsWith(ENCRYPTION_CONTEXT_PREFIX)) {
      if (values.length === 1)
        encryptionContext[key.slice(ENCRYPTION_CONTEXT_PREFIX.length)] = values[0]
      else uncarried.push(key)
    } else if (plan.takesEncryptionContext && lower === 'kms:encryptioncontextkeys') {
      contextKeys = values
    } else if (plan.parameterKeys.includes(lower)) {
      parameters.set(lower, values)
    } else if (
      !(
        lower in fixed &&
        values.length === 1 &&
        values[0].toLowerCase() === fixed[lower].toLowerCase()
      )
    ) {
      uncarried.push(key)
    }
  }
  // KMS derives kms:EncryptionContextKeys from the encryption context it receives.
  if (contextKeys && !sameSet(contextKeys, Object.keys(encryptionContext))) {
    uncarried.push('kms:EncryptionContextKeys')
  }
  if (uncarried.length > 0) {
    return {
      reason: `the expectation's context sets ${uncarried.join(', ')}, which a ${plan.operation} request the gate sends as the role cannot carry with those values, so KMS would evaluate a different request`
    }
  }
  const hasContext = Object.keys(encryptionContext).length > 0
  return { ...(hasContext && { encryptionContext }), parameters }
}

function sameSet(left: string[], right: string[]): boolean {
  const sorted = (values: string[]) => [...new Set(values)].sort().join('\u0000')
  return sorted(left) === sorted(right)
}

/** Returns the single value of a parameter key, or undefined when the context does not set it. */
function single(values: RequestValues, key: string): string | undefined | { reason: string } {
  const fromContext = values.parameters.get(key)
  if (!fromContext) return undefined
  if (fromContext.length !== 1) {
    return {
      reason: `the expectation's context gives ${fromContext.length} values for ${key}, but a request carries one`
    }
  }
  return fromContext[0]
}

function unsupportedReason(action: string, name: string): string {
  if (name === 'retiregrant' || name === 'revokegrant') {
    return `KMS DryRun of ${action} needs the ID of an existing grant, which an expectation does not name`
  }
  if (name === 'encapsulate' || name === 'decapsulate') {
    // TODO: build Encapsulate requests. Decapsulate needs a real ciphertext, because
    // IGNORE_CIPHERTEXT applies only to Decrypt and ReEncrypt.
    return `the gate does not send KMS DryRun requests for ${action}`
  }
  return `KMS DryRun does not support ${action}`
}

const ENCRYPTION_ALGORITHM = 'kms:encryptionalgorithm'

/** Returns the expectation's encryption algorithm, else one the key spec supports, else undefined for SYMMETRIC_DEFAULT. */
function encryptionAlgorithm(
  input: DryRunInput,
  values: RequestValues
): EncryptionAlgorithmSpec | undefined | { reason: string } {
  const fromContext = single(values, ENCRYPTION_ALGORITHM)
  if (fromContext !== undefined) return fromContext as EncryptionAlgorithmSpec | { reason: string }
  const spec = input.keySpec ?? ''
  if (spec.startsWith('RSA_')) return 'RSAES_OAEP_SHA_256'
  if (spec === 'SM2') return 'SM2PKE'
  // NOTE: without the key spec the request uses SYMMETRIC_DEFAULT. KMS rejects that for
  // an asymmetric key, and the error leaves the result not checked.
  return undefined
}

const SIGNING_ALGORITHMS: Record<string, SigningAlgorithmSpec> = {
  RSA_2048: 'RSASSA_PSS_SHA_256',
  RSA_3072: 'RSASSA_PSS_SHA_256',
  RSA_4096: 'RSASSA_PSS_SHA_256',
  ECC_NIST_P256: 'ECDSA_SHA_256',
  ECC_NIST_P384: 'ECDSA_SHA_384',
  ECC_NIST_P521: 'ECDSA_SHA_512',
  ECC_SECG_P256K1: 'ECDSA_SHA_256',
  ECC_NIST_EDWARDS25519: 'ED25519_SHA_512',
  SM2: 'SM2DSA',
  ML_DSA_44: 'ML_DSA_SHAKE_256',
  ML_DSA_65: 'ML_DSA_SHAKE_256',
  ML_DSA_87: 'ML_DSA_SHAKE_256'
}

const MAC_ALGORITHMS: Record<string, MacAlgorithmSpec> = {
  HMAC_224: 'HMAC_SHA_224',
  HMAC_256: 'HMAC_SHA_256',
  HMAC_384: 'HMAC_SHA_384',
  HMAC_512: 'HMAC_SHA_512'
}

/** Node's names of the curves of the ECC key specs that DeriveSharedSecret accepts. */
const KEY_AGREEMENT_CURVES: Record<string, string> = {
  ECC_NIST_P256: 'prime256v1',
  ECC_NIST_P384: 'secp384r1',
  ECC_NIST_P521: 'secp521r1',
  ECC_SECG_P256K1: 'secp256k1'
}

/** Returns the expectation's algorithm, else the one the key spec takes, else why neither is known. */
function algorithmFor<T extends string>(
  input: DryRunInput,
  values: RequestValues,
  key: string,
  byKeySpec: Record<string, T>
): T | { reason: string } {
  const fromContext = single(values, key)
  if (fromContext !== undefined) return fromContext as T | { reason: string }
  const chosen = input.keySpec ? byKeySpec[input.keySpec] : undefined
  if (chosen) return chosen
  const spec = input.keySpec ? `key spec ${input.keySpec}` : 'an unknown key spec'
  return {
    reason: `the request needs a ${key} value, which the expectation's context does not give and ${spec} does not determine`
  }
}

/** Returns the message to sign or verify: a digest of the algorithm's length for `DIGEST`, else 32 bytes. */
function messageBytes(algorithm: string, messageType: string | undefined): Uint8Array {
  if (messageType === 'EXTERNAL_MU') return new Uint8Array(64).fill(1)
  if (messageType !== 'DIGEST') return DUMMY_BYTES
  const bits = /SHA_(\d+)$/.exec(algorithm)?.[1]
  return new Uint8Array(bits ? Number(bits) / 8 : 64).fill(1)
}

const dryRun = (operation: string, send: DryRunRequest['send'], ambiguousDenial?: string) => ({
  operation,
  send,
  ...(ambiguousDenial && { ambiguousDenial })
})

function isReason(value: unknown): value is { reason: string } {
  return typeof value === 'object' && value !== null && 'reason' in value
}

const symmetricPlan = (
  action: string,
  operation: string,
  build: OperationPlan['build'],
  fixed?: Record<string, string>
): OperationPlan => ({
  action,
  operation,
  parameterKeys: [ENCRYPTION_ALGORITHM],
  ...(fixed && { fixed }),
  takesEncryptionContext: true,
  build
})

const PLAN_LIST: OperationPlan[] = [
  symmetricPlan('kms:Decrypt', 'kms:Decrypt', (input, values) => {
    const algorithm = encryptionAlgorithm(input, values)
    if (isReason(algorithm)) return algorithm
    return dryRun('kms:Decrypt', (client, abortSignal) =>
      client.send(
        new DecryptCommand({
          KeyId: input.keyArn,
          CiphertextBlob: DUMMY_BYTES,
          DryRun: true,
          DryRunModifiers: IGNORE_CIPHERTEXT,
          ...(algorithm && { EncryptionAlgorithm: algorithm }),
          ...(values.encryptionContext && { EncryptionContext: values.encryptionContext })
        }),
        { abortSignal }
      )
    )
  }),
  symmetricPlan('kms:Encrypt', 'kms:Encrypt', (input, values) => {
    const algorithm = encryptionAlgorithm(input, values)
    if (isReason(algorithm)) return algorithm
    return dryRun('kms:Encrypt', (client, abortSignal) =>
      client.send(
        new EncryptCommand({
          KeyId: input.keyArn,
          Plaintext: DUMMY_BYTES,
          DryRun: true,
          ...(algorithm && { EncryptionAlgorithm: algorithm }),
          ...(values.encryptionContext && { EncryptionContext: values.encryptionContext })
        }),
        { abortSignal }
      )
    )
  }),
  ...(['kms:ReEncryptFrom', 'kms:ReEncryptTo'] as const).map((action) =>
    symmetricPlan(
      action,
      'kms:ReEncrypt',
      (input, values) => {
        const algorithm = encryptionAlgorithm(input, values)
        if (isReason(algorithm)) return algorithm
        const other = action === 'kms:ReEncryptFrom' ? 'kms:ReEncryptTo' : 'kms:ReEncryptFrom'
        // One ReEncrypt request needs kms:ReEncryptFrom on the source key and
        // kms:ReEncryptTo on the destination key, and both are this key here.
        return dryRun(
          'kms:ReEncrypt',
          (client, abortSignal) =>
            client.send(
              new ReEncryptCommand({
                SourceKeyId: input.keyArn,
                DestinationKeyId: input.keyArn,
                CiphertextBlob: DUMMY_BYTES,
                DryRun: true,
                DryRunModifiers: IGNORE_CIPHERTEXT,
                ...(algorithm && {
                  SourceEncryptionAlgorithm: algorithm,
                  DestinationEncryptionAlgorithm: algorithm
                }),
                ...(values.encryptionContext && {
                  SourceEncryptionContext: values.encryptionContext,
                  DestinationEncryptionContext: values.encryptionContext
                })
              }),
              { abortSignal }
            ),
          `a ReEncrypt dry run also needs ${other} on the same key, so a denial does not show which of the two is missing`
        )
      },
      { 'kms:reencryptonsamekey': 'true' }
    )
  ),
  ...(['GenerateDataKey', 'GenerateDataKeyWithoutPlaintext'] as const).map((name) => ({
    action: `kms:${name}`,
    operation: `kms:${name}`,
    parameterKeys: [],
    takesEncryptionContext: true,
    build: (input: DryRunInput, values: RequestValues) => {
      const request = {
        KeyId: input.keyArn,
        KeySpec: 'AES_256' as const,
        DryRun: true,
        ...(values.encryptionContext && { EncryptionContext: values.encryptionContext })
      }
      return dryRun(`kms:${name}`, (client, abortSignal) =>
        name === 'GenerateDataKey'
          ? client.send(new GenerateDataKeyCommand(request), { abortSignal })
          : client.send(new GenerateDataKeyWithoutPlaintextCommand(request), { abortSignal })
      )
    }
  })),
  ...(['GenerateDataKeyPair', 'GenerateDataKeyPairWithoutPlaintext'] as const).map((name) => ({
    action: `kms:${name}`,
    operation: `kms:${name}`,
    parameterKeys: ['kms:datakeypairspec'],
    takesEncryptionContext: true,
    build: (input: DryRunInput, values: RequestValues) => {
      const fromContext = single(values, 'kms:datakeypairspec')
      if (isReason(fromContext)) return fromContext
      const request = {
        KeyId: input.keyArn,
        KeyPairSpec: (fromContext ?? 'ECC_NIST_P256') as DataKeyPairSpec,
        DryRun: true,
        ...(values.encryptionContext && { EncryptionContext: values.encryptionContext })
      }
      return dryRun(`kms:${name}`, (client, abortSignal) =>
        name === 'GenerateDataKeyPair'
          ? client.send(new GenerateDataKeyPairCommand(request), { abortSignal })
          : client.send(new GenerateDataKeyPairWithoutPlaintextCommand(request), { abortSignal })
      )
    }
  })),
  ...(['Sign', 'Verify'] as const).map((name) => ({
    action: `kms:${name}`,
    operation: `kms:${name}`,
    parameterKeys: ['kms:signingalgorithm', 'kms:messagetype'],
    takesEncryptionContext: false,
    build: (input: DryRunInput, values: RequestValues) => {
      const algorithm = algorithmFor(input, values, 'kms:signingalgorithm', SIGNING_ALGORITHMS)
      if (isReason(algorithm)) return algorithm
      const messageType = single(values, 'kms:messagetype')
      if (isReason(messageType)) return messageType
      const request = {
        KeyId: input.keyArn,
        Message: messageBytes(algorithm, messageType),
        SigningAlgorithm: algorithm,
        ...(messageType && { MessageType: messageType as MessageType }),
        DryRun: true
      }
      return dryRun(`kms:${name}`, (client, abortSignal) =>
        name === 'Sign'
          ? client.send(new SignCommand(request), { abortSignal })
          : client.send(new VerifyCommand({ ...request, Signature: DUMMY_BYTES }), { abortSignal })
      )
    }
  })),
  ...(['GenerateMac', 'VerifyMac'] as const).map((name) => ({
    action: `kms:${name}`,
    operation: `kms:${name}`,
    parameterKeys: ['kms:macalgorithm'],
    takesEncryptionContext: false,
    build: (input: DryRunInput, values: RequestValues) => {
      const algorithm = algorithmFor(input, values, 'kms:macalgorithm', MAC_ALGORITHMS)
      if (isReason(algorithm)) return algorithm
      const request = {
        KeyId: input.keyArn,
        Message: DUMMY_BYTES,
        MacAlgorithm: algorithm,
        DryRun: true
      }
      return dryRun(`kms:${name}`, (client, abortSignal) =>
        name === 'GenerateMac'
          ? client.send(new GenerateMacCommand(request), { abortSignal })
          : client.send(new VerifyMacCommand({ ...request, Mac: DUMMY_BYTES }), { abortSignal })
      )
    }
  })),
  {
    action: 'kms:DeriveSharedSecret',
    operation: 'kms:DeriveSharedSecret',
    parameterKeys: [],
    fixed: { 'kms:keyagreementalgorithm': 'ECDH' },
    takesEncryptionContext: false,
    build: (input) => {
      const curve = input.keySpec ? KEY_AGREEMENT_CURVES[input.keySpec] : undefined
      if (!curve) {
        const spec = input.keySpec ? `key spec ${input.keySpec}` : 'an unknown key spec'
        return {
          reason: `the request needs a public key on the key's curve, and the gate cannot make one for ${spec}`
        }
      }
      const publicKey = generateKeyPairSync('ec', { namedCurve: curve }).publicKey.export({
        type: 'spki',
        format: 'der'
      })
      return dryRun('kms:DeriveSharedSecret', (client, abortSignal) =>
        client.send(
          new DeriveSharedSecretCommand({
            KeyId: input.keyArn,
            KeyAgreementAlgorithm: 'ECDH',
            PublicKey: new Uint8Array(publicKey),
            DryRun: true
          }),
          { abortSignal }
        )
      )
    }
  },
  {
    action: 'kms:CreateGrant',
    operation: 'kms:CreateGrant',
    parameterKeys: ['kms:granteeprincipal', 'kms:grantoperations', 'kms:retiringprincipal'],
    takesEncryptionContext: false,
    build: (input, values) => {
      const grantee = single(values, 'kms:granteeprincipal')
      if (isReason(grantee)) return grantee
      const retiring = single(values, 'kms:retiringprincipal')
      if (isReason(retiring)) return retiring
      const operations = values.parameters.get('kms:grantoperations')
      if (!grantee || !operations) {
        return {
          reason:
            "a CreateGrant request needs the grantee and the grant operations; give kms:GranteePrincipal and kms:GrantOperations in the expectation's context"
        }
      }
      return dryRun('kms:CreateGrant', (client, abortSignal) =>
        client.send(
          new CreateGrantCommand({
            KeyId: input.keyArn,
            GranteePrincipal: grantee,
            Operations: operations as GrantOperation[],
            ...(retiring && { RetiringPrincipal: retiring }),
            DryRun: true
          }),
          { abortSignal }
        )
      )
    }
  }
]

/** Plans by lower-case action name without the `kms:` prefix. */
const PLANS = new Map<string, OperationPlan>(
  PLAN_LIST.map((plan) => [plan.action.replace(/^kms:/, '').toLowerCase(), plan])
)
