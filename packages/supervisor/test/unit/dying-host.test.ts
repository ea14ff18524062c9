// A call to the shim host fails as the host is being killed, while its socket
// may still take connections for a moment (the dying process's files are not
// all closed yet). The supervisor waits up to a second for the socket to stop
// listening, then starts the host again and asks it once more: the task is
// not taken for a dead shim's. A socket that goes on listening past that is a
// live, slow host: the call's error stands and nothing is ended.
import { afterEach, expect, it, vi } from 'vitest';
import { TaskStatus } from '@ce/protocol/gen/ce/types/v1/task';
import { until } from '../../../../tools/test/container-fixtures.js';
import { fakeShims, follow, removeFakeShims, request, setUp } from './support/hosting-shims.js';

/** Until this time the host's socket (and the task's link to it) is said to listen, whatever the kernel says. */
let lingerUntil = 0;
let lingerSockets: string[] = [];

vi.mock('../../src/shim-liveness.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/shim-liveness.js')>();
  return { shimListens: async (socket: string) => (lingerSockets.includes(socket) && Date.now() < lingerUntil) || real.shimListens(socket) };
});

afterEach(() => {
  lingerUntil = 0;
  removeFakeShims();
});

/** A supervisor with one running hosted task, whose host is then killed while its socket seems to linger for `lingerMs`. */
async function killHostLingering(lingerMs: number) {
  const { dir, supervisor: make, calls } = setUp();
  const supervisor = make();
  await supervisor.createTask(request(dir, 'mon'));
  await supervisor.startTask({ id: 'mon' });
  const host = fakeShims(dir).find((s) => s.host)!.pid;
  lingerSockets = [`${dir}/shims/host.sock`, `${dir}/shims/mon.sock`];
  lingerUntil = Date.now() + lingerMs;
  process.kill(host, 'SIGKILL');
  await until('the host to be gone', () => !fakeShims(dir).some((s) => s.pid === host));
  return { dir, supervisor, calls, host };
}

it('waits for a dying host\'s socket to stop listening, then asks the restarted host, which adopted the task', { timeout: 30_000 }, async () => {
  const { dir, supervisor, calls, host } = await killHostLingering(300);
  const stop = new AbortController();
  const events = follow(supervisor, stop.signal);
  try {
    const state = await supervisor.taskState({ id: 'mon' });
    const host2 = fakeShims(dir).find((s) => s.host)!.pid;
    expect(host2).not.toBe(host);
    expect(state).toMatchObject({ status: TaskStatus.TASK_STATUS_RUNNING, shimPid: host2 });
    expect(calls().filter((c) => c.method === 'state' && c.id === 'mon').map((c) => c.pid)).toContain(host2);
    expect(events.filter((e) => e.exit)).toEqual([]);
  } finally {
    stop.abort();
    await supervisor.killTask({ id: 'mon', signal: 9, all: false }).catch(() => undefined);
    await supervisor.deleteTask({ id: 'mon' }).catch(() => undefined);
    await supervisor.close();
  }
});

it('takes a host whose socket goes on listening for a live one: the call fails, the task is not ended', { timeout: 30_000 }, async () => {
  const { dir, supervisor } = await killHostLingering(60_000);
  const stop = new AbortController();
  const events = follow(supervisor, stop.signal);
  try {
    await expect(supervisor.taskState({ id: 'mon' })).rejects.toMatchObject({ code: 'Unavailable' });
    expect(events.filter((e) => e.exit)).toEqual([]);
    expect(fakeShims(dir).filter((s) => s.host)).toEqual([]);
    // Once the socket is seen dead, the task is the restarted host's again.
    lingerUntil = 0;
    expect(await supervisor.taskState({ id: 'mon' })).toMatchObject({ status: TaskStatus.TASK_STATUS_RUNNING });
  } finally {
    stop.abort();
    await supervisor.killTask({ id: 'mon', signal: 9, all: false }).catch(() => undefined);
    await supervisor.deleteTask({ id: 'mon' }).catch(() => undefined);
    await supervisor.close();
  }
});
