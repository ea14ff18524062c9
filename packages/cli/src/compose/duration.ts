// Compose durations ("1m30s", "1.5s", "500ms", "10" seconds) and docker-compose's stop_grace_period.

const UNITS: Record<string, number> = { h: 3600e9, m: 60e9, s: 1e9, ms: 1e6, us: 1e3, µs: 1e3, ns: 1 };

/** Nanoseconds; an Error naming the value when it is not a duration. */
export function durationNanos(value: string | number): number {
  if (typeof value === 'number') return Math.round(value * 1e9);
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1e9);
  const re = /(\d+(?:\.\d+)?)(h|ms|us|\u00b5s|ns|m|s)/y; // µs escaped: see log-time.ts
  let total = 0;
  let matched = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * UNITS[m[2]!]!;
    matched = re.lastIndex;
  }
  if (!text || matched !== text.length) throw new Error(`invalid duration: ${JSON.stringify(value)}`);
  return Math.round(total);
}
