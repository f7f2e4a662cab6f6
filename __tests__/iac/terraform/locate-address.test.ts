import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from '@jest/globals'
import { locateAddress, type TfFile } from '../../../src/facts/iac/terraform/index.js'

const FIXTURES = path.join(import.meta.dirname, 'fixtures')
const PLAN = JSON.parse(readFileSync(path.join(FIXTURES, 'app', 'plan.json'), 'utf8'))

const APP_FILES: TfFile[] = ['main.tf', 'modules/kms/main.tf'].map((name) => ({
  path: `infra/${name}`,
  text: readFileSync(path.join(FIXTURES, 'app', name), 'utf8')
}))

const TRICKY = readFileSync(path.join(FIXTURES, 'tricky.tf'), 'utf8')

describe('locateAddress', () => {
  it('finds a root resource block', () => {
    const found = locateAddress('aws_iam_role.app', PLAN, APP_FILES)
    expect(found.block).toEqual({ file: 'infra/main.tf', line: 17, column: 1 })
    expect(found.attribute?.('inline_policy')).toEqual({
      file: 'infra/main.tf',
      line: 22,
      column: 3
    })
    expect(found.attribute?.('policy')).toBeUndefined()
  })

  it('finds a for_each instance', () => {
    const found = locateAddress('aws_kms_alias.app["app-eu"]', PLAN, APP_FILES)
    expect(found.block).toEqual({ file: 'infra/main.tf', line: 39, column: 1 })
    expect(found.attribute?.('target_key_id')).toEqual({
      file: 'infra/main.tf',
      line: 42,
      column: 3
    })
  })

  it('follows a module source', () => {
    const found = locateAddress('module.kms.aws_kms_key_policy.this', PLAN, APP_FILES)
    expect(found.block).toEqual({ file: 'infra/modules/kms/main.tf', line: 8, column: 1 })
    expect(found.attribute?.('policy')).toEqual({
      file: 'infra/modules/kms/main.tf',
      line: 10,
      column: 3
    })
  })

  it('skips comments, strings and heredocs', () => {
    const files = [{ path: 'main.tf', text: TRICKY }]
    expect(locateAddress('aws_kms_key.a', {}, files).block).toEqual({
      file: 'main.tf',
      line: 12,
      column: 1
    })
    const b = locateAddress('aws_kms_key.b', {}, files)
    expect(b.block).toEqual({ file: 'main.tf', line: 13, column: 1 })
    expect(b.attribute?.('policy')).toEqual({ file: 'main.tf', line: 14, column: 3 })
    expect(b.attribute?.('tags')).toEqual({ file: 'main.tf', line: 17, column: 3 })
  })

  it('returns nothing for an unknown address', () => {
    expect(locateAddress('aws_kms_key.missing', PLAN, APP_FILES)).toEqual({})
    expect(locateAddress('not an address', PLAN, APP_FILES)).toEqual({})
  })

  it('survives unbalanced text', () => {
    const files = [{ path: 'bad.tf', text: 'resource "aws_kms_key" "x" {\n  policy = "${\n' }]
    expect(locateAddress('aws_kms_key.x', {}, files).block).toEqual({
      file: 'bad.tf',
      line: 1,
      column: 1
    })
  })
})
