// `ce events` output: Docker's line (cli/command/system/events.go printOutput)
// and the JSON of an events.Message for --format '{{json .}}'. Pure.
import type { Event } from '@ce/protocol/gen/ce/api/v1/events';

/** An event as the Docker API 1.41 sends it, with the deprecated status/id/from that Docker still fills for containers and images. */
export interface DockerEventMessage {
  status?: string;
  id?: string;
  from?: string;
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: string;
  time: number;
  /** Kept as a bigint: nanoseconds since the epoch do not fit a double. */
  timeNano: bigint;
}

export function toDockerMessage(event: Event): DockerEventMessage {
  const given = event.actor?.attributes ?? {};
  // Sorted once, as Go sorts map keys, so that JSON.stringify writes them in Go's order.
  const attributes = Object.fromEntries(Object.keys(given).sort(compareGoStrings).map((k) => [k, given[k]!]));
  const id = event.actor?.id ?? '';
  const legacy: Pick<DockerEventMessage, 'status' | 'id' | 'from'> = {};
  if (event.type === 'container' || event.type === 'image') {
    legacy.status = event.action;
    legacy.id = id;
    if (event.type === 'container' && attributes.image) legacy.from = attributes.image;
  }
  return {
    ...legacy,
    Type: event.type,
    Action: event.action,
    Actor: { ID: id, Attributes: attributes },
    scope: event.scope,
    time: event.time,
    timeNano: BigInt(event.timeNano || '0'),
  };
}

/** `2026-12-06T20:00:00.123456789Z container start <id> (image=busybox, name=web)`: attributes sorted by key. */
export function eventLine(message: DockerEventMessage, timeZoneOffsetMinutes?: number): string {
  const time = message.timeNano !== 0n ? message.timeNano : BigInt(message.time) * 1_000_000_000n;
  let line = `${fixedNanoTime(time, timeZoneOffsetMinutes)} ${message.Type} ${message.Action} ${message.Actor.ID}`;
  const keys = Object.keys(message.Actor.Attributes).sort(compareGoStrings);
  if (keys.length) line += ` (${keys.map((k) => `${k}=${message.Actor.Attributes[k]}`).join(', ')})`;
  return `${line}\n`;
}

/** Go's RFC3339NanoFixed in the local zone (or the offset given): nine fraction digits, "Z" for UTC. */
export function fixedNanoTime(timeNano: bigint, timeZoneOffsetMinutes?: number): string {
  const ms = Number(timeNano / 1_000_000n);
  const nanos = String(timeNano % 1_000_000_000n).padStart(9, '0');
  const offset = timeZoneOffsetMinutes ?? -new Date(ms).getTimezoneOffset();
  const local = new Date(Math.floor(Number(timeNano / 1_000_000_000n)) * 1000 + offset * 60_000).toISOString().slice(0, 19);
  if (offset === 0) return `${local}.${nanos}Z`;
  const abs = Math.abs(offset);
  return `${local}.${nanos}${offset < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** Go sorts map keys by bytes; for UTF-16 strings of BMP characters that is the code unit order. */
function compareGoStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
