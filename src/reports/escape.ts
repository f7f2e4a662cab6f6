/**
 * Escaping for text that comes from policies or the manifest (names, Sids, ARNs,
 * condition values) before it goes into Markdown that GitHub renders, such as the job
 * summary. GitHub turns `@name` into a mention and bare URLs and e-mail addresses into
 * links even in plain text, so every helper here also breaks those with a zero-width
 * space. Line breaks become spaces, because a new line can end a table row or an HTML block.
 */

const ZERO_WIDTH_SPACE = '\u200b'

/** Characters with a meaning in GitHub-flavoured Markdown (`$` starts maths on GitHub). */
const MARKDOWN_PUNCTUATION = /[\\`*_{}[\]()#+\-.!|~$]/g

const HTML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;'
}

/** Bidirectional control characters, which could make text display reordered. */
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069\u200e\u200f]/g

function flattenLines(text: string): string {
  return text.replace(/\r\n|\r|\n/g, ' ').replace(BIDI_CONTROLS, '\ufffd')
}

/** Inserts a zero-width space where GitHub would otherwise create a mention or a link. */
function breakAutolinks(text: string): string {
  return (
    text
      .replace(/@/g, `@${ZERO_WIDTH_SPACE}`)
      // GitHub links `#12`, `owner/repo#12` and `GH-12` to issues after rendering, so a
      // backslash escape does not stop it.
      .replace(/#(?=\d)/g, `#${ZERO_WIDTH_SPACE}`)
      .replace(/\b(GH)-(?=\d)/gi, `$1${ZERO_WIDTH_SPACE}-`)
      .replace(/:\/\//g, `:${ZERO_WIDTH_SPACE}//`)
      .replace(/\b(www)\./gi, `$1${ZERO_WIDTH_SPACE}.`)
  )
}

function encodeHtmlCharacters(text: string, pattern: RegExp): string {
  return text.replace(pattern, (character) => HTML_ENTITIES[character] ?? character)
}

/**
 * Escapes text for inline Markdown: a table cell or a list item. The result renders as
 * the original text (apart from line breaks and the invisible zero-width spaces) and
 * cannot start a link, image, emphasis, code span, heading, HTML tag, mention or table cell.
 */
export function escapeMarkdown(text: string): string {
  // Autolinks are broken first, because escaping the `.` of `www.` would hide it from the pattern.
  const punctuationEscaped = breakAutolinks(flattenLines(text)).replace(
    MARKDOWN_PUNCTUATION,
    '\\$&'
  )
  return encodeHtmlCharacters(punctuationEscaped, /[&<>]/g)
}

/**
 * Escapes text for the content or an attribute value of an HTML element, such as a
 * `<summary>` line. Markdown punctuation becomes numeric character references too, so the
 * text stays inert even where GitHub parses Markdown between inline HTML tags: CommonMark
 * never reads a character reference as syntax.
 */
export function escapeHtml(text: string): string {
  // One pass, so that the `&` and `#` of the inserted references are not encoded again.
  return breakAutolinks(flattenLines(text)).replace(
    /[&<>"'\\`*_{}[\]()#+\-.!|~$]/g,
    (character) => HTML_ENTITIES[character] ?? `&#${character.charCodeAt(0)};`
  )
}

function longestBacktickRun(text: string): number {
  const runs = text.match(/`+/g) ?? []
  return runs.reduce((longest, run) => Math.max(longest, run.length), 0)
}

/**
 * Wraps text in an inline code span that no backtick inside it can close. Code spans show
 * their content literally, so Markdown, HTML, mentions and links inside stay inert. Not for
 * table cells, because a `|` inside a code span still splits a GitHub table row.
 */
export function inlineCode(text: string): string {
  const flat = flattenLines(text)
  if (flat === '') return '` `'
  const fence = '`'.repeat(longestBacktickRun(flat) + 1)
  // A leading or trailing backtick would merge with the fence, so pad it. CommonMark
  // strips exactly one space on each side when both are present.
  const needsPadding = flat.startsWith('`') || flat.endsWith('`') || flat.startsWith(' ')
  const padding = needsPadding ? ' ' : ''
  return `${fence}${padding}${flat}${padding}${fence}`
}

/**
 * Wraps text in a fenced code block (with an info string such as `json` or `sh`) whose
 * fence is longer than any backtick run in the text, so the text cannot close it early.
 */
export function codeBlock(text: string, language: string): string {
  const fence = '`'.repeat(Math.max(3, longestBacktickRun(text) + 1))
  return `${fence}${language}\n${text}\n${fence}`
}
