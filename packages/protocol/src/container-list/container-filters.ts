// `ce ps --filter`, `-n` and `-l` (and the Docker API's list filters and
// limit), applied to what the List RPC returns, with Docker's meanings: values
// of one key are alternatives (label: all must hold), keys must all hold.
import { familiarReference } from '../reference/index.js';

/** The fields of ce.api.v1's Container the filters read. */
export interface ListedContainer {
  id: string;
  name: string;
  image: string;
  imageId: string;
  labels: Record<string, string>;
  createdAt?: Date;
  state?: { status: string; running: boolean; exitCode: number; startedAt?: Date; health: string };
}

export type PsFilters = Map<string, string[]>;

/** A filter request Docker would refuse (its text is Docker's), or one ce cannot serve yet. */
export class PsFilterError extends Error {
  constructor(
    message: string,
    /** Docker's daemon refuses it, so the CLI words it as a daemon error. */
    readonly asDaemon = true,
  ) {
    super(message);
  }
}

const STATES = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'];
const SUPPORTED = new Set(['name', 'id', 'label', 'status', 'exited', 'ancestor', 'health']);
const HEALTH_STATES = ['starting', 'healthy', 'unhealthy', 'none'];
// Keys Docker knows that need fields the List RPC does not carry yet.
const NOT_YET = new Set(['before', 'since', 'volume', 'network', 'publish', 'expose', 'isolation', 'is-task']);

/** Parses `--filter key=value` values; a value without "=" is refused as the docker CLI does. */
export function parsePsFilters(values: string[]): PsFilters {
  const filters: PsFilters = new Map();
  for (const value of values) {
    const eq = value.indexOf('=');
    if (eq < 0) throw new PsFilterError(`invalid argument "${value}" for "-f, --filter" flag: bad format of filter (expected name=value)`);
    const key = value.slice(0, eq).trim().toLowerCase();
    filters.set(key, [...(filters.get(key) ?? []), value.slice(eq + 1).trim()]);
  }
  return filters;
}

/** Checks the keys and values as Docker's daemon does before it lists anything. */
export function validatePsFilters(filters: PsFilters): void {
  for (const [key, values] of filters) {
    if (NOT_YET.has(key)) throw new PsFilterError(`the ps filter '${key}' is not supported by ce yet`, false);
    if (!SUPPORTED.has(key)) throw new PsFilterError(`Invalid filter '${key}'`);
    for (const value of values) {
      if (key === 'status' && !STATES.includes(value)) throw new PsFilterError(`Invalid filter 'status=${value}'`);
      if (key === 'health' && !HEALTH_STATES.includes(value)) throw new PsFilterError(`Unrecognised filter value for health: ${value}`);
      if (key === 'exited' && !/^[+-]?\d+$/.test(value)) throw new PsFilterError(`strconv.Atoi: parsing "${value}": invalid syntax`);
    }
  }
}

/** Docker's Args.Match: an exact value, or a regular expression found in the text. */
function matchesPattern(pattern: string, text: string): boolean {
  if (pattern === text) return true;
  try {
    return new RegExp(pattern).test(text);
  } catch {
    return false;
  }
}

/** "docker.io/library/busybox" and "busybox" → "busybox:latest". */
function normalizedImage(ref: string): string {
  return familiarReference(ref);
}

function isAncestor(value: string, c: ListedContainer): boolean {
  if (normalizedImage(value) === normalizedImage(c.image)) return true;
  const id = value.replace(/^sha256:/, '');
  return /^[0-9a-f]+$/.test(id) && c.imageId.replace(/^sha256:/, '').startsWith(id);
}

export function matchesPsFilters(c: ListedContainer, filters: PsFilters): boolean {
  const any = (key: string, test: (value: string) => boolean) => {
    const values = filters.get(key);
    return !values || values.some(test);
  };
  const state = c.state;
  return (
    // dockerd tries the name as stored ("/web") and without its slash, so `name=^web$` finds it.
    any('name', (v) => matchesPattern(v, `/${c.name}`) || matchesPattern(v, c.name)) &&
    any('id', (v) => matchesPattern(v, c.id)) &&
    any('status', (v) => v === state?.status) &&
    // Only a container that ran and stopped has an exit code to match.
    any('exited', (v) => !!state && !state.running && !!state.startedAt && state.exitCode === Number(v)) &&
    any('ancestor', (v) => isAncestor(v, c)) &&
    any('health', (v) => v === (state?.health || 'none')) &&
    (filters.get('label') ?? []).every((v) => {
      const eq = v.indexOf('=');
      const key = eq < 0 ? v : v.slice(0, eq);
      if (!(key in c.labels)) return false;
      return eq < 0 || c.labels[key] === v.slice(eq + 1);
    })
  );
}

/** Whether the daemon must be asked for stopped containers too: Docker's -a, -n, -l and status filter all ask. */
export function listsAll(all: boolean, last: number, filters: PsFilters): boolean {
  return all || last > 0 || filters.has('status');
}

/** The containers to print: filtered, then, for -n/-l, the last `last` created, newest first. */
export function selectContainers<C extends ListedContainer>(containers: C[], filters: PsFilters, last: number): C[] {
  const matching = containers.filter((c) => matchesPsFilters(c, filters));
  if (last <= 0) return matching;
  const created = (c: ListedContainer) => c.createdAt?.getTime() ?? 0;
  return [...matching].sort((a, b) => created(b) - created(a)).slice(0, last);
}
