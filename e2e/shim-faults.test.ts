// What happens to a container when the process supervising it dies, in both of
// ced's shim modes: its shim or (host mode) its ce-monitor (kill -9), the shim
// host, a spare shim, or ced itself in the middle of `run --rm`.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { importBusyboxImage } from './support/busybox-image.js';
import { ce } from './support/ce.js';
import { startTestDaemon, type TestDaemon } from './support/daemon.js';
import { cgroupsFor, filesIn, mountsUnder, notStandingShimFile, notStandingShimProcess, processesMentioning } from './support/leaks.js';

let daemon: TestDaemon;
let ids: string[] = [];

type ShimMode = TestDaemon['shimMode'];

/** A daemon of its own for the tests of one shim mode. */
function withDaemon(mode: ShimMode): void {
  beforeAll(async () => {
    ids = [];
    daemon = await startTestDaemon(['--shim-mode', mode]);
    await importBusyboxImage(daemon.socket);
  });
  afterAll(endDaemon);
}

async function endDaemon(): Promise<void> {
  if (!daemon) return;
  await daemon.dispose();
  const leftCgroups = cgroupsFor(ids);
  // A container whose record this file removed is beyond dispose's sweep: end it here, then report it.
  for (const cg of leftCgroups) {
    for (const p of readFileSync(join(cg, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) process.kill(Number(p), 'SIGKILL');
  }
  await until(() => cgroupsFor(ids).every((cg) => readFileSync(join(cg, 'cgroup.procs'), 'utf8') === ''));
  for (const cg of cgroupsFor(ids)) rmdirSync(cg);
  expect(mountsUnder(daemon.dir)).toEqual([]);
  expect(processesMentioning(daemon.dir)).toEqual([]);
  expect(leftCgroups).toEqual([]);
}

const run = (args: string[]) => ce(args, { socket: daemon.socket });

/** Polls `check` every 25 ms until it holds or `ms` pass; returns whether it held. */
async function until(check: () => boolean | Promise<boolean>, ms = 15_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await sleep(25);
  }
}

/** Field 3 of /proc/<pid>/stat, or undefined once the pid is gone. */
function procState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

/** Killed container processes may stay zombies here when PID 1 does not reap them: ended all the same. */
const ended = (pid: number) => {
  const state = procState(pid);
  return state === undefined || state === 'Z' || state === 'X';
};

function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/** The container's process running `sleep 300` (found in its cgroup) and its parent: its shim, or in host mode its ce-monitor. */
function containerProcess(id: string): { pid: number; shim: number } {
  for (const p of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      if (!readFileSync(`/proc/${p}/cmdline`, 'utf8').startsWith('sleep\x00300')) continue;
      if (!readFileSync(`/proc/${p}/cgroup`, 'utf8').includes(id)) continue;
      const pid = Number(p);
      return { pid, shim: parentOf(pid) };
    } catch {
      // gone meanwhile
    }
  }
  throw new Error(`no sleep process of container ${id}`);
}

async function startSleeper(name: string, flags: string[] = []): Promise<string> {
  const r = await run(['run', '-d', '--name', name, ...flags, 'busybox', 'sleep', '300']);
  expect(r.code, r.stderr).toBe(0);
  const id = r.stdout.trim();
  ids.push(id);
  // start answers as the container's init goes on to exec its command: `sleep 300` shows a moment later.
  const running = () => {
    try {
      return containerProcess(id) !== undefined;
    } catch {
      return false;
    }
  };
  expect(await until(running), `the sleep process of ${name}`).toBe(true);
  return id;
}

/** Processes still in the container's cgroups (zombies are not listed there). */
function cgroupProcs(id: string): string[] {
  return cgroupsFor([id]).flatMap((cg) => (existsSync(join(cg, 'cgroup.procs')) ? readFileSync(join(cg, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean) : []));
}

const logLines = () =>
  daemon
    .log()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { msg: string; id?: string; exitCode?: number; time: number });

