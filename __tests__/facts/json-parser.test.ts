import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { MAX_JSON_DEPTH, parseJson } from '../../src/facts/json-parser.js'
import { FileTextMap } from '../../src/facts/text-map.js'
import { InputError } from '../../src/inputs/errors.js'
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

  it('matches JSON.parse on a __proto__ key', () => {
    const text = '{"a": 1, "__proto__": {"b": [2]}, "c": null}'
    const { value } = parse(text)
    expect(value).toEqual(JSON.parse(text))
    expect(Object.getOwnPropertyDescriptor(value, '__proto__')).toEqual(
      Object.getOwnPropertyDescriptor(JSON.parse(text), '__proto__')
    )
  })

  it('returns plain objects and arrays', () => {
    const { value } = parse('{"list": [{}]}') as { value: { list: object[] } }
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype)
    expect(Array.isArray(value.list)).toBe(true)
    expect(Object.getPrototypeOf(value.list[0])).toBe(Object.prototype)
  })

  it('agrees with JSON.parse on damaged texts', () => {
    const damage = fc.constantFrom(
      ...'[]{},:"\\/*01-+.eEtnux\t\n\r\u000b\u00a0\ufeff\u0000\'a '.split('')
    )
    fc.assert(
      fc.property(
        fc.jsonValue({ maxDepth: 4 }),
        fc.boolean(),
        fc.nat(),
        fc.constantFrom('insert', 'replace', 'delete'),
        damage,
        (value, pretty, at, edit, character) => {
          const valid = pretty ? JSON.stringify(value, null, 2) : JSON.stringify(value)
          const position = at % (valid.length + 1)
          const before = valid.slice(0, position)
          const after = valid.slice(edit === 'insert' ? position : position + 1)
          const text = before + (edit === 'delete' ? '' : character) + after
          let expected: unknown
          let jsonParseFailed = false
          try {
            expected = JSON.parse(text)
          } catch {
            jsonParseFailed = true
          }
          let parsed: ReturnType<typeof parse> | undefined
          let error: unknown
          try {
            parsed = parse(text)
          } catch (caught) {
            error = caught
          }
          if (jsonParseFailed) {
            expect(error).toBeInstanceOf(InputError)
            expect((error as InputError).location?.line).toBeLessThanOrEqual(
              text.split(/\r\n|\r|\n/).length
            )
          } else if (error) {
            expect((error as InputError).message).toContain('duplicate key')
          } else {
            expect(parsed?.value).toEqual(expected)
          }
        }
      ),
      { numRuns: 2000 }
    )
  })

  it('throws only InputError on random text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (text) => {
        try {
          parse(text)
        } catch (error) {
          expect(error).toBeInstanceOf(InputError)
        }
      }),
      { numRuns: 1000 }
    )
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
    expect(errorAt("['a']").message).toContain(`found "'a'"`)
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

  it('rejects hostile nesting without a stack overflow', () => {
    const arrays = errorAt('['.repeat(100_000))
    expect(arrays.message).toContain(`deeper than ${MAX_JSON_DEPTH}`)
    expect(arrays).toMatchObject({ line: 1, column: MAX_JSON_DEPTH + 1 })
    const objects = errorAt('{"a":'.repeat(100_000))
    expect(objects.message).toContain(`deeper than ${MAX_JSON_DEPTH}`)
    expect(objects).toMatchObject({ line: 1, column: MAX_JSON_DEPTH * 5 + 1 })
  })

  it('reports a duplicate __proto__ key', () => {
    const error = errorAt('{"__proto__": 1, "__proto__": 2}')
    expect(error).toMatchObject({ line: 1, column: 18 })
    expect(error.message).toContain('duplicate key "__proto__"')
  })

  it('reports comments', () => {
    const line = errorAt('{\n  "a": 1 // note\n}')
    expect(line).toMatchObject({ line: 2, column: 10 })
    expect(line.message).toBe('invalid JSON: comments are not allowed in JSON')
    expect(errorAt('[/* note */ 1]')).toMatchObject({ line: 1, column: 2 })
  })

  it('reports a missing colon', () => {
    const error = errorAt('{"a" 1}')
    expect(error).toMatchObject({ line: 1, column: 6 })
    expect(error.message).toContain(`expected ':' after the property name, found "1"`)
  })

  it('reports a comma where a property name belongs', () => {
    const error = errorAt('{,}')
    expect(error).toMatchObject({ line: 1, column: 2 })
    expect(error.message).toContain('expected a property name in double quotes, found ","')
  })

  it('reports a trailing comma in an object', () => {
    const error = errorAt('{"a": 1,}')
    expect(error).toMatchObject({ line: 1, column: 9 })
    expect(error.message).toContain('expected a property name in double quotes, found "}"')
  })

  it('reports an unknown word between elements', () => {
    const error = errorAt('[1 x]')
    expect(error).toMatchObject({ line: 1, column: 4 })
    expect(error.message).toContain(`expected ',' or ']' after an array element, found "x"`)
  })

  it('reports a missing closing bracket', () => {
    const object = errorAt('{"a": 1')
    expect(object).toMatchObject({ line: 1, column: 8 })
    expect(object.message).toContain(`expected ',' or '}' after a property value, found the end`)
    const array = errorAt('[1')
    expect(array).toMatchObject({ line: 1, column: 3 })
    expect(array.message).toContain(`expected ',' or ']' after an array element, found the end`)
  })

  it('reports malformed numbers', () => {
    expect(errorAt('[1.]')).toMatchObject({
      message: 'invalid JSON: invalid number "1.": expected a digit, found "]"',
      column: 4
    })
    expect(errorAt('[1e+]')).toMatchObject({ message: expect.stringContaining('"1e+"'), column: 5 })
    expect(errorAt('[1x]')).toMatchObject({
      message: 'invalid JSON: invalid number "1x"',
      column: 3
    })
    expect(errorAt('[1.5.3]').message).toBe('invalid JSON: invalid number "1.5."')
    expect(errorAt('[-]').message).toContain('expected a JSON value, found "-"')
    expect(errorAt('[.5]').message).toContain('expected a JSON value, found ".5"')
  })

  it('reports an invalid unicode escape', () => {
    const error = errorAt('["ok \\u00e9", "\\u12G4"]')
    expect(error).toMatchObject({ line: 1, column: 16 })
    expect(error.message).toContain('invalid escape "\\u12"')
  })

  it('names invisible characters by code', () => {
    expect(errorAt('null\ufeff').message).toContain('found "null\\ufeff"')
    expect(errorAt('[1,\u00a02]').message).toContain('found "\\u00a02"')
    expect(errorAt('{} \u000b').message).toContain('found "\\u000b"')
    expect(errorAt('["\u00e9" é]').message).toContain('found "é"')
    expect(errorAt('[1 \u{E0001}]').message).toContain('found "\\udb40\\udc01"')
  })

  it('reports a line break inside a string', () => {
    const error = errorAt('{"a": "x\ny"}')
    expect(error).toMatchObject({ line: 1, column: 9 })
    expect(error.message).toContain('U+000A')
  })

  it('reports a misplaced bad string at its start', () => {
    const error = errorAt('{"a": 1 "b\n": 2}')
    expect(error).toMatchObject({ line: 1, column: 9 })
    expect(error.message).toContain(`expected ',' or '}' after a property value, found "\\""`)
  })

  it('reports an unterminated property name', () => {
    expect(errorAt('{"abc')).toMatchObject({ line: 1, column: 2 })
  })

  it('reports an empty text', () => {
    const error = errorAt(' \n')
    expect(error).toMatchObject({ line: 2, column: 1 })
    expect(error.message).toContain('expected a JSON value, found the end of the text')
  })
})
