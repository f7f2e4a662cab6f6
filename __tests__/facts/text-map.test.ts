import { describe, expect, it } from '@jest/globals'
import { decodeStringLiteral, decodeUrlEncoded, FileTextMap } from '../../src/facts/text-map.js'
import { inputErrorOf } from './builders.js'

describe('FileTextMap', () => {
  const map = new FileTextMap('f.json', 'ab\ncd\r\nef\rgh')

  it('counts LF, CRLF and lone CR as line ends', () => {
    expect(map.locate(0)).toEqual({ file: 'f.json', line: 1, column: 1 })
    expect(map.locate(4)).toEqual({ file: 'f.json', line: 2, column: 2 })
    expect(map.locate(7)).toEqual({ file: 'f.json', line: 3, column: 1 })
    expect(map.locate(11)).toEqual({ file: 'f.json', line: 4, column: 2 })
  })
})

describe('decodeStringLiteral', () => {
  const raw = 'x = "a\\nb\\u00e9\\"c"'
  const decoded = decodeStringLiteral(raw, 4, new FileTextMap('f.json', raw))

  it('decodes the escapes', () => {
    expect(decoded.text).toBe('a\nb\u00e9"c')
  })

  it('maps decoded characters to their raw escapes', () => {
    const columns = [...decoded.text].map((_, offset) => decoded.map.locate(offset).column)
    expect(columns).toEqual([6, 7, 9, 10, 16, 18])
  })

  it('maps the end of the text to the closing quote', () => {
    expect(decoded.map.locate(decoded.text.length).column).toBe(19)
  })
})

describe('decodeUrlEncoded', () => {
  const raw = '%7B%22a%22%3A%22%C3%A9+%F0%9F%98%80%22%7D'
  const decoded = decodeUrlEncoded({ text: raw, map: new FileTextMap('f.json', raw) })

  it('decodes UTF-8 sequences and keeps plus signs', () => {
    expect(decoded.text).toBe('{"a":"\u00e9+\u{1F600}"}')
  })

  it('maps each character to the start of its sequence', () => {
    const columns = decoded.text.split('').map((_, offset) => decoded.map.locate(offset).column)
    expect(columns).toEqual([1, 4, 7, 8, 11, 14, 17, 23, 24, 24, 36, 39])
  })

  it('rejects a bad percent sequence', () => {
    const text = '%7B%2'
    const error = inputErrorOf(() =>
      decodeUrlEncoded({ text, map: new FileTextMap('f.json', text) })
    )
    expect(error.location).toEqual({ file: 'f.json', line: 1, column: 4 })
    expect(error.message).toContain('"%2"')
  })

  it('rejects bytes that are not UTF-8', () => {
    const text = 'a%FFb'
    const error = inputErrorOf(() =>
      decodeUrlEncoded({ text, map: new FileTextMap('f.json', text) })
    )
    expect(error.location).toEqual({ file: 'f.json', line: 1, column: 2 })
    expect(error.message).toContain('not valid UTF-8')
  })
})
