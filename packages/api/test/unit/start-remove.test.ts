import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { SupervisorApi } from '@ce/supervisor';
import { ContainerService, type ContainerImages } from '../../src/containers/container-service.js';
import { ContainerStore } from '../../src/containers/container-store.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** A supervisor whose task creation waits until the test lets it go. */
function fakeSupervisor() {
  let releaseCreate!: () => void;
  const createGate = new Promise<void>((r) => (releaseCreate = r));
  let exit!: (status: number) => void;
  const exited = new Promise<number>((r) => (exit = r));
  const calls: string[] = [];
  const supervisor = {
    createTask: async () => (calls.push('create'), await createGate, { pid: 42 }),
    startTask: async () => (calls.push('start'), { pid: 42 }),
    killTask: async () => {
      calls.push('kill');
      exit(137);
    },
    waitTask: async () => ({ exitStatus: await exited, exitedAt: new Date() }),
    deleteTask: async () => (calls.push('delete'), { pid: 42, exitStatus: 137, exitedAt: new Date() }),
  } as unknown as SupervisorApi;
  return { supervisor, releaseCreate, calls };
}

it('makes rm wait for a start in flight: refused without --force, done after it with --force', async () => {
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
  const { supervisor, releaseCreate, calls } = fakeSupervisor();
  const svc = new ContainerService(new ContainerStore(join(dir, 'containers')), images, supervisor, join(dir, 'tasks'), silent);
  const c = await svc.create({ name: 'web', config: { Image: 'x' }, hostConfig: {} });

  const started = svc.start('web');
  const again = svc.start('web'); // joins the first
  await expect(svc.remove('web', false)).rejects.toThrow(/You cannot remove a running container/);
  const removed = svc.remove('web', true);
  releaseCreate();
  await Promise.all([started, again]);
  await removed;
  // The exit deletes the task; rm asks again before removing the layer (nothing may still use it).
  expect(calls).toEqual(['create', 'start', 'kill', 'delete', 'delete']);
  expect(() => svc.inspect(c.Id)).toThrow(`No such container: ${c.Id}`);
});
