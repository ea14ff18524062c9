// Host mode (decision 0029): one ce-shim --host for every task, each under its
// ce-monitor (every log driver: json-file and local here). A host that dies is
// started again and adopts the tasks: none of them stops, calls and events go
// on. A task no monitor can carry (a runc-compatible binary) has a shim of its
// own, which a host's death leaves alone.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitPid } from '@ce/native';
import type { TaskEvent } from '@ce/protocol/gen/ce/events/v1/task';
import { TaskStatus } from '@ce/protocol/gen/ce/types/v1/task';
import { Runtime, type Spec } from '@ce/runtime';
import { Supervisor } from '../../src/supervisor.js';
import { BUSYBOX, busyboxBundle, isAlive, until } from '../../../../tools/test/container-fixtures.js';

const isRoot = process.getuid?.() === 0;
const RUNC = '/usr/bin/runc';
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const dirs: string[] = [];

function processesNaming(text: string): Array<{ pid: number; ppid: number }> {
  const found: Array<{ pid: number; ppid: number }> = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (!readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(text)) continue;
      const status = readFileSync(`/proc/${name}/status`, 'utf8');
      if (/^State:\s+Z/m.test(status)) continue;
      found.push({ pid: Number(name), ppid: Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]) });
    } catch {
      // gone
    }
  }
  return found;
}

