// `ce events` output: Docker's line (cli/command/system/events.go printOutput)
// and the JSON of an events.Message for --format '{{json .}}'. Pure.
import { compareGoStrings, type DockerEventMessage } from '@ce/protocol';

export { toDockerMessage, type DockerEventMessage } from '@ce/protocol';

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
