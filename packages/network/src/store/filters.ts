// `docker network ls --filter` and `docker network prune --filter`, as
// dockerd's network filters: name and id are regular expressions searched in
// the value, driver is exact, label is a key or key=value, type is custom or
// builtin. Values of one key are alternatives; keys must all match.
import { invalidArgument } from '@ce/protocol/errors';
import type { NetworkFilters } from '../types.js';
import type { NetworkRecord } from './network-store.js';

export function validateFilters(filters: NetworkFilters): void {
  for (const type of filters.type ?? []) {
    if (type !== 'custom' && type !== 'builtin') throw invalidArgument(`invalid filter: 'type'='${type}'`);
  }
}

export function matchesFilters(net: NetworkRecord, filters: NetworkFilters = {}): boolean {
  const some = (values: readonly string[] | undefined, test: (value: string) => boolean) => !values?.length || values.some(test);
  return (
    some(filters.name, (v) => searches(v, net.name)) &&
    some(filters.id, (v) => searches(v, net.id)) &&
    some(filters.driver, (v) => v === net.driver) &&
    some(filters.type, (v) => (v === 'builtin') === net.predefined) &&
    // Every label filter must match (dockerd's MatchKVList).
    (filters.label ?? []).every((v) => matchesLabel(v, net.labels))
  );
}

function searches(pattern: string, value: string): boolean {
  try {
    return new RegExp(pattern).test(value);
  } catch {
    return false;
  }
}

function matchesLabel(filter: string, labels: Record<string, string>): boolean {
  const eq = filter.indexOf('=');
  if (eq < 0) return Object.hasOwn(labels, filter);
  const key = filter.slice(0, eq);
  return Object.hasOwn(labels, key) && labels[key] === filter.slice(eq + 1);
}
