import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { MAX_JSON_DEPTH, parseJson } from '../../src/facts/json-parser.js'
import { FileTextMap } from '../../src/facts/text-map.js'
import { inputErrorOf } from './builders.js'

function parse(text: string) {
  return parseJson(text, new FileTextMap('doc.json', text))
}

function errorAt(text: string) {
  const error = inputErrorOf(() => parse(text))
  return { message: error.message, line: error.location?.line, column: error.location?.column }
}

describe('parseJson values', () => {
  it('matches JSON.parse on every escape', () => {
    const text = '{"a":"\\/\\b\\f\\n\\r\\t\\"\\\\\\u0000\\ud83d\\ude00\\u00e9 plain"}'
    expect(parse(text).value).toEqual(JSON.parse(text))
  })

  it('matches JSON.parse on numbers', () => {
    const text = '[0, -0, 1.5, -2e3, 4E-2, 1e400, 12345678901234567890, 0.1e+1]'
    expect(parse(text).value).toEqual(JSON.parse(text))
  })

  it('matches JSON.parse on random values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.boolean(), (value, pretty) => {
        const text = pretty ? JSON.stringify(value, null, 2) : JSON.stringify(value)
        expect(parse(text).value).toEqual(JSON.parse(text))
      }),
      { numRuns: 300 }
    )
  })

  it('keeps __proto__ as an ordinary key', () => {
    const { value } = parse('{"__proto__": {"polluted": true}}') as {
      value: Record<string, unknown>
    }
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype)
    expect(Object.keys(value)).toEqual(['__proto__'])
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('accepts whitespace around the value', () => {
    expect(parse(' \r\n\t true \n').value).toBe(true)
  })
})

describe('parseJson positions', () => {
  const text = '{\n  "list": [\n    {"a": 1},\n    [2]\n  ],\r\n  "b": "x"\r\n}'
  const { value, index } = parse(text) as {
    value: { list: [object, unknown[]]; b: string }
    index: ReturnType<typeof parse>['index']
  }

  it('locates objects and arrays', () => {
    expect(index.locate(value)).toEqual({ file: 'doc.json', line: 1, column: 1 })
    expect(index.locate(value.list)).toEqual({ file: 'doc.json', line: 2, column: 11 })
    expect(index.locate(value.list[0])).toEqual({ file: 'doc.json', line: 3, column: 5 })
    expect(index.locate(value.list[1])).toEqual({ file: 'doc.json', line: 4, column: 5 })
  })

  it('locates members after CRLF line ends', () => {
    expect(index.locate(value, 'b')).toEqual({ file: 'doc.json', line: 6, column: 8 })
  })

  it('locates array elements by index', () => {
    expect(index.locate(value.list, 1)).toEqual({ file: 'doc.json', line: 4, column: 5 })
    expect(index.locate(value.list, 'x')).toBeUndefined()
  })

  it('returns no location for foreign objects', () => {
    expect(index.locate({})).toBeUndefined()
  })
})

describe('parseJson errors', () => {
  it('reports a trailing comma', () => {
    expect(errorAt('{\n  "a": [1,]\n}')).toMatchObject({ line: 2, column: 11 })
  })

  it('reports an unquoted key', () => {
    const error = errorAt('{a: 1}')
    expect(error).toMatchObject({ line: 1, column: 2 })
    expect(error.message).toContain('property name in double quotes')
  })

  it('reports a missing comma between members', () => {
    const error = errorAt('{"a": 1\n "b": 2}')
    expect(error).toMatchObject({ line: 2, column: 2 })
    expect(error.message).toContain(`expected ',' or '}'`)
  })

  it('reports a raw control character in a string', () => {
    const error = errorAt('{"a": "x\ty"}')
    expect(error).toMatchObject({ line: 1, column: 9 })
    expect(error.message).toContain('U+0009')
  })

  it('reports an invalid escape', () => {
    const error = errorAt('["\\x41"]')
    expect(error).toMatchObject({ line: 1, column: 3 })
    expect(error.message).toContain('"\\x"')
  })

  it('reports an unterminated string at its opening quote', () => {
    expect(errorAt('{"a": "abc')).toMatchObject({ line: 1, column: 7 })
  })

  it('reports the end of the text', () => {
    const error = errorAt('{"a": ')
    expect(error.message).toContain('the end of the text')
    expect(error).toMatchObject({ line: 1, column: 7 })
  })

  it('reports text after the value', () => {
    expect(errorAt('{} {}')).toMatchObject({ line: 1, column: 4 })
  })

  it('reports a number with a leading zero', () => {
    expect(errorAt('[01]')).toMatchObject({ line: 1, column: 3 })
  })

  it('reports single quotes and bare words', () => {
    expect(errorAt("['a']").message).toContain(`found "'"`)
    expect(errorAt('[True]').message).toContain('expected a JSON value')
  })

  it('reports a duplicate key', () => {
    const error = errorAt('{"Effect": "Deny",\n "Effect": "Allow"}')
    expect(error).toMatchObject({ line: 2, column: 2 })
    expect(error.message).toContain('duplicate key "Effect"')
  })

  it('rejects nesting beyond the limit', () => {
    const deep = `${'['.repeat(MAX_JSON_DEPTH + 1)}${']'.repeat(MAX_JSON_DEPTH + 1)}`
    expect(errorAt(deep).message).toContain(`deeper than ${MAX_JSON_DEPTH}`)
    const allowed = `${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`
    expect(() => parse(allowed)).not.toThrow()
  })
})
