/**
 * The wire formats: awsJson1_1 for KMS, awsQuery (form body in, XML out) for IAM and STS.
 */
import { randomUUID } from 'node:crypto'

export type Service = 'kms' | 'iam' | 'sts'

/** An HTTP response ready to be sent. */
export interface WireResponse {
  status: number
  headers: Record<string, string>
  body: string
}

const XML_NAMESPACES: Record<Service, string> = {
  kms: '',
  iam: 'https://iam.amazonaws.com/doc/2010-05-08/',
  sts: 'https://sts.amazonaws.com/doc/2011-06-15/'
}

/** Builds a KMS success response. */
export function jsonResponse(value: unknown): WireResponse {
  return {
    status: 200,
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() },
    body: JSON.stringify(value)
  }
}

/** Builds a KMS error. The SDK reads the error name from `__type` (and from `x-amzn-errortype`). */
export function jsonError(status: number, type: string, message: string): WireResponse {
  return {
    status,
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amzn-requestid': randomUUID(),
      'x-amzn-errortype': type
    },
    body: JSON.stringify({ __type: type, message })
  }
}

/** Builds an awsQuery success response: `<ActionResponse><ActionResult>…</ActionResult>…`. */
export function xmlResponse(service: Service, action: string, result: unknown): WireResponse {
  const body =
    `<${action}Response xmlns="${XML_NAMESPACES[service]}">` +
    `<${action}Result>${toXml(result)}</${action}Result>` +
    `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata>` +
    `</${action}Response>`
  return { status: 200, headers: { 'content-type': 'text/xml' }, body }
}

/** Builds an awsQuery error response. */
export function xmlError(
  service: Service,
  status: number,
  code: string,
  message: string,
  type: 'Sender' | 'Receiver' = status >= 500 ? 'Receiver' : 'Sender'
): WireResponse {
  const body =
    `<ErrorResponse xmlns="${XML_NAMESPACES[service]}"><Error><Type>${type}</Type>` +
    `<Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error>` +
    `<RequestId>${randomUUID()}</RequestId></ErrorResponse>`
  return { status, headers: { 'content-type': 'text/xml' }, body }
}

/** Builds the IAM error for a role, user or policy that does not exist (HTTP 404). */
export function noSuchEntity(message: string): WireResponse {
  return xmlError('iam', 404, 'NoSuchEntity', message)
}

/**
 * Serialises a value as awsQuery XML: object members become elements, arrays become
 * `<member>` lists, `XmlMap` becomes `<entry><key/><value/></entry>` lists.
 */
export function toXml(value: unknown): string {
  if (value === undefined || value === null) return ''
  if (value instanceof XmlMap) {
    return [...value.entries]
      .map(
        ([key, entry]) =>
          `<entry><key>${escapeXml(key)}</key><value>${toXml(entry)}</value></entry>`
      )
      .join('')
  }
  if (Array.isArray(value)) return value.map((item) => `<member>${toXml(item)}</member>`).join('')
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .filter(([, member]) => member !== undefined)
      .map(([name, member]) => `<${name}>${toXml(member)}</${name}>`)
      .join('')
  }
  return escapeXml(String(value))
}

/** A string-to-string map in awsQuery XML. */
export class XmlMap {
  constructor(readonly entries: Map<string, string> = new Map()) {}
}

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
}

/**
 * Decodes an awsQuery form body into nested values: `A.member.1=x` becomes `{A: ['x']}`
 * and `A.member.1.B=y` becomes `{A: [{B: 'y'}]}`.
 */
export function decodeQuery(body: string): Record<string, unknown> {
  const root: Record<string, unknown> = {}
  for (const [name, value] of new URLSearchParams(body)) {
    const parts = name.split('.')
    let node = root
    parts.forEach((part, position) => {
      if (position === parts.length - 1) node[part] = value
      else {
        const next = node[part]
        if (next === null || typeof next !== 'object') node[part] = {}
        node = node[part] as Record<string, unknown>
      }
    })
  }
  return listify(root) as Record<string, unknown>
}

function listify(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value
  const object = value as Record<string, unknown>
  const keys = Object.keys(object)
  if (keys.length === 1 && keys[0] === 'member') {
    const members = object.member as Record<string, unknown>
    return Object.keys(members)
      .sort((left, right) => Number(left) - Number(right))
      .map((index) => listify(members[index]))
  }
  return Object.fromEntries(keys.map((key) => [key, listify(object[key])]))
}

/** Reads the access key ID, Region and service from a SigV4 `authorization` header. */
export function credentialScope(
  authorization: string | undefined
): { accessKeyId: string; region: string; service: string } | undefined {
  const match = /Credential=([^/,\s]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(
    authorization ?? ''
  )
  if (!match) return undefined
  return { accessKeyId: match[1], region: match[2], service: match[3] }
}

/** Encodes an opaque pagination marker for an offset. */
export function encodeMarker(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString('base64')
}

/** Decodes a marker from `encodeMarker`; undefined when it is not one. */
export function decodeMarker(marker: unknown): number | undefined {
  if (typeof marker !== 'string') return undefined
  const match = /^offset:(\d+)$/.exec(Buffer.from(marker, 'base64').toString('utf8'))
  return match ? Number(match[1]) : undefined
}

/** Returns one page of `items` from the marker's offset, at most `limit` long. */
export function paginate<T>(
  items: T[],
  marker: unknown,
  limit: number
): { page: T[]; nextMarker?: string } | { invalidMarker: true } {
  const offset = marker === undefined || marker === '' ? 0 : decodeMarker(marker)
  if (offset === undefined || offset > items.length) return { invalidMarker: true }
  const page = items.slice(offset, offset + limit)
  const next = offset + page.length
  return next < items.length ? { page, nextMarker: encodeMarker(next) } : { page }
}

/** Converts an ISO date string (as the AWS CLI prints it) to epoch seconds, as awsJson sends dates. */
export function epochSeconds(value: unknown): unknown {
  if (typeof value !== 'string') return value
  const time = Date.parse(value)
  return Number.isNaN(time) ? value : time / 1000
}
