// An exec whose ce-monitor died is killed, and reaped when it came to this
// process. The monitor's socket closes before the kernel reparents its
// children, so the orphan may still name the dying monitor as its parent.
import { describe, expect, it } from 'vitest';
import { killOrphanedExec, type OrphanSystem } from '../../src/monitor/orphaned-exec.js';

const SELF = 100;
const MONITOR = 200;
const EXEC = 300;

/** A system where the exec's parent is `parents[i]` at the i-th look (the last one from then on). */
function fakeSystem(parents: Array<number | undefined>, dying: number[] = [MONITOR]) {
  const done: string[] = [];
  let looks = 0;
  const system: OrphanSystem = {
    parentOf: () => parents[Math.min(looks++, parents.length - 1)],
    isDying: (pid) => dying.includes(pid),
    kill: (pid) => void done.push(`kill ${pid}`),
    reap: async (pid) => void done.push(`reap ${pid}`),
    self: SELF,
  };
  return { system, done };
}

describe('killOrphanedExec', () => {
  it('waits while the exec still names its dying monitor, then kills and reaps it once it is this process\'s', async () => {
    const { system, done } = fakeSystem([MONITOR, MONITOR, MONITOR, SELF]);
    // The container's process list is not asked for an orphan of ours (it could fail or lag).
    await killOrphanedExec(EXEC, async () => [], system);
    expect(done).toEqual([`kill ${EXEC}`, `reap ${EXEC}`]);
  });

  it('kills, without reaping, an exec another live process holds, only while it is one of the container\'s', async () => {
    const other = fakeSystem([1], []);
    await killOrphanedExec(EXEC, async () => [EXEC], other.system);
    expect(other.done).toEqual([`kill ${EXEC}`]);
    const reused = fakeSystem([1], []);
    await killOrphanedExec(EXEC, async () => [7, 8], reused.system);
    expect(reused.done).toEqual([]);
  });

  it('does nothing for an exec that is gone', async () => {
    const { system, done } = fakeSystem([MONITOR, undefined]);
    await killOrphanedExec(EXEC, async () => [EXEC], system);
    expect(done).toEqual([]);
  });

  it('stops waiting after a bound when the monitor never lets go, and falls back to the container\'s list', { timeout: 5000 }, async () => {
    const { system, done } = fakeSystem([MONITOR]);
    await killOrphanedExec(EXEC, async () => [EXEC], system);
    expect(done).toEqual([`kill ${EXEC}`]);
  });
});
