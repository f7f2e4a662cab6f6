// Parses Mermaid diagrams with Mermaid itself, in a plain Node process: Mermaid needs a DOM
// (DOMPurify binds to `window` when imported), which jsdom provides here, outside Jest's
// module sandbox. Reads a JSON list of diagrams on standard input and prints a JSON list of
// results: `{ ok: true }` or `{ ok: false, error }`.
import { JSDOM } from 'jsdom'

const { window } = new JSDOM('<!DOCTYPE html><html><body></body></html>')
globalThis.window = window
globalThis.document = window.document
const { default: mermaid } = await import('mermaid')

const chunks = []
for await (const chunk of process.stdin) chunks.push(chunk)
const diagrams = JSON.parse(Buffer.concat(chunks).toString('utf8'))
const results = []
for (const diagram of diagrams) {
  try {
    await mermaid.parse(diagram)
    results.push({ ok: true })
  } catch (error) {
    results.push({ ok: false, error: String(error) })
  }
}
process.stdout.write(JSON.stringify(results))
