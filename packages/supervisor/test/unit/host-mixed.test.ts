// Host mode with both kinds of task side by side (decision 0029): the tasks
// ce-monitor carries (every log driver) go to the one shim host, the others (a
// runc-compatible binary) each get a shim of their own.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { TaskStatus } from '@ce/protocol/gen/ce/types/v1/task';
import { TaskGrpcClient } from '@ce/shim';
import { Supervisor } from '../../src/supervisor.js';
import { until } from '../../../../tools/test/container-fixtures.js';
import { fakeShims, follow, HOSTING_SHIM, removeFakeShims, request, setUp, silent } from './support/hosting-shims.js';

afterEach(removeFakeShims);

it('gives the tasks no monitor carries a shim of their own and the rest to the host; calls, events and dead shims of each kind', { timeout: 60_000 }, async () => {
  const { dir, supervisor: make, calls } = setUp();
  const supervisor = make();
  const stop = new AbortController();
  const events = follow(supervisor, stop.signal);
  const RUNC = { runtime: 'runc', runtimePath: '/usr/bin/runc' };
  try {
    await supervisor.createTask(request(dir, 'mon', { logConfig: { type: 'json-file', config: { 'max-size': '1m', 'max-file': '2' } } }));
    await supervisor.createTask(request(dir, 'loc', { logConfig: { type: 'local', config: {} } }));
    await supervisor.createTask(request(dir, 'gz', { logConfig: { type: 'json-file', config: { 'max-size': '1m', 'max-file': '2', compress: 'true' } } }));
    await supervisor.createTask(request(dir, 'runc', RUNC));
    await supervisor.createTask(request(dir, 'runc2', RUNC));
    const creates = calls().filter((c) => c.method === 'create');
    expect(Object.fromEntries(creates.map((c) => [c.id, c.shim]))).toEqual({ mon: 'host', loc: 'host', gz: 'host', runc: 'own', runc2: 'own' });
    // One host, a shim per task it cannot carry, and no spare shim.
    const shims = fakeShims(dir);
    expect(shims.filter((s) => s.host)).toHaveLength(1);
    expect(shims.filter((s) => !s.host).map((s) => s.id).sort()).toEqual(['runc', 'runc2']);
    const host = shims.find((s) => s.host)!.pid;
    const own = (id: string) => shims.find((s) => s.id === id)!.pid;

    for (const id of ['mon', 'loc', 'gz', 'runc', 'runc2']) await supervisor.startTask({ id });
    const listed = await supervisor.listTasks();
    expect(Object.fromEntries(listed.map((t) => [t.id, t.shimPid]))).toEqual({ mon: host, loc: host, gz: host, runc: own('runc'), runc2: own('runc2') });

    // Each kind's events reach the supervisor's subscribers: the host's relay and each own shim's.
    await supervisor.killTask({ id: 'mon', signal: 15, all: false });
    await supervisor.killTask({ id: 'runc2', signal: 2, all: false });
    await until('the exits of mon and runc2', () => events.some((e) => e.id === 'mon' && e.exit?.exitStatus === 143) && events.some((e) => e.id === 'runc2' && e.exit?.exitStatus === 130));

    // A task's own shim dies: that task is ended as a dead shim's; the host is not started again.
    process.kill(own('runc'), 'SIGKILL');
    await until('runc to be reported ended', () => events.some((e) => e.id === 'runc' && e.exit?.exitStatus === 137));
    expect(await supervisor.taskState({ id: 'runc' })).toMatchObject({ status: TaskStatus.TASK_STATUS_STOPPED, exitStatus: 137 });
    expect(fakeShims(dir).filter((s) => s.host).map((s) => s.pid)).toEqual([host]);
    expect(calls().filter((c) => c.id === 'runc' && c.shim === 'host')).toEqual([]);
    expect(existsSync(join(dir, 'shims', 'runc.sock'))).toBe(false);

    // The host dies: the relay starts it again, it adopts its tasks; the own shims are untouched.
    process.kill(host, 'SIGKILL');
    await until('a new host', () => fakeShims(dir).some((s) => s.host && s.pid !== host));
    const host2 = fakeShims(dir).find((s) => s.host)!.pid;
    expect(await supervisor.taskState({ id: 'mon' })).toMatchObject({ status: TaskStatus.TASK_STATUS_STOPPED, exitStatus: 143, shimPid: host2 });
    expect(await supervisor.taskState({ id: 'loc' })).toMatchObject({ status: TaskStatus.TASK_STATUS_RUNNING, shimPid: host2 });
    expect(await supervisor.taskState({ id: 'runc2' })).toMatchObject({ status: TaskStatus.TASK_STATUS_STOPPED, exitStatus: 130, shimPid: own('runc2') });
    await supervisor.killTask({ id: 'gz', signal: 9, all: false });
    expect((await supervisor.waitTask({ id: 'gz' })).exitStatus).toBe(137);
    expect(calls().filter((c) => c.shim === 'host' && !['mon', 'loc', 'gz', ''].includes(c.id))).toEqual([]);

    for (const id of ['mon', 'loc', 'gz', 'runc', 'runc2']) await supervisor.deleteTask({ id });
    expect(await supervisor.listTasks()).toEqual([]);
    await until('the own shims to end', () => fakeShims(dir).every((s) => s.host));
  } finally {
    stop.abort();
    await supervisor.close();
  }
  await until('the idle host to end with the supervisor', () => fakeShims(dir).length === 0);
  expect(readdirSync(join(dir, 'shims')).filter((n) => n.endsWith('.sock'))).toEqual([]);
});

