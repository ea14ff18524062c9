import { describe, expect, it } from 'vitest';
import { RunningTasks } from '../../src/state/running-tasks.js';

/** A listing the test answers when it chooses, to act while a reconcile waits for it. */
function heldListing() {
  let answer!: (ids: Set<string>) => void;
  const listing = new Promise<Set<string>>((resolve) => (answer = resolve));
  return { list: () => listing, answer };
}

describe('RunningTasks', () => {
  it('follows starts and exits', () => {
    const tasks = new RunningTasks();
    expect(tasks.isRunning('a')).toBe(false);
    tasks.started('a');
    expect(tasks.isRunning('a')).toBe(true);
    tasks.exited('a');
    expect(tasks.isRunning('a')).toBe(false);
  });

  it("reconciles with the supervisor's listing and names the tasks found not running", async () => {
    const tasks = new RunningTasks();
    tasks.started('exited-unseen');
    const stopped = await tasks.reconcile(() => ['exited-unseen', 'runs', 'never-started'], async () => new Set(['runs']));
    expect(stopped).toEqual(['exited-unseen', 'never-started']);
    expect(['exited-unseen', 'runs', 'never-started'].map((id) => tasks.isRunning(id))).toEqual([false, true, false]);
  });

  it('an exit heard while the listing is asked is not undone by a listing taken before it', async () => {
    const tasks = new RunningTasks();
    tasks.started('a');
    const held = heldListing();
    const reconciling = tasks.reconcile(() => ['a'], held.list);
    tasks.exited('a');
    held.answer(new Set(['a']));
    expect(await reconciling).toEqual([]);
    expect(tasks.isRunning('a')).toBe(false);
  });

  it('a start heard while the listing is asked is not undone by a listing that missed it', async () => {
    const tasks = new RunningTasks();
    const held = heldListing();
    const reconciling = tasks.reconcile(() => ['b'], held.list);
    tasks.started('b');
    held.answer(new Set());
    expect(await reconciling).toEqual([]);
    expect(tasks.isRunning('b')).toBe(true);
    // The next reconcile takes the listing's word again.
    expect(await tasks.reconcile(() => ['b'], async () => new Set())).toEqual(['b']);
    expect(tasks.isRunning('b')).toBe(false);
  });
});
