import { describe, expect, test } from '@jest/globals'
import fc from 'fast-check'
import { codeBlock, escapeHtml, escapeMarkdown, inlineCode } from '../../src/reports/escape.js'
import { HOSTILE } from './fixtures.js'

const ZERO_WIDTH_SPACE = '\u200b'

/** Returns the text a Markdown renderer would show for escaped inline text. */
function visibleMarkdownText(escaped: string): string {
  return escaped
    .replace(/\\([\\`*_{}[\]()#+\-.!|~$])/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replaceAll(ZERO_WIDTH_SPACE, '')
}

function visibleHtmlText(escaped: string): string {
  return escaped
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replaceAll(ZERO_WIDTH_SPACE, '')
}

/** True when some occurrence of `character` is not preceded by an odd number of backslashes. */
function hasUnescaped(text: string, character: string): boolean {
  for (
    let position = text.indexOf(character);
    position >= 0;
    position = text.indexOf(character, position + 1)
  ) {
    let backslashes = 0
    while (text[position - 1 - backslashes] === '\\') backslashes++
    if (backslashes % 2 === 0) return true
  }
  return false
}

function flattenLines(text: string): string {
  return text.replace(/\r\n|\r|\n/g, ' ')
}

/** Returns the visible text: line breaks become spaces and zero-width spaces do not show. */
function flatten(text: string): string {
  return flattenLines(text).replaceAll(ZERO_WIDTH_SPACE, '')
}

describe('escapeMarkdown', () => {
  test('escapes pipes so a table cell stays one cell', () => {
    const escaped = escapeMarkdown(HOSTILE.pipe)
    expect(hasUnescaped(escaped, '|')).toBe(false)
    expect(visibleMarkdownText(escaped)).toBe('a | b')
  })

  test('escapes a backslash before a pipe', () => {
    const escaped = escapeMarkdown('a\\|b')
    expect(escaped).toBe('a\\\\\\|b')
    expect(hasUnescaped(escaped, '|')).toBe(false)
  })

  test('escapes backticks', () => {
    const escaped = escapeMarkdown(HOSTILE.backticks)
    expect(hasUnescaped(escaped, '`')).toBe(false)
    expect(visibleMarkdownText(escaped)).toBe(HOSTILE.backticks)
  })

  test('encodes HTML tags', () => {
    const escaped = escapeMarkdown(HOSTILE.script)
    expect(escaped).not.toContain('<')
    expect(escaped).not.toContain('>')
    expect(escaped).toContain('&lt;script&gt;')
  })

  test('breaks Markdown links and images', () => {
    for (const text of [HOSTILE.link, HOSTILE.image]) {
      const escaped = escapeMarkdown(text)
      expect(escaped).not.toContain('](')
      expect(hasUnescaped(escaped, '[')).toBe(false)
      expect(hasUnescaped(escaped, '(')).toBe(false)
      expect(hasUnescaped(escaped, '!')).toBe(false)
    }
  })

  test('breaks mentions', () => {
    const escaped = escapeMarkdown(HOSTILE.mention)
    expect(escaped).not.toContain('@octocat')
    expect(escaped).toBe(`@${ZERO_WIDTH_SPACE}octocat`)
  })

  test('breaks bare URLs and www links', () => {
    const escaped = escapeMarkdown(HOSTILE.url)
    expect(escaped).not.toContain('://')
    expect(escaped).not.toMatch(/www\\?\./i)
    expect(visibleMarkdownText(escaped)).toBe(HOSTILE.url)
  })

  test('breaks e-mail autolinks', () => {
    expect(escapeMarkdown('ops@example.com')).not.toContain('@e')
  })

  test('replaces line breaks with spaces', () => {
    const escaped = escapeMarkdown(`${HOSTILE.newline}\n## heading`)
    expect(escaped).not.toMatch(/[\r\n]/)
    expect(escaped).toContain('\\#\\# heading')
  })

  test('escapes maths delimiters', () => {
    expect(hasUnescaped(escapeMarkdown('costs $5 and $6'), '$')).toBe(false)
  })

  test('keeps the visible text of any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(visibleMarkdownText(escapeMarkdown(text))).toBe(flatten(text))
      })
    )
  })

  test('leaves no active character in any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const escaped = escapeMarkdown(text)
        expect(escaped).not.toMatch(/[<>\r\n]/)
        expect(escaped).not.toMatch(/&(?!amp;|lt;|gt;)/)
        expect(escaped).not.toMatch(/@(?!\u200b)/)
        for (const character of '|`[]()*_!~$#') expect(hasUnescaped(escaped, character)).toBe(false)
      })
    )
  })
})

