import { describe, expect, it } from 'vitest';
import { CeError } from '@ce/protocol';
import { ContainerEventType, type ContainerEventResponse } from '../../src/gen/runtime/v1/api.js';
import { ContainerEventHub } from '../../src/events/event-hub.js';

const event = (containerId: string, containerEventType = ContainerEventType.CONTAINER_CREATED_EVENT): ContainerEventResponse => ({
  containerId,
  containerEventType,
  createdAt: 1n,
  podSandboxStatus: undefined,
  containersStatuses: [],
});

async function take(stream: AsyncIterable<ContainerEventResponse>, n: number): Promise<string[]> {
  const ids: string[] = [];
  for await (const e of stream) {
    ids.push(e.containerId);
    if (ids.length === n) break;
  }
  return ids;
}

function warnings() {
  const seen: string[] = [];
  return { seen, logger: { warn: (_o: unknown, msg: string) => void seen.push(msg) } };
}

describe('the container event hub', () => {
  it('gives every subscriber each event published after it subscribed, in order', async () => {
    const hub = new ContainerEventHub(warnings().logger);
    hub.publish(event('before'));
    const a = hub.subscribe(new AbortController().signal);
    const b = hub.subscribe(new AbortController().signal);
    const [fromA, fromB] = [take(a, 3), take(b, 3)];
    for (const id of ['one', 'two', 'three']) hub.publish(event(id));
    expect(await fromA).toEqual(['one', 'two', 'three']);
    expect(await fromB).toEqual(['one', 'two', 'three']);
    // Both left by breaking out of their loops.
    expect(hub.subscriberCount).toBe(0);
  });

  it('ends a subscription when its signal aborts, after what it had buffered', async () => {
    const hub = new ContainerEventHub(warnings().logger);
    const abort = new AbortController();
    const stream = hub.subscribe(abort.signal);
    hub.publish(event('kept'));
    abort.abort();
    hub.publish(event('after'));
    const ids: string[] = [];
    for await (const e of stream) ids.push(e.containerId);
    expect(ids).toEqual(['kept']);
    expect(hub.subscriberCount).toBe(0);
  });

  it('drops a subscriber that falls a whole buffer behind, with a warning and RESOURCE_EXHAUSTED, and keeps serving the others', async () => {
    const { seen, logger } = warnings();
    const hub = new ContainerEventHub(logger, 3);
    const slow = hub.subscribe(new AbortController().signal);
    const reader = hub.subscribe(new AbortController().signal);
    const read = take(reader, 5);
    for (let i = 0; i < 5; i++) {
      hub.publish(event(`e${i}`));
      await Promise.resolve();
    }
    expect(await read).toEqual(['e0', 'e1', 'e2', 'e3', 'e4']);
    expect(seen).toEqual(['a GetContainerEvents client does not keep up; dropping it']);
    const err = await (async () => {
      for await (const _ of slow) return 'got an event';
      return 'ended quietly';
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CeError);
    expect((err as CeError).code).toBe('ResourceExhausted');
    expect((err as CeError).message).toBe('the client fell 3 container events behind and was dropped; subscribe again');
  });

  it('ends every subscription when it closes', async () => {
    const hub = new ContainerEventHub(warnings().logger);
    const stream = hub.subscribe(new AbortController().signal);
    const ended = (async () => {
      for await (const _ of stream) return 'got an event';
      return 'ended';
    })();
    hub.close();
    expect(await ended).toBe('ended');
  });
});
