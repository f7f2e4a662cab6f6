/**
 * Builds the engine's `Facts` from fact documents, recognising each document by its
 * shape: IAM authorization details, KMS key objects, the Organizations format, VPC
 * endpoints or session policies.
 */
import type {
  Facts,
  IamSimulationFact,
  OrganizationFacts,
  Policy,
  PolicyWarning,
  SessionPolicyFact,
  VpcEndpointFact
} from '../engine/model.js'
import { InputError } from '../inputs/errors.js'
import { appendAll } from './append.js'
import { compareText } from './content-key.js'
import { EXPECTED_SHAPES, recognizeShape, unknownShapeMessage } from './fact-shape.js'
import type { FactDocument, FactWarning, LoadedFacts, ParsedDocument } from './fact-types.js'
import {
  type IacDocumentFacts,
  type IacOptions,
  overlayIacFacts,
  readIacDocument,
  recognizeIacShape
} from './iac/read-iac.js'
import { parseYamlLoosely } from './iac/yaml-shape.js'
import { type IamDocumentDraft, readIamDocument } from './iam-document.js'
import { buildIamFacts } from './iam-facts.js'
import { parseJson } from './json-parser.js'
import { readKmsDocument } from './kms-document.js'
import { mergeById, type Sourced } from './merge-by-id.js'
import { mergeKeys, type SourcedKey } from './merge-facts.js'
import { mergeOrganizations } from './merge-organizations.js'
import { readOrganizationDocument } from './organization-document.js'
import { readSessionPolicyDocument } from './session-policy-document.js'
import {
  addSimulatedEntities,
  readSimulationDocument,
  simulatedEntity
} from './simulation-document.js'
import { decodeStringLiteral, FileTextMap } from './text-map.js'
import { readVpcEndpointDocument } from './vpc-endpoint-document.js'

export type { FactDocument, FactWarning, LoadedFacts } from './fact-types.js'

/**
 * Builds facts from in-memory documents. A document's `text` is parsed with positions,
 * so statements, keys and principals get locations; a bare `value` gets none. The
 * result does not depend on the order of `documents`: lists are sorted by ARN or ID.
 * Throws an `InputError` for a document of no known shape, a malformed one, or two
 * documents that define the same key, role, user, VPC endpoint or session differently.
 */
export function buildFacts(documents: FactDocument[], options: BuildOptions = {}): LoadedFacts {
  const parsed = documents
    .map(parseDocument)
    .filter((document): document is ParsedDocument => document !== undefined)
    .sort((left, right) => compareText(left.source, right.source))
  const warnings: FactWarning[] = []
  const read = readDocuments(parsed, warnings, options.iac ?? DEFAULT_IAC)

  const facts: Facts = {
    iam: addSimulatedEntities(
      buildIamFacts(read.iam, warnings),
      read.simulations.map((simulation) =>
        simulatedEntity(simulation.principalArn, simulation.source)
      )
    ),
    keys: mergeKeys(read.keys),
    organizations: mergeOrganizations(read.organizations, warnings),
    vpcEndpoints: mergeById(read.vpcEndpoints, {
      idOf: (endpoint) => endpoint.vpcEndpointId,
      describe: (endpoint) => `VPC endpoint ${endpoint.vpcEndpointId}`
    }),
    sessionPolicies: mergeById(read.sessionPolicies, {
      idOf: (session) => session.sessionArn,
      describe: (session) => `the session policy of ${session.sessionArn}`
    }),
    ...(read.simulations.length > 0 ? { iamSimulations: read.simulations } : {})
  }
  warnAboutNoKmsEndpoint(read.vpcEndpointSources, facts, warnings)
  const withIac = overlayIacFacts(facts, read.iac, warnings)
  return {
    facts: withIac,
    sources: [...new Set(read.used)].sort(compareText),
    warnings: sortWarnings([...warnings, ...policyWarnings(withIac)])
  }
}

/** How to read templates and plans among the documents. */
export interface BuildOptions {
  iac?: IacOptions
}

/** Without a manifest's values, templates resolve only what they fix themselves. */
const DEFAULT_IAC: IacOptions = { context: { partition: 'aws', parameters: {}, imports: {} } }

/** The facts read from the documents, by shape, before merging. */
interface ReadDocuments {
  iam: IamDocumentDraft[]
  keys: SourcedKey[]
  organizations: OrganizationFacts[]
  vpcEndpoints: Sourced<VpcEndpointFact>[]
  /** Sources of the VPC endpoint documents, also those that list no KMS endpoint. */
  vpcEndpointSources: string[]
  sessionPolicies: Sourced<SessionPolicyFact>[]
  simulations: IamSimulationFact[]
  iac: IacDocumentFacts[]
  /** Sources of the documents read, without those a directory scan skipped. */
  used: string[]
}

/** Reads each document with the reader of its shape; documents must come sorted by source. */
function readDocuments(
  parsed: ParsedDocument[],
  warnings: FactWarning[],
  iac: IacOptions
): ReadDocuments {
  const read: ReadDocuments = {
    iam: [],
    keys: [],
    organizations: [],
    vpcEndpoints: [],
    vpcEndpointSources: [],
    sessionPolicies: [],
    simulations: [],
    iac: [],
    used: []
  }
  for (const document of parsed) {
    const iacShape = recognizeIacShape(document.value)
    if (iacShape) {
      read.used.push(document.source)
      read.iac.push(readIacDocument(document.source, document.text ?? '', iacShape, iac))
      continue
    }
    const shape = recognizeShape(document.value)
    const skipped = document.optional || (document.scanned && isCdkAssemblyFile(document.value))
    if (shape === undefined && skipped) continue
    read.used.push(document.source)
    if (shape === 'iam') read.iam.push(readIamDocument(document, warnings))
    else if (shape === 'kms') {
      for (const key of readKmsDocument(document, warnings)) {
        read.keys.push({ key, source: document.source })
      }
    } else if (shape === 'organizations')
      read.organizations.push(readOrganizationDocument(document, warnings))
    else if (shape === 'vpc-endpoints') {
      appendAll(read.vpcEndpoints, readVpcEndpointDocument(document, warnings))
      read.vpcEndpointSources.push(document.source)
    } else if (shape === 'session-policies')
      appendAll(read.sessionPolicies, readSessionPolicyDocument(document, warnings))
    else if (shape === 'iam-simulation')
      read.simulations.push(readSimulationDocument(document, warnings))
    else throw unknownShapeError(document)
  }
  return read
}

