/**
 * A loopback stand-in for the parts of the GitHub REST API that the pull-request comment and
 * the drift issue use: issue comments, issues by label, issue search, create and update.
 * It listens on 127.0.0.1 on a free port, pages lists with `Link` headers as GitHub does,
 * records every request, and returns configured errors (403, 404, 422, 5xx) on demand.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface RecordedRequest {
  method: string
  /** Path without the query string. */
  path: string
  query: Record<string, string>
  body: unknown
  authorization?: string
}

export interface StoredComment {
  id: number
  body: string
  user: { login: string; type: 'User' | 'Bot' }
  html_url: string
  issue_url: string
  created_at: string
}

export interface StoredIssue {
  number: number
  title: string
  body: string
  state: 'open' | 'closed'
  state_reason: string | null
  labels: { name: string }[]
  /** Present on pull requests, which the issues API lists too. */
  pull_request?: { url: string }
  /** Who opened it: the Actions bot unless a test says otherwise. */
  user: { login: string; type: 'User' | 'Bot' }
  html_url: string
  comments: StoredComment[]
}

/** An error response for the requests it matches, for `times` requests or every one. */
export interface FaultRule {
  method?: string
  /** Matched against the path without the query string. */
  path: RegExp
  status: number
  message?: string
  times?: number
  headers?: Record<string, string>
}

/** GitHub rejects issue and comment bodies longer than this, in characters. */
export const MAX_BODY_LENGTH = 65_536

const BOT = { login: 'github-actions[bot]', type: 'Bot' as const }

export class GitHubApiServer {
  readonly requests: RecordedRequest[] = []
  private readonly repositories = new Map<string, StoredIssue[]>()
  private readonly faults: FaultRule[] = []
  private nextCommentId = 1000
  private server: Server | undefined
  url = ''

