import { describe, expect, it, vi } from 'vitest';
import { CeError } from '@ce/protocol';
import type { TaskEvent } from '@ce/protocol/gen/ce/events/v1/task';
import { followPauseExits } from '../../src/events/pause-exits.js';

const exit = (id: string, execId?: string): TaskEvent => ({ id, timestamp: undefined, exit: { pid: 7, exitStatus: 137, exitedAt: undefined, reason: '', oomKilled: false, ...(execId ? { execId } : {}) } });
const start = (id: string): TaskEvent => ({ id, timestamp: undefined, start: { pid: 7 } });

/** A supervisor whose event streams the test feeds and breaks. */
function supervisor() {
  const streams: Array<{ push(e: TaskEvent): void; fail(err: Error): void }> = [];
  const events = (signal: AbortSignal): AsyncIterable<TaskEvent> => {
    const queue: TaskEvent[] = [];
    let wake = () => {};
    let failure: Error | undefined;
    streams.push({ push: (e) => (queue.push(e), wake()), fail: (err) => ((failure = err), wake()) });
    signal.addEventListener('abort', () => wake());
    return {
      async *[Symbol.asyncIterator]() {
        while (!signal.aborted) {
          if (queue.length) yield queue.shift()!;
          else if (failure) throw failure;
          else await new Promise<void>((r) => (wake = r));
        }
      },
    };
  };
  return { streams, events };
}

describe("following the pauses' exits", () => {
  it("passes on the init exits of the CRI's pauses only", async () => {
    const s = supervisor();
    const exited: string[] = [];
    const follower = followPauseExits({ events: s.events, isPause: (id) => id.startsWith('pod'), onExit: (id) => exited.push(id), onResubscribed: () => {} });
    await vi.waitFor(() => expect(s.streams).toHaveLength(1));
    for (const e of [start('pod-a'), exit('ced-container'), exit('pod-a', 'exec-1'), exit('pod-a'), exit('pod-b')]) s.streams[0]!.push(e);
    await vi.waitFor(() => expect(exited).toEqual(['pod-a', 'pod-b']));
    follower.close();
  });

  it('subscribes again when the stream breaks, and asks for a check of the pauses', async () => {
    const s = supervisor();
    const exited: string[] = [];
    let checks = 0;
    const warned: string[] = [];
    const follower = followPauseExits({ events: s.events, isPause: () => true, onExit: (id) => exited.push(id), onResubscribed: () => checks++, logger: { warn: (_o, msg: string) => void warned.push(msg) } });
    await vi.waitFor(() => expect(s.streams).toHaveLength(1));
    s.streams[0]!.fail(new CeError('Unavailable', "ced's supervisor: connection refused"));
    await vi.waitFor(() => expect(s.streams).toHaveLength(2));
    expect(checks).toBe(1);
    expect(warned).toEqual(["lost ced's supervisor event stream; subscribing again"]);
    s.streams[1]!.push(exit('pod-a'));
    await vi.waitFor(() => expect(exited).toEqual(['pod-a']));
    follower.close();
  });
});
