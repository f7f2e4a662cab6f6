/**
 * Reading of `aws ec2 describe-vpc-endpoints` output: the KMS endpoints with their
 * endpoint policies. Endpoints of other services are skipped, because a request to KMS
 * never goes through them.
 */
import type { Policy, VpcEndpointFact } from '../engine/model.js'
import { isAccountId } from './arn.js'
import { DocumentReader, type JsonObject, quote } from './document-reader.js'
import { parseEmbeddedPolicy } from './embedded-policy.js'
import type { FactWarning, ParsedDocument } from './fact-types.js'
import { checkMemberNames } from './member-names.js'
import type { Sourced } from './merge-by-id.js'
import { parsePolicyDocument } from './policy-document.js'

const OUTPUT_MEMBERS = ['VpcEndpoints', 'NextToken']

/** Members of a `VpcEndpoints` entry as the EC2 API describes them; only some are read. */
const ENDPOINT_MEMBERS = [
  'VpcEndpointId',
  'VpcEndpointType',
  'VpcId',
  'ServiceName',
  'ServiceRegion',
  'State',
  'PolicyDocument',
  'RouteTableIds',
  'SubnetIds',
  'Groups',
  'IpAddressType',
  'DnsOptions',
  'PrivateDnsEnabled',
  'RequesterManaged',
  'NetworkInterfaceIds',
  'DnsEntries',
  'CreationTimestamp',
  'Tags',
  'OwnerId',
  'LastError',
  'Ipv4Prefixes',
  'Ipv6Prefixes',
  'FailureReason',
  'ServiceNetworkArn',
  'ResourceConfigurationArn'
]

const VPC_ENDPOINT_ID = /^vpce-[0-9a-f]+$/

/**
 * The policy AWS attaches to an endpoint that has none set: full access. Built here, so
 * statements parsed from it have no location.
 */
const DEFAULT_ENDPOINT_POLICY = {
  Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }]
}

/**
 * Partitions by Region prefix, from the `regionRegex` of each partition in the AWS SDK for
 * JavaScript v3 (`partitions.json`). Other Regions are in `aws`.
 */
const PARTITION_PREFIXES: Array<[string, string]> = [
  ['cn-', 'aws-cn'],
  ['us-gov-', 'aws-us-gov'],
  ['us-iso-', 'aws-iso'],
  ['us-isob-', 'aws-iso-b'],
  ['eu-isoe-', 'aws-iso-e'],
  ['us-isof-', 'aws-iso-f'],
  ['eusc-', 'aws-eusc']
]

/**
 * Reads the KMS endpoints of a `describe-vpc-endpoints` output, in the document's order.
 * Throws an `InputError` at an endpoint ID that is not `vpce-` and hexadecimal digits, a
 * missing service name, and a malformed endpoint policy. Warns about a partial list and
 * about a KMS endpoint whose type is not `Interface`.
 */
export function readVpcEndpointDocument(
  document: ParsedDocument,
  warnings: FactWarning[]
): Sourced<VpcEndpointFact>[] {
  const reader = new DocumentReader(document.source, document.index)
  const root = document.value as JsonObject
  checkMemberNames(reader, root, OUTPUT_MEMBERS, 'the describe-vpc-endpoints output', warnings)
  warnAboutPartialList(reader, root, warnings)

  const endpoints: Sourced<VpcEndpointFact>[] = []
  for (const entry of reader.objectList(root, 'VpcEndpoints', 'VpcEndpoints')) {
    const endpoint = readEndpoint(reader, entry, warnings)
    if (endpoint) endpoints.push({ fact: endpoint, source: document.source })
  }
  return endpoints
}

/**
 * Warns when `NextToken` marks the output as one page: endpoints on other pages are then
 * missing, and the engine treats a request through a missing endpoint as unknown.
 */
function warnAboutPartialList(reader: DocumentReader, root: JsonObject, warnings: FactWarning[]) {
  if (root.NextToken === undefined || root.NextToken === null) return
  warnings.push({
    code: 'facts',
    message:
      'the describe-vpc-endpoints output is one page of a longer list ("NextToken" is set), so requests through endpoints on other pages will be unknown; list every page (the AWS CLI does so unless you pass --max-items or --no-paginate)',
    ...locationOf(reader, root, 'NextToken')
  })
}

