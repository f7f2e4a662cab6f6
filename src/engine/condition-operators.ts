/**
 * IAM condition operators: how one policy value compares with one request value.
 * Each base operator is data: its comparison and whether it is negated.
 */
import { isIP } from 'node:net'
import { arnMatch, wildcardMatch, withLiteralCharacters } from './wildcard.js'

export interface BaseOperator {
  name: string
  /** True for `StringNotEquals` and the other "Not" operators: all values must miss. */
  negated: boolean
  /** True when policy variables may appear in the values. */
  allowsVariables: boolean
  /** Compares one policy value with one request value; undefined when a value is malformed. */
  compare: (policyValue: string, requestValue: string) => boolean | undefined
}

function operator(
  name: string,
  compare: BaseOperator['compare'],
  options: { negated?: boolean; allowsVariables?: boolean } = {}
): BaseOperator {
  return {
    name,
    compare,
    negated: options.negated ?? false,
    allowsVariables: options.allowsVariables ?? false
  }
}

function parseNumber(value: string): number | undefined {
  if (value.trim() === '') return undefined
  const number = Number(value)
  return Number.isFinite(number) ? number : undefined
}

function numeric(test: (policy: number, request: number) => boolean): BaseOperator['compare'] {
  return (policyValue, requestValue) => {
    const policy = parseNumber(policyValue)
    const request = parseNumber(requestValue)
    if (policy === undefined || request === undefined) return undefined
    return test(policy, request)
  }
}

/**
 * Parses an ISO 8601 date or epoch seconds, as IAM date conditions accept both. A date-time
 * without an offset is read as UTC, whatever the time zone of the machine running the check.
 */
function parseDate(value: string): number | undefined {
  if (/^\d+$/.test(value)) return Number(value) * 1000
  const withoutOffset = /^\d{4}-\d{2}-\d{2}T[\d:.]+$/.test(value)
  const time = Date.parse(withoutOffset ? `${value}Z` : value)
  return Number.isNaN(time) ? undefined : time
}

function date(test: (policy: number, request: number) => boolean): BaseOperator['compare'] {
  return (policyValue, requestValue) => {
    const policy = parseDate(policyValue)
    const request = parseDate(requestValue)
    if (policy === undefined || request === undefined) return undefined
    return test(policy, request)
  }
}

function ipInRange(range: string, address: string): boolean | undefined {
  const [base, bitsText] = range.split('/')
  const version = isIP(base)
  if (version === 0 || isIP(address) !== version) return version === 0 ? undefined : false
  const totalBits = version === 4 ? 32 : 128
  if (bitsText !== undefined && !/^\d{1,3}$/.test(bitsText)) return undefined
  const bits = bitsText === undefined ? totalBits : Number(bitsText)
  if (!Number.isInteger(bits) || bits < 0 || bits > totalBits) return undefined
  const rangeValue = ipToBigInt(base, version)
  const addressValue = ipToBigInt(address, version)
  const shift = BigInt(totalBits - bits)
  return rangeValue >> shift === addressValue >> shift
}

function ipToBigInt(address: string, version: number): bigint {
  if (version === 4) {
    return address.split('.').reduce((sum, part) => (sum << 8n) + BigInt(Number(part)), 0n)
  }
  return expandIpv6(address).reduce((sum, part) => (sum << 16n) + BigInt(part), 0n)
}

function expandIpv6(address: string): number[] {
  const [head, tail] = address.includes('::') ? address.split('::') : [address, undefined]
  const headParts = head ? head.split(':') : []
  const tailParts = tail ? tail.split(':') : []
  const missing = 8 - headParts.length - tailParts.length
  const parts =
    tail === undefined ? headParts : [...headParts, ...Array(missing).fill('0'), ...tailParts]
  return parts.map((part) => Number.parseInt(part || '0', 16))
}

const stringEquals = (policy: string, request: string) => withLiteralCharacters(policy) === request
const stringEqualsIgnoreCase = (policy: string, request: string) =>
  withLiteralCharacters(policy).toLowerCase() === request.toLowerCase()
const stringLike = (policy: string, request: string) => wildcardMatch(policy, request)
const boolEquals = (policy: string, request: string) =>
  policy.toLowerCase() === request.toLowerCase()
const binaryEquals = (policy: string, request: string) =>
  Buffer.from(policy, 'base64').equals(Buffer.from(request, 'base64'))

const OPERATORS: BaseOperator[] = [
  operator('StringEquals', stringEquals, { allowsVariables: true }),
  operator('StringNotEquals', stringEquals, { negated: true, allowsVariables: true }),
  operator('StringEqualsIgnoreCase', stringEqualsIgnoreCase, { allowsVariables: true }),
  operator('StringNotEqualsIgnoreCase', stringEqualsIgnoreCase, {
    negated: true,
    allowsVariables: true
  }),
  operator('StringLike', stringLike, { allowsVariables: true }),
  operator('StringNotLike', stringLike, { negated: true, allowsVariables: true }),
  operator(
    'NumericEquals',
    numeric((p, r) => p === r)
  ),
  operator(
    'NumericNotEquals',
    numeric((p, r) => p === r),
    { negated: true }
  ),
  operator(
    'NumericLessThan',
    numeric((p, r) => r < p)
  ),
  operator(
    'NumericLessThanEquals',
    numeric((p, r) => r <= p)
  ),
  operator(
    'NumericGreaterThan',
    numeric((p, r) => r > p)
  ),
  operator(
    'NumericGreaterThanEquals',
    numeric((p, r) => r >= p)
  ),
  operator(
    'DateEquals',
    date((p, r) => p === r)
  ),
  operator(
    'DateNotEquals',
    date((p, r) => p === r),
    { negated: true }
  ),
  operator(
    'DateLessThan',
    date((p, r) => r < p)
  ),
  operator(
    'DateLessThanEquals',
    date((p, r) => r <= p)
  ),
  operator(
    'DateGreaterThan',
    date((p, r) => r > p)
  ),
  operator(
    'DateGreaterThanEquals',
    date((p, r) => r >= p)
  ),
  operator('Bool', boolEquals, { allowsVariables: true }),
  operator('BinaryEquals', binaryEquals),
  operator('IpAddress', (p, r) => ipInRange(p, r)),
  operator('NotIpAddress', (p, r) => ipInRange(p, r), { negated: true }),
  operator('ArnEquals', (p, r) => arnMatch(p, r), { allowsVariables: true }),
  operator('ArnLike', (p, r) => arnMatch(p, r), { allowsVariables: true }),
  operator('ArnNotEquals', (p, r) => arnMatch(p, r), { negated: true, allowsVariables: true }),
  operator('ArnNotLike', (p, r) => arnMatch(p, r), { negated: true, allowsVariables: true })
]

const BY_LOWER_NAME = new Map(OPERATORS.map((op) => [op.name.toLowerCase(), op]))

/** Returns the base operator (without `IfExists` or set prefixes), or undefined when unknown. */
export function baseOperator(name: string): BaseOperator | undefined {
  return BY_LOWER_NAME.get(name.toLowerCase())
}
