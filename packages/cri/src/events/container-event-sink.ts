// Where pod sandboxes and containers report their lifecycle: each call becomes
// a ContainerEventResponse with the pod's status and its containers' statuses
// (what the kubelet's evented PLEG reads instead of asking), published in call
// order. The statuses are read when the call is made (a DELETED event still
// sees the record its removal is about to drop), published once the earlier
// events are out.
import type { Logger } from '@ce/protocol';
import { ContainerEventType, type ContainerEventResponse, type ContainerStatus, type PodSandboxStatus } from '../gen/runtime/v1/api.js';
import type { ContainerEventHub } from './event-hub.js';

export type ContainerEventKind = 'created' | 'started' | 'stopped' | 'deleted';

/** The hook the pod sandboxes and the container RPCs call; for a sandbox, containerId is its id. */
export interface ContainerEventSink {
  containerEvent(type: ContainerEventKind, containerId: string, sandboxId: string): Promise<void>;
}

export interface ContainerEventSinkOptions {
  hub: Pick<ContainerEventHub, 'publish' | 'subscriberCount'>;
  /** The pod's status; undefined when there is no such sandbox (containerd then sends the event without it). */
  sandboxStatus: (sandboxId: string) => Promise<PodSandboxStatus | undefined>;
  /** The statuses of the pod's containers. */
  containerStatuses: (sandboxId: string) => Promise<ContainerStatus[]>;
  now?: () => bigint;
  logger?: Pick<Logger, 'warn'>;
}

const TYPES: Record<ContainerEventKind, ContainerEventType> = {
  created: ContainerEventType.CONTAINER_CREATED_EVENT,
  started: ContainerEventType.CONTAINER_STARTED_EVENT,
  stopped: ContainerEventType.CONTAINER_STOPPED_EVENT,
  deleted: ContainerEventType.CONTAINER_DELETED_EVENT,
};

export function containerEventSink(options: ContainerEventSinkOptions): ContainerEventSink {
  const now = options.now ?? (() => BigInt(Date.now()) * 1_000_000n);
  let published: Promise<void> = Promise.resolve();

  const settled = <T>(promise: Promise<T>, fallback: T, what: string, sandboxId: string): Promise<T> =>
    promise.catch((err: unknown) => {
      options.logger?.warn({ sandboxId, err: (err as Error).message }, `could not read ${what} for a container event; sending it without`);
      return fallback;
    });

  return {
    containerEvent(type, containerId, sandboxId) {
      // Nobody listens: no statuses to read (a subscriber only gets what comes after it).
      if (!options.hub.subscriberCount) return published;
      const createdAt = now();
      // Both reads start now, before the caller goes on (and, say, deletes the record).
      const podStatus = settled(options.sandboxStatus(sandboxId), undefined, "the sandbox's status", sandboxId);
      const statuses = settled(options.containerStatuses(sandboxId), [], "the containers' statuses", sandboxId);
      const event = Promise.all([podStatus, statuses]).then(
        ([podSandboxStatus, containersStatuses]): ContainerEventResponse => ({ containerId, containerEventType: TYPES[type], createdAt, podSandboxStatus, containersStatuses }),
      );
      published = published.then(async () => options.hub.publish(await event));
      return published;
    },
  };
}
