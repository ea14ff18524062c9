// Docker's --filter for networks, checked and read as dockerd 20.10 does
// (api/server/router/network/filter.go, daemon/prune.go), with its wording.
import type { NetworkFilters, NetworkResource } from '@ce/network';
import { invalidArgument } from '@ce/protocol/errors';

export interface FilterPair {
  key: string;
  value: string;
}

type FilterMap = Map<string, string[]>;

const LIST_KEYS = new Set(['dangling', 'driver', 'id', 'label', 'name', 'scope', 'type']);
const PRUNE_KEYS = new Set(['until', 'label', 'label!']);
const PREDEFINED = new Set(['bridge', 'host', 'none', 'default']);

function group(pairs: readonly FilterPair[], accepted: ReadonlySet<string>): FilterMap {
  const map: FilterMap = new Map();
  for (const { key, value } of pairs) {
    if (!accepted.has(key)) throw invalidArgument(`Invalid filter '${key}'`);
    map.set(key, [...(map.get(key) ?? []), value]);
  }
  return map;
}

/**
 * The filters NetworkService takes, and the ones the adapter applies to what
 * it lists: scope, and dangling (no container attached, not predefined),
 * which needs each network's Containers, as only inspect fills them.
 */
export interface ListFilters {
  service: NetworkFilters;
  scopes?: string[];
  dangling?: boolean;
}

export function listFilters(pairs: readonly FilterPair[]): ListFilters {
  const map = group(pairs, LIST_KEYS);
  const service: NetworkFilters = {};
  for (const key of ['name', 'id', 'label', 'driver'] as const) if (map.has(key)) service[key] = map.get(key);
  const types = map.get('type');
  if (types) {
    const bad = types.find((t) => t !== 'custom' && t !== 'builtin');
    if (bad !== undefined) throw invalidArgument(`invalid filter: 'type'='${bad}'`);
    service.type = types as Array<'custom' | 'builtin'>;
  }
  return {
    service,
    ...(map.has('scope') ? { scopes: map.get('scope') } : {}),
    ...(map.has('dangling') ? { dangling: danglingValue(map.get('dangling')!) } : {}),
  };
}

/** Whether a network, as inspect gives it, is dangling: not predefined and no container on it. */
export function isDangling(network: NetworkResource): boolean {
  return !PREDEFINED.has(network.Name) && Object.keys(network.Containers ?? {}).length === 0;
}

/** dockerd's GetBoolOrDefault: every value must be a boolean; any true wins. */
function danglingValue(values: string[]): boolean {
  let result = false;
  for (const v of values) {
    const lower = v.toLowerCase();
    if (lower === 'true' || lower === '1') result = true;
    else if (lower !== 'false' && lower !== '0') throw invalidArgument(`invalid value for filter 'dangling', must be "true" (or "1"), or "false" (or "0")`);
  }
  return result;
}

/** Prune's filters: `label` for the service; `until` and `label!` narrow the candidates. */
export interface PruneFilters {
  service: NetworkFilters;
  /** Undefined when neither until nor label! is given: prune whatever the service finds. */
  narrow?(network: NetworkResource): boolean;
}

export function pruneFilters(pairs: readonly FilterPair[], now = Date.now()): PruneFilters {
  const map = group(pairs, PRUNE_KEYS);
  const service: NetworkFilters = map.has('label') ? { label: map.get('label') } : {};
  const untils = map.get('until');
  const notLabels = map.get('label!');
  if (!untils && !notLabels) return { service };
  if (untils && untils.length > 1) throw invalidArgument('more than one until filter specified');
  const until = untils ? untilTime(untils[0]!, now) : undefined;
  return {
    service,
    narrow: (n) => (until === undefined || Date.parse(n.Created) < until) && !(notLabels ?? []).some((l) => hasLabel(n.Labels, l)),
  };
}

function hasLabel(labels: Record<string, string> | null | undefined, filter: string): boolean {
  const eq = filter.indexOf('=');
  const key = eq < 0 ? filter : filter.slice(0, eq);
  if (!labels || !(key in labels)) return false;
  return eq < 0 || labels[key] === filter.slice(eq + 1);
}

/**
 * Docker's until, in milliseconds since the epoch: Unix seconds (with a
 * fraction, as the ce CLI sends it), an RFC 3339 time, or a Go duration
 * counted back from now (whole units: h, m, s, ms).
 */
function untilTime(value: string, now: number): number {
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  if (/^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(Date.parse(value))) return Date.parse(value);
  const duration = /^(\d+(?:\.\d+)?)(h|m|s|ms)$/.exec(value);
  if (duration) return now - Number(duration[1]) * { h: 3_600_000, m: 60_000, s: 1000, ms: 1 }[duration[2] as 'h' | 'm' | 's' | 'ms'];
  throw invalidArgument(`failed to parse value as time or duration: "${value}"`);
}

/** NetworkFilters as Docker's key=value pairs (what a client sends). */
export function filterPairs(filters: NetworkFilters = {}): FilterPair[] {
  return Object.entries(filters).flatMap(([key, values]) => (values as string[] | undefined ?? []).map((value) => ({ key, value })));
}
