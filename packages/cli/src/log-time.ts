/**
 * The values `docker logs --since/--until` accept, turned into what the
 * daemon takes: Unix seconds with an optional nine-digit fraction.
 *
 * Docker's rules (api/types/time GetTimestamp): a Go duration ("10m",
 * "1h30m", "-5s") counts back from now and keeps whole seconds; an RFC 3339
 * date or date-time (parts may be left off from the right; without a zone it
 * is local time) is converted; anything else must already be Unix seconds
 * with an optional fraction, and is passed on as it is.
 */
export function logTimestamp(value: string, now: Date = new Date()): string {
  if (value !== '0') {
    const ns = goDurationNanos(value);
    if (ns !== undefined) return String(Math.floor((now.getTime() - ns / 1e6) / 1000));
  }
  const date = parseDateTime(value);
  if (date) return `${date.seconds}.${String(date.nanos).padStart(9, '0')}`;
  if (value.includes('-')) throw new Error(`parsing time "${value}": not an RFC 3339 date or time`);
  if (!/^[+-]?\d+(\.\d+)?$/.test(value)) throw new Error(`failed to parse value as time or duration: "${value}"`);
  return value;
}

const UNIT_NANOS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go's time.ParseDuration, in nanoseconds; undefined when value is not one. */
export function goDurationNanos(value: string): number | undefined {
  const m = /^([+-]?)(.+)$/.exec(value);
  if (!m) return undefined;
  const body = m[2]!;
  if (body === '0') return 0;
  // µ (U+00B5) and μ (U+03BC) escaped: one character above U+00FF in the bundle makes V8 hold all
  // 1.5 MB of its source as a two-byte string, twice over while the loader wraps it (decision 0048).
  const part = /(\d+\.?\d*|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)/y;
  let total = 0;
  let at = 0;
  while (at < body.length) {
    part.lastIndex = at;
    const p = part.exec(body);
    if (!p) return undefined;
    total += Number(p[1]) * UNIT_NANOS[p[2]!]!;
    at = part.lastIndex;
  }
  if (at === 0) return undefined;
  return m[1] === '-' ? -total : total;
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?)?(Z|[+-]\d{2}:\d{2})?$/;

/** An RFC 3339 date or date-time as Docker accepts it; undefined when value has another form. */
function parseDateTime(value: string): { seconds: number; nanos: number } | undefined {
  const m = DATE_TIME.exec(value);
  if (!m) return undefined;
  const [year, month, day, hour = 0, minute = 0, second = 0] = m.slice(1, 7).map((v) => (v === undefined ? undefined : Number(v))) as number[];
  // Go accepts a fraction only after the seconds, as this pattern does.
  const fraction = m[7] ?? '';
  const zone = m[8];
  // Go's time.Parse names the first field out of range, in the layout's order, then a day past its month's end.
  const outOfRange = month! < 1 || month! > 12 ? 'month' : day! < 1 || day! > 31 ? 'day' : hour > 23 ? 'hour' : minute > 59 ? 'minute' : second > 59 ? 'second' : undefined;
  if (outOfRange) throw new Error(`parsing time "${value}": ${outOfRange} out of range`);
  if (day! > new Date(Date.UTC(year!, month!, 0)).getUTCDate()) throw new Error(`parsing time "${value}": day out of range`);
  let ms: number;
  if (zone === undefined) {
    ms = new Date(year!, month! - 1, day, hour, minute, second).getTime();
  } else {
    ms = Date.UTC(year!, month! - 1, day, hour, minute, second);
    if (zone !== 'Z') {
      const sign = zone[0] === '-' ? -1 : 1;
      ms -= sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
    }
  }
  return { seconds: Math.floor(ms / 1000), nanos: Number(fraction.padEnd(9, '0') || '0') };
}
