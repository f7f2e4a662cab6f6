/**
 * State shared by the readers of one plan: the parsed plan, its instances, the `.tf`
 * files, the unresolved values found so far, and the account and Region of new resources.
 */

import type { Policy, PolicyKind, SourceLocation, UnresolvedValue } from '../../../engine/model.js'
import { InputError } from '../../../inputs/errors.js'
import { isAccountId, parseArn } from '../../arn.js'
import { type DocumentReader, isObject, type JsonObject } from '../../document-reader.js'
import { parseEmbeddedPolicy } from '../../embedded-policy.js'
import type { FactWarning } from '../../fact-types.js'
import { parsePolicyDocument } from '../../policy-document.js'
import type { IacContext } from '../code-facts.js'
import { UnresolvedRegistry } from '../unresolved-registry.js'
import type { HclBlock } from './hcl-scanner.js'
import { attributeLocation, findResourceBlock, type TfFile } from './locate-address.js'
import { dataSourceValues, type PlanInstances, type ResourceInstance } from './plan-resources.js'
import {
  configExpressions,
  expressionReferences,
  knownAfterApply,
  type PlannedValue,
  plannedValue
} from './plan-values.js'
import { describeReferences } from './references.js'

export type { IacContext } from '../code-facts.js'

/** The declaration of an instance in the `.tf` files, and the file that names it in origins. */
interface Declaration {
  block?: HclBlock
  file: string
}

export class PlanContext {
  private readonly registry: UnresolvedRegistry
  readonly warnings: FactWarning[] = []
  /** Instances that exist after apply. */
  readonly instances: ResourceInstance[]
  /** The old state of instances that the plan deletes or replaces. */
  readonly deleted: ResourceInstance[]
  private readonly declarations = new Map<string, Declaration>()
  private readonly byAddress = new Map<string, ResourceInstance>()
  private readonly byType = new Map<string, ResourceInstance[]>()
  private readonly byTypeAndName = new Map<string, ResourceInstance[]>()
  private readonly deletedByType = new Map<string, ResourceInstance[]>()
  private foundAccountId?: { value: string | undefined }
  private foundRegion?: { value: string | undefined }

  constructor(
    readonly source: string,
    readonly root: JsonObject,
    readonly reader: DocumentReader,
    collected: PlanInstances,
    readonly context: IacContext,
    private readonly tfFiles: TfFile[]
  ) {
    this.registry = new UnresolvedRegistry(source)
    this.instances = collected.instances
    this.deleted = collected.deleted
    for (const instance of this.instances) {
      this.byAddress.set(instance.address, instance)
      appendTo(this.byType, instance.type, instance)
      appendTo(this.byTypeAndName, `${instance.type}.${instance.name}`, instance)
    }
    for (const instance of this.deleted) appendTo(this.deletedByType, instance.type, instance)
  }

  get partition(): string {
    return this.context.partition
  }

  /** Instances of the given types that exist after apply, in plan order within each type. */
  ofType(...types: string[]): ResourceInstance[] {
    return types.flatMap((type) => this.byType.get(type) ?? [])
  }

  /** Returns the old state of instances of the given types that the plan deletes or replaces. */
  deletedOfType(...types: string[]): ResourceInstance[] {
    return types.flatMap((type) => this.deletedByType.get(type) ?? [])
  }

  /** Returns the instance at `address` after apply, if any. */
  instanceAt(address: string): ResourceInstance | undefined {
    return this.byAddress.get(address)
  }

  /** Instances of resource `type` named `name` (`aws_kms_key.this`), in any module. */
  instancesNamed(type: string, name: string): ResourceInstance[] {
    return this.byTypeAndName.get(`${type}.${name}`) ?? []
  }

  value(instance: ResourceInstance, name: string): PlannedValue {
    return plannedValue(instance, name)
  }

  /** Returns a known string value, or undefined when it is unknown, absent, null or empty. */
  knownString(instance: ResourceInstance, name: string): string | undefined {
    const planned = plannedValue(instance, name)
    return planned.known && typeof planned.value === 'string' && planned.value !== ''
      ? planned.value
      : undefined
  }

  /** Names the manifest may use for a resource of this plan. */
  references(instance: ResourceInstance): string[] {
    return [`${this.source}#${instance.address}`]
  }

  /** Values known only after apply that this plan's facts contain as markers. */
  get unresolved(): UnresolvedValue[] {
    return this.registry.list()
  }

  /** Records an unresolved value and returns its marker. One expression at one place gives one entry. */
  addUnresolved(expression: string, location?: SourceLocation): string {
    return this.registry.marker(expression, location)
  }

