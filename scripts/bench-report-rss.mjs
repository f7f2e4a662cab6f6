// Preloaded by the benchmark into the CLI process: prints the peak resident set size.
process.on('exit', () => {
  process.stderr.write(`bench-max-rss-kib ${process.resourceUsage().maxRSS}\n`)
})
