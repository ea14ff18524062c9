import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, expect, it } from 'vitest';
import { Supervisor } from '../../src/supervisor.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Processes whose command line mentions `text`. */
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

it('retries a create that found its spare shim dead on a new shim, and leaves nothing of the dead one', { timeout: 30_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ce-supervisor-spare-'));
  dirs.push(dir);
  const warnings: string[] = [];
  const logger = { debug() {}, info() {}, error() {}, warn: (_o: unknown, msg?: string) => void warnings.push(msg ?? '') };
  const supervisor = new Supervisor({
    stateDir: dir,
    runtimeRoot: join(dir, 'runtime'),
    shimPath: join(import.meta.dirname, 'fixtures/fake-shim.mjs'),
    logger,
  });
  const shims = join(dir, 'shims');
  try {
    supervisor.startSpare();
    // The spare is "ready" once its socket path is the plain file of a deaf shim (before that it still listens).
    const deaf = () => existsSync(shims) && readdirSync(shims).some((f) => f.endsWith('.sock') && statSync(join(shims, f)).isFile());
    for (let i = 0; i < 400 && !deaf(); i++) await sleep(25);
    const bundle = join(dir, 'bundle');
    mkdirSync(bundle);

    const created = await supervisor.createTask({ id: 'task1', bundle, rootfs: [], terminal: false, stdin: false, logPath: '', namespace: '', labels: {} });
    expect(created.pid).toBe(4242);
    expect(warnings).toContain('the spare shim was dead; creating the task on a new shim');

    await supervisor.deleteTask({ id: 'task1' });
  } finally {
    await supervisor.close();
  }
  // The deaf spare was killed, the task's shim shut down, and the new spare stopped.
  for (let i = 0; i < 200 && processesMentioning(dir).length; i++) await sleep(25);
  expect(processesMentioning(dir)).toEqual([]);
  expect(readdirSync(shims)).toEqual([]);
});
