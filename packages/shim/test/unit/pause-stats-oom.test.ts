import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, expect, it } from 'vitest';
import type { TaskEvent } from '@ce/protocol/gen/ce/events/v1/task';
import { TaskStatus } from '@ce/protocol/gen/ce/types/v1/task';
import type { LinuxResources, Stats } from '@ce/runtime';
import { toCgroupStats, toLinuxResources } from '../../src/cgroup-figures.js';
import { OomWatch } from '../../src/oom-watch.js';
import { ShimTask, type RuntimeLike } from '../../src/task.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** A runtime whose container exits when `exit` is called, with an OOM counter the test sets. */
function fakeRuntime() {
  let exit!: (status: number) => void;
  const calls: string[] = [];
  const state = { oomKills: 0, updated: undefined as LinuxResources | undefined };
  const runtime: RuntimeLike = {
    async create() {
      const exited = new Promise<{ exitStatus: number; exitedAt: Date }>((resolve) => (exit = (s) => resolve({ exitStatus: s, exitedAt: new Date() })));
      return { pid: 4242, stdin: null, stdout: new PassThrough().end(), stderr: new PassThrough().end(), exited };
    },
    async start() {},
    async kill() {},
    async delete() {},
    async pause(id) {
      calls.push(`pause ${id}`);
    },
    async resume(id) {
      calls.push(`resume ${id}`);
    },
    async update(id, resources) {
      calls.push(`update ${id}`);
      state.updated = resources;
    },
    async stats() {
      return SAMPLE_V1;
    },
    async ps() {
      return [4242, 4250];
    },
    async oomKills() {
      return state.oomKills;
    },
  };
  return { runtime, calls, state, exit: (s: number) => exit(s) };
}