/**
 * Warns when VPC endpoint files were given but list no KMS endpoint. The facts then contain
 * no endpoint, which the engine reads as "no endpoint facts supplied", so endpoint
 * policies are not checked at all.
 */
function warnAboutNoKmsEndpoint(sources: string[], facts: Facts, warnings: FactWarning[]) {
  if (sources.length === 0 || facts.vpcEndpoints.length > 0) return
  warnings.push({
    code: 'facts',
    message: `the VPC endpoint facts in ${[...new Set(sources)].join(', ')} list no KMS endpoint (a ServiceName ending in .kms or .kms-fips), so VPC endpoint policies are not checked; export the endpoints of the Regions whose keys the expectations name`
  })
}

/** Parses a document's text with positions. A string value (a file that is one JSON string) is parsed once more. */
function parseDocument(document: FactDocument): ParsedDocument | undefined {
  const { source } = document
  if (document.format === 'yaml') return parseYamlDocument(document)
  if (document.text === undefined) {
    if (typeof document.value !== 'string') return { source, value: document.value }
    return parseDocument({ source, text: document.value })
  }

  const text = document.text.charCodeAt(0) === 0xfeff ? document.text.slice(1) : document.text
  const map = new FileTextMap(source, text)
  const start = text.search(/\S/)
  if (start < 0) {
    throw new InputError(`fact file is empty; ${EXPECTED_SHAPES}`, map.locate(0))
  }
  const { value, index } = parseJson(text, map)
  if (typeof value !== 'string')
    return { source, value, index, text, optional: document.optional, scanned: document.scanned }

  // The file contains its JSON as one string. Parse the string, keeping positions in the file.
  const inner = decodeStringLiteral(text, start, map)
  if (inner.text.search(/\S/) < 0)
    throw new InputError(
      'fact file contains an empty string; expected a JSON object',
      map.locate(start)
    )
  const parsed = parseJson(inner.text, inner.map)
  return { source, value: parsed.value, index: parsed.index }
}

/**
 * Parses a YAML file far enough to recognise a CloudFormation template; the template reader
 * parses it again with positions. A YAML file found in a directory that does not parse is
 * skipped, since a repository's folders hold many YAML files that are not facts.
 */
function parseYamlDocument(document: FactDocument): ParsedDocument | undefined {
  const text = document.text ?? ''
  const parsed = parseYamlLoosely(text)
  if (parsed.error !== undefined) {
    if (document.optional) return undefined
    throw new InputError(`${document.source} is not valid YAML: ${parsed.error}`)
  }
  return { source: document.source, value: parsed.value, text, optional: document.optional }
}

function unknownShapeError(document: ParsedDocument): InputError {
  const message = unknownShapeMessage(document.value)
  if (document.index) return new InputError(message, { file: document.source, line: 1, column: 1 })
  return new InputError(`${document.source}: ${message}`)
}

/** Warnings of every policy in the facts, once each even when a policy is attached many times. */
function policyWarnings(facts: Facts): FactWarning[] {
  const policies: Policy[] = []
  for (const account of facts.iam) {
    for (const entities of [account.roles, account.users]) {
      for (const entity of entities) {
        appendAll(policies, entity.policies)
        if (entity.permissionsBoundary?.policy) policies.push(entity.permissionsBoundary.policy)
      }
    }
  }
  for (const key of facts.keys) if (key.policy) policies.push(key.policy)
  for (const organization of facts.organizations) {
    for (const entry of organization.policies) policies.push(entry.policy)
  }
  for (const endpoint of facts.vpcEndpoints) policies.push(endpoint.policy)
  for (const session of facts.sessionPolicies) policies.push(session.policy)

  const seen = new Set<PolicyWarning>()
  const warnings: FactWarning[] = []
  for (const warning of policies.flatMap((policy) => policy.warnings)) {
    if (seen.has(warning)) continue
    seen.add(warning)
    warnings.push({
      code: warning.code,
      message: warning.message,
      ...(warning.location && { location: warning.location })
    })
  }
  return warnings
}

function sortWarnings(warnings: FactWarning[]): FactWarning[] {
  const sortKey = (warning: FactWarning) => {
    const { file = '\uffff', line = 0, column = 0 } = warning.location ?? {}
    return [
      file,
      String(line).padStart(10, '0'),
      String(column).padStart(10, '0'),
      warning.message
    ].join('\u0000')
  }
  return [...warnings].sort((left, right) => compareText(sortKey(left), sortKey(right)))
}

/**
 * True for the files a CDK cloud assembly (`cdk.out/`) holds beside its templates: the
 * assembly manifest, the construct tree and the asset manifests. A scan of `cdk.out/` skips them.
 */
function isCdkAssemblyFile(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const members = value as Record<string, unknown>
  if (typeof members.version !== 'string') return false
  return ['artifacts', 'tree', 'files', 'dockerImages'].some((member) => member in members)
}
