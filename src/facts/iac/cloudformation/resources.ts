/**
 * Names and ARNs of the resources a template creates, as `Ref` and `Fn::GetAtt` return
 * them. A resource without a fixed name gets a synthetic name, and a key a synthetic key
 * ID. Both start with `pending:` and name the template file, so every reference to one
 * resource gives the same string and two templates never give the same one.
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
  private readonly names = new Map<string, string>()
  /** Logical IDs whose name is being resolved, in order, to name a reference cycle. */
  private readonly computing: string[] = []

  /** `source` is the template's path as the fact loader names it. */
  constructor(
    private readonly resolver: TemplateResolver,
    resources: TemplateResource[],
    private readonly source: string
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
    if (KEY_TYPES.has(resource.type)) return this.keyId(logicalId)
    if (resource.type === 'AWS::KMS::Alias') return this.aliasName(resource)
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
      if (attribute === 'KeyId') return this.keyId(logicalId)
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
    const identity = this.guarded(resource, () => {
      const { nameProperty, arnType } = IAM_NAMES[resource.type]
      const { properties, logicalId } = resource
      const name =
        this.resolver.resolveOptionalString(
          properties[nameProperty],
          `${nameProperty} of ${logicalId}`,
          properties,
          nameProperty
        ) ?? this.pendingName(logicalId)
      // AWS::NoValue removes Path, and IAM then uses the root path.
      const path =
        this.resolver.resolveOptionalString(
          properties.Path,
          `Path of ${logicalId}`,
          properties,
          'Path'
        ) ?? '/'
      const { partition } = this.resolver.context
      return { name, path, arn: `arn:${partition}:iam::${this.account()}:${arnType}${path}${name}` }
    })
    this.identities.set(resource.logicalId, identity)
    return identity
  }

  /** Returns the synthetic key ID of a key the template creates (see `pendingKeyId`). */
  keyId(logicalId: string): string {
    return pendingKeyId(this.source, logicalId)
  }

  /** Returns the synthetic key ARN: `arn:PARTITION:kms:REGION:ACCOUNT:key/<keyId>`. */
  keyArn(logicalId: string): string {
    const { partition } = this.resolver.context
    return `arn:${partition}:kms:${this.region()}:${this.account()}:key/${this.keyId(logicalId)}`
  }

  /** Returns the stack's account, or its marker. */
  account(): string {
    return this.resolver.context.accountId ?? this.resolver.registry.marker('AWS::AccountId')
  }

  /** Returns the stack's Region, or its marker. */
  region(): string {
    return this.resolver.context.region ?? this.resolver.registry.marker('AWS::Region')
  }

  /**
   * Returns the name CloudFormation generates, written as
   * `pending:<source>#<StackName>-<LogicalId>` with the source percent-encoded (see
   * `pendingKeyId`). IAM names cannot contain `:` or `#`, so it never equals an existing name.
   */
  pendingName(logicalId: string): string {
    const { stackName } = this.resolver.context
    const generated = stackName ? `${stackName}-${logicalId}` : logicalId
    return `pending:${encodeURIComponent(this.source)}#${generated}`
  }

  private aliasName(resource: TemplateResource): string {
    return this.cachedName(resource, () =>
      this.resolver.resolveString(
        resource.properties.AliasName,
        `AliasName of ${resource.logicalId}`,
        resource.properties,
        'AliasName'
      )
    )
  }

  private functionName(resource: TemplateResource): string {
    return this.cachedName(resource, () => {
      const { properties, logicalId } = resource
      return (
        this.resolver.resolveOptionalString(
          properties.FunctionName,
          `FunctionName of ${logicalId}`,
          properties,
          'FunctionName'
        ) ?? this.pendingName(logicalId)
      )
    })
  }

  private cachedName(resource: TemplateResource, compute: () => string): string {
    const known = this.names.get(resource.logicalId)
    if (known !== undefined) return known
    const name = this.guarded(resource, compute)
    this.names.set(resource.logicalId, name)
    return name
  }

  /**
   * Computes a value of `resource` that may refer to other resources, and throws an
   * `InputError` naming the cycle when it leads back to `resource`.
   */
  private guarded<T>(resource: TemplateResource, compute: () => T): T {
    const position = this.computing.indexOf(resource.logicalId)
    if (position >= 0) {
      const cycle = [...this.computing.slice(position), resource.logicalId].join(' -> ')
      throw this.resolver.error(
        `the name of ${resource.logicalId} depends on itself: ${cycle}`,
        resource.node
      )
    }
    this.computing.push(resource.logicalId)
    try {
      return compute()
    } finally {
      this.computing.pop()
    }
  }
}

/**
 * Returns the synthetic ID of a key the template creates, because KMS generates the real one:
 * `pending:<source>#<LogicalId>`. The source is percent-encoded (`encodeURIComponent`), so
 * the ID contains no `/` and two sources never give the same ID.
 */
export function pendingKeyId(source: string, logicalId: string): string {
  return `pending:${encodeURIComponent(source)}#${logicalId}`
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
