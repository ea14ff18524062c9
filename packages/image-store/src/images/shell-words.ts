// The Dockerfile's words, as Docker 20.10's builder reads them for `commit -c`
// and `import -c` (buildkit's frontend/dockerfile/parser parseWords and
// shell/lex.go ProcessWord): words are split first with their quotes and
// escapes kept, then each is expanded against the config's Env, quotes and
// escapes removed. `$VAR`, `${VAR}`, `${VAR:-word}`, `${VAR:+word}` and
// `${VAR:?word}`; nothing inside single quotes.
import { invalidArgument } from '@ce/protocol';

const ESCAPE = '\\';

/** Splits on blanks outside quotes; quotes and escapes stay in the words (parseWords). */
export function splitRawWords(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let blankOk = false;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === quote) quote = undefined;
      else if (ch === ESCAPE && quote !== "'") {
        if (i + 1 === text.length) continue;
        word += ch + text[++i];
        continue;
      }
      word += ch;
      continue;
    }
    if (/\s/.test(ch)) {
      if (inWord && (blankOk || word)) words.push(word);
      [word, inWord, blankOk] = ['', false, false];
      continue;
    }
    inWord = true;
    if (ch === '"' || ch === "'") [quote, blankOk] = [ch, true];
    if (ch === ESCAPE) {
      if (i + 1 === text.length) continue;
      word += ch + text[++i];
      continue;
    }
    word += ch;
  }
  if (inWord && (blankOk || word)) words.push(word);
  return words;
}

/** One word expanded against `env` ("K=V" entries), its quotes and escapes removed; Docker's error words. */
export function processWord(word: string, env: readonly string[]): string {
  try {
    return new WordLexer(word, env).process();
  } catch (err) {
    throw invalidArgument(`failed to process ${JSON.stringify(word)}: ${(err as Error).message}`);
  }
}

class WordLexer {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly env: readonly string[],
  ) {}

  process(): string {
    return this.processUntil(undefined);
  }

  private peek(): string | undefined {
    return this.text[this.pos];
  }

  private next(): string | undefined {
    return this.text[this.pos++];
  }

  private processUntil(stop: string | undefined): string {
    let out = '';
    while (this.peek() !== undefined) {
      const ch = this.peek()!;
      if (stop !== undefined && ch === stop) {
        this.next();
        return out;
      }
      if (ch === "'") out += this.singleQuoted();
      else if (ch === '"') out += this.doubleQuoted();
      else if (ch === '$') out += this.dollar();
      else {
        this.next();
        if (ch === ESCAPE) {
          const escaped = this.next();
          if (escaped === undefined) break;
          out += escaped;
        } else out += ch;
      }
    }
    if (stop !== undefined) throw new Error(`unexpected end of statement while looking for matching ${stop}`);
    return out;
  }

  private singleQuoted(): string {
    this.next();
    let out = '';
    for (;;) {
      const ch = this.next();
      if (ch === undefined) throw new Error('unexpected end of statement while looking for matching single-quote');
      if (ch === "'") return out;
      out += ch;
    }
  }

  private doubleQuoted(): string {
    this.next();
    let out = '';
    for (;;) {
      const ch = this.peek();
      if (ch === undefined) throw new Error('unexpected end of statement while looking for matching double-quote');
      if (ch === '"') {
        this.next();
        return out;
      }
      if (ch === '$') {
        out += this.dollar();
        continue;
      }
      this.next();
      if (ch === ESCAPE) {
        const after = this.peek();
        if (after === undefined) continue;
        // Only these can be escaped inside double quotes; any other backslash stays.
        if (after === '"' || after === '$' || after === ESCAPE) {
          out += this.next();
          continue;
        }
      }
      out += ch;
    }
  }

  private dollar(): string {
    this.next();
    if (this.peek() !== '{') {
      const name = this.name();
      return name === '' ? '$' : this.lookup(name);
    }
    this.next();
    const first = this.peek();
    if (first === undefined) throw new Error("syntax error: missing '}'");
    if (first === '{' || first === '}' || first === ':') throw new Error('syntax error: bad substitution');
    const name = this.name();
    const ch = this.next();
    if (ch === '}') return this.lookup(name);
    if (ch !== ':') throw new Error("missing ':' in substitution");
    const modifier = this.next();
    let word: string;
    try {
      word = this.processUntil('}');
    } catch (err) {
      if (this.peek() === undefined) throw new Error("syntax error: missing '}'");
      throw err;
    }
    const value = this.lookup(name);
    switch (modifier) {
      case '+':
        return value === '' ? '' : word;
      case '-':
        return value === '' ? word : value;
      case '?':
        if (value !== '') return value;
        throw new Error(`${name}: ${word || 'parameter null or not set'}`);
      default:
        throw new Error(`unsupported modifier (${modifier ?? ''}) in substitution`);
    }
  }

  /** A variable's name: letters, digits and _; a run of digits; or one of the shell's special parameters. */
  private name(): string {
    const rest = this.text.slice(this.pos);
    const match = /^(?:[0-9]+|[@*#?\-$!0]|[\p{L}\p{N}_]+)/u.exec(rest);
    const name = match?.[0] ?? '';
    this.pos += name.length;
    return name;
  }

  private lookup(name: string): string {
    for (const entry of this.env) {
      const eq = entry.indexOf('=');
      if (eq < 0) {
        if (entry === name) return '';
      } else if (entry.slice(0, eq) === name) return entry.slice(eq + 1);
    }
    return '';
  }
}
