/**
 * Templates in a check, end to end: the CloudFormation example fails with the fix written
 * in YAML at the template's line, the report says what the change breaks compared with the
 * base (given as paths or as a git revision), and unresolved values make results unknown.
 */
import { execFileSync } from 'node:child_process'
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { parse } from 'yaml'
import type { CheckReport } from '../../src/check/results.js'
import { runCheck } from '../../src/check/run-check.js'
import type { CheckSettings } from '../../src/inputs/settings.js'
import { buildAnnotations } from '../../src/reports/annotations.js'
import { renderText } from '../../src/reports/text.js'

const ROOT = path.resolve(import.meta.dirname, '..', '..')
const EXAMPLE = 'examples/06-cloudformation-key-policy'

function settings(manifestPath: string, extra: Partial<CheckSettings> = {}, cwd = ROOT) {
  return {
    manifestPath,
    factPaths: [],
    format: 'text' as const,
    failOnUnknown: true,
    mode: 'offline' as const,
    accountRoles: {},
    cwd,
    ...extra
  }
}

function keyPolicyChange(report: CheckReport) {
  const failing = report.results.find((result) => result.status === 'fail')
  return failing?.remediation?.changes.find((change) => change.side === 'key-policy')
}

describe('CloudFormation example', () => {
  let broken: CheckReport

  beforeAll(async () => {
    broken = await runCheck(settings(`${EXAMPLE}/broken.yml`), {})
  })

  it('fails the broken template on the key-policy lock', () => {
    expect(broken.passed).toBe(false)
    expect(broken.results.map((result) => result.closedLocks)).toEqual([
      ['key-policy'],
      ['key-policy'],
      ['key-policy']
    ])
  })

  it('places the fix at the Statement list of the template', () => {
    expect(keyPolicyChange(broken)?.location).toMatchObject({
      file: `${EXAMPLE}/broken/app-key.yaml`,
      line: 29
    })
  })

  it('writes the fix as a YAML list item that parses to the statement', () => {
    const change = keyPolicyChange(broken)
    expect(change?.snippet?.language).toBe('yaml')
    expect(parse(change?.snippet?.text ?? '')).toEqual([change?.statement])
  })

  it('annotates the template line with the YAML fix', () => {
    const annotation = buildAnnotations(broken).find(
      (candidate) => candidate.file === `${EXAMPLE}/broken/app-key.yaml`
    )
    expect(annotation).toMatchObject({ level: 'error', startLine: 29 })
    expect(annotation?.message).toContain('- Sid: AllowOrdersprod')
  })

  it('keeps the snippet lines in the text report', () => {
    const text = renderText(broken, { color: false })
    expect(text).toMatch(/\n\s+- Sid: AllowOrdersprod\n\s+Effect: Allow\n/)
  })

  it('resolves the references to the template resources', () => {
    const byReference = broken.results.find((result) =>
      result.evidence.key.input.endsWith('#ConfigKey')
    )
    expect(byReference?.evidence.key.arn).toBe(
      'arn:aws:kms:eu-west-1:111122223333:key/pending:examples%2F06-cloudformation-key-policy%2Fbroken%2Fapp-key.yaml#ConfigKey'
    )
    expect(byReference?.principal).toBe('arn:aws:iam::111122223333:role/orders-prod')
  })

  it('passes the fixed template', async () => {
    const fixed = await runCheck(settings(`${EXAMPLE}/fixed.yml`), {})
    expect(fixed.passed).toBe(true)
  })
})

