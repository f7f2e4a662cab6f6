// Bundles the action entry (dist/index.js) and the CLI entry (dist/cli.js) with ncc, and
// writes one dist/licenses.txt listing the licences of every bundled package.
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'

const root = path.resolve(import.meta.dirname, '..')
const work = path.join(root, 'build')
const dist = path.join(root, 'dist')
const ncc = path.join(root, 'node_modules', '.bin', 'ncc')

const entries = [
  { source: 'src/index.ts', output: 'index.js' },
  { source: 'src/cli.ts', output: 'cli.js' }
]

rmSync(work, { recursive: true, force: true })
rmSync(dist, { recursive: true, force: true })
mkdirSync(dist, { recursive: true })

const licenceBlocks = new Set()
for (const entry of entries) {
  const outDir = path.join(work, path.basename(entry.output, '.js'))
  execFileSync(ncc, ['build', entry.source, '-o', outDir, '--license', 'licenses.txt', '--quiet'], {
    cwd: root,
    stdio: 'inherit'
  })
  copyFileSync(path.join(outDir, 'index.js'), path.join(dist, entry.output))
  const licences = readFileSync(path.join(outDir, 'licenses.txt'), 'utf8')
  for (const block of licences.split(/\n\n(?=\S+\n[A-Za-z0-9.+-]+\n)/))
    licenceBlocks.add(block.trim())
}

writeFileSync(path.join(dist, 'package.json'), '{\n  "type": "module"\n}\n')
writeFileSync(path.join(dist, 'licenses.txt'), `${[...licenceBlocks].sort().join('\n\n')}\n`)
rmSync(work, { recursive: true, force: true })
