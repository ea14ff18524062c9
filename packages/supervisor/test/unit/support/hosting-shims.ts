// Shared set-up of the tests that run a Supervisor in host mode over the
// hosting-shim fixture: a folder per test, the fake shims found by their
// command lines, and their removal after each test.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TaskEvent } from '@ce/protocol/gen/ce/events/v1/task';
import type { CreateTaskRequest } from '@ce/protocol/gen/ce/shim/v1/shim';
import { Supervisor } from '../../../src/supervisor.js';

export const silent = { debug() {}, info() {}, warn() {}, error() {} };
export const HOSTING_SHIM = join(import.meta.dirname, '../fixtures/hosting-shim.mjs');
const dirs: string[] = [];

/** The fake shims started under `dir`: pid and whether it is the host. */
export function fakeShims(dir: string): Array<{ pid: number; host: boolean; id?: string }> {
  const found: Array<{ pid: number; host: boolean; id?: string }> = [];
  for (const p of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
      if (/^State:\s+Z/m.test(readFileSync(`/proc/${p}/status`, 'utf8'))) continue;
    } catch {
      continue;
    }
    if (!argv.some((a) => a.endsWith('hosting-shim.mjs')) || !argv.some((a) => a.startsWith(dir))) continue;
    const id = argv[argv.indexOf('--id') + 1];
    found.push({ pid: Number(p), host: argv.includes('--host'), id: argv.includes('--id') ? id : undefined });
  }
  return found;
}

/** For afterEach: kills the fake shims of every folder set up, and removes the folders. */
export function removeFakeShims(): void {
  for (const dir of dirs.splice(0)) {
    for (const s of fakeShims(dir)) process.kill(s.pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A folder for one test, a supervisor in host mode over the fixture there, and the calls the fake shims answered. */
export function setUp(): { dir: string; supervisor: () => Supervisor; calls: () => Array<{ shim: string; pid: number; method: string; id: string }> } {
  const dir = mkdtempSync(join(tmpdir(), 'ce-sv-mixed-'));
  dirs.push(dir);
  const runtimeRoot = join(dir, 'runtime');
  mkdirSync(runtimeRoot);
  mkdirSync(join(dir, 'bundle'));
  return {
    dir,
    supervisor: () => new Supervisor({ stateDir: dir, runtimeRoot, shimPath: HOSTING_SHIM, logger: silent, shimHost: true }),
    calls: () =>
      readFileSync(join(runtimeRoot, 'calls'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
  };
}

export function request(dir: string, id: string, overrides: Partial<CreateTaskRequest> = {}): CreateTaskRequest {
  return { id, bundle: join(dir, 'bundle'), rootfs: [], terminal: false, stdin: false, logPath: join(dir, `${id}.log`), namespace: 'default', labels: {}, runtime: '', runtimePath: '', ...overrides };
}

/** The supervisor's events, collected until `signal` aborts. */
export function follow(supervisor: Supervisor, signal: AbortSignal): TaskEvent[] {
  const events: TaskEvent[] = [];
  void (async () => {
    for await (const e of supervisor.events(signal)) events.push(e);
  })();
  return events;
}
