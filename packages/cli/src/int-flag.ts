/**
 * An integer flag value as Docker's CLI (Go's strconv.ParseInt) accepts it;
 * the error names the flag in Docker's words.
 */
export function parseIntFlag(value: string, flag: string): number {
  const trimmed = value.trim();
  if (!/^[+-]?\d+$/.test(trimmed)) throw new Error(`invalid argument "${value}" for "${flag}" flag: strconv.ParseInt: parsing "${value}": invalid syntax`);
  const n = Number(trimmed);
  if (!Number.isSafeInteger(n)) throw new Error(`invalid argument "${value}" for "${flag}" flag: strconv.ParseInt: parsing "${value}": value out of range`);
  return n;
}

/**
 * A number of seconds for an int32 field of the API: Docker takes any Go int,
 * and beyond 68 years every value means the same (wait), so it is clamped.
 */
export function clampSeconds(seconds: number): number {
  return Math.max(-2147483648, Math.min(2147483647, seconds));
}
