/** Reading of every page of a paged AWS list. */
import { type AwsResult, type CallContext, callAws } from './aws-call.js'

/** One page as a list operation returns it, reduced to its items and its continuation. */
export interface Page<T> {
  items: T[]
  /** The marker for the next page; undefined on the last page. */
  next?: string
  $metadata?: { attempts?: number }
}

/**
 * Calls `sendPage` with the marker of the previous page until a page has no next marker.
 * Each page is one counted call. A failed page fails the whole list, because a partial
 * list can hide a grant, alias or tag. A marker that repeats also fails it, instead of
 * looping forever.
 */
export async function readAllPages<T>(
  context: CallContext,
  operation: string,
  sendPage: (marker: string | undefined) => Promise<Page<T>>
): Promise<AwsResult<T[]>> {
  const items: T[] = []
  const seen = new Set<string>()
  let marker: string | undefined
  do {
    const current = marker
    const page = await callAws(context, operation, () => sendPage(current))
    if (!page.ok) return page
    items.push(...page.value.items)
    marker = page.value.next
    if (marker !== undefined && seen.has(marker)) {
      return {
        ok: false,
        failure: {
          operation,
          code: 'RepeatedMarker',
          message: `the service returned the marker "${marker}" twice, so the list would never end`,
          attempts: 1
        }
      }
    }
    if (marker !== undefined) seen.add(marker)
  } while (marker !== undefined)
  return { ok: true, value: items }
}
