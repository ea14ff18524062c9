import { mkdtempSync, rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SupervisorApi } from '@ce/supervisor';
import { ContainerService, type ContainerImages, type CreateOptions } from '../../src/containers/container-service.js';
import { ContainerStore } from '../../src/containers/container-store.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const { SIGKILL, SIGTERM, SIGUSR1, SIGUSR2 } = constants.signals;

/**
 * A supervisor whose task exits on the signals in `exitsOn` (with 128+signal)
 * and on SIGKILL; it records the signals it gets and the tasks it creates.
 */
function fakeSupervisor(exitsOn: number[]) {
  const signals: number[] = [];
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
    killTask: async (req: { signal: number }) => {
      signals.push(req.signal);
      if (req.signal === SIGKILL || exitsOn.includes(req.signal)) exit(128 + req.signal);
    },
    waitTask: async () => ({ exitStatus: await exited, exitedAt: new Date() }),
    deleteTask: async () => ({ pid: 0, exitStatus: 0, exitedAt: new Date() }),
  } as unknown as SupervisorApi;
  return { supervisor, signals, creates: () => creates };
}

function service(supervisor: SupervisorApi, stopSignal?: string) {
  const dir = mkdtempSync(join(tmpdir(), 'ce-api-test-'));
  dirs.push(dir);
  const images: ContainerImages = {
    get: async () => ({ id: 'sha256:x', name: 'x', config: { config: { Cmd: ['sleep', '9'], ...(stopSignal ? { StopSignal: stopSignal } : {}) } } }),
    prepareRootfs: async () => [],
    rootfsMounts: () => [],
    removeRootfs: async () => undefined,
    rootfsKeys: () => [],
    rootfsLabels: () => ({}),
  };
  return new ContainerService(new ContainerStore(join(dir, 'containers')), images, supervisor, join(dir, 'tasks'), silent);
}

const options = (config: Partial<CreateOptions['config']> = {}): CreateOptions => ({ name: 'web', config: { Image: 'x', ...config }, hostConfig: {} });

describe('stop', () => {
  it('sends SIGTERM and, once the container exits on it, no SIGKILL', async () => {
    const fake = fakeSupervisor([SIGTERM]);
    const svc = service(fake.supervisor);
    await svc.create(options());
    expect(await svc.start('web')).toBe(true);
    expect(await svc.start('web')).toBe(false); // already running: nothing done (the Docker API's 304)
    expect(await svc.stop('web', 30)).toBe(true);
    expect(fake.signals).toEqual([SIGTERM]);
    expect(svc.inspect('web').State).toMatchObject({ Status: 'exited', ExitCode: 128 + SIGTERM });
  });

  it('sends SIGKILL when the timeout runs out', async () => {
    const fake = fakeSupervisor([]);
    const svc = service(fake.supervisor);
    await svc.create(options({ StopTimeout: 0 }));
    await svc.start('web');
    await svc.stop('web');
    expect(fake.signals).toEqual([SIGTERM, SIGKILL]);
    expect(svc.inspect('web').State).toMatchObject({ Status: 'exited', ExitCode: 137 });
  });

  it('sends --stop-signal over the image STOPSIGNAL, and the image STOPSIGNAL over SIGTERM', async () => {
    const flag = fakeSupervisor([SIGUSR1]);
    const svc = service(flag.supervisor, 'SIGUSR2');
    await svc.create(options({ StopSignal: 'usr1' }));
    await svc.start('web');
    await svc.stop('web', 30);
    expect(flag.signals).toEqual([SIGUSR1]);

    const image = fakeSupervisor([SIGUSR2]);
    const svc2 = service(image.supervisor, 'SIGUSR2');
    await svc2.create(options());
    await svc2.start('web');
    await svc2.stop('web', 30);
    expect(image.signals).toEqual([SIGUSR2]);
  });

  it('waits for a timeout longer than a timer can hold instead of killing at once', async () => {
    const fake = fakeSupervisor([]);
    const svc = service(fake.supervisor);
    await svc.create(options());
    await svc.start('web');
    const stopping = svc.stop('web', 3_000_000); // 34 days: more than setTimeout's ~24.8
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 20)); // an overflowed timer fires after 1 ms: this would see its SIGKILL
    expect(fake.signals).toEqual([SIGTERM]);
    await svc.kill('web', 'KILL');
    await stopping;
    expect(svc.inspect('web').State.ExitCode).toBe(137);
  });

  it('leaves a container that is not running as it is', async () => {
    const fake = fakeSupervisor([SIGTERM]);
    const svc = service(fake.supervisor);
    await svc.create(options());
    expect(await svc.stop('web')).toBe(false);
    expect(fake.signals).toEqual([]);
    expect(svc.inspect('web').State.Status).toBe('created');
    await expect(svc.stop('nosuch')).rejects.toThrow('No such container: nosuch');
  });

  it('refuses a bad stop signal at create', async () => {
    const svc = service(fakeSupervisor([]).supervisor);
    await expect(svc.create(options({ StopSignal: 'NOPE' }))).rejects.toThrow('Invalid signal: NOPE');
    await expect(service(fakeSupervisor([]).supervisor, 'SIGBOGUS').create(options())).rejects.toThrow('Invalid signal: SIGBOGUS');
  });
});

describe('restart', () => {
  it('stops, then starts a new task; FinishedAt stays until the next exit', async () => {
    const fake = fakeSupervisor([SIGTERM]);
    const svc = service(fake.supervisor);
    await svc.create(options());
    await svc.start('web');
    await svc.restart('web', 30);
    const state = svc.inspect('web').State;
    expect(fake.creates()).toBe(2);
    expect(state).toMatchObject({ Status: 'running', Running: true, Pid: 102, ExitCode: 0 });
    expect(state.FinishedAt).not.toBe('0001-01-01T00:00:00Z');
    await svc.stop('web', 30);
  });

  it('starts a container that is not running', async () => {
    const fake = fakeSupervisor([SIGTERM]);
    const svc = service(fake.supervisor);
    await svc.create(options());
    await svc.restart('web');
    expect(fake.signals).toEqual([]);
    expect(svc.inspect('web').State.Status).toBe('running');
    await svc.stop('web', 30);
  });
});