describe('comparison with the base', () => {
  it('leads with what the change breaks, from base paths', async () => {
    const report = await runCheck(
      settings(`${EXAMPLE}/broken.yml`, { baseFactPaths: [`${EXAMPLE}/base/`] }),
      {}
    )
    expect(report.baseline).toMatchObject({ breaks: 2, fixes: 0 })
    expect(report.results[0].change).toBe('breaks')
    expect(renderText(report, { color: false })).toMatch(/^Compared with .*this change breaks 2/)
  })

  describe('from a git revision', () => {
    let repo: string

    beforeAll(async () => {
      repo = await mkdtemp(path.join(tmpdir(), 'kms-gate-base-ref-'))
      await cp(path.join(ROOT, EXAMPLE, 'base'), path.join(repo, 'infra'), { recursive: true })
      const manifest = (await readFile(path.join(ROOT, EXAMPLE, 'broken.yml'), 'utf8')).replaceAll(
        'broken/',
        'infra/'
      )
      await writeFile(path.join(repo, 'kms-access.yml'), manifest)
      const git = (...args: string[]) =>
        execFileSync('git', args, {
          cwd: repo,
          env: {
            ...process.env,
            GIT_AUTHOR_NAME: 'test',
            GIT_AUTHOR_EMAIL: 'test@example.com',
            GIT_COMMITTER_NAME: 'test',
            GIT_COMMITTER_EMAIL: 'test@example.com'
          }
        })
      git('init', '-q')
      git('add', '.')
      git('commit', '-q', '-m', 'base')
      await cp(
        path.join(ROOT, EXAMPLE, 'broken', 'app-key.yaml'),
        path.join(repo, 'infra', 'app-key.yaml')
      )
    })

    afterAll(async () => {
      await rm(repo, { recursive: true, force: true })
    })

    it('reads the base templates at the revision', async () => {
      const report = await runCheck(settings('kms-access.yml', { baseRef: 'HEAD' }, repo), {})
      expect(report.baseline?.source).toBe('git revision HEAD')
      // All three results pass at the base: the references name the same template there.
      expect(report.baseline?.breaks).toBe(3)
    })

    it('warns instead of failing when the revision is missing', async () => {
      const report = await runCheck(
        settings('kms-access.yml', { baseRef: 'no-such-ref' }, repo),
        {}
      )
      expect(report.baseline).toBeUndefined()
      expect(report.warnings.map((warning) => warning.message).join('\n')).toContain(
        'base revision `no-such-ref` is not in the repository'
      )
    })
  })
})

describe('unresolved template values', () => {
  let dir: string

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'kms-gate-unresolved-'))
    await writeFile(
      path.join(dir, 'key.yaml'),
      [
        'Resources:',
        '  Key:',
        '    Type: AWS::KMS::Key',
        '    Properties:',
        '      KeyPolicy:',
        '        Version: "2012-10-17"',
        '        Statement:',
        '          - Sid: Consumers',
        '            Effect: Allow',
        '            Principal:',
        '              AWS: !ImportValue shared-consumer-role-arn',
        '            Action: kms:Decrypt',
        '            Resource: "*"',
        ''
      ].join('\n')
    )
    await writeFile(
      path.join(dir, 'kms-access.yml'),
      [
        'version: 1',
        'defaults:',
        '  region: us-east-1',
        '  account: "111122223333"',
        'facts: [key.yaml]',
        'expectations:',
        '  - name: Consumer decrypts',
        '    principal: arn:aws:iam::111122223333:root',
        '    key: key.yaml#Key',
        '    actions: kms:Decrypt',
        '    expect: deny',
        ''
      ].join('\n')
    )
  })

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('makes the result unknown and names the expression', async () => {
    const report = await runCheck(settings('kms-access.yml', {}, dir), {})
    const [result] = report.results
    expect(result.decision).toBe('unknown')
    expect(result.evidence.reasons.join('\n')).toContain('shared-consumer-role-arn')
  })

  it('resolves the value from the manifest imports', async () => {
    const manifest = await readFile(path.join(dir, 'kms-access.yml'), 'utf8')
    await writeFile(
      path.join(dir, 'with-import.yml'),
      manifest
        .replace(
          'facts:',
          'iac:\n  imports:\n    shared-consumer-role-arn: arn:aws:iam::444455556666:role/consumer\nfacts:'
        )
        .replace('expect: deny', 'expect: allow')
    )
    const report = await runCheck(settings('with-import.yml', {}, dir), {})
    expect(report.results[0].decision).toBe('implicit-deny')
    expect(report.results[0].closedLocks).toEqual(['key-policy'])
  })

  it('keeps a denial unknown for a deny expectation, as run-time grants could allow', async () => {
    const manifest = await readFile(path.join(dir, 'kms-access.yml'), 'utf8')
    await writeFile(
      path.join(dir, 'deny-with-import.yml'),
      manifest.replace(
        'facts:',
        'iac:\n  imports:\n    shared-consumer-role-arn: arn:aws:iam::444455556666:role/consumer\nfacts:'
      )
    )
    const report = await runCheck(settings('deny-with-import.yml', {}, dir), {})
    expect(report.results[0].decision).toBe('unknown')
    expect(report.results[0].evidence.reasons.join('\n')).toContain('grants made at run time')
  })
})
