// Docker's shell lexer for Dockerfile words (moby/buildkit
// frontend/dockerfile/shell/lex.go as Docker 20.10 vendors it): `$VAR`,
// `${VAR}`, `${VAR:-word}`, `${VAR:+word}`, `${VAR:?message}`, single and
// double quotes, the escape character. Not supported, as in Docker 20.10:
// `${VAR-word}` and the other forms without a colon (`missing ':' in substitution`).

import { isSpace } from './words.js';

/** The value of a variable, undefined when it is not set. */
export type Lookup = (name: string) => string | undefined;

const EOF = '';

function isLetter(ch: string): boolean {
  return /^\p{L}$/u.test(ch);
}
function isDigit(ch: string): boolean {
  return /^\p{Nd}$/u.test(ch);
}

/** The words of a ProcessWords call: split on unquoted spaces, also inside expanded values. */
class Words {
  private word = '';
  private readonly words: string[] = [];
  private inWord = false;

  addChar(ch: string): void {
    if (isSpace(ch)) {
      if (this.inWord && this.word.length !== 0) {
        this.words.push(this.word);
        this.word = '';
        this.inWord = false;
      }
    } else {
      this.addRawChar(ch);
    }
  }
  addRawChar(ch: string): void {
    this.word += ch;
    this.inWord = true;
  }
  addString(s: string): void {
    for (const ch of s) this.addChar(ch);
  }
  addRawString(s: string): void {
    this.word += s;
    this.inWord = true;
  }
  get(): string[] {
    if (this.word.length > 0) {
      this.words.push(this.word);
      this.word = '';
      this.inWord = false;
    }
    return this.words;
  }
}

class ShellWord {
  private readonly chars: string[];
  private pos = 0;

  constructor(
    source: string,
    private readonly lookup: Lookup,
    private readonly escapeToken: string,
  ) {
    this.chars = [...source];
  }

  private peek(): string {
    return this.pos < this.chars.length ? this.chars[this.pos]! : EOF;
  }
  private next(): string {
    return this.pos < this.chars.length ? this.chars[this.pos++]! : EOF;
  }

  processStopOn(stopChar: string): { word: string; words: string[] } {
    let result = '';
    const words = new Words();
    while (this.peek() !== EOF) {
      const ch = this.peek();
      if (stopChar !== EOF && ch === stopChar) {
        this.next();
        return { word: result, words: words.get() };
      }
      if (ch === "'" || ch === '"' || ch === '$') {
        const tmp = ch === "'" ? this.singleQuote() : ch === '"' ? this.doubleQuote() : this.dollar();
        result += tmp;
        if (ch === '$') words.addString(tmp);
        else words.addRawString(tmp);
        continue;
      }
      let c = this.next();
      if (c === this.escapeToken) {
        // An escape character escapes the next one, and vanishes at the end.
        c = this.next();
        if (c === EOF) break;
        words.addRawChar(c);
      } else {
        words.addChar(c);
      }
      result += c;
    }
    if (stopChar !== EOF) throw new Error(`unexpected end of statement while looking for matching ${stopChar}`);
    return { word: result, words: words.get() };
  }

  private singleQuote(): string {
    // Everything up to the next ' as is: nothing escapes inside single quotes.
    this.next();
    let result = '';
    for (;;) {
      const ch = this.next();
      if (ch === EOF) throw new Error('unexpected end of statement while looking for matching single-quote');
      if (ch === "'") return result;
      result += ch;
    }
  }

  private doubleQuote(): string {
    this.next();
    let result = '';
    for (;;) {
      const peeked = this.peek();
      if (peeked === EOF) throw new Error('unexpected end of statement while looking for matching double-quote');
      if (peeked === '"') {
        this.next();
        return result;
      }
      if (peeked === '$') {
        result += this.dollar();
        continue;
      }
      let ch = this.next();
      if (ch === this.escapeToken) {
        const after = this.peek();
        if (after === EOF) continue;
        // Only ", $ and the escape character itself are escaped; elsewhere the escape stays.
        if (after === '"' || after === '$' || after === this.escapeToken) ch = this.next();
      }
      result += ch;
    }
  }

  private dollar(): string {
    this.next();
    if (this.peek() !== '{') {
      const name = this.name();
      if (name === '') return '$';
      return this.lookup(name) ?? '';
    }
    this.next();
    const first = this.peek();
    if (first === EOF) throw new Error("syntax error: missing '}'");
    if (first === '{' || first === '}' || first === ':') throw new Error('syntax error: bad substitution');
    const name = this.name();
    const ch = this.next();
    if (ch === '}') return this.lookup(name) ?? '';
    if (ch !== ':') throw new Error("missing ':' in substitution");
    const modifier = this.next();
    let word: string;
    try {
      word = this.processStopOn('}').word;
    } catch (err) {
      if (this.peek() === EOF) throw new Error("syntax error: missing '}'");
      throw err;
    }
    const value = this.lookup(name);
    switch (modifier) {
      case '+':
        return value !== undefined && value !== '' ? word : (value ?? '');
      case '-':
        return value === undefined || value === '' ? word : value;
      case '?':
        if (value === undefined) throw new Error(`${name}: ${word || 'is not allowed to be unset'}`);
        if (value === '') throw new Error(`${name}: ${word || 'is not allowed to be empty'}`);
        return value;
      default:
        throw new Error(`unsupported modifier (${modifier}) in substitution`);
    }
  }

  /** A variable name: letters, digits and _; or all the digits of a positional one; or one special parameter. */
  private name(): string {
    let name = '';
    while (this.peek() !== EOF) {
      const ch = this.peek();
      if (name.length === 0 && isDigit(ch)) {
        while (this.peek() !== EOF && isDigit(this.peek())) name += this.next();
        return name;
      }
      if (name.length === 0 && '@*#?-$!0'.includes(ch)) return this.next();
      if (!isLetter(ch) && !isDigit(ch) && ch !== '_') break;
      name += this.next();
    }
    return name;
  }
}

/** Docker's `failed to process "<word>": <reason>`. */
export class ExpansionError extends Error {
  override readonly name = 'ExpansionError';
  constructor(
    readonly word: string,
    readonly reason: string,
  ) {
    super(`failed to process ${JSON.stringify(word)}: ${reason}`);
  }
}

function run(word: string, lookup: Lookup, escapeToken: string): { word: string; words: string[] } {
  try {
    return new ShellWord(word, lookup, escapeToken).processStopOn(EOF);
  } catch (err) {
    throw new ExpansionError(word, (err as Error).message);
  }
}

/** One word with variables expanded and quotes and escapes removed (ProcessWord). */
export function processWord(word: string, lookup: Lookup, escapeToken: '\\' | '`' = '\\'): string {
  return run(word, lookup, escapeToken).word;
}

/** The words of a text, split on unquoted spaces after expansion (ProcessWords, for EXPOSE). */
export function processWords(word: string, lookup: Lookup, escapeToken: '\\' | '`' = '\\'): string[] {
  return run(word, lookup, escapeToken).words;
}

/** A Lookup over `KEY=value` lines (the image config's Env), the last one of a key winning. */
export function envLookup(env: readonly string[]): Lookup {
  const map = new Map<string, string>();
  for (const e of env) {
    const eq = e.indexOf('=');
    if (eq < 0) map.set(e, '');
    else map.set(e.slice(0, eq), e.slice(eq + 1));
  }
  return (name) => map.get(name);
}
