import { describe, expect, it } from 'vitest';
import { ContainerEventType, ContainerState, PodSandboxState, type ContainerEventResponse, type ContainerStatus, type PodSandboxStatus } from '../../src/gen/runtime/v1/api.js';
import { containerEventSink } from '../../src/events/container-event-sink.js';

function hub(subscribers = 1) {
  const published: ContainerEventResponse[] = [];
  return { published, subscriberCount: subscribers, publish: (e: ContainerEventResponse) => void published.push(e) };
}

const podStatus = (id: string, state: PodSandboxState) => ({ id, state }) as PodSandboxStatus;
const deferred = <T>() => {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
};

describe('the container event sink', () => {
  it("publishes in call order with the pod's and its containers' statuses, even when an earlier status is slower to read", async () => {
    const h = hub();
    const slow = deferred<PodSandboxStatus>();
    let reads = 0;
    const sink = containerEventSink({
      hub: h,
      sandboxStatus: (id) => (reads++ === 0 ? slow.promise : Promise.resolve(podStatus(id, PodSandboxState.SANDBOX_READY))),
      containerStatuses: async () => [{ id: 'c1', state: ContainerState.CONTAINER_RUNNING } as ContainerStatus],
      now: () => 42n,
    });
    const first = sink.containerEvent('created', 'pod', 'pod');
    const second = sink.containerEvent('started', 'c1', 'pod');
    await Promise.resolve();
    expect(h.published).toEqual([]);
    slow.resolve(podStatus('pod', PodSandboxState.SANDBOX_NOTREADY));
    await Promise.all([first, second]);
    expect(h.published).toEqual([
      { containerId: 'pod', containerEventType: ContainerEventType.CONTAINER_CREATED_EVENT, createdAt: 42n, podSandboxStatus: podStatus('pod', PodSandboxState.SANDBOX_NOTREADY), containersStatuses: [{ id: 'c1', state: ContainerState.CONTAINER_RUNNING }] },
      { containerId: 'c1', containerEventType: ContainerEventType.CONTAINER_STARTED_EVENT, createdAt: 42n, podSandboxStatus: podStatus('pod', PodSandboxState.SANDBOX_READY), containersStatuses: [{ id: 'c1', state: ContainerState.CONTAINER_RUNNING }] },
    ]);
  });

  it('reads the statuses when called, so that what the caller removes next is still in its event', async () => {
    const h = hub();
    const pods = new Map([['pod', podStatus('pod', PodSandboxState.SANDBOX_NOTREADY)]]);
    const sink = containerEventSink({ hub: h, sandboxStatus: async (id) => pods.get(id), containerStatuses: async () => [] });
    const done = sink.containerEvent('deleted', 'pod', 'pod');
    pods.delete('pod');
    await done;
    expect(h.published.map((e) => [e.containerEventType, e.podSandboxStatus?.id])).toEqual([[ContainerEventType.CONTAINER_DELETED_EVENT, 'pod']]);
  });

  it('sends the event without what it could not read, with a warning', async () => {
    const h = hub();
    const warned: string[] = [];
    const sink = containerEventSink({
      hub: h,
      sandboxStatus: async () => {
        throw new Error('supervisor unreachable');
      },
      containerStatuses: async () => {
        throw new Error('no containers today');
      },
      logger: { warn: (_o, msg: string) => void warned.push(msg) },
    });
    await sink.containerEvent('stopped', 'pod', 'pod');
    expect(h.published).toMatchObject([{ containerId: 'pod', containerEventType: ContainerEventType.CONTAINER_STOPPED_EVENT, podSandboxStatus: undefined, containersStatuses: [] }]);
    expect(warned.sort()).toEqual(["could not read the containers' statuses for a container event; sending it without", "could not read the sandbox's status for a container event; sending it without"]);
  });

  it('reads nothing while nobody subscribes', async () => {
    const h = hub(0);
    let reads = 0;
    const sink = containerEventSink({ hub: h, sandboxStatus: async () => void reads++, containerStatuses: async () => (reads++, []) });
    await sink.containerEvent('created', 'pod', 'pod');
    expect(reads).toBe(0);
    expect(h.published).toEqual([]);
  });
});
