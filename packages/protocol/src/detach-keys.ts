// Docker's detach keys (moby/term ToBytes and its escape proxy), pure: the CLI
// filters the user's input with them; ced checks them as Docker's daemon does.

/** Docker's default: ctrl-p, ctrl-q. */
export const DEFAULT_DETACH_KEYS = 'ctrl-p,ctrl-q';

/**
 * The bytes of a detach key sequence: comma-separated single characters or
 * `ctrl-<key>` (a-z, @, [, \, ], ^, _). Throws with Docker's message otherwise.
 */
export function parseDetachKeys(spec: string): Buffer {
  const bytes: number[] = [];
  for (const key of spec.split(',')) {
    if (key.length > 1) {
      const m = /^ctrl-(.)$/i.exec(key);
      const c = m?.[1]?.toLowerCase();
      if (!c) throw new Error(`Invalid escape keys (${spec}) provided`);
      if (c >= 'a' && c <= 'z') bytes.push(c.charCodeAt(0) - 'a'.charCodeAt(0) + 1);
      else if ('@[\\]^_'.includes(c)) bytes.push(c.charCodeAt(0) - '@'.charCodeAt(0));
      else throw new Error(`Invalid escape keys (${spec}) provided`);
    } else if (key.length === 1) bytes.push(key.charCodeAt(0));
    else throw new Error(`Invalid escape keys (${spec}) provided`);
  }
  return Buffer.from(bytes);
}

/**
 * Watches input for the detach sequence, as moby's escape proxy does: bytes
 * that may start the sequence are held back; if the sequence completes, the
 * caller detaches (and the held bytes are dropped); if not, they are passed on.
 */
export class DetachKeyFilter {
  private matched = 0;

  constructor(private readonly keys: Buffer) {}

  /** The input to forward, and whether the whole sequence was typed. */
  push(data: Buffer): { forward: Buffer; detach: boolean } {
    if (this.keys.length === 0) return { forward: data, detach: false };
    const out: number[] = [];
    for (const byte of data) {
      if (byte === this.keys[this.matched]) {
        this.matched++;
        if (this.matched === this.keys.length) return { forward: Buffer.from(out), detach: true };
        continue;
      }
      // A broken sequence: what was held goes on, then this byte starts over.
      for (let i = 0; i < this.matched; i++) out.push(this.keys[i]!);
      this.matched = 0;
      if (byte === this.keys[0]) this.matched = 1;
      else out.push(byte);
    }
    return { forward: Buffer.from(out), detach: false };
  }
}