const psLine = (name: string, table: string) => table.split('\n').find((l) => l.endsWith(` ${name}`)) ?? `(no ${name} in ${table})`;

/** Within a bound: a deleted task's shim ends just after deleteTask answers (decision 0048). */
async function expectNothingLeft(): Promise<void> {
  await vi.waitFor(
    () => {
      expect(mountsUnder(daemon.dir)).toEqual([]);
      expect(processesMentioning(daemon.dir, [daemon.process.pid!]).filter(notStandingShimProcess)).toEqual([]);
      expect(filesIn(join(daemon.state, 'shims')).filter(notStandingShimFile)).toEqual([]);
      expect(filesIn(join(daemon.state, 'tasks'))).toEqual([]);
      expect(filesIn(join(daemon.state, 'runtime'))).toEqual([]);
      expect(cgroupsFor(ids)).toEqual([]);
    },
    { timeout: 5_000, interval: 50 },
  );
}

const SUPERVISOR: Record<ShimMode, { command: RegExp; died: RegExp }> = {
  'per-container': { command: /ce-shim/, died: /shim died/ },
  host: { command: /^[^\0]*ce-monitor\0/, died: /ce-monitor died/ },
};

/** `sh` as the container's init (exits 7 on SIGTERM) with a `sleep 300` child; `parent` is sh's parent. */
async function startTrapper(name: string): Promise<{ id: string; sh: number; parent: number }> {
  const r = await run(['run', '-d', '--name', name, 'busybox', 'sh', '-c', 'trap "exit 7" TERM; sleep 300 & wait']);
  expect(r.code, r.stderr).toBe(0);
  const id = r.stdout.trim();
  ids.push(id);
  let found: { pid: number; shim: number } | undefined;
  await until(() => {
    try {
      found = containerProcess(id);
      return true;
    } catch {
      return false;
    }
  });
  const sh = found!.shim; // the sleep's parent is the container's sh
  return { id, sh, parent: parentOf(sh) };
}

/** The shim host's pid (host mode). */
function shimHostPid(): number {
  const host = processesMentioning(daemon.dir).find((p) => / --host /.test(p));
  if (!host) throw new Error('no shim host runs');
  return Number(host.split(':')[0]);
}

