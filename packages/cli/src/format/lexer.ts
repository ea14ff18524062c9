import { goQuote } from './printf.js';
// The lexer of Go's text/template (lex.go), for the subset of the language
// Docker's --format users write: no custom delimiters.

export type TokenKind =
  | 'text'
  | 'leftDelim'
  | 'rightDelim'
  | 'space'
  | 'field'
  | 'variable'
  | 'identifier'
  | 'keyword'
  | 'string'
  | 'rawString'
  | 'char'
  | 'number'
  | 'bool'
  | 'nil'
  | 'dot'
  | 'pipe'
  | 'leftParen'
  | 'rightParen'
  | 'declare'
  | 'assign'
  | 'comma'
  | 'error'
  | 'eof';

export interface Token {
  kind: TokenKind;
  value: string;
  /** Byte offset in the template, as Go's Pos. */
  pos: number;
  line: number;
}

export const KEYWORDS = new Set(['if', 'else', 'end', 'range', 'with', 'break', 'continue', 'define', 'template', 'block']);

/** A lexing failure, worded as Go's parser reports it (`template: :1: <message>`). */
export class TemplateSyntaxError extends Error {
  constructor(
    readonly line: number,
    readonly detail: string,
  ) {
    super(`template: :${line}: ${detail}`);
  }
}

const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isAlphaNumeric = (c: string) => c === '_' || /^[\p{L}\p{Nd}]$/u.test(c);

class LexFailure {
  constructor(
    readonly line: number,
    readonly detail: string,
  ) {}
}

/**
 * The tokens of `input`. As Go's lexer, a lexing error is an 'error' token
 * after the tokens before it, so the parser reports whichever comes first.
 */
export function lex(input: string): Token[] {
  const tokens: Token[] = [];
  try {
    lexInto(input, tokens);
  } catch (err) {
    if (!(err instanceof LexFailure)) throw err;
    tokens.push({ kind: 'error', value: err.detail, pos: input.length, line: err.line });
  }
  return tokens;
}

