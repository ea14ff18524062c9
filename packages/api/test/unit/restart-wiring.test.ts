// The container service with restart policies: a fake supervisor whose task
// exits when the test says, and a fake clock for the back-off.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SupervisorApi } from '@ce/supervisor';
import { ContainerService, type ContainerImages } from '../../src/containers/container-service.js';
import { ContainerStore } from '../../src/containers/container-store.js';
import type { RestartClock } from '../../src/containers/restart-manager.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const silent = { debug() {}, info() {}, warn() {}, error() {} };

class FakeClock implements RestartClock {
  now = 0;
  timers: { at: number; fn: () => void; handle: number }[] = [];
  private next = 1;
  setTimer(fn: () => void, ms: number): unknown {
    const handle = this.next++;
    this.timers.push({ at: this.now + ms, fn, handle });
    return handle;
  }
  clearTimer(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.handle !== handle);
  }
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.now = due.at;
      due.fn();
    }
    this.now = end;
  }
}

/** A task exits with `exit(code)`, or 137 on SIGKILL / 143 on SIGTERM. */
function fakeSupervisor() {
  let creates = 0;
  let exit: (status: number) => void = () => undefined;
  let exited = Promise.resolve(0);
  const supervisor = {
    createTask: async () => {
      creates++;
      exited = new Promise<number>((r) => (exit = r));
      return { pid: 100 + creates };
    },
    startTask: async () => ({ pid: 100 + creates }),
    killTask: async (req: { signal: number }) => exit(128 + req.signal),
    waitTask: async () => ({ exitStatus: await exited, exitedAt: new Date() }),
    deleteTask: async () => ({ pid: 0, exitStatus: 0, exitedAt: new Date() }),
  } as unknown as SupervisorApi;
  return { supervisor, creates: () => creates, exit: (code: number) => exit(code) };
}

function setup(policy: { Name: string; MaximumRetryCount: number }) {
  const dir = mkdtempSync(join(tmpdir(), 'ce-api-test-'));
  dirs.push(dir);
  const images: ContainerImages = {
    get: async () => ({ id: 'sha256:x', name: 'x', config: { config: { Cmd: ['sleep', '9'] } } }),
    prepareRootfs: async () => [],
    rootfsMounts: () => [],
    removeRootfs: async () => undefined,
    rootfsKeys: () => [],
    rootfsLabels: () => ({}),
  };
  const clock = new FakeClock();
  const fake = fakeSupervisor();
  const store = new ContainerStore(join(dir, 'containers'));
  const svc = new ContainerService(store, images, fake.supervisor, join(dir, 'tasks'), silent, undefined, undefined, undefined, { restartClock: clock });
  const create = () => svc.create({ name: 'web', config: { Image: 'x' }, hostConfig: { RestartPolicy: policy as never } });
  const onDisk = (id: string) => JSON.parse(readFileSync(join(store.containerDir(id), 'config.json'), 'utf8'));
  return { svc, clock, fake, create, onDisk };
}

/** Waits (real time, bounded) until the record's status is `status`. */
async function until(svc: ContainerService, status: string): Promise<void> {
  for (let i = 0; i < 400 && svc.inspect('web').State.Status !== status; i++) await new Promise((r) => setTimeout(r, 5));
  expect(svc.inspect('web').State.Status).toBe(status);
}

describe('restart policies in the container service', () => {
  it('always: an exit turns into restarting with RestartCount 1, saved; the start follows the 100 ms back-off, then 200 ms', async () => {
    const { svc, clock, fake, create, onDisk } = setup({ Name: 'always', MaximumRetryCount: 0 });
    const { Id } = await create();
    await svc.start('web');
    fake.exit(1);
    await until(svc, 'restarting');
    expect(svc.inspect('web')).toMatchObject({ RestartCount: 1, State: { Running: true, Restarting: true, ExitCode: 1, Pid: 0 } });
    // The record is saved right after the decision.
    for (let i = 0; i < 400 && onDisk(Id).State.Status !== 'restarting'; i++) await new Promise((r) => setTimeout(r, 5));
    expect(onDisk(Id)).toMatchObject({ RestartCount: 1, State: { Status: 'restarting' } });
    expect(clock.timers.map((t) => t.at - clock.now)).toEqual([100]);
    clock.advance(99);
    expect(fake.creates()).toBe(1);
    clock.advance(1);
    await until(svc, 'running');
    expect(fake.creates()).toBe(2);
    fake.exit(1);
    await until(svc, 'restarting');
    expect(clock.timers.map((t) => t.at - clock.now)).toEqual([200]);
    expect(svc.inspect('web').RestartCount).toBe(2);
    await svc.remove('web', true);
  });

  it('ce stop of a restarting container cancels the restart and is remembered on disk; a user start resets the count', async () => {
    const { svc, clock, fake, create, onDisk } = setup({ Name: 'unless-stopped', MaximumRetryCount: 0 });
    const { Id } = await create();
    await svc.start('web');
    fake.exit(2);
    await until(svc, 'restarting');
    await svc.stop('web');
    expect(svc.inspect('web').State).toMatchObject({ Status: 'exited', Running: false, Restarting: false, ExitCode: 2 });
    expect(clock.timers).toEqual([]);
    expect(onDisk(Id)).toMatchObject({ HasBeenManuallyStopped: true, RestartCount: 1, State: { Status: 'exited' } });
    await svc.start('web');
    expect(svc.inspect('web')).toMatchObject({ RestartCount: 0, HasBeenManuallyStopped: false, State: { Status: 'running' } });
    await svc.remove('web', true);
  });

  it('ce stop of a running container makes its exit final, even for always', async () => {
    const { svc, clock, create } = setup({ Name: 'always', MaximumRetryCount: 0 });
    await create();
    await svc.start('web');
    await svc.stop('web', 10);
    expect(svc.inspect('web').State).toMatchObject({ Status: 'exited', ExitCode: 143 });
    expect(svc.inspect('web').RestartCount).toBe(0);
    expect(clock.timers).toEqual([]);
    await svc.remove('web', false);
  });

  it('on-failure:1 restarts once, then the next failure is final', async () => {
    const { svc, clock, fake, create } = setup({ Name: 'on-failure', MaximumRetryCount: 1 });
    await create();
    await svc.start('web');
    fake.exit(3);
    await until(svc, 'restarting');
    clock.advance(100);
    await until(svc, 'running');
    fake.exit(3);
    await until(svc, 'exited');
    expect(svc.inspect('web').RestartCount).toBe(1);
    expect(clock.timers).toEqual([]);
    await svc.remove('web', false);
  });

  it('rm without -f refuses a restarting container in Docker words; rm -f removes it and cancels the restart', async () => {
    const { svc, clock, fake, create } = setup({ Name: 'always', MaximumRetryCount: 0 });
    const { Id } = await create();
    await svc.start('web');
    fake.exit(1);
    await until(svc, 'restarting');
    await expect(svc.remove('web', false)).rejects.toThrow(`You cannot remove a restarting container ${Id}. Stop the container before attempting removal or force remove`);
    await svc.remove('web', true);
    expect(clock.timers).toEqual([]);
    expect(svc.all()).toEqual([]);
  });
});
