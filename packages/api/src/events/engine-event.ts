/**
 * An event as Docker's Engine API 1.41 has it (events.Message without the
 * deprecated status/id/from, which clients derive). Pure: no I/O.
 */
export interface EngineEvent {
  /** "container", "image", ... */
  type: EventType;
  /** "create", "start", "die", "exec_start: sh -c date", ... */
  action: string;
  actor: { id: string; attributes: Record<string, string> };
  scope: 'local';
  /** Unix nanoseconds: Docker's timeNano; `time` is its whole seconds. */
  timeNano: bigint;
}

export type EventType = 'container' | 'image' | 'network' | 'volume' | 'daemon' | 'plugin';

/** Docker's container actions (API 1.41). exec_create, exec_start and health_status carry a suffix (": <cmd>", ": healthy"). */
export type ContainerAction =
  | 'attach'
  | 'commit'
  | 'copy'
  | 'create'
  | 'destroy'
  | 'detach'
  | 'die'
  | 'exec_create'
  | 'exec_detach'
  | 'exec_die'
  | 'exec_start'
  | 'export'
  | 'health_status'
  | 'kill'
  | 'oom'
  | 'pause'
  | 'rename'
  | 'resize'
  | 'restart'
  | 'start'
  | 'stop'
  | 'top'
  | 'unpause'
  | 'update';

export type ImageAction = 'delete' | 'import' | 'load' | 'pull' | 'push' | 'save' | 'tag' | 'untag';

export type NetworkAction = 'create' | 'connect' | 'disconnect' | 'destroy' | 'remove';

export type VolumeAction = 'create' | 'mount' | 'unmount' | 'destroy';

/** The whole seconds of an event's time, as Docker's `time`. */
export function eventSeconds(event: EngineEvent): number {
  return Number(event.timeNano / 1_000_000_000n);
}

const clockAnchor = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();

/** Now in Unix nanoseconds, from the monotonic clock anchored to the wall clock once: events keep their order. */
export function nowNanos(): bigint {
  return clockAnchor + process.hrtime.bigint();
}