function lexInto(input: string, tokens: Token[]): void {
  let pos = 0;
  const lineAt = (p: number) => 1 + (input.slice(0, p).match(/\n/g)?.length ?? 0);
  const emit = (kind: TokenKind, start: number, value = input.slice(start, pos)) => tokens.push({ kind, value, pos: start, line: lineAt(start) });
  const fail = (detail: string) => {
    throw new LexFailure(lineAt(pos), detail);
  };
  const number = () => {
    const start = pos;
    const [end, ok] = scanNumber(input, pos);
    pos = end;
    if (!ok) fail(`bad number syntax: ${goQuote(input.slice(start, end))}`);
    emit('number', start);
  };
  // After a word, field or variable Go wants a space, a delimiter or punctuation.
  const checkTerminator = () => {
    const c = input[pos];
    if (c === undefined || isSpace(c) || '.,|:)('.includes(c) || input.startsWith('}}', pos)) return;
    fail(`bad character ${quoteRune(c)}`);
  };

  while (pos < input.length) {
    const open = input.indexOf('{{', pos);
    const textEnd = open < 0 ? input.length : open;
    let text = input.slice(pos, textEnd);
    let trimAfter = false;
    if (open >= 0 && input[open + 2] === '-' && isSpace(input[open + 3] ?? '')) text = text.replace(/[ \t\r\n]+$/, '');
    if (text) tokens.push({ kind: 'text', value: text, pos, line: lineAt(pos) });
    if (open < 0) break;
    pos = open;
    const actionStart = pos;
    pos += 2;
    if (input[pos] === '-' && isSpace(input[pos + 1] ?? '')) pos += 2;
    // A comment must stand alone in its action.
    if (input.startsWith('/*', pos)) {
      const close = input.indexOf('*/', pos + 2);
      if (close < 0) fail('unclosed comment');
      pos = close + 2;
      const rest = input.slice(pos);
      const m = /^( -}}|}})/.exec(rest);
      if (!m) fail('comment ends before closing delimiter');
      trimAfter = m![1] === ' -}}';
      pos += m![1]!.length;
      if (trimAfter) pos = skipSpaces(input, pos);
      continue;
    }
    tokens.push({ kind: 'leftDelim', value: '{{', pos: actionStart, line: lineAt(actionStart) });
    let parens = 0;
    for (;;) {
      if (pos >= input.length) fail('unclosed action');
      const c = input[pos]!;
      if (isSpace(c) && input[pos + 1] === '-' && input.startsWith('}}', pos + 2)) {
        // " -}}": close and trim the spaces after.
        emit('space', pos, ' ');
        pos += 2;
        tokens.push({ kind: 'rightDelim', value: '}}', pos, line: lineAt(pos) });
        pos = skipSpaces(input, pos + 2);
        break;
      }
      if (input.startsWith('}}', pos)) {
        if (parens > 0) fail('unclosed left paren');
        tokens.push({ kind: 'rightDelim', value: '}}', pos, line: lineAt(pos) });
        pos += 2;
        break;
      }
      const start = pos;
      if (isSpace(c)) {
        while (pos < input.length && isSpace(input[pos]!) && !input.startsWith('-}}', pos + 1)) pos++;
        emit('space', start);
      } else if (c === '=') {
        pos++;
        emit('assign', start);
      } else if (c === ':') {
        if (input[pos + 1] !== '=') fail('expected :=');
        pos += 2;
        emit('declare', start);
      } else if (c === '|') {
        pos++;
        emit('pipe', start);
      } else if (c === ',') {
        pos++;
        emit('comma', start);
      } else if (c === '(') {
        parens++;
        pos++;
        emit('leftParen', start);
      } else if (c === ')') {
        parens--;
        pos++;
        emit('rightParen', start);
        if (parens < 0) fail(`unexpected right paren U+0029 ')'`);
      } else if (c === '"') {
        pos++;
        for (;;) {
          const d = input[pos];
          if (d === undefined || d === '\n') fail('unterminated quoted string');
          pos++;
          if (d === '\\') {
            if (input[pos] === undefined || input[pos] === '\n') fail('unterminated quoted string');
            pos++;
          } else if (d === '"') break;
        }
        emit('string', start);
      } else if (c === '`') {
        const close = input.indexOf('`', pos + 1);
        if (close < 0) fail('unterminated raw quoted string');
        pos = close + 1;
        emit('rawString', start);
      } else if (c === "'") {
        pos++;
        for (;;) {
          const d = input[pos];
          if (d === undefined || d === '\n') fail('unterminated character constant');
          pos++;
          if (d === '\\') pos++;
          else if (d === "'") break;
        }
        emit('char', start);
      } else if (c === '$') {
        pos++;
        while (pos < input.length && isAlphaNumeric(input[pos]!)) pos++;
        checkTerminator();
        emit('variable', start);
      } else if (c === '.') {
        if (/[0-9]/.test(input[pos + 1] ?? '')) {
          number();
        } else {
          pos++;
          if (pos < input.length && isAlphaNumeric(input[pos]!)) {
            while (pos < input.length && isAlphaNumeric(input[pos]!)) pos++;
            checkTerminator();
            emit('field', start);
          } else {
            emit('dot', start);
          }
        }
      } else if (/[0-9+-]/.test(c)) {
        number();
      } else if (isAlphaNumeric(c)) {
        while (pos < input.length && isAlphaNumeric(input[pos]!)) pos++;
        checkTerminator();
        const word = input.slice(start, pos);
        if (KEYWORDS.has(word)) emit('keyword', start);
        else if (word === 'true' || word === 'false') emit('bool', start);
        else if (word === 'nil') emit('nil', start);
        else emit('identifier', start);
      } else {
        fail(`unrecognized character in action: ${quoteRune(c)}`);
      }
    }
  }
  tokens.push({ kind: 'eof', value: '', pos: input.length, line: lineAt(input.length) });
}

function skipSpaces(input: string, pos: number): number {
  while (pos < input.length && isSpace(input[pos]!)) pos++;
  return pos;
}

/** lex.go's scanNumber: where the number at `pos` ends, and false when an alphanumeric follows it (taken in). */
function scanNumber(input: string, pos: number): [number, boolean] {
  const accept = (chars: string) => {
    if (pos < input.length && chars.includes(input[pos]!)) {
      pos++;
      return true;
    }
    return false;
  };
  const acceptRun = (chars: string) => {
    while (pos < input.length && chars.includes(input[pos]!)) pos++;
  };
  accept('+-');
  let digits = '0123456789_';
  if (accept('0')) {
    if (accept('xX')) digits = '0123456789abcdefABCDEF_';
    else if (accept('oO')) digits = '01234567_';
    else if (accept('bB')) digits = '01_';
  }
  acceptRun(digits);
  if (accept('.')) acceptRun(digits);
  if (digits.length === 11 && accept('eE')) {
    accept('+-');
    acceptRun('0123456789_');
  }
  if (digits.length === 23 && accept('pP')) {
    accept('+-');
    acceptRun('0123456789_');
  }
  accept('i');
  if (pos < input.length && isAlphaNumeric(input[pos]!)) return [pos + 1, false];
  return [pos, true];
}

function quoteRune(c: string): string {
  const code = c.codePointAt(0)!;
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')} '${c}'`;
}
