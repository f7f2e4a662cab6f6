import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { loadFacts } from '../../src/facts/load-facts.js'
import {
  asyncInputErrorOf,
  authorizationDetails,
  cliText,
  keyObject,
  policyDocument,
  role,
  statement
} from './builders.js'

let root: string
let cwd: string

function write(relative: string, content: string) {
  const file = path.join(cwd, relative)
  mkdirSync(path.dirname(file), { recursive: true })
  writeFileSync(file, content)
}

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'facts-'))
  cwd = path.join(root, 'repo')
  write('facts/keys/app.json', cliText(keyObject({}, 'app')))
  write('facts/keys/nested/db.json', cliText(keyObject({}, 'db')))
  write('facts/keys/README.md', '# not JSON, skipped in directories')
  write('facts/keys/.hidden.json', 'not JSON, skipped as a dot file')
  write('facts/iam/account.json', cliText(authorizationDetails({ roles: [role('App')] })))
  write('facts/extra.key', cliText(keyObject({}, 'extra')))
  write(
    'facts/warn.json',
    cliText(
      keyObject(
        { Policy: policyDocument(statement({ Principal: '*', Resource: 'arn:x' })) },
        'warn'
      )
    )
  )
  write('empty-dir/notes.txt', 'nothing here')
  write('cdk.out/manifest.json', JSON.stringify({ version: '36.0.0', artifacts: {} }))
  write('cdk.out/tree.json', JSON.stringify({ version: 'tree-0.1', tree: {} }))
  write('cdk.out/App.assets.json', JSON.stringify({ version: '36.0.0', files: {} }))
  write('cdk.out/keys/app.json', cliText(keyObject({}, 'cdk')))
  write('cdk.out/docker-compose.yml', 'services:\n  web:\n    image: nginx\n')
  writeFileSync(path.join(root, 'outside.json'), cliText(keyObject({}, 'outside')))
})

afterAll(() => {
  rmSync(root, { recursive: true, force: true })
})

describe('loadFacts paths', () => {
  it('reads every JSON file below a directory', async () => {
    const { facts, sources } = await loadFacts(['facts/keys'], cwd)
    expect(sources).toEqual(['facts/keys/app.json', 'facts/keys/nested/db.json'])
    expect(facts.keys.map((key) => key.keyId)).toEqual(['app', 'db'])
  })

  it('reads an explicitly named file whatever its extension', async () => {
    const { facts, sources } = await loadFacts(['facts/extra.key'], cwd)
    expect(sources).toEqual(['facts/extra.key'])
    expect(facts.keys[0].keyId).toBe('extra')
  })

  it('expands glob patterns', async () => {
    const { sources } = await loadFacts(['facts/**/a*.json'], cwd)
    expect(sources).toEqual(['facts/iam/account.json', 'facts/keys/app.json'])
  })

  it('expands absolute glob patterns', async () => {
    const { sources } = await loadFacts([`${cwd}/facts/*/app.json`, `${root}/*.json`], cwd)
    expect(sources).toEqual([path.join(root, 'outside.json'), 'facts/keys/app.json'])
  })

  it('reads each file once', async () => {
    const { sources } = await loadFacts(
      ['facts/keys', 'facts/keys/app.json', './facts/keys/*.json'],
      cwd
    )
    expect(sources).toEqual(['facts/keys/app.json', 'facts/keys/nested/db.json'])
  })

  it('names files outside cwd by absolute path', async () => {
    const { sources, facts } = await loadFacts(['../outside.json'], cwd)
    expect(sources).toEqual([path.join(root, 'outside.json')])
    expect(facts.keys[0].location?.file).toBe(path.join(root, 'outside.json'))
  })

  it('puts relative paths in locations and warnings', async () => {
    const { facts, warnings } = await loadFacts(['facts/warn.json'], cwd)
    expect(facts.keys[0].policy?.statements[0].location?.file).toBe('facts/warn.json')
    expect(warnings).toEqual([
      expect.objectContaining({
        code: 'resource-not-star',
        location: expect.objectContaining({ file: 'facts/warn.json' })
      })
    ])
  })
})