async function createdTask(runtime: RuntimeLike) {
  const dir = mkdtempSync(join(tmpdir(), 'ce-shim-pause-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'bundle'));
  const task = new ShimTask(runtime, silent, () => undefined);
  const stop = new AbortController();
  const events: TaskEvent[] = [];
  const collecting = (async () => {
    for await (const e of task.events(stop.signal)) events.push(e);
  })();
  await task.create({ id: 'c1', bundle: join(dir, 'bundle'), rootfs: [], terminal: false, stdin: false, logPath: '' });
  await task.start({ id: 'c1' });
  return { task, events, stop: () => (stop.abort(), collecting) };
}

const SAMPLE_V1: Stats = {
  cpu: { usage: { total: 5_000_000, percpu: [3_000_000, 2_000_000], kernel: 1_000_000, user: 4_000_000 }, throttling: {} },
  memory: {
    usage: { limit: 9223372036854771712, usage: 10_000_000, max: 12_000_000, failcnt: 0 },
    swap: { limit: 0, failcnt: 0 },
    kernel: { limit: 0, failcnt: 0 },
    kernelTCP: { limit: 0, failcnt: 0 },
    raw: { total_inactive_file: 4_000_000, hierarchical_memory_limit: 9223372036854771712 },
  },
  pids: { current: 2 },
  blkio: { ioServiceBytesRecursive: [{ major: 8, op: 'Read', value: 4096 }, { major: 8, op: 'Write', value: 8192 }] },
  hugetlb: {},
};

it('pauses and resumes through the runtime, with the status and events in between', async () => {
  const fake = fakeRuntime();
  const { task, events, stop } = await createdTask(fake.runtime);
  await task.pause({ id: 'c1' });
  expect((await task.state({ id: 'c1' })).status).toBe(TaskStatus.TASK_STATUS_PAUSED);
  await expect(task.pause({ id: 'c1' })).rejects.toMatchObject({ code: 'FailedPrecondition' });
  await expect(task.delete({ id: 'c1' })).rejects.toMatchObject({ code: 'FailedPrecondition' });
  await task.resume({ id: 'c1' });
  expect((await task.state({ id: 'c1' })).status).toBe(TaskStatus.TASK_STATUS_RUNNING);
  await expect(task.resume({ id: 'c1' })).rejects.toMatchObject({ code: 'FailedPrecondition' });
  expect(fake.calls).toEqual(['pause c1', 'resume c1']);
  fake.exit(0);
  await task.wait({ id: 'c1' });
  await stop();
  expect(events.map((e) => Object.keys(e).find((k) => k !== 'id' && k !== 'timestamp'))).toEqual(['create', 'start', 'paused', 'resumed', 'exit']);
});

it('reports an OOM kill that ended the task before its exit, to events and to waiters', async () => {
  const fake = fakeRuntime();
  const { task, events, stop } = await createdTask(fake.runtime);
  fake.state.oomKills = 1;
  fake.exit(137);
  const exit = await task.wait({ id: 'c1' });
  expect(exit).toMatchObject({ exitStatus: 137, oomKilled: true });
  // the oom event is out before wait answers
  expect(events.map((e) => e.oom?.oomKills).filter(Boolean)).toEqual([1]);
  await stop();
  const kinds = events.map((e) => Object.keys(e).find((k) => k !== 'id' && k !== 'timestamp'));
  expect(kinds.slice(-2)).toEqual(['oom', 'exit']);
});

it('serves stats, pids and updates while running, and refuses them once stopped', async () => {
  const fake = fakeRuntime();
  const { task, stop } = await createdTask(fake.runtime);
  const stats = await task.stats({ id: 'c1' });
  expect(stats).toMatchObject({ cpuTotal: 5_000_000, cpuPercpu: [3_000_000, 2_000_000], memoryUsage: 10_000_000, pidsCurrent: 2, cgroupV2: false });
  expect((await task.pids({ id: 'c1' })).pids).toEqual([4242, 4250]);
  await task.update({ id: 'c1', resources: { memory: 64 << 20, pidsLimit: 10 } });
  expect(fake.state.updated).toEqual({ memory: { limit: 64 << 20 }, pids: { limit: 10 } });
  fake.exit(0);
  await task.wait({ id: 'c1' });
  await expect(task.stats({ id: 'c1' })).rejects.toMatchObject({ code: 'FailedPrecondition' });
  await expect(task.pids({ id: 'c1' })).rejects.toMatchObject({ code: 'FailedPrecondition' });
  await stop();
});

it('tells v2 figures from v1 ones by memory.stat and keeps the blkio entries', () => {
  const v2: Stats = { ...SAMPLE_V1, memory: { ...SAMPLE_V1.memory, raw: { inactive_file: 1, anon: 2 } } };
  expect(toCgroupStats(v2).cgroupV2).toBe(true);
  // the kernel's "no limit" is past 2^53: capped so that it encodes as a uint64 number
  expect(toCgroupStats(SAMPLE_V1).memoryLimit).toBe(Number.MAX_SAFE_INTEGER);
  expect(toCgroupStats(SAMPLE_V1).memoryStat.hierarchical_memory_limit).toBe(Number.MAX_SAFE_INTEGER);
  expect(toCgroupStats(SAMPLE_V1).ioServiceBytesRecursive).toEqual([
    { major: 8, minor: 0, op: 'Read', value: 4096 },
    { major: 8, minor: 0, op: 'Write', value: 8192 },
  ]);
});

it('maps only the resources that are set', () => {
  expect(toLinuxResources({ cpuQuota: 50000, cpuPeriod: 100000, cpusetCpus: '0', memorySwap: -1 })).toEqual({
    memory: { swap: -1 },
    cpu: { quota: 50000, period: 100000, cpus: '0' },
  });
  expect(toLinuxResources(undefined)).toEqual({});
});

it('OomWatch reports each growth once and survives a counter that cannot be read', async () => {
  let kills = 2;
  let broken = false;
  const seen: number[] = [];
  const watch = new OomWatch(async () => {
    if (broken) throw new Error('cgroup gone');
    return kills;
  }, (k) => seen.push(k), 60_000);
  await watch.start();
  await watch.check();
  kills = 3;
  await watch.check();
  await watch.check();
  broken = true;
  await watch.check();
  watch.stop();
  expect(seen).toEqual([3]);
});

it('keeps the OOM kill with the exit status on disk, for a supervisor whose shim died', async () => {
  const { readExitFile, writeExitFile } = await import('../../src/exit-file.js');
  const dir = mkdtempSync(join(tmpdir(), 'ce-shim-exit-'));
  dirs.push(dir);
  writeExitFile(dir, { exitStatus: 137, exitedAt: new Date(5000), reason: '', oomKilled: true });
  expect(readExitFile(dir)).toEqual({ exitStatus: 137, exitedAt: new Date(5000), reason: '', oomKilled: true });
});
