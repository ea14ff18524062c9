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

export function lex(input: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  let line = 1;
  const lineAt = (p: number) => 1 + (input.slice(0, p).match(/\n/g)?.length ?? 0);
  const emit = (kind: TokenKind, start: number, value = input.slice(start, pos)) => tokens.push({ kind, value, pos: start, line: lineAt(start) });
  const fail = (detail: string) => {
    throw new TemplateSyntaxError(lineAt(pos), detail);
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
        if (parens < 0) fail(`unexpected right paren U+0029 ')'`);
        pos++;
        emit('rightParen', start);
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
        emit('variable', start);
      } else if (c === '.') {
        if (/[0-9]/.test(input[pos + 1] ?? '')) {
          pos = scanNumber(input, pos);
          emit('number', start);
        } else {
          pos++;
          if (pos < input.length && isAlphaNumeric(input[pos]!)) {
            while (pos < input.length && isAlphaNumeric(input[pos]!)) pos++;
            emit('field', start);
          } else {
            emit('dot', start);
          }
        }
      } else if (/[0-9+-]/.test(c)) {
        pos = scanNumber(input, pos);
        emit('number', start);
      } else if (isAlphaNumeric(c)) {
        while (pos < input.length && isAlphaNumeric(input[pos]!)) pos++;
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
  tokens.push({ kind: 'eof', value: '', pos: input.length, line });
  return tokens;
}

function skipSpaces(input: string, pos: number): number {
  while (pos < input.length && isSpace(input[pos]!)) pos++;
  return pos;
}

function scanNumber(input: string, pos: number): number {
  const m = /^[+-]?(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|[0-9_]*\.?[0-9_]*([eE][+-]?[0-9_]+)?)i?/.exec(input.slice(pos));
  let end = pos + (m ? m[0].length : 1);
  // Go scans any alphanumerics that follow into the number, then rejects it.
  while (end < input.length && /[\p{L}\p{Nd}_.]/u.test(input[end]!)) end++;
  return end;
}

function quoteRune(c: string): string {
  const code = c.codePointAt(0)!;
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')} '${c}'`;
}
