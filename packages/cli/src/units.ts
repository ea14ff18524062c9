// Docker's size and CPU flag values (go-units RAMInBytes, opts.MemBytes,
// opts.MemSwapBytes, opts.NanoCPUs), pure: for update now, run --memory later.

const SIZE = /^(\d+(\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$/;
const BINARY: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** go-units RAMInBytes: "512m", "1g", "1.5GiB", "4096" (bytes); binary multiples. */
export function parseRamSize(text: string): number {
  const m = SIZE.exec(text);
  if (!m) throw new Error(`invalid size: '${text}'`);
  const size = Number.parseFloat(m[1]!) * (m[3] ? BINARY[m[3].toLowerCase()]! : 1);
  return Math.trunc(size);
}

/** opts.MemSwapBytes: -1 is unlimited swap, otherwise a size. */
export function parseSwapSize(text: string): number {
  return text === '-1' ? -1 : parseRamSize(text);
}

/** opts.NanoCPUs: a decimal number of CPUs as billionths ("1.5" → 1500000000). */
export function parseNanoCpus(text: string): number {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text.trim());
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new Error(`failed to parse ${text} as a rational number`);
  const fraction = m[3] ?? '';
  if (fraction.replace(/0+$/, '').length > 9) throw new Error('value is too precise');
  const nanos = Number(m[2] || '0') * 1e9 + Number((fraction + '000000000').slice(0, 9));
  return m[1] === '-' ? -nanos : nanos;
}

/** The message Docker's flag parser gives for a bad value, e.g. `invalid argument "x" for "-m, --memory" flag: invalid size: 'x'`. */
export function flagValueError(flag: string, value: string, err: unknown): string {
  return `invalid argument "${value}" for "${flag}" flag: ${(err as Error).message}`;
}
