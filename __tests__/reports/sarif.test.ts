import { test } from '@jest/globals'
import { writeFileSync } from 'node:fs'
import { runCheck } from '../../src/check/run-check.js'
test('dump', async () => {
  const report = await runCheck({ manifestPath: 'examples/06-cloudformation-key-policy/broken.yml', factPaths: [], format: 'text', failOnUnknown: true, mode: 'offline', accountRoles: {}, cwd: process.cwd() }, {})
  writeFileSync('/tmp/report06.json', JSON.stringify(report, null, 2))
})