it('after a restart of the supervisor, finds both kinds again: a host that died meanwhile adopts its tasks, own shims are followed by themselves', { timeout: 60_000 }, async () => {
  const { dir, supervisor: make, calls } = setUp();
  const first = make();
  await first.createTask(request(dir, 'mon'));
  await first.createTask(request(dir, 'loc', { runtime: 'runc', runtimePath: '/usr/bin/runc' }));
  await first.startTask({ id: 'mon' });
  await first.startTask({ id: 'loc' });
  await first.close(); // ced stops; the tasks run on
  const host = fakeShims(dir).find((s) => s.host)!.pid;
  const loc = fakeShims(dir).find((s) => s.id === 'loc')!.pid;
  process.kill(host, 'SIGKILL'); // and the host dies while no supervisor runs
  await until('the host to be gone', () => !fakeShims(dir).some((s) => s.pid === host));

  const supervisor = make();
  const stop = new AbortController();
  const events = follow(supervisor, stop.signal);
  try {
    // A new hosted task first: the host it starts adopts mon and takes over its socket.
    await supervisor.createTask(request(dir, 'mon2'));
    const host2 = fakeShims(dir).find((s) => s.host)!.pid;
    const listed = await supervisor.listTasks();
    expect(Object.fromEntries(listed.map((t) => [t.id, [t.status, t.shimPid]]))).toEqual({
      mon: [TaskStatus.TASK_STATUS_RUNNING, host2],
      mon2: [TaskStatus.TASK_STATUS_CREATED, host2],
      loc: [TaskStatus.TASK_STATUS_RUNNING, loc],
    });
    // Events of both kinds are relayed again.
    await supervisor.killTask({ id: 'loc', signal: 15, all: false });
    await supervisor.killTask({ id: 'mon', signal: 9, all: false });
    await until('the exits of loc and mon', () => events.some((e) => e.id === 'loc' && e.exit?.exitStatus === 143) && events.some((e) => e.id === 'mon' && e.exit?.exitStatus === 137));
    expect(calls().filter((c) => c.id === 'loc').every((c) => c.shim === 'own' && c.pid === loc)).toBe(true);
    for (const id of ['mon', 'mon2', 'loc']) await supervisor.deleteTask({ id });
    expect(await supervisor.listTasks()).toEqual([]);
  } finally {
    stop.abort();
    await supervisor.close();
  }
  await until('every fake shim to end', () => fakeShims(dir).length === 0);
});

it('removes the socket of a hosted task the host no longer holds (deleted while ced was killed) at the next list', { timeout: 30_000 }, async () => {
  const { dir, supervisor: make } = setUp();
  const first = make();
  await first.createTask(request(dir, 'mon'));
  await first.createTask(request(dir, 'loc', { runtime: 'runc', runtimePath: '/usr/bin/runc' }));
  await first.close();
  // The task is deleted and forgotten by the host, but ced was killed before it removed the task's socket.
  const host = new TaskGrpcClient(join(dir, 'shims', 'host.sock'));
  try {
    await host.delete({ id: 'mon' });
    await host.shutdown('mon');
  } finally {
    host.close();
  }
  const supervisor = make();
  try {
    expect((await supervisor.listTasks()).map((t) => t.id)).toEqual(['loc']);
    expect(readdirSync(join(dir, 'shims')).filter((n) => n.startsWith('mon.'))).toEqual([]);
    await supervisor.deleteTask({ id: 'loc' });
  } finally {
    await supervisor.close();
  }
  await until('every fake shim to end', () => fakeShims(dir).length === 0);
});

it('keeps no spare shim in host mode unless asked, and starts a task\'s own shim on demand', { timeout: 30_000 }, async () => {
  const { dir } = setUp();
  const supervisor = new Supervisor({ stateDir: dir, runtimeRoot: join(dir, 'runtime'), shimPath: HOSTING_SHIM, logger: silent, shimHost: true });
  try {
    supervisor.startSpare();
    await supervisor.createTask(request(dir, 'loc', { runtime: 'runc', runtimePath: '/usr/bin/runc' }));
    expect(fakeShims(dir).map((s) => s.id)).toEqual(['loc']);
    expect(readdirSync(join(dir, 'shims')).filter((n) => n.startsWith('.spare-'))).toEqual([]);
    await supervisor.deleteTask({ id: 'loc' });
  } finally {
    await supervisor.close();
  }
  await until('every fake shim to end', () => fakeShims(dir).length === 0);
});
