// An event of ce.api.v1.Events as the Docker Engine API 1.41 sends it
// (events.Message): what GET /events streams and what `ce events` prints.
import type { Event } from './gen/ce/api/v1/events.js';

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

/** One line of GET /events: the message's JSON in Go's field order, timeNano an exact integer, and a newline. */
export function dockerEventJson(message: DockerEventMessage): string {
  const { timeNano, ...rest } = message;
  return `${JSON.stringify(rest).slice(0, -1)},"timeNano":${timeNano}}\n`;
}

/** Go sorts map keys by bytes; for UTF-16 strings of BMP characters that is the code unit order. */
export function compareGoStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
