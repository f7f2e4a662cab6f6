/**
 * Names and ARNs of the resources a template creates, as `Ref` and `Fn::GetAtt` return
 * them. A resource without a fixed name gets the synthetic name
 * `<StackName>-<LogicalId>-pending`, and a key the synthetic key ID `pending:<LogicalId>`,
 * so every reference to one resource gives the same string.
 */
import { isObject, type JsonObject } from '../../document-reader.js'
import type { ResourceValues, Site, TemplateResolver } from './resolver.js'

/** One entry of the template's `Resources`. */
export interface TemplateResource {
  logicalId: string
  type: string
  properties: JsonObject
  /** The resource's entry in `Resources`, for locations. */
  node: JsonObject
}

/** The name, path and ARN of an IAM role, user, group or managed policy the template creates. */
export interface IamIdentity {
  name: string
  path: string
  arn: string
}

const IAM_NAMES: Record<string, { nameProperty: string; arnType: string }> = {
  'AWS::IAM::Role': { nameProperty: 'RoleName', arnType: 'role' },
  'AWS::IAM::User': { nameProperty: 'UserName', arnType: 'user' },
  'AWS::IAM::Group': { nameProperty: 'GroupName', arnType: 'group' },
  'AWS::IAM::ManagedPolicy': { nameProperty: 'ManagedPolicyName', arnType: 'policy' }
}

const KEY_TYPES = new Set(['AWS::KMS::Key', 'AWS::KMS::ReplicaKey'])
const FUNCTION_TYPES = new Set(['AWS::Serverless::Function', 'AWS::Lambda::Function'])

/** The resources of a template, and the values `Ref` and `Fn::GetAtt` give for them. */
export class TemplateResources implements ResourceValues {
  private readonly byId = new Map<string, TemplateResource>()
  private readonly identities = new Map<string, IamIdentity>()
  private readonly computing = new Set<string>()

  constructor(
    private readonly resolver: TemplateResolver,
    resources: TemplateResource[]
  ) {
    for (const resource of resources) this.byId.set(resource.logicalId, resource)
  }

  has(logicalId: string): boolean {
    return this.byId.has(logicalId)
  }

  get(logicalId: string): TemplateResource | undefined {
    return this.byId.get(logicalId)
  }

  list(): TemplateResource[] {
    return [...this.byId.values()]
  }

  /** Adds a resource that a transform creates, such as the role SAM creates for a function. */
  add(resource: TemplateResource) {
    this.byId.set(resource.logicalId, resource)
  }

  ref(logicalId: string, site: Site): unknown {
    const resource = this.byId.get(logicalId) as TemplateResource
    if (IAM_NAMES[resource.type]) {
      const identity = this.iamIdentity(resource)
      return resource.type === 'AWS::IAM::ManagedPolicy' ? identity.arn : identity.name
    }
    if (KEY_TYPES.has(resource.type)) return pendingKeyId(logicalId)
    if (resource.type === 'AWS::KMS::Alias') {
      return this.resolver.resolve(resource.properties.AliasName)
    }
    if (FUNCTION_TYPES.has(resource.type)) return this.functionName(resource)
    return this.resolver.unresolved(site)
  }

  getAtt(logicalId: string, attribute: string, site: Site): unknown {
    const resource = this.byId.get(logicalId) as TemplateResource
    const names = IAM_NAMES[resource.type]
    if (
      names &&
      (attribute === 'Arn' || (names.arnType === 'policy' && attribute === 'PolicyArn'))
    ) {
      return this.iamIdentity(resource).arn
    }
    if (KEY_TYPES.has(resource.type)) {
      if (attribute === 'Arn') return this.keyArn(logicalId)
      if (attribute === 'KeyId') return pendingKeyId(logicalId)
    }
    if (FUNCTION_TYPES.has(resource.type) && attribute === 'Arn') {
      const { partition } = this.resolver.context
      return `arn:${partition}:lambda:${this.region()}:${this.account()}:function:${this.functionName(resource)}`
    }
    // RoleId, UniqueId and the attributes of other and custom resources exist only after deployment.
    return this.resolver.unresolved(site)
  }