describe.each(['per-container', 'host'] as const)('with --shim-mode %s', (mode) => {
  withDaemon(mode);

  describe(mode === 'host' ? "a container's ce-monitor killed with SIGKILL" : 'a shim killed with SIGKILL', () => {
    it('ends its container: Exited (137) with the reason, its cgroup emptied and removed, nothing of it left', async () => {
      const id = await startSleeper('victim');
      const { pid, shim } = containerProcess(id);
      expect(readFileSync(`/proc/${shim}/cmdline`, 'utf8')).toMatch(SUPERVISOR[mode].command);
      const other = await startSleeper('bystander');

      const killedAt = Date.now();
      process.kill(shim, 'SIGKILL');
      const exitLine = () => logLines().find((l) => l.msg === 'container exited' && l.id === id);
      expect(await until(() => exitLine() !== undefined)).toBe(true);
      const line = exitLine()!;
      expect(line.exitCode).toBe(137);
      // Reported, for the record: how long ced took to notice and end the container.
      const ending = logLines().find((l) => l.msg.startsWith('task ended') && l.id === id) as { ms?: number } | undefined;
      console.log(`${mode}: supervisor kill -9 → container recorded Exited (137): ${line.time - killedAt} ms (ending the container took ${ending?.ms} ms)`);

      expect(await until(() => ended(pid))).toBe(true);
      expect(cgroupProcs(id)).toEqual([]);
      const table = (await run(['ps', '-a'])).stdout;
      expect(psLine('victim', table)).toMatch(/Exited \(137\)/);
      // The others are untouched.
      expect(psLine('bystander', table)).toMatch(/ Up /);
      expect(ended(containerProcess(other).pid)).toBe(false);
      const record = JSON.parse(readFileSync(join(daemon.root, 'containers', id, 'config.json'), 'utf8')) as { State: { ExitCode: number; Error: string } };
      expect(record.State.ExitCode).toBe(137);
      expect(record.State.Error).toMatch(SUPERVISOR[mode].died);
      expect(filesIn(join(daemon.state, 'runtime')).filter((f) => f !== other)).toEqual([]);

      expect((await run(['rm', 'victim'])).code).toBe(0);
      expect((await run(['rm', '-f', 'bystander'])).code).toBe(0);
      await expectNothingLeft();
    });

    it('lets `rm -f` right after it died end the process before removing its layer', async () => {
      const id = await startSleeper('victim2');
      const { pid, shim } = containerProcess(id);
      process.kill(shim, 'SIGKILL');
      const rm = await run(['rm', '-f', 'victim2']);
      expect(rm.code, rm.stderr).toBe(0);
      expect(await until(() => ended(pid))).toBe(true);
      expect(cgroupProcs(id)).toEqual([]);
      expect((await run(['ps', '-a', '-q'])).stdout).toBe('');
      await expectNothingLeft();
    });

    it('is found at ced restart: the container is ended, and runtime state, shim logs or processes without a record go too', async () => {
      const kept = await startSleeper('kept');
      const unrecorded = await startSleeper('unrecorded');
      const a = containerProcess(kept);
      const b = containerProcess(unrecorded);
      await daemon.kill9();
      process.kill(a.shim, 'SIGKILL');
      process.kill(b.shim, 'SIGKILL');
      expect(await until(() => procState(a.shim) === undefined && procState(b.shim) === undefined)).toBe(true);
      // A container whose record is gone (as if ced died before writing it), and a log whose shim is long gone.
      rmSync(join(daemon.root, 'containers', unrecorded), { recursive: true });
      writeFileSync(join(daemon.state, 'shims', 'gone.log'), '{"msg":"a shim that is gone"}\n');
      mkdirSync(join(daemon.state, 'runtime', 'stray'));

      await daemon.restart();
      expect(daemon.stderr()).toMatch(/found 1 containers: 0 running, 1 exited while ced was down, 0 lost, 2 orphan tasks removed/);
      expect(await until(() => ended(a.pid) && ended(b.pid))).toBe(true);
      expect(cgroupProcs(kept)).toEqual([]);
      expect(cgroupProcs(unrecorded)).toEqual([]);
      expect(psLine('kept', (await run(['ps', '-a'])).stdout)).toMatch(/Exited \(137\)/);
      expect(filesIn(join(daemon.state, 'runtime'))).toEqual([]);
      expect(filesIn(join(daemon.state, 'shims')).filter(notStandingShimFile)).toEqual([]);

      expect((await run(['rm', 'kept'])).code).toBe(0);
      await expectNothingLeft();
    });
  });

  describe('a container that exits while ced is down', () => {
    it(
      mode === 'host'
        ? 'reports its exit code after ced restarts, also when the shim host was killed after the exit'
        : 'reports its exit code after ced restarts, whether its shim is still there or died after the exit',
      async () => {
        const kept = await startTrapper('exits-shim-kept');
        const lost = await startTrapper('exits-shim-lost');
        expect(readFileSync(`/proc/${lost.parent}/cmdline`, 'utf8')).toMatch(SUPERVISOR[mode].command);
        await daemon.kill9();
        for (const c of [kept, lost]) process.kill(c.sh, 'SIGTERM');
        expect(await until(() => ended(kept.sh) && ended(lost.sh))).toBe(true);
        // What recorded the exit dies after the container exited: its exit status is on disk. A ce-monitor
        // ends by itself once its container exited; the shim host holds both tasks.
        const victim = mode === 'host' ? shimHostPid() : lost.parent;
        process.kill(victim, 'SIGKILL');
        expect(await until(() => procState(victim) === undefined)).toBe(true);

        await daemon.restart();
        const table = (await run(['ps', '-a'])).stdout;
        expect(psLine('exits-shim-kept', table)).toMatch(/Exited \(7\)/);
        expect(psLine('exits-shim-lost', table)).toMatch(/Exited \(7\)/);
        expect((await run(['rm', 'exits-shim-kept', 'exits-shim-lost'])).code).toBe(0);
        await expectNothingLeft();
      },
    );
  });

  describe.runIf(mode === 'host')('the shim host killed with SIGKILL', () => {
    it('stops no container and loses no log line: ced goes on with them through a new host', async () => {
      // Both are the host's, each under its ce-monitor: one with the local driver, one with json-file.
      const id = await startSleeper('calm', ['--log-driver', 'local']);
      const counter = await run(['run', '-d', '--name', 'counter', 'busybox', 'sh', '-c', 'i=0; while [ $i -lt 400 ]; do i=$((i+1)); echo $i; sleep 0.01; done; sleep 300']);
      expect(counter.code, counter.stderr).toBe(0);
      ids.push(counter.stdout.trim());
      const calm = containerProcess(id);
      const host = shimHostPid();

      process.kill(host, 'SIGKILL');
      expect(await until(() => procState(host) === undefined)).toBe(true);
      expect(ended(calm.pid)).toBe(false);
      expect(readFileSync(`/proc/${calm.shim}/cmdline`, 'utf8')).toMatch(/ce-monitor/); // its monitor, untouched

      // The next call finds the host dead, starts it again, and the new host adopts both tasks.
      const table = (await run(['ps'])).stdout;
      expect(psLine('calm', table)).toMatch(/ Up /);
      expect(psLine('counter', table)).toMatch(/ Up /);
      const exec = await run(['exec', 'calm', 'echo', 'still here']);
      expect(exec.stdout, exec.stderr).toBe('still here\n');
      expect(shimHostPid()).not.toBe(host);
      const logs = async () => (await run(['logs', 'counter'])).stdout;
      expect(await until(async () => (await logs()).endsWith('\n400\n'), 30_000)).toBe(true);
      expect(await logs()).toBe(Array.from({ length: 400 }, (_, i) => `${i + 1}\n`).join(''));

      expect((await run(['stop', '-t', '1', 'calm'])).code).toBe(0);
      expect(psLine('calm', (await run(['ps', '-a'])).stdout)).toMatch(/Exited \(137\)/);
      expect((await run(['rm', '-f', 'calm', 'counter'])).code).toBe(0);
      await expectNothingLeft();
    });
  });

  describe.runIf(mode === 'per-container')('a dead spare shim', () => {
    it('is replaced without the next run noticing', async () => {
      const spare = () => processesMentioning(daemon.dir).filter((p) => !notStandingShimProcess(p));
      expect(await until(() => spare().length === 1 && filesIn(join(daemon.state, 'shims')).some((f) => f.startsWith('.spare-') && f.endsWith('.sock')))).toBe(true);
      process.kill(Number(spare()[0]!.split(':')[0]), 'SIGKILL');
      const r = await run(['run', '--rm', 'busybox', 'echo', 'still fine']);
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe('still fine\n');
      expect(r.code).toBe(0);
      expect(await until(() => spare().length === 1)).toBe(true);
      await expectNothingLeft();
    });
  });

  describe('ced killed during concurrent `run --rm`', () => {
    it('leaves no container behind after its restart', async () => {
      const created = () => logLines().filter((l) => l.msg === 'container created').length;
      const before = created();
      const runs = Array.from({ length: 20 }, () => ce(['run', '--rm', 'busybox', 'true'], { socket: daemon.socket }));
      expect(await until(() => created() >= before + 3, 30_000)).toBe(true);
      await daemon.kill9();
      await Promise.all(runs); // the clients lose their daemon; what they print is not the point
      for (const id of filesIn(join(daemon.root, 'containers'))) ids.push(id);

      await daemon.restart();
      expect(await until(async () => (await run(['ps', '-a', '-q'])).stdout === '', 30_000)).toBe(true);
      expect(await until(() => filesIn(join(daemon.state, 'shims')).filter(notStandingShimFile).length === 0)).toBe(true);
      await expectNothingLeft();
    });
  });
});