describe('escapeHtml', () => {
  test('encodes tags, quotes and ampersands', () => {
    const escaped = escapeHtml(`${HOSTILE.script} "a" 'b' & c`)
    expect(escaped).toBe(
      '&lt;script&gt;alert&#40;1&#41;&lt;/script&gt; &quot;a&quot; &#39;b&#39; &amp; c'
    )
  })

  test('encodes Markdown punctuation as character references', () => {
    const escaped = escapeHtml(`${HOSTILE.link} ${HOSTILE.backticks} a | b`)
    expect(escaped).not.toMatch(/[[\]()`|]/)
    expect(escaped).toContain('&#91;click&#93;&#40;http:')
  })

  test('breaks mentions and links', () => {
    const escaped = escapeHtml(`${HOSTILE.mention} ${HOSTILE.url}`)
    expect(escaped).not.toContain('@octocat')
    expect(escaped).not.toContain('://')
    expect(escaped).not.toMatch(/www\./i)
  })

  test('replaces line breaks so the HTML block cannot end', () => {
    expect(escapeHtml('a\n\n[x](http://y)')).not.toMatch(/[\r\n]/)
  })

  test('keeps the visible text of any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const escaped = escapeHtml(text)
        expect(escaped).not.toMatch(/[<>"'\r\n[\]()`|*_]/)
        expect(escaped).not.toMatch(/&(?!amp;|lt;|gt;|quot;|#\d+;)/)
        expect(visibleHtmlText(escaped)).toBe(flatten(text))
      })
    )
  })
})

/** Parses an inline code span the way CommonMark does and returns its content. */
function codeSpanContent(span: string): string {
  const fence = /^`+/.exec(span)?.[0] ?? ''
  expect(span.endsWith(fence)).toBe(true)
  const inner = span.slice(fence.length, span.length - fence.length)
  // A run of exactly the fence length inside would close the span early.
  for (const run of inner.match(/`+/g) ?? []) expect(run.length).not.toBe(fence.length)
  const stripped = inner.startsWith(' ') && inner.endsWith(' ') && inner.trim() !== ''
  return stripped ? inner.slice(1, -1) : inner
}

describe('inlineCode', () => {
  test('wraps plain text in single backticks', () => {
    expect(inlineCode('kms:Decrypt')).toBe('`kms:Decrypt`')
  })

  test('uses a longer fence than the backticks inside', () => {
    const span = inlineCode('a ``` b')
    expect(span).toBe('````a ``` b````')
    expect(codeSpanContent(span)).toBe('a ``` b')
  })

  test('pads text that starts or ends with a backtick', () => {
    expect(codeSpanContent(inlineCode('`'))).toBe('`')
    expect(codeSpanContent(inlineCode('`x`'))).toBe('`x`')
  })

  test('keeps the content of any string', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (text) => {
        fc.pre(flattenLines(text).trim() !== '')
        expect(codeSpanContent(inlineCode(text))).toBe(flattenLines(text))
      })
    )
  })
})

describe('codeBlock', () => {
  test('uses three backticks by default', () => {
    expect(codeBlock('{}', 'json')).toBe('```json\n{}\n```')
  })

  test('uses a fence longer than any backtick run inside', () => {
    const block = codeBlock('a\n````\nb', 'json')
    expect(block.startsWith('`````json\n')).toBe(true)
    expect(block.endsWith('\n`````')).toBe(true)
  })
})