afterEach(async () => {
  for (const dir of dirs.splice(0)) {
    const rt = new Runtime({ root: join(dir, 'runtime') });
    for (const c of await rt.list().catch(() => [])) await rt.delete(c.id, { force: true }).catch(() => undefined);
    // The runc task's container, under the root its shim gives runc.
    const runcRoot = join(dir, 'oci-runtimes', 'runc', 'root');
    if (existsSync(runcRoot)) {
      for (const id of execFileSync(RUNC, ['--root', runcRoot, 'list', '-q'], { encoding: 'utf8' }).split('\n').filter(Boolean)) {
        execFileSync(RUNC, ['--root', runcRoot, 'delete', '-f', id], { stdio: 'ignore' });
      }
    }
    for (const p of processesNaming(dir)) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // gone
      }
      if (p.ppid === process.pid) await waitPid(p.pid).catch(() => undefined);
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

describe.skipIf(!isRoot || !existsSync(BUSYBOX))('the supervisor in host mode (root)', () => {
  it('starts a dead host again, which adopts the tasks: none stops, calls and events go on', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ce-sv-host-'));
    dirs.push(dir);
    const supervisor = new Supervisor({ stateDir: dir, runtimeRoot: join(dir, 'runtime'), logger: silent, shimHost: true });
    const events: TaskEvent[] = [];
    const stop = new AbortController();
    void (async () => {
      for await (const e of supervisor.events(stop.signal)) events.push(e);
    })();
    try {
      const common = { rootfs: [], terminal: false, stdin: false, namespace: 'default', labels: {}, runtime: '', runtimePath: '' };
      const b1 = busyboxBundle(dir, 'b1', ['sh', '-c', 'while true; do sleep 1; done']);
      const b2 = busyboxBundle(dir, 'b2', ['sh', '-c', 'sleep 1; exit 5']);
      const { pid: pid1 } = await supervisor.createTask({ id: 't1', bundle: b1, logPath: join(dir, 't1.log'), ...common });
      await supervisor.createTask({ id: 't2', bundle: b2, logPath: join(dir, 't2.log'), ...common });
      await supervisor.startTask({ id: 't1' });
      await supervisor.startTask({ id: 't2' });
      const hosts = processesNaming(join(dir, 'shims', 'host.sock'));
      expect(hosts.length).toBe(1);
      expect(processesNaming(`--socket ${dir}`).length).toBe(0); // no per-task shim

      process.kill(hosts[0]!.pid, 'SIGKILL');
      await until('the host to be gone', () => processesNaming(join(dir, 'shims', 'host.sock')).every((p) => p.pid !== hosts[0]!.pid));

      // No call is needed: the event relay finds the host dead, starts it again, and follows the new one.
      await until('the exit event of t2', () => events.some((e) => e.id === 't2' && e.exit?.exitStatus === 5));
      expect(await supervisor.taskState({ id: 't1' })).toMatchObject({ status: TaskStatus.TASK_STATUS_RUNNING, pid: pid1 });
      expect((await supervisor.waitTask({ id: 't2' })).exitStatus).toBe(5);
      expect(processesNaming(join(dir, 'shims', 'host.sock')).length).toBe(1);

      await supervisor.killTask({ id: 't1', signal: 9, all: false });
      expect((await supervisor.waitTask({ id: 't1' })).exitStatus).toBe(137);
      await supervisor.deleteTask({ id: 't1' });
      await supervisor.deleteTask({ id: 't2' });
      expect(await supervisor.listTasks()).toEqual([]);
    } finally {
      stop.abort();
      await supervisor.close();
    }
    // With no task left, the host ends with the supervisor.
    await until('the host to end', () => processesNaming(join(dir, 'shims', 'host.sock')).length === 0);
  });

  it.skipIf(!existsSync(RUNC))('carries json-file and local logs under monitors, gives a runc task a shim of its own: a kill -9 of the host stops no container, the monitored ones are adopted, the other untouched', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ce-sv-host-'));
    dirs.push(dir);
    const supervisor = new Supervisor({ stateDir: dir, runtimeRoot: join(dir, 'runtime'), logger: silent, shimHost: true });
    const shims = join(dir, 'shims');
    try {
      const common = { rootfs: [], terminal: false, stdin: false, namespace: 'default', labels: {} };
      const chatty = ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo line $i; sleep 0.05; done'];
      const logs = { mon: join(dir, 'mon-json.log'), loc: join(dir, 'local-logs', 'container.log'), rnc: join(dir, 'rnc-json.log') };
      // runc 1.1 on cgroup v1 takes a deny-all device rule (it adds its own allowed devices), not ce's default list.
      const runcDevices = (spec: Spec) => void (spec.linux!.resources = { ...spec.linux!.resources, devices: [{ allow: false, access: 'rwm' }] });
      const task = (id: keyof typeof logs, type: string, runtime = '', runtimePath = '') =>
        supervisor.createTask({ id, bundle: busyboxBundle(dir, id, chatty, undefined, runtime ? runcDevices : undefined), logPath: logs[id], logConfig: { type, config: {} }, runtime, runtimePath, ...common });
      const pids = { mon: (await task('mon', 'json-file')).pid, loc: (await task('loc', 'local')).pid, rnc: (await task('rnc', 'json-file', 'runc', RUNC)).pid };
      for (const id of ['mon', 'loc', 'rnc']) await supervisor.startTask({ id });

      const hosts = processesNaming(join(shims, 'host.sock'));
      const own = processesNaming(join(shims, 'rnc.sock'));
      expect(hosts).toHaveLength(1);
      expect(own).toHaveLength(1); // the runc task's own shim
      for (const id of ['mon', 'loc']) expect(processesNaming(join(shims, `${id}.sock`))).toHaveLength(0); // the host's
      expect(processesNaming(`${join(shims, '.spare-')}`)).toHaveLength(0); // no spare shim in host mode
      expect(processesNaming(join(shims, 'rnc.mon'))).toHaveLength(0); // and no monitor for the runc task
      const parentOf = (pid: number) => Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
      for (const id of ['mon', 'loc'] as const) expect(processesNaming(join(shims, `${id}.mon`)).map((p) => p.pid)).toContain(parentOf(pids[id]));
      for (const id of ['mon', 'loc']) expect(await supervisor.taskState({ id })).toMatchObject({ status: TaskStatus.TASK_STATUS_RUNNING, shimPid: hosts[0]!.pid });
      expect(await supervisor.taskState({ id: 'rnc' })).toMatchObject({ status: TaskStatus.TASK_STATUS_RUNNING, shimPid: own[0]!.pid });

      process.kill(hosts[0]!.pid, 'SIGKILL');
      await until('the host to be gone', () => processesNaming(join(shims, 'host.sock')).every((p) => p.pid !== hosts[0]!.pid));
      // While no host runs, every container runs and every log grows (the monitors' and the own shim's writer).
      const sizes = Object.values(logs).map((l) => statSync(l).size);
      await until('every log to grow without a host', () => Object.values(logs).every((l, i) => statSync(l).size > sizes[i]!));
      expect(Object.values(pids).every(isAlive)).toBe(true);

      // The monitored tasks are adopted by a new host; the runc task's shim is the same process.
      const mon = await supervisor.taskState({ id: 'mon' });
      const host2 = processesNaming(join(shims, 'host.sock'));
      expect(host2).toHaveLength(1);
      expect(mon).toMatchObject({ status: TaskStatus.TASK_STATUS_RUNNING, pid: pids.mon, shimPid: host2[0]!.pid });
      expect(await supervisor.taskState({ id: 'loc' })).toMatchObject({ status: TaskStatus.TASK_STATUS_RUNNING, pid: pids.loc, shimPid: host2[0]!.pid });
      expect(await supervisor.taskState({ id: 'rnc' })).toMatchObject({ status: TaskStatus.TASK_STATUS_RUNNING, pid: pids.rnc, shimPid: own[0]!.pid });
      expect(processesNaming(join(shims, 'rnc.sock')).map((p) => p.pid)).toEqual([own[0]!.pid]);
      expect((await supervisor.listTasks()).map((t) => [t.id, t.status]).sort()).toEqual([
        ['loc', TaskStatus.TASK_STATUS_RUNNING],
        ['mon', TaskStatus.TASK_STATUS_RUNNING],
        ['rnc', TaskStatus.TASK_STATUS_RUNNING],
      ]);

      for (const id of ['mon', 'loc', 'rnc']) {
        await supervisor.killTask({ id, signal: 9, all: false });
        expect((await supervisor.waitTask({ id })).exitStatus).toBe(137);
        await supervisor.deleteTask({ id });
      }
      expect(await supervisor.listTasks()).toEqual([]);
      await until("the runc task's shim to end", () => processesNaming(join(shims, 'rnc.sock')).length === 0);
    } finally {
      await supervisor.close();
    }
    await until('the host to end', () => processesNaming(join(shims, 'host.sock')).length === 0);
  });
});
