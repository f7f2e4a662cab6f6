import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from '@jest/globals'
import { buildFacts } from '../../src/facts/build-facts.js'

const DOC = path.join(import.meta.dirname, '..', '..', 'docs', 'facts-formats.md')

/** Returns the JSON code blocks of the section under `heading`. */
function jsonExamples(heading: string): string[] {
  const text = readFileSync(DOC, 'utf8')
  const start = text.indexOf(`\n## ${heading}\n`)
  if (start < 0) throw new Error(`section "${heading}" not found in ${DOC}`)
  const end = text.indexOf('\n## ', start + 1)
  const section = text.slice(start, end < 0 ? undefined : end)
  return [...section.matchAll(/```json\n([\s\S]*?)```/g)].map((match) => match[1])
}

describe('facts-formats.md examples', () => {
  it('loads the VPC endpoint example', () => {
    const [example] = jsonExamples('VPC endpoints')
    const { facts, warnings } = buildFacts([{ source: 'vpce.json', text: example }])
    expect(facts.vpcEndpoints.map((entry) => entry.vpcEndpointId)).toEqual([
      'vpce-0123456789abcdef0'
    ])
    expect(facts.vpcEndpoints[0].policy.statements[0].conditions).toHaveLength(1)
    expect(warnings).toEqual([])
  })

  it('loads the session policy example', () => {
    const [example] = jsonExamples('Session policies')
    const { facts, warnings } = buildFacts([{ source: 'sessions.json', text: example }])
    expect(facts.sessionPolicies.map((entry) => entry.sessionArn)).toEqual([
      'arn:aws:sts::111122223333:assumed-role/App/build'
    ])
    expect(facts.sessionPolicies[0].policy.statements.map((entry) => entry.effect)).toEqual([
      'Allow',
      'Deny'
    ])
    expect(warnings).toEqual([])
  })
})
