// Entry point of the GitHub Action.
import { run } from './main.js'

await run()