  /** Name, path and ARN of an IAM role, user, group or managed policy of the template. */
  iamIdentity(resource: TemplateResource): IamIdentity {
    const known = this.identities.get(resource.logicalId)
    if (known) return known
    if (this.computing.has(resource.logicalId)) {
      throw this.resolver.error(
        `the name of ${resource.logicalId} depends on itself`,
        resource.node
      )
    }
    this.computing.add(resource.logicalId)
    const { nameProperty, arnType } = IAM_NAMES[resource.type]
    const { properties } = resource
    const what = `${nameProperty} of ${resource.logicalId}`
    const name =
      properties[nameProperty] === undefined
        ? this.pendingName(resource.logicalId)
        : this.resolver.resolveString(properties[nameProperty], what, properties, nameProperty)
    const path =
      properties.Path === undefined
        ? '/'
        : this.resolver.resolveString(
            properties.Path,
            `Path of ${resource.logicalId}`,
            properties,
            'Path'
          )
    const { partition } = this.resolver.context
    const identity = {
      name,
      path,
      arn: `arn:${partition}:iam::${this.account()}:${arnType}${path}${name}`
    }
    this.computing.delete(resource.logicalId)
    this.identities.set(resource.logicalId, identity)
    return identity
  }

  /** The synthetic key ARN: `arn:PARTITION:kms:REGION:ACCOUNT:key/pending:<LogicalId>`. */
  keyArn(logicalId: string): string {
    const { partition } = this.resolver.context
    return `arn:${partition}:kms:${this.region()}:${this.account()}:key/${pendingKeyId(logicalId)}`
  }

  /** The stack's account, or its marker. */
  account(): string {
    return this.resolver.context.accountId ?? this.resolver.registry.marker('AWS::AccountId')
  }

  /** The stack's Region, or its marker. */
  region(): string {
    return this.resolver.context.region ?? this.resolver.registry.marker('AWS::Region')
  }

  /** The name CloudFormation generates, written as `<StackName>-<LogicalId>-pending`. */
  pendingName(logicalId: string): string {
    const { stackName } = this.resolver.context
    return stackName ? `${stackName}-${logicalId}-pending` : `${logicalId}-pending`
  }

  private functionName(resource: TemplateResource): string {
    const { properties } = resource
    if (properties.FunctionName === undefined) return this.pendingName(resource.logicalId)
    return this.resolver.resolveString(
      properties.FunctionName,
      `FunctionName of ${resource.logicalId}`,
      properties,
      'FunctionName'
    )
  }
}

/** The synthetic ID of a key the template creates, because KMS generates the real one. */
export function pendingKeyId(logicalId: string): string {
  return `pending:${logicalId}`
}

/** Reads the `Resources` section into entries; throws an `InputError` for a malformed one. */
export function readResources(
  resolver: TemplateResolver,
  template: JsonObject
): TemplateResource[] {
  const resources = template.Resources
  if (!isObject(resources)) {
    throw resolver.error(
      `Resources must be a mapping of logical IDs to resources, found ${describe(resources)}`,
      template,
      'Resources'
    )
  }
  return Object.entries(resources).map(([logicalId, node]) => {
    if (!isObject(node) || typeof node.Type !== 'string') {
      throw resolver.error(
        `resource ${logicalId} must be a mapping with a Type such as AWS::KMS::Key`,
        resources,
        logicalId
      )
    }
    const properties = node.Properties ?? {}
    if (!isObject(properties)) {
      throw resolver.error(`Properties of ${logicalId} must be a mapping`, node, 'Properties')
    }
    return { logicalId, type: node.Type, properties, node }
  })
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (Array.isArray(value)) return 'a list'
  return JSON.stringify(value).slice(0, 60)
}
