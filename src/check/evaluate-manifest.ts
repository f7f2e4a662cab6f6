/**
 * Evaluates every expectation of a manifest against the facts and assembles the report.
 * Pure: the manifest and facts are loaded by the caller.
 */
import type { Evaluation } from '../engine/decision.js'
import { evaluateRequest } from '../engine/evaluate.js'
import type { Facts, PolicyWarning } from '../engine/model.js'
import { findOrphanedPrincipals } from '../engine/orphaned-principals.js'
import type { Expectation, Manifest } from '../inputs/settings.js'
import { proposeRemediation } from '../remediation/propose.js'
import type { CheckReport, ExpectationResult, ReportWarning, ResultStatus } from './results.js'

export interface FactsForCheck {
  facts: Facts
  sources: string[]
  warnings: ReportWarning[]
}

export interface EvaluateOptions {
  failOnUnknown: boolean
  toolVersion: string
  /** Origin of the facts; default offline. */
  mode?: CheckReport['mode']
  modeReason?: string
  live?: CheckReport['live']
}

export function evaluateManifest(
  manifest: Manifest,
  loaded: FactsForCheck,
  options: EvaluateOptions
): CheckReport {
  const results = manifest.expectations.flatMap((expectation) =>
    evaluateExpectation(expectation, manifest, loaded.facts)
  )
  const counts = {
    expectations: manifest.expectations.length,
    results: results.length,
    passed: results.filter((result) => result.status === 'pass').length,
    failed: results.filter((result) => result.status === 'fail').length,
    unknown: results.filter((result) => result.status === 'unknown').length
  }
  return {
    reportVersion: 1,
    tool: { name: 'kms-access-gate', version: options.toolVersion },
    manifest: manifest.file,
    mode: options.mode ?? 'offline',
    ...(options.modeReason ? { modeReason: options.modeReason } : {}),
    ...(options.live ? { live: options.live } : {}),
    factSources: loaded.sources,
    passed: counts.failed === 0 && (!options.failOnUnknown || counts.unknown === 0),
    failOnUnknown: options.failOnUnknown,
    counts,
    results,
    warnings: collectWarnings(loaded, options.mode ?? 'offline')
  }
}

function evaluateExpectation(
  expectation: Expectation,
  manifest: Manifest,
  facts: Facts
): ExpectationResult[] {
  const evaluations = expectation.actions.map((action) =>
    withRuntimeGrants(
      expectation,
      evaluateRequest(
        {
          principal: expectation.principal,
          action,
          key: expectation.key,
          context: expectation.context,
          region: expectation.region ?? manifest.defaults.region,
          account: expectation.account ?? manifest.defaults.account,
          partition: manifest.defaults.partition
        },
        facts
      )
    )
  )

  return evaluations.map((evaluation) => {
    const status = statusOf(evaluation, expectation)
    // Actions that fail the same way share one statement, so the fix lists them together.
    const sameFailure = evaluations
      .filter((other) => statusOf(other, expectation) === status && sameLocks(other, evaluation))
      .map((other) => other.action)
    const remediation =
      status === 'pass'
        ? undefined
        : proposeRemediation({
            evaluation,
            expect: expectation.expect,
            actions: sameFailure,
            context: expectation.context,
            manifestFile: manifest.file
          })
    return {
      expectation: expectation.name,
      principal: evaluation.principal.arn,
      key: evaluation.key.arn ?? evaluation.key.input,
      action: evaluation.action,
      expect: expectation.expect,
      decision: evaluation.decision,
      passed: status === 'pass',
      status,
      closedLocks: evaluation.closedLocks,
      evidence: evaluation,
      ...(remediation ? { remediation } : {}),
      manifestLocation: expectation.location
    }
  })
}

/**
 * A template shows only the grants its code creates. A denial is then certain for an allow
 * expectation (a grant made at run time could only add access that the code does not give),
 * but not for a deny expectation: such a grant could let the principal in.
 */
function withRuntimeGrants(expectation: Expectation, evaluation: Evaluation): Evaluation {
  if (expectation.expect !== 'deny' || evaluation.decision !== 'implicit-deny') return evaluation
  if (!evaluation.key.grantsFromCodeOnly) return evaluation
  const reason = `The key is defined in a template, which cannot show grants made at run time; one could let ${evaluation.principal.arn} in. Check the deployed key live (mode live) or with its exported grants.`
  return {
    ...evaluation,
    decision: 'unknown',
    closedLocks: [...evaluation.closedLocks, 'grant'],
    reasons: [reason, ...evaluation.reasons]
  }
}

function statusOf(evaluation: Evaluation, expectation: Expectation): ResultStatus {
  if (evaluation.decision === 'unknown') return 'unknown'
  const allowed = evaluation.decision === 'allowed'
  return allowed === (expectation.expect === 'allow') ? 'pass' : 'fail'
}

function sameLocks(left: Evaluation, right: Evaluation): boolean {
  return left.decision === right.decision && left.closedLocks.join() === right.closedLocks.join()
}

function collectWarnings(loaded: FactsForCheck, mode: CheckReport['mode']): ReportWarning[] {
  const fromPolicy = (warning: PolicyWarning): ReportWarning => ({
    code: warning.code,
    message: warning.message,
    ...(warning.location ? { location: warning.location } : {})
  })
  const warnings = [...loaded.warnings, ...findOrphanedPrincipals(loaded.facts).map(fromPolicy)]
  if (loaded.facts.organizations.length === 0) {
    warnings.push({
      code: 'organizations-not-supplied',
      message:
        mode === 'live'
          ? 'No Organizations facts were supplied, so RCPs were not checked (the IAM policy simulator covers SCPs, not RCPs). Supply them as a fact file to check RCPs.'
          : 'No Organizations facts were supplied, so SCPs and RCPs were not checked. Supply them to check guardrails.'
    })
  }
  return warnings
}
