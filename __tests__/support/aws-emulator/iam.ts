/** The IAM read operations (awsQuery): GetRole, GetUser, GetAccountAuthorizationDetails. */
import { type CallContext, type Handler, numberParam, pageLimit, stringParam } from './context.js'
import { noSuchEntity, paginate, type WireResponse, xmlError, xmlResponse } from './protocol.js'
import { policyText } from './raw-json.js'
import { simulatePrincipalPolicy } from './simulate.js'
import { arnAccount, findByName, iamEntries, isObject, type JsonObject } from './world.js'

/** IAM handlers by operation name. */
export const IAM_HANDLERS: Record<string, Handler> = {
  GetRole: getRole,
  GetUser: getUser,
  GetAccountAuthorizationDetails: getAccountAuthorizationDetails,
  SimulatePrincipalPolicy: simulatePrincipalPolicy
}

const ROLE_MEMBERS = [
  'Path',
  'RoleName',
  'RoleId',
  'Arn',
  'CreateDate',
  'AssumeRolePolicyDocument',
  'Description',
  'MaxSessionDuration',
  'PermissionsBoundary',
  'Tags',
  'RoleLastUsed'
]
const USER_MEMBERS = [
  'Path',
  'UserName',
  'UserId',
  'Arn',
  'CreateDate',
  'PermissionsBoundary',
  'Tags'
]

function getRole(context: CallContext): WireResponse {
  const name = stringParam(context.params, 'RoleName') ?? ''
  const role = findByName(context.world, context.caller.accountId, 'RoleDetailList', name)
  if (!role) return noSuchEntity(`The role with name ${name} cannot be found.`)
  return xmlResponse('iam', 'GetRole', { Role: encodeDocuments(pick(role, ROLE_MEMBERS), context) })
}

function getUser(context: CallContext): WireResponse {
  const name = stringParam(context.params, 'UserName') ?? callerUserName(context)
  if (name === undefined) {
    return xmlError(
      'iam',
      400,
      'ValidationError',
      'Must specify userName when calling with non-User credentials'
    )
  }
  const user = findByName(context.world, context.caller.accountId, 'UserDetailList', name)
  if (!user) return noSuchEntity(`The user with name ${name} cannot be found.`)
  return xmlResponse('iam', 'GetUser', { User: encodeDocuments(pick(user, USER_MEMBERS), context) })
}

function callerUserName(context: CallContext): string | undefined {
  const match = /^arn:[^:]+:iam::\d{12}:user\/(?:.*\/)?([^/]+)$/.exec(context.caller.arn)
  return match?.[1]
}

function pick(entry: JsonObject, members: string[]): JsonObject {
  return Object.fromEntries(
    members.filter((member) => entry[member] !== undefined).map((member) => [member, entry[member]])
  )
}

/** Members that hold policy documents, which the IAM API returns URL-encoded. */
const DOCUMENT_MEMBERS = new Set(['PolicyDocument', 'AssumeRolePolicyDocument', 'Document'])

/** Copies an entry with its policy documents URL-encoded, as the IAM API returns them. */
function encodeDocuments(value: unknown, context: CallContext): unknown {
  if (Array.isArray(value)) return value.map((item) => encodeDocuments(item, context))
  if (!isObject(value)) return value
  return Object.fromEntries(
    Object.entries(value).map(([name, member]) => {
      if (!DOCUMENT_MEMBERS.has(name)) return [name, encodeDocuments(member, context)]
      const text = policyText(member, context.world.textOf)
      return [name, text === undefined ? member : encodeURIComponent(text)]
    })
  )
}

type DetailList = 'UserDetailList' | 'GroupDetailList' | 'RoleDetailList' | 'Policies'

const FILTERS: Record<string, DetailList> = {
  User: 'UserDetailList',
  Group: 'GroupDetailList',
  Role: 'RoleDetailList'
}

/**
 * Returns the caller's account's documents as the fact files write them. Pages run across
 * the lists in the order users, groups, roles, policies.
 */
function getAccountAuthorizationDetails(context: CallContext): WireResponse {
  const filter = Array.isArray(context.params.Filter) ? (context.params.Filter as string[]) : []
  const isRequested = (name: string) => filter.length === 0 || filter.includes(name)
  const accountId = context.caller.accountId
  const items: { list: DetailList; entry: JsonObject }[] = []
  for (const [filterName, list] of Object.entries(FILTERS)) {
    if (!isRequested(filterName)) continue
    for (const entry of iamEntries(context.world, accountId, list)) items.push({ list, entry })
  }
  for (const entry of iamEntries(context.world, accountId, 'Policies')) {
    const awsManaged = arnAccount(String(entry.Arn)) === 'aws'
    if (isRequested(awsManaged ? 'AWSManagedPolicy' : 'LocalManagedPolicy'))
      items.push({ list: 'Policies', entry })
  }

  const limit = pageLimit(
    numberParam(context.params, 'MaxItems'),
    context.pageSizes.authorizationDetails
  )
  const result = paginate(items, context.params.Marker, limit)
  if ('invalidMarker' in result) return xmlError('iam', 400, 'ValidationError', 'Invalid Marker')

  const lists: Record<DetailList, unknown[]> = {
    UserDetailList: [],
    GroupDetailList: [],
    RoleDetailList: [],
    Policies: []
  }
  for (const item of result.page) lists[item.list].push(encodeDocuments(item.entry, context))
  return xmlResponse('iam', 'GetAccountAuthorizationDetails', {
    ...lists,
    IsTruncated: result.nextMarker !== undefined,
    ...(result.nextMarker && { Marker: result.nextMarker })
  })
}
