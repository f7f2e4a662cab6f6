/** Reading of every page of a paged AWS list. */
import { type AwsFailure, type AwsResult, type CallContext, callAws } from './aws-call.js'

/** One page as a list operation returns it, reduced to its items and its continuation. */
export interface Page<T> {
  items: T[]
  /** `Truncated` (KMS) or `IsTruncated` (IAM): true when more pages follow. */
  truncated: boolean
  /** `NextMarker` (KMS) or `Marker` (IAM): the marker of the next page. */
  next?: string
  $metadata?: { attempts?: number }
}

/**
 * Maximum pages of one list. At the default page sizes (50 items for KMS lists, 100 for
 * IAM) that is 50,000 or more grants, aliases, tags or simulation results. A service that
 * keeps sending markers beyond that is treated as broken rather than followed forever.
 */
export const MAX_PAGES = 1000

/**
 * Calls `sendPage` with the marker of the previous page until a page is not truncated.
 * Each page is one counted call, bounded by the call deadline. A failed page fails the
 * whole list, because a partial list can hide a grant, alias or tag. So does a truncated
 * page without a marker (`MissingMarker`), a marker that repeats (`RepeatedMarker`), and
 * a list longer than `MAX_PAGES` (`TooManyPages`).
 */
export async function readAllPages<T>(
  context: CallContext,
  operation: string,
  sendPage: (marker: string | undefined, abortSignal: AbortSignal) => Promise<Page<T>>
): Promise<AwsResult<T[]>> {
  const items: T[] = []
  const seen = new Set<string>()
  let marker: string | undefined
  for (let pageCount = 1; ; pageCount++) {
    const current = marker
    const page = await callAws(context, operation, (abortSignal) => sendPage(current, abortSignal))
    if (!page.ok) return page
    items.push(...page.value.items)
    if (!page.value.truncated) return { ok: true, value: items }

    marker = page.value.next
    if (marker === undefined || marker === '') {
      return listFailure(
        operation,
        'MissingMarker',
        `page ${pageCount} says more pages follow but gives no marker for the next one, so the rest of the list cannot be read`
      )
    }
    if (seen.has(marker)) {
      return listFailure(
        operation,
        'RepeatedMarker',
        `the service returned the marker "${marker}" twice, so the list would never end`
      )
    }
    if (pageCount >= MAX_PAGES) {
      return listFailure(
        operation,
        'TooManyPages',
        `the list was still truncated after ${MAX_PAGES} pages, the maximum the gate reads`
      )
    }
    seen.add(marker)
  }
}

function listFailure(
  operation: string,
  code: string,
  message: string
): { ok: false; failure: AwsFailure } {
  return { ok: false, failure: { operation, code, message, attempts: 1 } }
}
