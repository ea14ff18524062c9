// ce-pause, the process that holds a pod's namespaces: it sleeps, reaps the
// orphans of its pid namespace as pid 1, and ends with 0 on SIGTERM or SIGINT.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { pauseBinaryPath } from '../../src/index.js';

const isRoot = process.getuid?.() === 0;
const BUSYBOX = '/bin/busybox';

let children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children = [];
});

function run(command: string, args: string[]): ChildProcess {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return child;
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/** Polls (every 20 ms, at most 10 s) until `probe` gives something truthy. */
async function until<T>(what: string, probe: () => T | undefined | false): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The process's state letter (S, Z…), or 'gone'. */
function processState(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0]!;
  } catch {
    return 'gone';
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** pause's own state reached: asleep in pause(). */
const asleep = (pid: number) => until(`pid ${pid} to sleep`, () => processState(pid) === 'S');

describe('ce-pause', () => {
  const pause = pauseBinaryPath();

  it('is a static executable', () => {
    const r = spawnSync('ldd', [pause], { encoding: 'utf8' });
    expect(`${r.stdout}${r.stderr}`).toMatch(/not a dynamic executable|statically linked/);
  });

  it('prints its version', () => {
    const r = spawnSync(pause, ['-v'], { encoding: 'utf8' });
    expect(r.stdout).toBe('ce-pause 1.0\n');
    expect(r.status).toBe(0);
  });

  it('refuses an unknown argument', () => {
    const r = spawnSync(pause, ['--nosuch'], { encoding: 'utf8' });
    expect(r.stderr).toBe('ce-pause: unknown argument --nosuch (only -v)\n');
    expect(r.status).toBe(2);
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`sleeps until ${signal}, then exits 0`, async () => {
      const child = run(pause, []);
      await asleep(child.pid!);
      expect(child.exitCode).toBeNull();
      child.kill(signal);
      expect(await exitOf(child)).toEqual({ code: 0, signal: null });
    });
  }

  it('keeps sleeping through other signals it is sent (SIGCHLD, SIGWINCH)', async () => {
    const child = run(pause, []);
    await asleep(child.pid!);
    child.kill('SIGCHLD');
    child.kill('SIGWINCH');
    await asleep(child.pid!);
    expect(child.exitCode).toBeNull();
    child.kill('SIGTERM');
    expect(await exitOf(child)).toEqual({ code: 0, signal: null });
  });
});

const missing = !isRoot ? 'needs root (a pid namespace)' : !existsSync(BUSYBOX) ? 'needs busybox-static' : undefined;

describe.skipIf(missing)(`ce-pause as pid 1 ${missing ? `(skipped: ${missing})` : ''}`, () => {
  /** ce-pause as the first process of a new pid namespace: its host pid. */
  async function pauseInPidNamespace(): Promise<{ unshare: ChildProcess; pid: number }> {
    const unshare = run('unshare', ['--pid', '--fork', '--kill-child', pauseBinaryPath()]);
    const pid = await until('ce-pause under unshare', () => childrenOf(unshare.pid!)[0]);
    await asleep(pid);
    return { unshare, pid };
  }

  /** An orphan in the namespace: a shell that starts `sleep` and exits, so that pid 1 inherits the sleep. */
  async function orphanOf(pid1: number, seconds: string): Promise<number> {
    const shell = run('nsenter', ['-t', String(pid1), '-p', '--', BUSYBOX, 'sh', '-c', `${BUSYBOX} sleep ${seconds} & exit 0`]);
    expect(await exitOf(shell)).toEqual({ code: 0, signal: null });
    return until('the orphan to be inherited by pid 1', () => childrenOf(pid1)[0]);
  }

  it('reaps an orphan that exits: no zombie is left', async () => {
    const { unshare, pid } = await pauseInPidNamespace();
    const orphan = await orphanOf(pid, '0.3');
    expect(readFileSync(`/proc/${orphan}/status`, 'utf8')).toMatch(new RegExp(`^PPid:\\s+${pid}$`, 'm'));
    await until(`orphan ${orphan} to be reaped`, () => processState(orphan) === 'gone');
    expect(childrenOf(pid)).toEqual([]);
    process.kill(pid, 'SIGTERM');
    expect(await exitOf(unshare)).toEqual({ code: 0, signal: null });
  });

  it('a pid 1 that never waits leaves the zombie: the check above can fail', async () => {
    const unshare = run('unshare', ['--pid', '--fork', '--kill-child', BUSYBOX, 'sleep', '30']);
    const pid = await until('busybox sleep under unshare', () => childrenOf(unshare.pid!)[0]);
    const orphan = await orphanOf(pid, '0.1');
    await until(`orphan ${orphan} to become a zombie`, () => processState(orphan) === 'Z');
    unshare.kill('SIGKILL');
    await exitOf(unshare);
  });

  it('exits 0 on SIGTERM as pid 1 too (a pid 1 ignores what it does not handle)', async () => {
    const { unshare, pid } = await pauseInPidNamespace();
    process.kill(pid, 'SIGTERM');
    expect(await exitOf(unshare)).toEqual({ code: 0, signal: null });
    expect(processState(pid)).toBe('gone');
  });
});