  /** Starts listening on 127.0.0.1 on a port the system picks. */
  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        this.send(response, 500, { message: `fake server error: ${String(error)}` })
      })
    })
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve))
    const address = this.server.address() as AddressInfo
    this.url = `http://127.0.0.1:${address.port}`
  }

  /** Stops the server; stopping it again does nothing. */
  async stop(): Promise<void> {
    const server = this.server
    if (!server) return
    this.server = undefined
    server.closeAllConnections()
    await new Promise<void>((resolve, reject) =>
      server.close((error) => (error ? reject(error) : resolve()))
    )
  }

  /** Returns an error for matching requests until the rule's `times` are used up. */
  fail(rule: FaultRule): void {
    this.faults.push({ ...rule })
  }

  /** Adds a pull request (an issue with `pull_request` set) and returns it. */
  addPullRequest(owner: string, repo: string, number: number): StoredIssue {
    return this.addIssue(owner, repo, {
      number,
      title: `Pull request ${number}`,
      pull_request: { url: `${this.url}/repos/${owner}/${repo}/pulls/${number}` }
    })
  }

  /** Adds an issue with the given fields and returns it. */
  addIssue(
    owner: string,
    repo: string,
    fields: Partial<Omit<StoredIssue, 'comments'>> & { number?: number }
  ): StoredIssue {
    const issues = this.issuesOf(owner, repo)
    const number =
      fields.number ?? issues.reduce((max, issue) => Math.max(max, issue.number), 0) + 1
    const issue: StoredIssue = {
      title: '',
      body: '',
      state: 'open',
      state_reason: null,
      labels: [],
      user: BOT,
      ...fields,
      number,
      html_url: `https://github.test/${owner}/${repo}/issues/${number}`,
      comments: []
    }
    issues.push(issue)
    return issue
  }

  /** Adds comments to an issue or pull request, as a user or as the Actions bot. */
  addComments(
    issue: StoredIssue,
    bodies: readonly string[],
    user: StoredComment['user'] = BOT
  ): StoredComment[] {
    return bodies.map((body) => this.addComment(issue, body, user))
  }

  issuesOf(owner: string, repo: string): StoredIssue[] {
    const name = `${owner}/${repo}`
    let issues = this.repositories.get(name)
    if (!issues) {
      issues = []
      this.repositories.set(name, issues)
    }
    return issues
  }

  private addComment(
    issue: StoredIssue,
    body: string,
    user: StoredComment['user'] = BOT
  ): StoredComment {
    const id = this.nextCommentId++
    const comment: StoredComment = {
      id,
      body,
      user,
      html_url: `${issue.html_url}#issuecomment-${id}`,
      issue_url: issue.html_url,
      created_at: new Date(Date.UTC(2025, 0, 1, 0, 0, id - 1000)).toISOString()
    }
    issue.comments.push(comment)
    return comment
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', this.url)
    const body = await readJson(request)
    const query = Object.fromEntries(url.searchParams)
    this.requests.push({
      method: request.method ?? 'GET',
      path: url.pathname,
      query,
      body,
      authorization: request.headers.authorization
    })

    if (!request.headers.authorization) {
      this.send(response, 401, { message: 'Requires authentication' })
      return
    }
    const text = (body as { body?: unknown } | undefined)?.body
    if (typeof text === 'string' && text.length > MAX_BODY_LENGTH) {
      this.send(response, 422, {
        message: 'Validation Failed',
        errors: [
          {
            resource: 'IssueComment',
            code: 'custom',
            field: 'body',
            message: 'body is too long (maximum is 65536 characters)'
          }
        ]
      })
      return
    }
    const fault = this.takeFault(request.method ?? 'GET', url.pathname)
    if (fault) {
      const errors = fault.status === 422 ? [{ resource: 'Issue', code: 'invalid' }] : undefined
      this.send(
        response,
        fault.status,
        {
          message: fault.message ?? 'Error',
          errors,
          documentation_url: 'https://docs.github.test'
        },
        fault.headers
      )
      return
    }
    this.route(request.method ?? 'GET', url, body, response)
  }

  private takeFault(method: string, path: string): FaultRule | undefined {
    const fault = this.faults.find(
      (rule) => (rule.method ?? method) === method && rule.path.test(path) && rule.times !== 0
    )
    if (fault && fault.times !== undefined) fault.times--
    return fault
  }

  /** Answers the request; every branch ends by sending a response. */
  private route(method: string, url: URL, body: unknown, response: ServerResponse): true {
    const path = url.pathname
    const fields = (body ?? {}) as Record<string, unknown>
    let match = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/.exec(path)
    if (match) {
      const issue = this.findIssue(match[1], match[2], Number(match[3]))
      if (!issue) return this.notFound(response)
      if (method === 'GET') return this.sendPage(response, url, issue.comments)
      if (method === 'POST') {
        if (typeof fields.body !== 'string') return this.invalid(response, 'body is missing')
        return this.send(response, 201, this.addComment(issue, fields.body))
      }
    }

    match = /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/.exec(path)
    if (match && method === 'PATCH') {
      const id = Number(match[3])
      const comment = this.issuesOf(match[1], match[2])
        .flatMap((issue) => issue.comments)
        .find((candidate) => candidate.id === id)
      if (!comment) return this.notFound(response)
      if (typeof fields.body !== 'string') return this.invalid(response, 'body is missing')
      comment.body = fields.body
      return this.send(response, 200, comment)
    }

    match = /^\/repos\/([^/]+)\/([^/]+)\/issues$/.exec(path)
    if (match) {
      const [owner, repo] = [match[1], match[2]]
      if (method === 'GET') return this.sendPage(response, url, this.listIssues(owner, repo, url))
      if (method === 'POST') {
        if (typeof fields.title !== 'string') return this.invalid(response, 'title is missing')
        const labels = ((fields.labels as string[] | undefined) ?? []).map((name) => ({ name }))
        const issue = this.addIssue(owner, repo, {
          title: fields.title,
          body: typeof fields.body === 'string' ? fields.body : '',
          labels
        })
        return this.send(response, 201, issueJson(issue))
      }
    }

    match = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)$/.exec(path)
    if (match) {
      const issue = this.findIssue(match[1], match[2], Number(match[3]))
      if (!issue) return this.notFound(response)
      if (method === 'GET') return this.send(response, 200, issueJson(issue))
      if (method === 'PATCH') {
        if (typeof fields.title === 'string') issue.title = fields.title
        if (typeof fields.body === 'string') issue.body = fields.body
        if (fields.state === 'open' || fields.state === 'closed') issue.state = fields.state
        if (typeof fields.state_reason === 'string') issue.state_reason = fields.state_reason
        return this.send(response, 200, issueJson(issue))
      }
    }

    if (path === '/search/issues' && method === 'GET') {
      const items = this.search(url.searchParams.get('q') ?? '')
      return this.sendPage(response, url, items, (page) => ({
        total_count: items.length,
        incomplete_results: false,
        items: page
      }))
    }
    return this.notFound(response)
  }

  private findIssue(owner: string, repo: string, number: number): StoredIssue | undefined {
    return this.issuesOf(owner, repo).find((issue) => issue.number === number)
  }

  private listIssues(owner: string, repo: string, url: URL): StoredIssue[] {
    const state = url.searchParams.get('state') ?? 'open'
    const labels = (url.searchParams.get('labels') ?? '').split(',').filter(Boolean)
    return this.issuesOf(owner, repo).filter(
      (issue) =>
        (state === 'all' || issue.state === state) &&
        labels.every((label) => issue.labels.some((candidate) => candidate.name === label))
    )
  }

  /** Supports the qualifiers `repo:`, `label:`, `is:open`/`is:closed`, `is:issue` and words in the body. */
  private search(q: string): StoredIssue[] {
    const terms = q.match(/\w+:"[^"]*"|"[^"]*"|\S+/g) ?? []
    let candidates = [...this.repositories.entries()].flatMap(([name, issues]) =>
      issues.map((issue) => ({ name, issue }))
    )
    for (const term of terms) {
      const [qualifier, rawValue] = term.includes(':') ? term.split(/:(.*)/s) : ['', term]
      const value = rawValue.replace(/^"|"$/g, '')
      candidates = candidates.filter(({ name, issue }) => {
        if (qualifier === 'repo') return name === value
        if (qualifier === 'label') return issue.labels.some((label) => label.name === value)
        if (qualifier === 'is' && (value === 'open' || value === 'closed'))
          return issue.state === value
        if (qualifier === 'is' && value === 'issue') return !issue.pull_request
        return issue.body.includes(term.replace(/^"|"$/g, ''))
      })
    }
    return candidates.map(({ issue }) => issue)
  }

  private sendPage(
    response: ServerResponse,
    url: URL,
    items: readonly (StoredIssue | StoredComment)[],
    wrap?: (page: unknown[]) => unknown
  ): true {
    const perPage = Math.min(Number(url.searchParams.get('per_page') ?? 30) || 30, 100)
    const page = Math.max(Number(url.searchParams.get('page') ?? 1) || 1, 1)
    const last = Math.max(Math.ceil(items.length / perPage), 1)
    const slice = items
      .slice((page - 1) * perPage, page * perPage)
      .map((item) => ('comments' in item ? issueJson(item) : item))
    const pageUrl = (number: number) => {
      const next = new URL(url)
      next.searchParams.set('per_page', String(perPage))
      next.searchParams.set('page', String(number))
      return `<${next.href}>`
    }
    const links: string[] = []
    if (page < last) links.push(`${pageUrl(page + 1)}; rel="next"`, `${pageUrl(last)}; rel="last"`)
    if (page > 1) links.push(`${pageUrl(1)}; rel="first"`, `${pageUrl(page - 1)}; rel="prev"`)
    const headers = links.length > 0 ? { link: links.join(', ') } : undefined
    return this.send(response, 200, wrap ? wrap(slice) : slice, headers)
  }

  private notFound(response: ServerResponse): true {
    return this.send(response, 404, { message: 'Not Found' })
  }

  private invalid(response: ServerResponse, message: string): true {
    return this.send(response, 422, { message: `Validation Failed: ${message}` })
  }

  private send(
    response: ServerResponse,
    status: number,
    payload: unknown,
    headers: Record<string, string> = {}
  ): true {
    response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers })
    response.end(JSON.stringify(payload))
    return true
  }
}

function issueJson(issue: StoredIssue): Omit<StoredIssue, 'comments'> & { comments: number } {
  return { ...issue, comments: issue.comments.length }
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  if (chunks.length === 0) return undefined
  return JSON.parse(Buffer.concat(chunks).toString('utf8'))
}

/** Starts a server; stop it with `stop()` after the tests. */
export async function startGitHubApi(): Promise<GitHubApiServer> {
  const server = new GitHubApiServer()
  await server.start()
  return server
}