describe('loadFacts directory scans', () => {
  it('skips the metadata of a CDK cloud assembly and YAML that is no template', async () => {
    const loaded = await loadFacts(['cdk.out'], cwd)
    expect(loaded.sources).toEqual(['cdk.out/keys/app.json'])
  })

  it('rejects a CDK manifest named explicitly, which holds no facts', async () => {
    const error = await asyncInputErrorOf(() => loadFacts(['cdk.out/manifest.json'], cwd))
    expect(error.message).toContain('unrecognised fact file')
  })
})

describe('loadFacts exclusions', () => {
  it('excludes a file from a directory', async () => {
    const { sources } = await loadFacts(['facts/', '!facts/iam/account.json'], cwd)
    expect(sources).toEqual(['facts/keys/app.json', 'facts/keys/nested/db.json', 'facts/warn.json'])
  })

  it('excludes a directory from a directory', async () => {
    const { sources } = await loadFacts(['facts/keys', '!facts/keys/nested'], cwd)
    expect(sources).toEqual(['facts/keys/app.json'])
  })

  it('excludes the matches of a pattern whatever the order', async () => {
    const { sources } = await loadFacts(['!facts/**/a*.json', 'facts/**/*.json'], cwd)
    expect(sources).toEqual(['facts/keys/nested/db.json', 'facts/warn.json'])
  })

  it('excludes a file named explicitly', async () => {
    const { sources } = await loadFacts(
      ['facts/extra.key', 'facts/keys/app.json', '!facts/extra.key'],
      cwd
    )
    expect(sources).toEqual(['facts/keys/app.json'])
  })

  it('excludes by absolute path', async () => {
    const { sources } = await loadFacts(['facts/keys', `!${cwd}/facts/keys/app.json`], cwd)
    expect(sources).toEqual(['facts/keys/nested/db.json'])
  })

  it('accepts an exclusion that matches nothing', async () => {
    const { sources } = await loadFacts(['facts/keys', '!facts/gone.json', '!facts/**/*.yaml'], cwd)
    expect(sources).toEqual(['facts/keys/app.json', 'facts/keys/nested/db.json'])
  })

  it('rejects exclusions that leave no file', async () => {
    const error = await asyncInputErrorOf(() =>
      loadFacts(['facts/keys/app.json', '!facts/keys'], cwd)
    )
    expect(error.message).toBe(
      'every fact file is excluded: the paths "facts/keys/app.json" select only files that "!facts/keys" exclude; remove an exclusion or add a path'
    )
  })

  it('rejects paths that only exclude', async () => {
    const error = await asyncInputErrorOf(() => loadFacts(['!facts/keys'], cwd))
    expect(error.message).toBe(
      'the fact paths "!facts/keys" only exclude files; add a file, directory or glob pattern to read, such as "facts/"'
    )
  })

  it('rejects an empty exclusion', async () => {
    const error = await asyncInputErrorOf(() => loadFacts(['facts/keys', '!'], cwd))
    expect(error.message).toBe('a fact exclusion "!" is empty; write "!" and a path or pattern')
  })
})

describe('loadFacts errors', () => {
  it('rejects a file that does not exist', async () => {
    const error = await asyncInputErrorOf(() => loadFacts(['facts/missing.json'], cwd))
    expect(error.message).toContain('fact file "facts/missing.json" not found')
  })

  it('rejects a pattern that matches nothing', async () => {
    const error = await asyncInputErrorOf(() => loadFacts(['facts/**/*.yaml'], cwd))
    expect(error.message).toContain('fact pattern "facts/**/*.yaml" matches no file')
  })

  it('rejects a directory without JSON files', async () => {
    const error = await asyncInputErrorOf(() => loadFacts(['empty-dir'], cwd))
    expect(error.message).toBe(
      'fact directory "empty-dir" contains no .json, .yaml, .yml or .template file'
    )
  })

  it('rejects an empty path', async () => {
    const error = await asyncInputErrorOf(() => loadFacts([' '], cwd))
    expect(error.message).toContain('a fact path is empty')
  })

  it('rejects a file that is not JSON', async () => {
    const error = await asyncInputErrorOf(() => loadFacts(['empty-dir/notes.txt'], cwd))
    expect(error.location).toEqual({ file: 'empty-dir/notes.txt', line: 1, column: 1 })
    expect(error.message).toContain('invalid JSON')
  })
})