/** Reads one entry; undefined for an endpoint of another service than KMS. */
function readEndpoint(
  reader: DocumentReader,
  entry: JsonObject,
  warnings: FactWarning[]
): VpcEndpointFact | undefined {
  const vpcEndpointId = reader.requireString(entry, 'VpcEndpointId', 'VpcEndpointId of an endpoint')
  if (!VPC_ENDPOINT_ID.test(vpcEndpointId)) {
    throw reader.error(
      `VpcEndpointId must be "vpce-" followed by lowercase hexadecimal digits, such as "vpce-0123456789abcdef0", found ${quote(vpcEndpointId)}`,
      entry,
      'VpcEndpointId'
    )
  }
  const serviceName = reader.requireString(
    entry,
    'ServiceName',
    `ServiceName of VPC endpoint ${vpcEndpointId}`
  )
  if (!isKmsService(serviceName)) return undefined

  const label = `VPC endpoint ${vpcEndpointId}`
  checkMemberNames(reader, entry, ENDPOINT_MEMBERS, label, warnings)
  warnAboutEndpointType(reader, entry, label, warnings)

  const ownerId = readOwnerId(reader, entry, label)
  const endpoint: VpcEndpointFact = {
    vpcEndpointId,
    serviceName,
    policy: readEndpointPolicy(reader, entry, { vpcEndpointId, serviceName, ownerId })
  }
  const location = reader.locate(entry)
  if (location) endpoint.location = location
  return endpoint
}

/** True for the KMS service names, such as `com.amazonaws.us-east-1.kms` and `com.amazonaws.us-east-1.kms-fips`. */
function isKmsService(serviceName: string): boolean {
  return serviceName.endsWith('.kms') || serviceName.endsWith('.kms-fips')
}

function warnAboutEndpointType(
  reader: DocumentReader,
  entry: JsonObject,
  label: string,
  warnings: FactWarning[]
) {
  const type = reader.optionalString(entry, 'VpcEndpointType', `VpcEndpointType of ${label}`)
  if (type === undefined || type === 'Interface') return
  warnings.push({
    code: 'facts',
    message: `${label} has type ${quote(type)}, but AWS KMS is reached only through Interface endpoints; its policy is still checked for requests that name it in aws:SourceVpce`,
    ...locationOf(reader, entry, 'VpcEndpointType')
  })
}

function readOwnerId(reader: DocumentReader, entry: JsonObject, label: string): string | undefined {
  const ownerId = reader.optionalString(entry, 'OwnerId', `OwnerId of ${label}`)
  if (ownerId === undefined || isAccountId(ownerId)) return ownerId
  throw reader.error(
    `OwnerId of ${label} must be a 12-digit account ID, found ${quote(ownerId)}`,
    entry,
    'OwnerId'
  )
}

interface EndpointIdentity {
  vpcEndpointId: string
  serviceName: string
  ownerId?: string
}

/** Parses `PolicyDocument`, or builds AWS's default policy when the endpoint has none. */
function readEndpointPolicy(
  reader: DocumentReader,
  entry: JsonObject,
  identity: EndpointIdentity
): Policy {
  const { vpcEndpointId, serviceName, ownerId } = identity
  const options = {
    kind: 'vpce' as const,
    name: vpcEndpointId,
    ...(ownerId !== undefined && { accountId: ownerId }),
    partition: partitionOf(serviceName),
    label: `the policy of VPC endpoint ${vpcEndpointId}`
  }
  if (entry.PolicyDocument === undefined || entry.PolicyDocument === null) {
    return parsePolicyDocument(DEFAULT_ENDPOINT_POLICY, options)
  }
  return parseEmbeddedPolicy(reader, entry, 'PolicyDocument', options)
}

/**
 * Returns the partition of the Region in a service name such as
 * `cn.com.amazonaws.cn-north-1.kms`. It turns bare account IDs in the endpoint policy's
 * principals into root ARNs of that partition.
 */
function partitionOf(serviceName: string): string {
  const parts = serviceName.split('.')
  const region = parts[parts.length - 2] ?? ''
  return PARTITION_PREFIXES.find(([prefix]) => region.startsWith(prefix))?.[1] ?? 'aws'
}

function locationOf(reader: DocumentReader, container: JsonObject, member: string) {
  const location = reader.locate(container, member)
  return location ? { location } : {}
}
