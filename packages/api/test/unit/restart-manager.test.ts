import { describe, expect, it } from 'vitest';
import { RestartManager, type RestartClock } from '../../src/containers/restart-manager.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** A clock whose time moves only when the test says so. */
class FakeClock implements RestartClock {
  now = 0;
  private timers: { at: number; fn: () => void; handle: number }[] = [];
  private next = 1;
  setTimer(fn: () => void, ms: number): unknown {
    const handle = this.next++;
    this.timers.push({ at: this.now + ms, fn, handle });
    return handle;
  }
  clearTimer(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.handle !== handle);
  }
  /** Moves time on by `ms`, firing the timers due on the way. */
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.now = due.at;
      due.fn();
    }
    this.now = end;
  }
  get pendingTimers(): number {
    return this.timers.length;
  }
}

function setup(startFails = false) {
  const clock = new FakeClock();
  const restarts: { id: string; at: number }[] = [];
  const failed: string[] = [];
  const manager = new RestartManager(
    {
      restart: async (id) => {
        restarts.push({ id, at: clock.now });
        if (startFails) throw new Error('no such image');
      },
      restartFailed: (id) => void failed.push(id),
    },
    silent,
    clock,
  );
  return { clock, manager, restarts, failed };
}

const always = { Name: 'always', MaximumRetryCount: 0 } as const;
const exit1 = { exitCode: 1, manuallyStopped: false, ranForMs: 5 };

describe('RestartManager', () => {
  it('restarts after 100, 200, 400 ms: each exit right after its restart doubles the wait', () => {
    const { clock, manager, restarts } = setup();
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      const d = manager.onExit('c1', always, 0, exit1);
      expect(d.restart).toBe(true);
      expect(d.restartCount).toBe(i + 1);
      expect(manager.isPending('c1')).toBe(true);
      const before = clock.now;
      clock.advance(1_000_000);
      delays.push(restarts.at(-1)!.at - before);
    }
    expect(delays).toEqual([100, 200, 400, 800]);
    expect(manager.isPending('c1')).toBe(false);
  });

  it('fires no earlier than the delay', () => {
    const { clock, manager, restarts } = setup();
    manager.onExit('c1', always, 0, exit1);
    clock.advance(99);
    expect(restarts).toEqual([]);
    clock.advance(1);
    expect(restarts).toEqual([{ id: 'c1', at: 100 }]);
  });

  it("a user's stop of a running container makes its next exit final; a stop while restarting cancels the restart", () => {
    const { clock, manager, restarts } = setup();
    manager.stopRequested('c1', true);
    expect(manager.onExit('c1', always, 0, { ...exit1, manuallyStopped: true })).toEqual({ restart: false, restartCount: 0 });
    // The next run restarts again.
    expect(manager.onExit('c1', always, 0, exit1).restart).toBe(true);
    expect(manager.stopRequested('c1', false)).toBe(true);
    expect(manager.isPending('c1')).toBe(false);
    clock.advance(1_000_000);
    expect(restarts).toEqual([]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('reset (a user start, a removal) starts the back-off and count over', () => {
    const { clock, manager } = setup();
    manager.onExit('c1', always, 0, exit1);
    clock.advance(100);
    expect(manager.onExit('c1', always, 0, exit1)).toEqual({ restart: true, delayMs: 200, restartCount: 2 });
    manager.reset('c1');
    expect(manager.isPending('c1')).toBe(false);
    expect(manager.onExit('c1', always, 0, exit1)).toEqual({ restart: true, delayMs: 100, restartCount: 1 });
  });

  it('on-failure:3 continues from the persisted count after a ced restart', () => {
    const { clock, manager, restarts } = setup();
    const policy = { Name: 'on-failure', MaximumRetryCount: 3 } as const;
    expect(manager.onExit('c1', policy, 2, exit1)).toEqual({ restart: true, delayMs: 100, restartCount: 3 });
    clock.advance(100);
    expect(manager.onExit('c1', policy, 3, exit1)).toEqual({ restart: false, restartCount: 3 });
    expect(restarts.length).toBe(1);
  });

  it('a restart that cannot start is reported, and the container is not retried', async () => {
    const { clock, manager, failed } = setup(true);
    manager.onExit('c1', always, 0, exit1);
    clock.advance(100);
    await new Promise((r) => setImmediate(r));
    expect(failed).toEqual(['c1']);
    expect(clock.pendingTimers).toBe(0);
  });

  it('close cancels every pending restart', () => {
    const { clock, manager, restarts } = setup();
    manager.onExit('a', always, 0, exit1);
    manager.onExit('b', always, 0, exit1);
    manager.close();
    clock.advance(1_000_000);
    expect(restarts).toEqual([]);
  });
});
