/**
 * The execution role that SAM creates for an `AWS::Serverless::Function` without `Role`:
 * logical ID `<FunctionId>Role`, with the function's `Policies` (inline documents,
 * managed policy names or ARNs, and SAM policy templates).
 */
import type { Policy } from '../../../engine/model.js'
import { hasUnresolved } from '../../../engine/unresolved.js'
import { isObject, type JsonObject, quote } from '../../document-reader.js'
import { NO_VALUE } from './resolver.js'
import type { TemplateResource } from './resources.js'
import { parseResolvedPolicy, type TemplateReader } from './template-policy.js'

/** KMS actions of the SAM policy templates that allow KMS actions, by template name. */
const KMS_POLICY_TEMPLATES: Record<string, string> = {
  KMSDecryptPolicy: 'kms:Decrypt',
  KMSEncryptPolicy: 'kms:Encrypt'
}

/**
 * SAM policy templates that allow no KMS action, from
 * samtranslator/policy_templates_data/policy_templates.json of aws/serverless-application-model.
 * Their statements cannot open a KMS lock, so they are left out of the facts. A template
 * in neither list is unknown and makes the role's results unknown.
 */
const NON_KMS_POLICY_TEMPLATES = new Set([
  'AMIDescribePolicy',
  'AWSSecretsManagerGetSecretValuePolicy',
  'AWSSecretsManagerRotationPolicy',
  'AthenaQueryPolicy',
  'CloudFormationDescribeStacksPolicy',
  'CloudWatchDashboardPolicy',
  'CloudWatchDescribeAlarmHistoryPolicy',
  'CloudWatchPutMetricPolicy',
  'CodeCommitCrudPolicy',
  'CodeCommitReadPolicy',
  'CodePipelineLambdaExecutionPolicy',
  'CodePipelineReadOnlyPolicy',
  'ComprehendBasicAccessPolicy',
  'CostExplorerReadOnlyPolicy',
  'DynamoDBBackupFullAccessPolicy',
  'DynamoDBCrudPolicy',
  'DynamoDBReadPolicy',
  'DynamoDBReconfigurePolicy',
  'DynamoDBRestoreFromBackupPolicy',
  'DynamoDBStreamReadPolicy',
  'EC2CopyImagePolicy',
  'EC2DescribePolicy',
  'EKSDescribePolicy',
  'ElasticsearchHttpPostPolicy',
  'FilterLogEventsPolicy',
  'FirehoseCrudPolicy',
  'FirehoseWritePolicy',
  'KinesisCrudPolicy',
  'KinesisStreamReadPolicy',
  'LambdaInvokePolicy',
  'MobileAnalyticsWriteOnlyAccessPolicy',
  'OrganizationsListAccountsPolicy',
  'PinpointEndpointAccessPolicy',
  'PollyFullAccessPolicy',
  'RekognitionDetectOnlyPolicy',
  'RekognitionFacesManagementPolicy',
  'RekognitionFacesPolicy',
  'RekognitionLabelsPolicy',
  'RekognitionNoDataAccessPolicy',
  'RekognitionReadPolicy',
  'RekognitionWriteOnlyAccessPolicy',
  'S3CrudPolicy',
  'S3FullAccessPolicy',
  'S3ReadPolicy',
  'SESBulkTemplatedCrudPolicy',
  'SESCrudPolicy',
  'SESEmailTemplateCrudPolicy',
  'SESSendBouncePolicy',
  'SNSCrudPolicy',
  'SNSPublishMessagePolicy',
  'SQSPollerPolicy',
  'SQSSendMessagePolicy',
  'SSMParameterReadPolicy',
  'ServerlessRepoReadWriteAccessPolicy',
  'StepFunctionsExecutionPolicy',
  'TextractDetectAnalyzePolicy',
  'TextractGetResultPolicy',
  'TextractPolicy',
  'VPCAccessPolicy'
])

/** The role SAM creates for `fn`, as a resource entry; undefined when the function names its `Role`. */
export function samRoleResource(
  fn: TemplateResource,
  globals: JsonObject
): TemplateResource | undefined {
  if (fn.type !== 'AWS::Serverless::Function' || fn.properties.Role !== undefined) return undefined
  const properties: JsonObject = {}
  const rolePath = fn.properties.RolePath ?? globals.RolePath
  if (rolePath !== undefined) properties.Path = rolePath
  const boundary = fn.properties.PermissionsBoundary ?? globals.PermissionsBoundary
  if (boundary !== undefined) properties.PermissionsBoundary = boundary
  return { logicalId: `${fn.logicalId}Role`, type: 'AWS::IAM::Role', properties, node: fn.node }
}

/** The policies SAM attaches to the role of `fn`. */
export interface SamRolePolicies {
  policies: Policy[]
  managedArns: string[]
  /** Policies whose documents are unknown, named for the reason sentence. */
  missing: string[]
}

