// Jest reporter that ends the run with one plain line, `N passed, N failed, N skipped`, so
// tools that read a test run's closing line see the counts. It prints when the process
// exits, after Jest's own summary.
export default class ClosingLineReporter {
  onRunComplete(_contexts, results) {
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites
    const skipped = results.numPendingTests + results.numTodoTests
    const line = `${results.numPassedTests} passed, ${failed} failed, ${skipped} skipped\n`
    process.once('exit', () => process.stderr.write(line))
  }
}
