import { describe, expect, it, vi } from 'vitest';
import { CeError } from '@ce/protocol';
import type { TaskEvent } from '@ce/protocol/gen/ce/events/v1/task';
import { TaskStatus } from '@ce/protocol/gen/ce/types/v1/task';
import type { SupervisorApi } from '@ce/supervisor';
import { TaskExitWatcher } from '../../src/events/task-exits.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** A supervisor whose event streams the test feeds, breaks and counts. */
function fakeSupervisor(states: Record<string, TaskStatus | 'gone'> = {}) {
  let streams = 0;
  let push: (e: TaskEvent) => void = () => undefined;
  let fail: (err: Error) => void = () => undefined;
  let subscribed: () => void = () => undefined;
  let nextSubscription = new Promise<void>((r) => (subscribed = r));
  const supervisor = {
    events(signal: AbortSignal): AsyncIterable<TaskEvent> {
      streams++;
      const queue: TaskEvent[] = [];
      let wake: (() => void) | undefined;
      let error: Error | undefined;
      push = (e) => (queue.push(e), wake?.());
      fail = (err) => ((error = err), wake?.());
      signal.addEventListener('abort', () => wake?.());
      subscribed();
      return (async function* () {
        for (;;) {
          while (queue.length) yield queue.shift()!;
          if (error) throw error;
          if (signal.aborted) return;
          await new Promise<void>((r) => (wake = r));
        }
      })();
    },
    async taskState({ id }: { id: string }) {
      const state = states[id];
      if (state === undefined || state === 'gone') throw new CeError('NotFound', `task ${id} not found`);
      return { id, status: state, pid: 7, exitStatus: 0 };
    },
    async waitTask() {
      return { exitStatus: 9, exitedAt: new Date(0), reason: '' };
    },
  } as unknown as SupervisorApi;
  return {
    supervisor,
    streams: () => streams,
    push: (e: TaskEvent) => push(e),
    fail: (err: Error) => fail(err),
    /** Resolves at the next subscription. */
    resubscribed: () => nextSubscription.then(() => void (nextSubscription = new Promise<void>((r) => (subscribed = r)))),
  };
}

const exit = (id: string, pid: number, exitStatus: number): TaskEvent => ({ id, timestamp: new Date(), exit: { pid, exitStatus, exitedAt: new Date(1000), reason: '' } });
const tick = () => new Promise((r) => setImmediate(r));

describe('TaskExitWatcher', () => {
  it('settles a followed task from its exit event, and ignores the exit of another process of the same id', async () => {
    const fake = fakeSupervisor();
    const watcher = new TaskExitWatcher(fake.supervisor, silent);
    watcher.start();
    const seen: string[] = [];
    const unsubscribe = watcher.onTaskEvent((e) => seen.push(`${e.id}:${e.exit?.pid}`));
    const exited = watcher.exitOf('c1', 42);
    let settled = false;
    void exited.then(() => (settled = true));
    fake.push(exit('c1', 41, 1));
    fake.push({ id: 'c1', timestamp: new Date(), exit: { pid: 42, exitStatus: 9, exitedAt: new Date(), execId: 'e1', reason: '' } });
    await tick();
    expect(settled).toBe(false);
    fake.push(exit('c1', 42, 3));
    expect(await exited).toMatchObject({ exitStatus: 3, exitedAt: new Date(1000) });
    // Subscribers of other kinds (exec exits, OOM) see every task event.
    unsubscribe();
    fake.push(exit('c1', 43, 0));
    await tick();
    expect(seen).toEqual(['c1:41', 'c1:42', 'c1:42']);
    watcher.close();
  });

  it('keeps an exit that came before anyone followed the task, until a new task of that id is created', async () => {
    const fake = fakeSupervisor();
    const watcher = new TaskExitWatcher(fake.supervisor, silent);
    watcher.start();
    fake.push(exit('fast', 50, 0));
    fake.push(exit('old', 60, 2));
    fake.push({ id: 'old', timestamp: new Date(), create: { bundle: '/b', pid: 61 } });
    await tick();
    expect(await watcher.exitOf('fast', 50)).toMatchObject({ exitStatus: 0 });
    const old = watcher.exitOf('old', 0);
    fake.push(exit('old', 61, 5));
    expect(await old).toMatchObject({ exitStatus: 5 });
    watcher.close();
  });

  it('does not give a new task an exit kept for over a minute (an earlier task of that id)', async () => {
    const fake = fakeSupervisor();
    const watcher = new TaskExitWatcher(fake.supervisor, silent);
    watcher.start();
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      fake.push({ id: 'stale', timestamp: new Date(), exit: { pid: 0, exitStatus: 137, exitedAt: new Date(), reason: 'its shim died; the supervisor killed it' } });
      await tick();
      vi.setSystemTime(Date.now() + 61_000);
      const exited = watcher.exitOf('stale', 90);
      let settled = false;
      void exited.then(() => (settled = true));
      await tick();
      expect(settled).toBe(false);
      fake.push(exit('stale', 90, 0));
      expect(await exited).toMatchObject({ exitStatus: 0 });
    } finally {
      vi.useRealTimers();
      watcher.close();
    }
  });

  it('takes a dead shim exit (pid 0) with its reason', async () => {
    const fake = fakeSupervisor();
    const watcher = new TaskExitWatcher(fake.supervisor, silent);
    watcher.start();
    const exited = watcher.exitOf('c2', 77);
    fake.push({ id: 'c2', timestamp: new Date(), exit: { pid: 0, exitStatus: 137, exitedAt: new Date(), reason: 'its shim died; the supervisor killed it' } });
    expect(await exited).toMatchObject({ exitStatus: 137, reason: 'its shim died; the supervisor killed it' });
    watcher.close();
  });

  it('subscribes again after the stream breaks and asks the state of the tasks it follows: a stopped one is settled, a gone one rejected', async () => {
    const fake = fakeSupervisor({ stopped: TaskStatus.TASK_STATUS_STOPPED, running: TaskStatus.TASK_STATUS_RUNNING, gone: 'gone' });
    const watcher = new TaskExitWatcher(fake.supervisor, silent);
    watcher.start();
    await fake.resubscribed();
    const stopped = watcher.exitOf('stopped', 7);
    const gone = watcher.exitOf('gone', 8);
    let runningSettled = false;
    void watcher.exitOf('running', 7).then(() => (runningSettled = true));
    fake.fail(new CeError('Unavailable', 'supervisor restarted'));
    await fake.resubscribed();
    expect(await stopped).toMatchObject({ exitStatus: 9 });
    await expect(gone).rejects.toThrow('task gone is gone');
    expect(fake.streams()).toBe(2);
    // The new stream serves live exits.
    fake.push(exit('running', 7, 4));
    await tick();
    expect(runningSettled).toBe(true);
    watcher.close();
  });
});