/** Reads the policies of the role SAM creates for `fn`. */
export function readSamRolePolicies(
  reader: TemplateReader,
  fn: TemplateResource,
  globals: JsonObject
): SamRolePolicies {
  const { partition } = reader.resolver.context
  const awsManaged = (name: string) => `arn:${partition}:iam::aws:policy/${name}`
  const result: SamRolePolicies = {
    policies: [],
    // NOTE: SAM's translator attaches these AWS managed policies; their documents are not
    // in the template, so they are listed as missing unless other facts contain them.
    managedArns: [awsManaged('service-role/AWSLambdaBasicExecutionRole')],
    missing: []
  }
  const tracing = reader.resolver.resolve(fn.properties.Tracing ?? globals.Tracing)
  if (tracing === 'Active') result.managedArns.push(awsManaged('AWSXrayWriteOnlyAccess'))
  if ((fn.properties.VpcConfig ?? globals.VpcConfig) !== undefined) {
    result.managedArns.push(awsManaged('service-role/AWSLambdaVPCAccessExecutionRole'))
  }

  const written = fn.properties.Policies
  if (written === undefined) return result
  const resolved = reader.resolver.resolve(written)
  if (resolved === NO_VALUE) return result
  const entries = Array.isArray(resolved) ? resolved : [resolved]
  entries.forEach((entry, position) => {
    readSamPolicyEntry(reader, fn, entry, position, result)
  })
  return result
}

function readSamPolicyEntry(
  reader: TemplateReader,
  fn: TemplateResource,
  entry: unknown,
  position: number,
  result: SamRolePolicies
) {
  const { partition } = reader.resolver.context
  const inlineName = `${fn.logicalId}RolePolicy${position}`
  const what = `entry ${position + 1} of the Policies of ${fn.logicalId}`
  if (typeof entry === 'string') {
    if (hasUnresolved(entry)) result.missing.push(`${what} (unresolved)`)
    else if (entry.startsWith('arn:')) result.managedArns.push(entry)
    else result.managedArns.push(`arn:${partition}:iam::aws:policy/${entry}`)
    return
  }
  if (!isObject(entry)) {
    throw reader.resolver.error(
      `${what} must be a policy name, an ARN, a policy document or a SAM policy template, found ${quote(entry)}`,
      fn.properties,
      'Policies'
    )
  }
  const options = {
    kind: 'identity' as const,
    name: inlineName,
    logicalId: fn.logicalId,
    label: `policy ${inlineName}`
  }
  if ('Statement' in entry) {
    const policy = parseResolvedPolicy(reader, entry, options)
    if (policy) result.policies.push(policy)
    else result.missing.push(`${inlineName} (unresolved)`)
    return
  }
  const [templateName] = Object.keys(entry)
  const action = KMS_POLICY_TEMPLATES[templateName]
  if (action) {
    const policy = parseResolvedPolicy(
      reader,
      kmsTemplateDocument(reader, entry, templateName, action),
      options
    )
    if (policy) result.policies.push(policy)
    else result.missing.push(`${inlineName} (unresolved)`)
    return
  }
  if (NON_KMS_POLICY_TEMPLATES.has(templateName)) return
  result.missing.push(`SAM policy template ${templateName} of ${fn.logicalId}`)
  const location = reader.resolver.locate(entry)
  reader.warnings.push({
    code: 'facts',
    message: `SAM policy template ${templateName} of ${fn.logicalId} is not known to this tool, so the role's results are unknown`,
    ...(location && { location })
  })
}

/**
 * Builds the document of `KMSDecryptPolicy` or `KMSEncryptPolicy`: the action on
 * `arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/${KeyId}`, as SAM's
 * policy_templates.json defines them. The document is located at the template entry.
 */
function kmsTemplateDocument(
  reader: TemplateReader,
  entry: JsonObject,
  templateName: string,
  action: string
) {
  const { resolver, resources } = reader
  const parameters = entry[templateName]
  const keyId = isObject(parameters) ? parameters.KeyId : undefined
  if (typeof keyId !== 'string') {
    throw resolver.error(
      `${templateName} needs KeyId, found ${quote(parameters)}`,
      entry,
      templateName
    )
  }
  const statement = {
    Effect: 'Allow',
    Action: action,
    Resource: `arn:${resolver.context.partition}:kms:${resources.region()}:${resources.account()}:key/${keyId}`
  }
  const statements = [statement]
  const document = { Version: '2012-10-17', Statement: statements }
  const start = resolver.index.offsetOf(entry) ?? 0
  resolver.place(statement, { start, members: new Map() })
  resolver.place(statements, { start, members: [start] })
  resolver.place(document, { start, members: new Map([['Statement', start]]) })
  return document
}
