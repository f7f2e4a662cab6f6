/** What every operation handler gets: the emulated state, the options and the request. */
import type { Service, WireResponse } from './protocol.js'
import type { EmulatorWorld } from './world.js'

/** The identity that signed a request. */
export interface Caller {
  arn: string
  accountId: string
  /** The `UserId` GetCallerIdentity returns (`AROA…:SESSION` for a role session). */
  userId: string
  /** For a role session: the role's ARN, with its path. */
  roleArn?: string
}

/** Page size caps, resolved to numbers. */
export interface PageSizes {
  listGrants: number
  listAliases: number
  simulate: number
  authorizationDetails: number
}

export interface CallContext {
  world: EmulatorWorld
  service: Service
  /** The operation name without the service prefix, such as `DescribeKey`. */
  operation: string
  params: Record<string, unknown>
  /** The Region of the request's credential scope. */
  region: string
  caller: Caller
  pageSizes: PageSizes
  simulateShape: 'per-resource' | 'resource-specific'
  dryRunOverride: Record<string, 'allow' | 'deny'>
  /** Role sessions by access key ID; AssumeRole adds to it. */
  sessions: Map<string, Caller>
}

export type Handler = (context: CallContext) => WireResponse

/** Builds the message AWS returns when an identity lacks a permission. */
export function accessDeniedMessage(callerArn: string, action: string, resource: string): string {
  return `User: ${callerArn} is not authorized to perform: ${action} on resource: ${resource}`
}

/** Reads a request parameter as a string; undefined when absent or of another type. */
export function stringParam(params: Record<string, unknown>, name: string): string | undefined {
  const value = params[name]
  return typeof value === 'string' ? value : undefined
}

/** Reads a numeric request parameter (awsQuery sends numbers as text). */
export function numberParam(params: Record<string, unknown>, name: string): number | undefined {
  const value = params[name]
  if (typeof value === 'number') return value
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value)
  return undefined
}

/** Returns the page size: the request's limit when given, capped by the server's. */
export function pageLimit(requested: number | undefined, serverCap: number): number {
  return requested === undefined || requested < 1 ? serverCap : Math.min(requested, serverCap)
}
