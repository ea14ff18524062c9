// ced unmounts nothing: the rootfs a shim mounted is the shim's, and what a
// dead shim left mounted is the supervisor's to clean (docs/decisions/0024),
// even when the shim died before the runtime recorded the task and even
// after the supervisor itself was restarted.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Supervisor } from '../../src/supervisor.js';

const isRoot = process.getuid?.() === 0;
const dirs: string[] = [];

function mountsBelow(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((p) => p === dir || p.startsWith(`${dir}/`));
}

afterEach(() => {
  for (const d of dirs.splice(0)) {
    for (const m of mountsBelow(d).reverse()) {
      try {
        // a failed test must not leak its mount
        execFileSync('umount', ['-l', m]);
      } catch {}
    }
    rmSync(d, { recursive: true, force: true });
  }
});

function setUp() {
  const dir = mkdtempSync(join(tmpdir(), 'ce-supervisor-mounts-'));
  dirs.push(dir);
  const bundle = join(dir, 'bundle');
  mkdirSync(bundle);
  const silent = { debug() {}, info() {}, warn() {}, error() {} };
  const make = () =>
    new Supervisor({
      stateDir: dir,
      runtimeRoot: join(dir, 'runtime'),
      shimPath: join(import.meta.dirname, 'fixtures/mounting-shim.mjs'),
      logger: silent,
      spareShim: false,
    });
  return { dir, bundle, make, shims: join(dir, 'shims') };
}

describe.skipIf(!isRoot)('the supervisor cleans what a dead shim left mounted (root)', () => {
  it('when the shim dies in Create, before the runtime recorded the task', { timeout: 30_000 }, async () => {
    const { bundle, make, shims } = setUp();
    const supervisor = make();
    try {
      await expect(supervisor.createTask({ id: 'die-in-create-1', bundle, rootfs: [], terminal: false, stdin: false, logPath: '', namespace: '', labels: {} })).rejects.toMatchObject({
        code: 'Unavailable',
      });
      expect(mountsBelow(bundle)).toEqual([]);
      expect(readdirSync(shims)).toEqual([]);
    } finally {
      await supervisor.close();
    }
  });

  it('when the shim dies while the supervisor is down: the next supervisor finds its bundle', { timeout: 30_000 }, async () => {
    const { bundle, make, shims } = setUp();
    const first = make();
    await first.createTask({ id: 'task1', bundle, rootfs: [], terminal: false, stdin: false, logPath: '', namespace: '', labels: {} });
    expect(mountsBelow(bundle)).toEqual([join(bundle, 'rootfs')]);
    expect(readFileSync(join(shims, 'task1.bundle'), 'utf8')).toBe(bundle);
    const shimPid = Number(readdirSync('/proc').find((p) => /^\d+$/.test(p) && readCmdline(p).includes(join(shims, 'task1.sock'))));
    await first.close(); // ced goes down; the shim lives on
    process.kill(shimPid, 'SIGKILL');
    for (let i = 0; i < 200 && existsSync(`/proc/${shimPid}/cmdline`) && readCmdline(String(shimPid)) !== ''; i++) await new Promise((r) => setImmediate(r));

    const second = make();
    try {
      const tasks = await second.listTasks(); // recovery: the dead shim's task is reported stopped
      expect(tasks.map((t) => [t.id, t.exitStatus])).toEqual([['task1', 137]]);
      expect(mountsBelow(bundle)).toEqual([]);
      await second.deleteTask({ id: 'task1' });
      expect(readdirSync(shims)).toEqual([]);
    } finally {
      await second.close();
    }
  });
});

function readCmdline(pid: string): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}
