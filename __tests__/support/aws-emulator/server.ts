/** The HTTP server: routing by protocol, caller identification, faults and the request log. */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { CallContext, Caller, Handler, PageSizes } from './context.js'
import { type ActiveFault, activate, type Fault, faultResponse, takeFault } from './faults.js'
import { IAM_HANDLERS } from './iam.js'
import { KMS_HANDLERS } from './kms.js'
import {
  credentialScope,
  decodeQuery,
  jsonError,
  type Service,
  type WireResponse,
  xmlError
} from './protocol.js'
import { STS_HANDLERS } from './sts.js'
import { type EmulatorWorld, findEntity, loadWorld } from './world.js'

export type { Fault } from './faults.js'

export interface AwsEmulatorOptions {
  /** Fact files, directories or glob patterns, as `loadFacts` takes them. */
  factPaths: string[]
  /** Directory the fact paths are relative to; the process's working directory when absent. */
  cwd?: string
  /** Caller ARN by access key ID. */
  callers?: Record<string, string>
  /** Server-side page caps (100 each when absent); requests may ask for smaller pages. */
  pageSize?: Partial<PageSizes>
  /** Shape of the SimulatePrincipalPolicy response: one member per action and resource, or one per action. */
  simulateShape?: 'per-resource' | 'resource-specific'
  faults?: Fault[]
  /** Forces the dry-run Decrypt decision for a role ARN, whatever the engine decides. */
  dryRunOverride?: Record<string, 'allow' | 'deny'>
}

/** One request as the emulator received it. */
export interface RecordedRequest {
  service: Service | 'unknown'
  /** The operation with its service prefix, such as `kms:DescribeKey`. */
  operation: string
  /** The decoded parameters: the JSON body for KMS, the form body as nested values for IAM and STS. */
  params: Record<string, unknown>
  /** Undefined when the access key ID was not recognised. */
  callerArn?: string
  /** The HTTP status of the response, or 0 while a `timeout` fault delays it. */
  status: number
}

export interface AwsEmulator {
  /** `http://127.0.0.1:PORT`. */
  endpoint: string
  requests: RecordedRequest[]
  /** Counts the recorded requests, of one operation (`kms:DescribeKey`) when given. */
  count(operation?: string): number
  addFault(fault: Fault): void
  /** Forgets the recorded requests and the faults; role sessions stay valid. */
  reset(): void
  close(): Promise<void>
}

export const DEFAULT_CALLERS = { AKIDGATE: 'arn:aws:iam::111122223333:role/kms-access-gate' }

const HANDLERS: Record<Service, Record<string, Handler>> = {
  kms: KMS_HANDLERS,
  iam: IAM_HANDLERS,
  sts: STS_HANDLERS
}

/** A request's service, operation and parameters, or the error for a request it cannot route. */
interface RoutedRequest {
  service: Service
  operation: string
  params: Record<string, unknown>
  region: string
  accessKeyId?: string
}

/**
 * Starts the emulator on 127.0.0.1 with a free port. It loads the fact files first, so
 * that a bad fact file fails here with the loader's `InputError`.
 */
export async function startAwsEmulator(options: AwsEmulatorOptions): Promise<AwsEmulator> {
  const world = await loadWorld(options.factPaths, options.cwd ?? process.cwd())
  const emulator = new Emulator(world, options)
  return emulator.listen()
}

class Emulator {
  readonly requests: RecordedRequest[] = []
  private faults: ActiveFault[]
  private readonly sessions = new Map<string, Caller>()
  private readonly delayedResponses = new Set<NodeJS.Timeout>()
  private readonly server = http.createServer((request, response) =>
    this.receive(request, response)
  )
  private readonly pageSizes: PageSizes

  constructor(
    private readonly world: EmulatorWorld,
    private readonly options: AwsEmulatorOptions
  ) {
    this.faults = (options.faults ?? []).map(activate)
    this.pageSizes = {
      listGrants: 100,
      listAliases: 100,
      simulate: 100,
      authorizationDetails: 100,
      ...options.pageSize
    }
  }

