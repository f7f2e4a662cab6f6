/**
 * Messages and exact offsets for the syntax errors that `jsonc-parser` reports. The
 * parser gives only an error code and the start of the token at fault. The messages
 * name what was expected, and inside strings and numbers the offset moves to the
 * character at fault.
 */
import { type ParseErrorCode, printParseErrorCode } from 'jsonc-parser'

/** The token the parser expects next, from the parse events so far. */
export type Expectation = 'value' | 'name' | 'colon' | 'object-next' | 'array-next' | 'end'

/** Parse state at the first error, for the message. */
export interface SyntaxErrorContext {
  expected: Expectation
  /** Offsets of the last number literal, or -1 when there was none. */
  numberStart: number
  numberEnd: number
}

/** A message and the offset it refers to. */
export interface SyntaxErrorDescription {
  offset: number
  message: string
}

const EXPECTED: Record<Expectation, string> = {
  value: 'a JSON value',
  name: 'a property name in double quotes',
  colon: "':' after the property name",
  'object-next': "',' or '}' after a property value",
  'array-next': "',' or ']' after an array element",
  end: 'the end of the text'
}

/** Characters that continue a number when written right after it, as in `01` or `1.5.3`. */
const NUMBER_CONTINUATION = /[0-9A-Za-z.+-]/

const VALID_ESCAPE = /\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/y

/**
 * Describes the error `code` that `jsonc-parser` reported for the token at `offset`
 * (`length` characters) of `text`.
 */
export function describeSyntaxError(
  text: string,
  code: ParseErrorCode,
  offset: number,
  length: number,
  context: SyntaxErrorContext
): SyntaxErrorDescription {
  if (offset === context.numberEnd && NUMBER_CONTINUATION.test(text[offset] ?? '')) {
    return {
      offset,
      message: `invalid number "${text.slice(context.numberStart, offset + 1)}"`
    }
  }

  const name = printParseErrorCode(code)
  switch (name) {
    case 'UnexpectedEndOfString':
    case 'InvalidCharacter':
    case 'InvalidEscapeCharacter':
    case 'InvalidUnicode':
      return describeStringError(text, offset)
    case 'UnexpectedEndOfNumber': {
      const end = offset + length
      return {
        offset: end,
        message: `invalid number "${text.slice(offset, end)}": expected a digit, found ${describeCharacter(text, end)}`
      }
    }
    case 'InvalidNumberFormat':
      return { offset, message: `invalid number "${text.slice(offset, offset + length)}"` }
    case 'InvalidCommentToken':
      return { offset, message: 'comments are not allowed in JSON' }
    case 'PropertyNameExpected':
      return expectedAt(text, offset, 'name')
    case 'ColonExpected':
      return expectedAt(text, offset, 'colon')
    case 'CloseBraceExpected':
      return expectedAt(text, offset, 'object-next')
    case 'CloseBracketExpected':
      return expectedAt(text, offset, 'array-next')
    case 'EndOfFileExpected':
      return expectedAt(text, offset, 'end')
    case 'InvalidSymbol':
      // The parser skips an unknown word, such as `True` or `'a'`, so it is named whole.
      return {
        offset,
        message: `expected ${EXPECTED[context.expected]}, found ${describeWord(text, offset, length)}`
      }
    default:
      // ValueExpected and CommaExpected: what was expected depends on the position, such
      // as a property name after '{' but a value after ':'.
      return expectedAt(text, offset, context.expected)
  }
}

/**
 * Tells whether `code` is an error inside one string or number token. The parser reports
 * these before it checks whether the token is allowed at its position.
 */
export function isTokenError(code: ParseErrorCode): boolean {
  const name = printParseErrorCode(code)
  return (
    name === 'UnexpectedEndOfString' ||
    name === 'InvalidCharacter' ||
    name === 'InvalidEscapeCharacter' ||
    name === 'InvalidUnicode' ||
    name === 'UnexpectedEndOfNumber' ||
    name === 'InvalidNumberFormat'
  )
}

function expectedAt(text: string, offset: number, expected: Expectation): SyntaxErrorDescription {
  return {
    offset,
    message: `expected ${EXPECTED[expected]}, found ${describeCharacter(text, offset)}`
  }
}

/**
 * Finds the first fault in the string literal that starts with the quote at
 * `quoteOffset`: a control character, an invalid escape or a missing closing quote.
 */
function describeStringError(text: string, quoteOffset: number): SyntaxErrorDescription {
  for (let i = quoteOffset + 1; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code === 0x22) return { offset: quoteOffset, message: 'invalid string' }
    if (code < 0x20) {
      const hex = code.toString(16).padStart(4, '0').toUpperCase()
      return {
        offset: i,
        message: `control character U+${hex} in a string; write it as an escape such as \\n or \\u${hex}`
      }
    }
    if (code === 0x5c) {
      VALID_ESCAPE.lastIndex = i
      const validEscape = VALID_ESCAPE.exec(text)
      if (!validEscape) {
        const written = text.slice(i, i + 6).match(/^\\(?:u[0-9a-fA-F]{0,3}|.?)/s)?.[0]
        return {
          offset: i,
          message: `invalid escape "${written}" in a string; JSON allows \\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX`
        }
      }
      i += validEscape[0].length - 1
    }
  }
  return { offset: quoteOffset, message: `unterminated string: the closing '"' is missing` }
}

/** Names a word for a message: quoted, cut to 20 characters. */
function describeWord(text: string, offset: number, length: number): string {
  const word = text.slice(offset, offset + length)
  return quoteVisibly(word.length > 20 ? `${word.slice(0, 17)}...` : word)
}

/** Names the character at `offset` for a message: quoted, or the end of the text. */
function describeCharacter(text: string, offset: number): string {
  const codePoint = text.codePointAt(offset)
  if (codePoint === undefined) return 'the end of the text'
  return quoteVisibly(String.fromCodePoint(codePoint))
}

/** Control, format and space characters other than ' ', such as a BOM or a no-break space. */
const INVISIBLE = /[\p{C}\p{Z}]/gu

/** Quotes `text` as JSON, with invisible characters written as `\uXXXX` so the reader can see them. */
function quoteVisibly(text: string): string {
  return JSON.stringify(text).replace(INVISIBLE, (character) => {
    if (character === ' ') return character
    const units = character.split('')
    return units.map((unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')
  })
}
