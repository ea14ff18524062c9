import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, expect, it } from 'vitest';
import { Supervisor } from '../../src/supervisor.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const silent = { debug() {}, info() {}, warn() {}, error() {} };

function processesMentioning(text: string): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(text);
      } catch {
        return false;
      }
    })
    .map(Number);
}

it('forwards exec, resize and close-stdin to the task\'s shim; deleting an exec leaves the shim, deleting the task ends it', { timeout: 30_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ce-supervisor-exec-'));
  dirs.push(dir);
  const runtimeRoot = join(dir, 'runtime');
  mkdirSync(runtimeRoot);
  const supervisor = new Supervisor({ stateDir: dir, runtimeRoot, shimPath: join(import.meta.dirname, 'fixtures/recording-shim.mjs'), logger: silent });
  const calls = () =>
    readFileSync(join(runtimeRoot, 'calls'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { method: string; req: Record<string, unknown> });
  try {
    const bundle = join(dir, 'bundle');
    mkdirSync(bundle);
    await supervisor.createTask({ id: 't1', bundle, rootfs: [], terminal: true, stdin: true, logPath: '', namespace: 'default', labels: {} });
    const exec = { id: 't1', execId: 'e1', args: ['sh'], env: ['A=1'], uid: 1, gid: 2, additionalGids: [3], cwd: '/tmp', terminal: true, stdin: true, consoleSize: { width: 80, height: 24 } };
    await supervisor.execTask(exec);
    expect(await supervisor.startTask({ id: 't1', execId: 'e1' })).toEqual({ pid: 4343 });
    await supervisor.resizeTaskPty({ id: 't1', execId: 'e1', width: 100, height: 40 });
    await supervisor.resizeTaskPty({ id: 't1', width: 90, height: 30 });
    await supervisor.closeTaskIO({ id: 't1', execId: 'e1', stdin: true });
    await supervisor.killTask({ id: 't1', execId: 'e1', signal: 9, all: false });
    await supervisor.waitTask({ id: 't1', execId: 'e1' });
    await supervisor.deleteTask({ id: 't1', execId: 'e1' });
    // The shim is still there for the task.
    expect((await supervisor.taskState({ id: 't1' })).pid).toBe(4242);
    expect(calls().map((c) => [c.method, c.req.execId ?? ''])).toEqual([
      ['create', ''],
      ['exec', 'e1'],
      ['start', 'e1'],
      ['resizePty', 'e1'],
      ['resizePty', ''],
      ['closeIO', 'e1'],
      ['kill', 'e1'],
      ['wait', 'e1'],
      ['delete', 'e1'],
      ['state', ''],
    ]);
    expect(calls()[1]!.req).toEqual(exec);
    expect(calls()[3]!.req).toMatchObject({ width: 100, height: 40 });
    await supervisor.deleteTask({ id: 't1' });
    expect(calls().slice(-2).map((c) => c.method)).toEqual(['delete', 'shutdown']);
  } finally {
    await supervisor.close();
  }
  for (let i = 0; i < 200 && processesMentioning(dir).length; i++) await sleep(25);
  expect(processesMentioning(dir)).toEqual([]);
});
