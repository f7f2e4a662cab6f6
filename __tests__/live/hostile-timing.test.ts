/**
 * Slow and silent servers: a live run must end, with the slow read as a gap, within a
 * bounded time.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, test } from '@jest/globals'
import { readLiveFacts } from '../../src/facts/live/read-live-facts.js'
import type { Expectation } from '../../src/inputs/settings.js'
import { KEY, ROLE, startScriptedAws, trustAccountPolicy, useEndpoint } from './hostile-wire.js'

const EXPECTATION: Expectation = {
  name: 'app decrypts',
  principal: ROLE,
  key: KEY,
  actions: ['kms:Decrypt'],
  expect: 'allow',
  context: {},
  location: { file: 'kms-access.yml', line: 1, column: 1 },
  fieldLocations: {}
}

const OPTIONS = { accountRoles: {}, maxAttempts: 1, requestTimeoutMs: 1000 }

/**
 * Serves GetKeyPolicy by sending the headers at once and then one byte of the body every
 * `intervalMs`, for `totalMs`; forwards everything else to `forward`.
 */
async function trickleServer(forward: string, intervalMs: number, totalMs: number) {
  const timers = new Set<NodeJS.Timeout>()
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const body = Buffer.concat(chunks)
      if (request.headers['x-amz-target'] === 'TrentService.GetKeyPolicy') {
        response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' })
        response.write('{"PolicyName": "default", "Policy": "')
        const started = Date.now()
        const timer = setInterval(() => {
          if (Date.now() - started > totalMs) {
            clearInterval(timer)
            response.end(`${JSON.stringify(JSON.stringify(trustAccountPolicy())).slice(1)}}`)
            return
          }
          response.write(' ')
        }, intervalMs)
        timers.add(timer)
        return
      }
      const proxied = http.request(
        `${forward}${request.url}`,
        { method: request.method, headers: request.headers },
        (answer) => {
          response.writeHead(answer.statusCode ?? 500, answer.headers)
          answer.pipe(response)
        }
      )
      proxied.end(body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearInterval(timer)
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

describe('timing', () => {
  test('a read that never answers ends as a gap after the request timeout', async () => {
    const aws = await startScriptedAws({
      keys: [{ arn: KEY, policy: trustAccountPolicy() }],
      override: (call) =>
        call.operation === 'kms:GetKeyPolicy' ? new Promise(() => undefined) : undefined
    })
    const restore = useEndpoint(aws.endpoint)
    try {
      const started = Date.now()
      const facts = await readLiveFacts(
        [EXPECTATION],
        { partition: 'aws', region: 'us-east-1' },
        OPTIONS
      )
      expect(Date.now() - started).toBeLessThan(8000)
      expect(facts.gaps.map((gap) => gap.part)).toEqual(['key-policy'])
    } finally {
      restore()
      await aws.close()
    }
  }, 20_000)

  test('a read whose body trickles in forever ends as a gap within a bounded time', async () => {
    const aws = await startScriptedAws({
      keys: [{ arn: KEY, policy: trustAccountPolicy() }]
    })
    const slow = await trickleServer(aws.endpoint, 200, 15_000)
    const restore = useEndpoint(slow.endpoint)
    try {
      const started = Date.now()
      const facts = await readLiveFacts(
        [EXPECTATION],
        { partition: 'aws', region: 'us-east-1' },
        OPTIONS
      )
      expect(Date.now() - started).toBeLessThan(8000)
      expect(facts.gaps.map((gap) => gap.part)).toEqual(['key-policy'])
    } finally {
      restore()
      await slow.close()
      await aws.close()
    }
  }, 30_000)
})
