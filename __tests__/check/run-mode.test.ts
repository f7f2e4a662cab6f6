/** `mode auto`: live when AWS credentials are configured in the environment, else offline. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { resolveMode } from '../../src/check/run-mode.js'

let home: string
let homeWithFile: string

beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'kms-gate-home-'))
  homeWithFile = await mkdtemp(path.join(tmpdir(), 'kms-gate-home-'))
  await mkdir(path.join(homeWithFile, '.aws'))
  await writeFile(path.join(homeWithFile, '.aws', 'credentials'), '[default]\n')
})

afterAll(async () => {
  await rm(home, { recursive: true, force: true })
  await rm(homeWithFile, { recursive: true, force: true })
})

describe('resolveMode', () => {
  it('keeps an explicit mode without a reason', () => {
    expect(resolveMode('offline', { AWS_ACCESS_KEY_ID: 'x' }, home)).toEqual({ mode: 'offline' })
    expect(resolveMode('live', {}, home)).toEqual({ mode: 'live' })
  })

  it.each([
    ['AWS_ACCESS_KEY_ID', 'AKIDEXAMPLE'],
    ['AWS_WEB_IDENTITY_TOKEN_FILE', '/var/run/token'],
    ['AWS_PROFILE', 'dev'],
    ['AWS_CONTAINER_CREDENTIALS_FULL_URI', 'http://127.0.0.1:1/creds'],
    ['AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', '/v2/credentials']
  ])('goes live when %s is set', (name, value) => {
    const resolved = resolveMode('auto', { [name]: value }, home)
    expect(resolved.mode).toBe('live')
    expect(resolved.reason).toContain(name)
  })

  it('goes live when the shared credentials file exists', () => {
    const resolved = resolveMode('auto', {}, homeWithFile)
    expect(resolved.mode).toBe('live')
    expect(resolved.reason).toContain(path.join(homeWithFile, '.aws', 'credentials'))
  })

  it('stays offline without credentials and says why', () => {
    expect(resolveMode('auto', { AWS_ACCESS_KEY_ID: '' }, home)).toEqual({
      mode: 'offline',
      reason: 'mode auto: no AWS credentials in the environment, so fact files only'
    })
  })
})
