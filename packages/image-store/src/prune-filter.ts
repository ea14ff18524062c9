// Docker's prune filters (daemon/prune.go): until, label, label! and, for
// images, dangling; with dockerd's wording for what it refuses.
import { invalidArgument } from '@ce/protocol/errors';

export interface FilterPair {
  key: string;
  value: string;
}

/** What a prune filter looks at: when the object was created (ms since the epoch) and its labels. */
export interface PruneCandidate {
  created: number;
  labels: Record<string, string> | null | undefined;
}

export interface PruneFilter {
  /** dangling=false (as -a): every unused image, not only dangling ones. Undefined when not given. */
  dangling?: boolean;
  matches(candidate: PruneCandidate): boolean;
}

/** Parses `pairs`, accepting only the keys in `accepted`; InvalidArgument names a key or value it refuses. */
export function pruneFilter(pairs: readonly FilterPair[], accepted: readonly string[], now = Date.now()): PruneFilter {
  const map = new Map<string, string[]>();
  for (const { key, value } of pairs) {
    if (!accepted.includes(key)) throw invalidArgument(`Invalid filter '${key}'`);
    map.set(key, [...(map.get(key) ?? []), value]);
  }
  const untils = map.get('until') ?? [];
  if (untils.length > 1) throw invalidArgument('more than one until filter specified');
  const until = untils.length ? untilTime(untils[0]!, now) : undefined;
  const labels = map.get('label') ?? [];
  const notLabels = map.get('label!') ?? [];
  const dangling = map.has('dangling') ? danglingValue(map.get('dangling')!) : undefined;
  return {
    ...(dangling === undefined ? {} : { dangling }),
    matches: (c) =>
      (until === undefined || c.created < until) && labels.every((l) => hasLabel(c.labels, l)) && !notLabels.some((l) => hasLabel(c.labels, l)),
  };
}

/** Docker's label filter term: "key" (present) or "key=value". */
export function hasLabel(labels: Record<string, string> | null | undefined, term: string): boolean {
  const eq = term.indexOf('=');
  const key = eq < 0 ? term : term.slice(0, eq);
  if (!labels || !(key in labels)) return false;
  return eq < 0 || labels[key] === term.slice(eq + 1);
}

/**
 * Docker's until, in milliseconds since the epoch: Unix seconds (with a
 * fraction, as the ce CLI sends it), an RFC 3339 time, or a Go duration
 * counted back from now (h, m, s, ms).
 */
export function untilTime(value: string, now = Date.now()): number {
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  if (/^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(Date.parse(value))) return Date.parse(value);
  const duration = /^(\d+(?:\.\d+)?)(h|m|s|ms)$/.exec(value);
  if (duration) return now - Number(duration[1]) * { h: 3_600_000, m: 60_000, s: 1000, ms: 1 }[duration[2] as 'h' | 'm' | 's' | 'ms'];
  throw invalidArgument(`failed to parse value as time or duration: "${value}"`);
}

/** dangling's value: Docker's boolean forms. */
function danglingValue(values: string[]): boolean {
  let result = false;
  for (const v of values) {
    const lower = v.toLowerCase();
    if (lower === 'true' || lower === '1') result = true;
    else if (lower !== 'false' && lower !== '0') throw invalidArgument(`invalid filter 'dangling=${v}'`);
  }
  return result;
}
