// An instruction's `--name=value` flags, checked as Docker's BFlags does.

export class InstructionFlags {
  private readonly known = new Set<string>();
  private readonly values = new Map<string, string>();
  private readonly repeatable = new Set<string>();
  private readonly lists = new Map<string, string[]>();

  constructor(private readonly words: string[]) {}

  /** Declares a string flag; read its value with get() after parse(). */
  allow(...names: string[]): this {
    for (const n of names) this.known.add(n);
    return this;
  }

  /** Declares a flag that may be given several times (RUN --mount); read it with getAll(). */
  allowRepeated(...names: string[]): this {
    for (const n of names) {
      this.known.add(n);
      this.repeatable.add(n);
    }
    return this;
  }

  /** Throws Docker's words for a flag the instruction does not take, a duplicate or a missing value. */
  parse(): this {
    for (const word of this.words) {
      if (!word.startsWith('--')) throw new Error(`Arg should start with -- : ${word}`);
      if (word === '--') return this;
      const body = word.slice(2);
      const eq = body.indexOf('=');
      const name = eq < 0 ? body : body.slice(0, eq);
      if (!this.known.has(name)) throw new Error(`Unknown flag: ${name}`);
      if (this.values.has(name) && !this.repeatable.has(name)) throw new Error(`Duplicate flag specified: ${name}`);
      if (eq < 0) throw new Error(`Missing a value on flag: ${name}`);
      this.values.set(name, body.slice(eq + 1));
      if (this.repeatable.has(name)) this.lists.set(name, [...(this.lists.get(name) ?? []), body.slice(eq + 1)]);
    }
    return this;
  }

  /** Every value of a repeatable flag, in order. */
  getAll(name: string): string[] {
    return this.lists.get(name) ?? [];
  }

  /** The value given, or undefined when the flag is absent (Docker treats `--x=` as absent too). */
  get(name: string): string | undefined {
    const v = this.values.get(name);
    return v === '' ? undefined : v;
  }
}
