import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
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

it('forwards pause, resume, update, stats, pids and log reopening to the task\'s shim, and its refusals back', { timeout: 30_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ce-supervisor-forward-'));
  dirs.push(dir);
  const supervisor = new Supervisor({ stateDir: dir, runtimeRoot: join(dir, 'runtime'), shimPath: join(import.meta.dirname, 'fixtures/fake-shim.mjs'), logger: silent });
  const shims = join(dir, 'shims');
  try {
    supervisor.startSpare();
    // bounded: the fake spare's socket appears within 10 s
    for (let i = 0; i < 400 && !(existsSync(shims) && readdirSync(shims).some((f) => f.endsWith('.sock'))); i++) await sleep(25);
    mkdirSync(join(dir, 'bundle'));
    await supervisor.createTask({ id: 'task1', bundle: join(dir, 'bundle'), rootfs: [], terminal: false, stdin: false, logPath: '', namespace: '', labels: {} });

    await supervisor.pauseTask({ id: 'task1' });
    await supervisor.resumeTask({ id: 'task1' });
    await supervisor.updateTask({ id: 'task1', resources: { memory: 64 << 20 } });
    await expect(supervisor.updateTask({ id: 'task1', resources: { pidsLimit: 0 } })).rejects.toMatchObject({ code: 'FailedPrecondition' });
    expect(await supervisor.taskPids({ id: 'task1' })).toEqual({ pids: [4242] });
    await expect(supervisor.reopenTaskLog({ id: 'task1' })).rejects.toMatchObject({ code: 'FailedPrecondition', message: 'fake shim: task task1 has no log file this shim writes' });
    const stats = await supervisor.taskStats({ id: 'task1' });
    expect(stats).toMatchObject({ cpuTotal: 1234, cpuPercpu: [1000, 234], memoryLimit: Number.MAX_SAFE_INTEGER, memoryStat: { total_inactive_file: 1024 } });
    await expect(supervisor.pauseTask({ id: 'nosuch' })).rejects.toThrow();

    await supervisor.deleteTask({ id: 'task1' });
  } finally {
    await supervisor.close();
  }
  // bounded: the shims end within 5 s of close
  for (let i = 0; i < 200 && processesMentioning(dir).length; i++) await sleep(25);
  expect(processesMentioning(dir)).toEqual([]);
});