  listen(): Promise<AwsEmulator> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(0, '127.0.0.1', () => {
        const { port } = this.server.address() as AddressInfo
        resolve({
          endpoint: `http://127.0.0.1:${port}`,
          requests: this.requests,
          count: (operation) =>
            this.requests.filter(
              (entry) => operation === undefined || entry.operation === operation
            ).length,
          addFault: (fault) => this.faults.push(activate(fault)),
          reset: () => {
            this.requests.length = 0
            this.faults = []
          },
          close: () => this.close()
        })
      })
    })
  }

  private close(): Promise<void> {
    for (const timer of this.delayedResponses) clearTimeout(timer)
    this.delayedResponses.clear()
    this.server.closeAllConnections()
    return new Promise((resolve) => this.server.close(() => resolve()))
  }

  private receive(request: http.IncomingMessage, response: http.ServerResponse): void {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      this.respond(request, body, response)
    })
  }

  private respond(
    request: http.IncomingMessage,
    body: string,
    response: http.ServerResponse
  ): void {
    const routed = route(request, body)
    if ('error' in routed) {
      this.requests.push({
        service: 'unknown',
        operation: 'unknown',
        params: {},
        status: routed.error.status
      })
      send(response, routed.error)
      return
    }
    const record: RecordedRequest = {
      service: routed.service,
      operation: `${routed.service}:${routed.operation}`,
      params: routed.params,
      status: 0
    }
    this.requests.push(record)
    const reply = (wire: WireResponse) => {
      record.status = wire.status
      send(response, wire)
    }

    const caller = routed.accessKeyId ? this.identify(routed.accessKeyId) : undefined
    if (!caller) {
      reply(invalidToken(routed.service))
      return
    }
    record.callerArn = caller.arn
    const handler = HANDLERS[routed.service][routed.operation]
    if (!handler) {
      reply(unknownOperation(routed.service, routed.operation))
      return
    }
    const context: CallContext = {
      world: this.world,
      service: routed.service,
      operation: routed.operation,
      params: routed.params,
      region: routed.region,
      caller,
      pageSizes: this.pageSizes,
      simulateShape: this.options.simulateShape ?? 'per-resource',
      dryRunOverride: this.options.dryRunOverride ?? {},
      sessions: this.sessions
    }

    const fault = takeFault(this.faults, record.operation, routed.params)
    if (fault?.kind === 'timeout') {
      const timer = setTimeout(() => {
        this.delayedResponses.delete(timer)
        if (!response.destroyed) reply(handler(context))
      }, fault.delayMs ?? 10_000)
      this.delayedResponses.add(timer)
      return
    }
    reply(fault ? faultResponse(fault, context) : handler(context))
  }

  /** Finds the caller by access key ID: a configured caller or a role session. */
  private identify(accessKeyId: string): Caller | undefined {
    const session = this.sessions.get(accessKeyId)
    if (session) return session
    const arn = (this.options.callers ?? DEFAULT_CALLERS)[
      accessKeyId as keyof typeof DEFAULT_CALLERS
    ]
    if (!arn) return undefined
    const entity = findEntity(this.world, arn)
    const id = entity?.entry[entity.kind === 'role' ? 'RoleId' : 'UserId']
    return {
      arn,
      accountId: arn.split(':')[4] ?? '',
      userId: typeof id === 'string' ? id : `AIDA${accessKeyId.toUpperCase()}`
    }
  }
}

/** Routes by `x-amz-target` (KMS), else by the credential scope's service and the form's `Action`. */
function route(
  request: http.IncomingMessage,
  body: string
): RoutedRequest | { error: WireResponse } {
  const scope = credentialScope(request.headers.authorization)
  const target = request.headers['x-amz-target']
  if (typeof target === 'string' && target.startsWith('TrentService.')) {
    let params: unknown
    try {
      params = body.trim() === '' ? {} : JSON.parse(body)
    } catch {
      return {
        error: jsonError(400, 'SerializationException', 'The request body is not valid JSON')
      }
    }
    return {
      service: 'kms',
      operation: target.slice('TrentService.'.length),
      params: (params ?? {}) as Record<string, unknown>,
      region: scope?.region ?? 'us-east-1',
      accessKeyId: scope?.accessKeyId
    }
  }
  if (scope?.service === 'iam' || scope?.service === 'sts') {
    const { Action, Version, ...params } = decodeQuery(body)
    return {
      service: scope.service,
      operation: typeof Action === 'string' ? Action : '',
      params,
      region: scope.region,
      accessKeyId: scope.accessKeyId
    }
  }
  return {
    error: xmlError(
      'iam',
      403,
      'MissingAuthenticationToken',
      'Request is missing Authentication Token'
    )
  }
}

function invalidToken(service: Service): WireResponse {
  const message = 'The security token included in the request is invalid.'
  return service === 'kms'
    ? jsonError(400, 'UnrecognizedClientException', message)
    : xmlError(service, 403, 'InvalidClientTokenId', message)
}

function unknownOperation(service: Service, operation: string): WireResponse {
  return service === 'kms'
    ? jsonError(400, 'UnknownOperationException', `The emulator does not implement ${operation}`)
    : xmlError(service, 400, 'InvalidAction', `Could not find operation ${operation}`)
}

function send(response: http.ServerResponse, wire: WireResponse): void {
  response.writeHead(wire.status, {
    ...wire.headers,
    'content-length': Buffer.byteLength(wire.body)
  })
  response.end(wire.body)
}
