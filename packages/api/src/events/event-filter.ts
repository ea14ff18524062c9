import type { EngineEvent } from './engine-event.js';

/** `--filter key=value` pairs grouped by key: values of one key are alternatives (labels: all must match). */
export type EventFilters = ReadonlyMap<string, readonly string[]>;

export function groupFilters(pairs: readonly { key: string; value: string }[]): EventFilters {
  const grouped = new Map<string, string[]>();
  for (const { key, value } of pairs) {
    const values = grouped.get(key) ?? [];
    values.push(value);
    grouped.set(key, values);
  }
  return grouped;
}

/**
 * Docker's daemon/events Filter.Include: every key must match; keys Docker
 * knows but ce has no events for (network, volume, plugin, ...) match only
 * their own kind, and unknown keys are ignored, as Docker ignores them.
 */
export function includes(filters: EventFilters, event: EngineEvent): boolean {
  return (
    matchAction(filters.get('event'), event.action) &&
    exact(filters.get('type'), event.type) &&
    exact(filters.get('scope'), event.scope) &&
    byName(filters, 'container', event) &&
    byName(filters, 'network', event) &&
    byName(filters, 'volume', event) &&
    byName(filters, 'plugin', event) &&
    byName(filters, 'daemon', event) &&
    matchImage(filters.get('image'), event) &&
    matchLabels(filters.get('label'), event.actor.attributes)
  );
}

function exact(values: readonly string[] | undefined, source: string): boolean {
  return !values?.length || values.includes(source);
}

/** Docker's FuzzyMatch: equal, or the value is a prefix of the source. */
function fuzzy(values: readonly string[] | undefined, source: string): boolean {
  return !values?.length || values.some((v) => source.startsWith(v));
}

/**
 * exec_create, exec_start and health_status carry a suffix (": sh", ":
 * healthy"); asked for without a colon they match any suffix (moby #25798).
 */
function matchAction(values: readonly string[] | undefined, action: string): boolean {
  if (!values?.length) return true;
  if (values.some((v) => v === 'health_status' || v === 'exec_create' || v === 'exec_start')) return fuzzy(values, action);
  return values.includes(action);
}

/** container=, network=, ...: a prefix of the actor's id or name; events of another kind never match. */
function byName(filters: EventFilters, type: string, event: EngineEvent): boolean {
  const values = filters.get(type);
  if (!values?.length) return true;
  return fuzzy(values, event.actor.id) || fuzzy(values, event.actor.attributes.name ?? '');
}

/** image=: the image's id or name, with or without its tag; for container events, the container's image. */
function matchImage(values: readonly string[] | undefined, event: EngineEvent): boolean {
  if (!values?.length) return true;
  const name = event.actor.attributes[event.type === 'image' ? 'name' : 'image'] ?? '';
  const id = event.actor.id;
  return [id, name, stripTag(id), stripTag(name)].some((candidate) => values.includes(candidate));
}

/** Docker's stripTag: a reference without its tag or digest. */
function stripTag(image: string): string {
  const reference = image.split('@')[0]!;
  const slash = reference.lastIndexOf('/');
  const colon = reference.lastIndexOf(':');
  return colon > slash ? reference.slice(0, colon) : reference;
}

/** label=key or label=key=value: all must be among the attributes. */
function matchLabels(values: readonly string[] | undefined, attributes: Record<string, string>): boolean {
  if (!values?.length) return true;
  return values.every((v) => {
    const at = v.indexOf('=');
    const key = at < 0 ? v : v.slice(0, at);
    if (!Object.hasOwn(attributes, key)) return false;
    return at < 0 || attributes[key] === v.slice(at + 1);
  });
}
