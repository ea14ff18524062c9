import { invalidArgument } from '@ce/protocol';

/** Docker's API form of --since/--until, "<seconds>[.<fraction>]", as nanoseconds since the epoch; undefined when empty. */
export function parseApiTimestamp(value: string, field: string): bigint | undefined {
  if (!value) return undefined;
  const m = /^([+-]?\d+)(?:\.(\d{1,9})\d*)?$/.exec(value);
  if (!m) throw invalidArgument(`invalid value for "${field}": "${value}" is not Unix seconds with an optional fraction`);
  return BigInt(m[1]!) * 1_000_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

const LOG_TIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/;

/** A json-file entry's time (RFC 3339 with any fraction) as nanoseconds since the epoch. */
export function logTimeNanos(time: string): bigint {
  const m = LOG_TIME.exec(time);
  if (!m) throw new Error(`log entry time "${time}" is not RFC 3339`);
  const ms = Date.parse(`${m[1]}${m[3]}`);
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? '').slice(0, 9).padEnd(9, '0'));
}

/** The time as docker logs -t prints it: Go's RFC3339NanoFixed, always nine fraction digits. */
export function fixedNanoTime(time: string): string {
  const m = LOG_TIME.exec(time);
  if (!m) return time;
  return `${m[1]}.${(m[2] ?? '').slice(0, 9).padEnd(9, '0')}${m[3]}`;
}