  /**
   * Records that attribute `name` of `instance` is known only after apply and returns its
   * marker. `expressions` are those of a nested block when the attribute is in one.
   */
  markUnknown(
    instance: ResourceInstance,
    name: string,
    location: SourceLocation | undefined,
    expressions?: JsonObject
  ): string {
    const attribute = name.replace(/\[.*$/, '')
    const written = expressionReferences(
      expressions ?? configExpressions(instance.config),
      attribute.replace(/^.*\./, '')
    )
    const subject = `${instance.address}.${name}`
    return this.addUnresolved(
      knownAfterApply(subject, describeReferences(this.root, instance.steps, written)),
      location
    )
  }

  warn(message: string, location?: SourceLocation) {
    this.warnings.push({ code: 'facts', message, ...(location && { location }) })
  }

  /** Returns the file that declares `instance`: its `.tf` file when found, else the plan. */
  fileOf(instance: ResourceInstance): string {
    return this.declaration(instance).file
  }

  /** Location of the resource block, else of the instance in the plan. */
  blockLocation(instance: ResourceInstance): SourceLocation | undefined {
    return this.declaration(instance).block?.location ?? this.reader.locate(instance.values)
  }

  /** Location of attribute or nested block `name` in the `.tf` file, else the resource block's. */
  attributeLocation(
    instance: ResourceInstance,
    name: string,
    block?: HclBlock
  ): SourceLocation | undefined {
    const resource = this.declaration(instance).block
    const found = block
      ? attributeLocation(block, name)
      : resource && attributeLocation(resource, name)
    return found ?? block?.location ?? this.blockLocation(instance)
  }

  /** Returns the nested blocks of type `type` in the resource block of `instance`. */
  nestedBlocks(instance: ResourceInstance, type: string): HclBlock[] {
    return this.declaration(instance).block?.blocks.filter((block) => block.type === type) ?? []
  }

  /**
   * Parses the policy JSON at `container[key]` (a planned value). Positions inside the plan's
   * one-line JSON string name no line of the configuration. So statement locations are the
   * `.tf` location of the policy attribute when the `.tf` files declare the resource, and
   * otherwise point into the plan.
   */
  parsePolicy(
    instance: ResourceInstance,
    container: JsonObject,
    key: string,
    options: { kind: PolicyKind; name: string; arn?: string; accountId?: string; label: string },
    attribute: SourceLocation | undefined
  ): Policy {
    const policy = parseEmbeddedPolicy(this.reader, container, key, {
      ...options,
      partition: this.partition
    })
    return this.placePolicy(instance, policy, attribute)
  }

  /** Parses a policy built here, such as the default key policy, located at `attribute`. */
  parseBuiltPolicy(
    instance: ResourceInstance,
    document: JsonObject,
    options: { kind: PolicyKind; name: string; accountId?: string; label: string },
    attribute: SourceLocation | undefined
  ): Policy {
    const policy = parsePolicyDocument(document, { ...options, partition: this.partition })
    return this.placePolicy(instance, policy, attribute)
  }

  /** Returns the account of new resources: the manifest's, else the one `data.aws_caller_identity` or the plan's ARNs show. */
  accountId(what: string, location: SourceLocation | undefined): string {
    const found = this.knownAccountId()
    if (found) return found
    throw new InputError(
      `cannot tell the AWS account of ${what}: the plan contains no data.aws_caller_identity and no ARN with an account ID; set the default account in the manifest`,
      location
    )
  }

  /** Returns the account of new resources as `accountId` does, or undefined when the plan does not show it. */
  knownAccountId(): string | undefined {
    if (this.context.accountId) return this.context.accountId
    this.foundAccountId ??= { value: this.planAccountId() }
    return this.foundAccountId.value
  }

  /**
   * Returns the Region of a resource: its own `region` argument (AWS provider 6 and later),
   * its provider's `region`, the manifest's, or `data.aws_region`.
   */
  region(instance: ResourceInstance, location: SourceLocation | undefined): string {
    this.foundRegion ??= { value: this.planRegion() }
    const region =
      this.knownString(instance, 'region') ??
      this.providerRegion(instance) ??
      this.context.region ??
      this.foundRegion.value
    if (region) return region
    throw new InputError(
      `cannot tell the AWS Region of ${instance.address}: its provider sets no constant region and the plan contains no data.aws_region; set the default region in the manifest`,
      location
    )
  }

  private placePolicy(
    instance: ResourceInstance,
    policy: Policy,
    attribute: SourceLocation | undefined
  ): Policy {
    const declaration = this.declaration(instance)
    const written = declaration.block?.attributes.find(
      (candidate) =>
        attribute !== undefined &&
        candidate.location.line === attribute.line &&
        candidate.location.column === attribute.column
    )
    const style = terraformStyle(written?.valueText)
    const document =
      style === 'policy-document' ? this.policyDocumentBlock(written?.valueText ?? '') : undefined
    const statementsLocation = document ?? attribute ?? this.blockLocation(instance)
    if (declaration.block && statementsLocation) {
      for (const statement of policy.statements) statement.location = statementsLocation
      for (const warning of policy.warnings) warning.location = statementsLocation
      policy.location = statementsLocation
    }
    policy.origin = {
      format: 'terraform-plan',
      file: document?.file ?? declaration.file,
      resource: instance.address,
      ...(statementsLocation && { statementsLocation }),
      ...(style && { terraformStyle: style })
    }
    return policy
  }

  /** Location of the `data "aws_iam_policy_document"` block a policy attribute refers to. */
  private policyDocumentBlock(valueText: string): SourceLocation | undefined {
    const name = /data\.aws_iam_policy_document\.([A-Za-z0-9_-]+)/.exec(valueText)?.[1]
    if (!name) return undefined
    return findResourceBlock(`data.aws_iam_policy_document.${name}`, this.root, this.tfFiles)
      ?.location
  }

  private declaration(instance: ResourceInstance): Declaration {
    let found = this.declarations.get(instance.address)
    if (!found) {
      const block = findResourceBlock(instance.address, this.root, this.tfFiles)
      found = block ? { block, file: block.location.file } : { file: this.source }
      this.declarations.set(instance.address, found)
    }
    return found
  }

  private planAccountId(): string | undefined {
    for (const identity of dataSourceValues(this.root, 'aws_caller_identity')) {
      if (typeof identity.account_id === 'string' && isAccountId(identity.account_id))
        return identity.account_id
    }
    const accounts = new Set<string>()
    for (const instance of this.instances) {
      const arn = this.knownString(instance, 'arn')
      const accountId = arn ? parseArn(arn)?.accountId : undefined
      if (accountId && isAccountId(accountId)) accounts.add(accountId)
    }
    return accounts.size === 1 ? [...accounts][0] : undefined
  }

  private planRegion(): string | undefined {
    for (const region of dataSourceValues(this.root, 'aws_region')) {
      const name = region.region ?? region.name
      if (typeof name === 'string' && name !== '') return name
    }
    return undefined
  }

  /** Returns the constant `region` of the instance's provider configuration, or a root variable it names. */
  private providerRegion(instance: ResourceInstance): string | undefined {
    const configuration = isObject(this.root.configuration) ? this.root.configuration : {}
    const providers = isObject(configuration.provider_config) ? configuration.provider_config : {}
    const key =
      typeof instance.config?.provider_config_key === 'string'
        ? instance.config.provider_config_key
        : 'aws'
    // Terraform 0.12 to 0.14 prefix the key with the module name (`kms:aws`).
    const provider = providers[key] ?? providers[key.replace(/^.*:/, '')]
    const expressions =
      isObject(provider) && isObject(provider.expressions) ? provider.expressions : {}
    const region = isObject(expressions.region) ? expressions.region : {}
    if (typeof region.constant_value === 'string') return region.constant_value
    const references = Array.isArray(region.references) ? region.references : []
    const variable = references.find(
      (reference) => typeof reference === 'string' && reference.startsWith('var.')
    )
    const variables = isObject(this.root.variables) ? this.root.variables : {}
    const entry = typeof variable === 'string' ? variables[variable.slice(4)] : undefined
    if (isObject(entry) && typeof entry.value === 'string') return entry.value
    return undefined
  }
}

function appendTo<T>(map: Map<string, T[]>, key: string, value: T) {
  const list = map.get(key)
  if (list) list.push(value)
  else map.set(key, [value])
}

/** Tells how a policy attribute is written, from its value's text in the `.tf` file. */
function terraformStyle(
  valueText: string | undefined
): 'jsonencode' | 'policy-document' | 'json' | undefined {
  if (valueText === undefined) return undefined
  if (/^jsonencode\s*\(/.test(valueText)) return 'jsonencode'
  if (/data\.aws_iam_policy_document\./.test(valueText)) return 'policy-document'
  if (/^(<<|")/.test(valueText)) return 'json'
  return undefined
}
