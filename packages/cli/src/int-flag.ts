/**
 * An integer flag value as Docker's CLI (Go's strconv.ParseInt) accepts it;
 * the error names the flag in Docker's words.
 */
export function parseIntFlag(value: string, flag: string): number {
  const trimmed = value.trim();
  if (!/^[+-]?\d+$/.test(trimmed)) throw new Error(`invalid argument "${value}" for "${flag}" flag: strconv.ParseInt: parsing "${value}": invalid syntax`);
  const n = Number(trimmed);
  if (!Number.isSafeInteger(n) || n > 2147483647 || n < -2147483648) {
    throw new Error(`invalid argument "${value}" for "${flag}" flag: strconv.ParseInt: parsing "${value}": value out of range`);
  }
  return n;
}
