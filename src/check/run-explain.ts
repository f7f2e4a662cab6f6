/**
 * `kms-access-gate explain`: turns an AccessDenied message (or the CloudTrail event of the
 * denied call) into an expectation that the request is allowed, checks it live or against
 * fact files, and prints the closed lock and the fix.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { stringify } from 'yaml'
import { EXIT_FAILED, EXIT_PASSED, errorMessage, InputError } from '../inputs/errors.js'
import { type DeniedRequest, parseDeniedRequest } from '../inputs/explain-input.js'
import { type LoadedManifest, parseManifest } from '../inputs/manifest.js'
import type { ExplainSettings } from '../inputs/settings.js'
import { renderJson } from '../reports/json.js'
import { renderText } from '../reports/text.js'
import type { CheckReport } from './results.js'
import { checkManifest } from './run-check.js'

export interface ExplainIo {
  readStdin: () => Promise<string>
  env?: NodeJS.ProcessEnv
}

export interface ExplainOutcome {
  text: string
  report: CheckReport
  denied: DeniedRequest
  /** 0 when the engine finds the request allowed (the message is out of date), 1 otherwise. */
  exitCode: number
}

export async function runExplain(
  settings: ExplainSettings,
  io: ExplainIo
): Promise<ExplainOutcome> {
  const { text, origin } = await readInput(settings, io)
  const denied = parseDeniedRequest(text, origin)
  const manifest = manifestFor(denied, settings, origin)
  const report = await checkManifest(
    manifest,
    {
      factPaths: settings.factPaths,
      failOnUnknown: true,
      mode: settings.mode,
      accountRoles: settings.accountRoles,
      cwd: settings.cwd
    },
    io.env
  )
  const rendered =
    settings.format === 'json' ? renderJson(report) : renderExplanation(denied, report)
  return { text: rendered, report, denied, exitCode: report.passed ? EXIT_PASSED : EXIT_FAILED }
}

async function readInput(
  settings: ExplainSettings,
  io: ExplainIo
): Promise<{ text: string; origin: string }> {
  if (settings.message !== undefined) return { text: settings.message, origin: 'argument' }
  const file = settings.inputPath ?? '-'
  if (file === '-') return { text: await io.readStdin(), origin: 'standard input' }
  try {
    return { text: await readFile(path.resolve(settings.cwd, file), 'utf8'), origin: file }
  } catch (error) {
    throw new InputError(`cannot read --input file ${file}: ${errorMessage(error)}`)
  }
}

/**
 * Builds a one-expectation manifest through the manifest parser, so the request gets the
 * same checks as a written expectation.
 */
function manifestFor(
  denied: DeniedRequest,
  settings: ExplainSettings,
  origin: string
): LoadedManifest {
  const key = settings.key ?? denied.key
  if (!key) {
    throw new InputError(
      `the ${denied.source === 'cloudtrail' ? 'event' : 'message'} in ${origin} does not name the key (KMS reports "the resource associated with this ciphertext" for Decrypt); pass the key ARN with --key`
    )
  }
  const region = settings.region ?? denied.region
  const partition = denied.principal.split(':')[1] ?? 'aws'
  const expectation = {
    name: `${denied.action} by ${denied.principal}`,
    principal: denied.principal,
    key,
    actions: denied.action,
    expect: 'allow',
    ...(Object.keys(denied.context).length > 0 ? { context: denied.context } : {})
  }
  const document = {
    version: 1,
    defaults: {
      ...(region ? { region } : {}),
      ...(denied.account ? { account: denied.account } : {}),
      partition
    },
    expectations: [expectation]
  }
  return parseManifest(stringify(document), origin)
}

/** Renders the cause from AWS's message, then the check's report of the request. */
function renderExplanation(denied: DeniedRequest, report: CheckReport): string {
  const lines = [`Request: ${denied.principal} ${denied.action} on ${report.results[0]?.key ?? ''}`]
  if (denied.cause) lines.push(`AWS said: ${denied.cause.text}`)
  if (denied.note) lines.push(`Note: ${denied.note}`)
  const result = report.results[0]
  if (result?.decision === 'allowed') {
    lines.push(
      'The gate finds this request allowed with the facts it read: the policies may have changed since the error, or the request carried a context (encryption context, source, endpoint) that differs; pass the CloudTrail event to include its context.'
    )
  }
  return `${lines.join('\n')}\n\n${renderText(report, { color: false })}`
}
