// `docker volume ls --filter` and `volume prune --filter`, with Docker's errors.
import { invalidArgument } from '@ce/protocol/errors';
import type { VolumeJSON } from './volume-types.js';

export type VolumeFilters = Record<string, string[]>;

const LIST_KEYS = new Set(['dangling', 'driver', 'label', 'name']);
const PRUNE_KEYS = new Set(['label', 'label!']);

function checkKeys(filters: VolumeFilters, allowed: Set<string>): void {
  for (const key of Object.keys(filters)) if (!allowed.has(key)) throw invalidArgument(`Invalid filter '${key}'`);
}

/** Docker's label filter: "key" (present) or "key=value". */
function labelMatches(labels: Record<string, string> | null, term: string): boolean {
  const eq = term.indexOf('=');
  const key = eq < 0 ? term : term.slice(0, eq);
  if (!labels || !(key in labels)) return false;
  return eq < 0 || labels[key] === term.slice(eq + 1);
}

function nameMatches(name: string, term: string): boolean {
  try {
    return new RegExp(term).test(name);
  } catch {
    return name.includes(term);
  }
}

function parseDangling(values: readonly string[]): boolean | undefined {
  let dangling: boolean | undefined;
  for (const v of values) {
    const lower = v.toLowerCase();
    if (lower === 'true' || v === '1') dangling = true;
    else if (lower === 'false' || v === '0') dangling = false;
    else throw invalidArgument(`Invalid filter 'dangling=${v}'`);
  }
  return dangling;
}

/** A predicate for `volume ls` (dangling: no container references it); throws on an unknown key. */
export function listFilter(filters: VolumeFilters, inUse: (name: string) => boolean): (v: VolumeJSON) => boolean {
  checkKeys(filters, LIST_KEYS);
  const dangling = parseDangling(filters.dangling ?? []);
  return (v) => {
    if (dangling !== undefined && inUse(v.Name) === dangling) return false;
    if (filters.driver?.length && !filters.driver.includes(v.Driver)) return false;
    if (filters.name?.length && !filters.name.some((t) => nameMatches(v.Name, t))) return false;
    if (filters.label?.length && !filters.label.every((t) => labelMatches(v.Labels, t))) return false;
    return true;
  };
}

/** A predicate for `volume prune`: label and label! only. */
export function pruneFilter(filters: VolumeFilters): (v: VolumeJSON) => boolean {
  checkKeys(filters, PRUNE_KEYS);
  return (v) => {
    if (filters.label?.length && !filters.label.every((t) => labelMatches(v.Labels, t))) return false;
    if (filters['label!']?.length && filters['label!'].some((t) => labelMatches(v.Labels, t))) return false;
    return true;
  };
}
