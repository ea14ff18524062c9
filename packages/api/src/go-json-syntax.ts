// JSON syntax errors in the words of Go's encoding/json Decoder, which dockerd
// prints for a bad daemon.json ("invalid character '}' looking for beginning
// of object key string", "unexpected EOF"). JSON.parse's messages are V8's.
// The Decoder reads one value and stops: what follows an object or array is
// never looked at, as with dockerd.

const SPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);
const HEX = /^[0-9a-fA-F]$/;

/** A byte as Go's scanner quotes it: strconv.Quote of the byte taken as a rune, in single quotes. */
function quoteByte(c: number): string {
  if (c === 0x27) return "'\\''";
  if (c === 0x22) return "'\"'";
  if (c === 0x5c) return "'\\\\'";
  const escapes: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r' };
  if (escapes[c]) return `'${escapes[c]}'`;
  if (c < 0x20 || c === 0x7f) return `'\\x${c.toString(16).padStart(2, '0')}'`;
  // Latin-1's C1 controls, no-break space and soft hyphen are not printable to strconv.
  if ((c >= 0x80 && c <= 0xa0) || c === 0xad) return `'\\u00${c.toString(16).padStart(2, '0')}'`;
  return `'${String.fromCharCode(c)}'`;
}

class Scanner {
  private at = 0;

  constructor(private readonly bytes: Uint8Array) {}

  /** Reads the first value; returns the offset just past it. */
  topValue(): number {
    this.skipSpace();
    if (this.at >= this.bytes.length) throw new Error('EOF');
    const first = this.bytes[this.at]!;
    this.value('looking for beginning of value');
    if (first === 0x7b || first === 0x5b) return this.at;
    // A scalar ends at the next byte, which must be a space or the end.
    const next = this.bytes[this.at];
    if (next !== undefined && !SPACE.has(next)) this.fail(next, 'after top-level value');
    return this.at;
  }

  private fail(c: number, context: string): never {
    throw new Error(`invalid character ${quoteByte(c)} ${context}`);
  }

  private peek(): number {
    const c = this.bytes[this.at];
    if (c === undefined) throw new Error('unexpected EOF');
    return c;
  }

  private skipSpace(): void {
    while (this.at < this.bytes.length && SPACE.has(this.bytes[this.at]!)) this.at++;
  }

  private value(context: string): void {
    this.skipSpace();
    const c = this.peek();
    if (c === 0x7b) return this.object();
    if (c === 0x5b) return this.array();
    if (c === 0x22) return this.string();
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
    if (c === 0x74) return this.literal('true');
    if (c === 0x66) return this.literal('false');
    if (c === 0x6e) return this.literal('null');
    this.fail(c, context);
  }

  private object(): void {
    this.at++;
    this.skipSpace();
    if (this.peek() === 0x7d) {
      this.at++;
      return;
    }
    for (;;) {
      this.skipSpace();
      const key = this.peek();
      if (key !== 0x22) this.fail(key, 'looking for beginning of object key string');
      this.string();
      this.skipSpace();
      const colon = this.peek();
      if (colon !== 0x3a) this.fail(colon, 'after object key');
      this.at++;
      this.value('looking for beginning of value');
      this.skipSpace();
      const after = this.peek();
      this.at++;
      if (after === 0x7d) return;
      if (after !== 0x2c) this.fail(after, 'after object key:value pair');
    }
  }

  private array(): void {
    this.at++;
    this.skipSpace();
    if (this.peek() === 0x5d) {
      this.at++;
      return;
    }
    for (;;) {
      this.value('looking for beginning of value');
      this.skipSpace();
      const after = this.peek();
      this.at++;
      if (after === 0x5d) return;
      if (after !== 0x2c) this.fail(after, 'after array element');
    }
  }

  private string(): void {
    this.at++;
    for (;;) {
      const c = this.peek();
      this.at++;
      if (c === 0x22) return;
      if (c < 0x20) this.fail(c, 'in string literal');
      if (c !== 0x5c) continue;
      const escaped = this.peek();
      this.at++;
      if (escaped === 0x75) {
        for (let i = 0; i < 4; i++) {
          const h = this.peek();
          if (!HEX.test(String.fromCharCode(h))) this.fail(h, 'in \\u hexadecimal character escape');
          this.at++;
        }
      } else if (!'"\\/bfnrt'.includes(String.fromCharCode(escaped))) {
        this.fail(escaped, 'in string escape code');
      }
    }
  }

  private digits(): void {
    while (this.at < this.bytes.length && this.bytes[this.at]! >= 0x30 && this.bytes[this.at]! <= 0x39) this.at++;
  }

  private isDigit(c: number): boolean {
    return c >= 0x30 && c <= 0x39;
  }

  private number(): void {
    if (this.peek() === 0x2d) {
      this.at++;
      if (!this.isDigit(this.peek())) this.fail(this.peek(), 'in numeric literal');
    }
    if (this.peek() === 0x30) this.at++;
    else this.digits();
    if (this.bytes[this.at] === 0x2e) {
      this.at++;
      if (!this.isDigit(this.peek())) this.fail(this.peek(), 'after decimal point in numeric literal');
      this.digits();
    }
    if (this.bytes[this.at] === 0x65 || this.bytes[this.at] === 0x45) {
      this.at++;
      if (this.peek() === 0x2b || this.peek() === 0x2d) this.at++;
      if (!this.isDigit(this.peek())) this.fail(this.peek(), 'in exponent of numeric literal');
      this.digits();
    }
  }

  private literal(word: 'true' | 'false' | 'null'): void {
    this.at++;
    for (const expected of word.slice(1)) {
      const c = this.peek();
      if (c !== expected.charCodeAt(0)) this.fail(c, `in literal ${word} (expecting '${expected}')`);
      this.at++;
    }
  }
}

/** The Go kind json.Unmarshal names in "cannot unmarshal <kind> into ...". */
function goKind(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'boolean') return 'bool';
  return typeof value === 'object' ? 'object' : typeof value;
}

/**
 * Decodes the first JSON value of `source` into an object as dockerd's
 * json.NewDecoder(...).Decode(&map[string]interface{}) does: Go's words for a
 * syntax error or another type at the top, and null taken as no settings.
 */
export function decodeGoJsonObject(source: string): Record<string, unknown> {
  const bytes = Buffer.from(source, 'utf8');
  const end = new Scanner(bytes).topValue();
  const value: unknown = JSON.parse(bytes.subarray(0, end).toString('utf8'));
  if (value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new Error(`json: cannot unmarshal ${goKind(value)} into Go value of type map[string]interface {}`);
  return value as Record<string, unknown>;
}
