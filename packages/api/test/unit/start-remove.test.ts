import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it, vi } from 'vitest';
import type { SupervisorApi } from '@ce/supervisor';
import { ContainerService, type ContainerImages } from '../../src/containers/container-service.js';
import { ContainerStore } from '../../src/containers/container-store.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** An image store with one image running `cmd`, whose layers cost nothing. */
function fakeImages(cmd: string[]): ContainerImages {
  return {
    get: async () => ({ id: 'sha256:x', name: 'x', config: { config: { Cmd: cmd } } }),
    prepareRootfs: async () => [],
    rootfsMounts: () => [],
    removeRootfs: async () => undefined,
    rootfsKeys: () => [],
    rootfsLabels: () => ({}),
  };
}

/** A supervisor whose task creation waits until the test lets it go; its first `failedDeletes` deletes fail. */
function fakeSupervisor(failedDeletes = 0) {
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
    deleteTask: async () => {
      calls.push('delete');
      if (failedDeletes-- > 0) throw new Error('the shim did not answer');
      return { pid: 42, exitStatus: 137, exitedAt: new Date() };
    },
  } as unknown as SupervisorApi;
  return { supervisor, releaseCreate, calls };
}

/** A supervisor whose tasks exit with `status` as soon as they start; `onDelete` sees each task delete. */
function exitingSupervisor(status: number, onDelete: () => void = () => {}): SupervisorApi {
  return {
    createTask: async () => ({ pid: 42 }),
    startTask: async () => ({ pid: 42 }),
    waitTask: async () => ({ exitStatus: status, exitedAt: new Date() }),
    deleteTask: async () => (onDelete(), { pid: 42, exitStatus: status, exitedAt: new Date() }),
  } as unknown as SupervisorApi;
}

it('makes rm wait for a start in flight: refused without --force, done after it with --force', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ce-api-test-'));
  dirs.push(dir);
  const images = fakeImages(['sleep', '9']);
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
  // The exit deleted the task and undid the start steps: rm does not ask again.
  expect(calls).toEqual(['create', 'start', 'kill', 'delete']);
  expect(() => svc.inspect(c.Id)).toThrow(`No such container: ${c.Id}`);
});

it('deletes the task again at removal when the exit could not', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ce-api-test-'));
  dirs.push(dir);
  const removedLayers: string[] = [];
  const images: ContainerImages = {
    get: async () => ({ id: 'sha256:x', name: 'x', config: { config: { Cmd: ['sleep', '9'] } } }),
    prepareRootfs: async () => [],
    rootfsMounts: () => [],
    removeRootfs: async (key) => void removedLayers.push(key),
    rootfsKeys: () => [],
    rootfsLabels: () => ({}),
  };
  const { supervisor, releaseCreate, calls } = fakeSupervisor(1);
  releaseCreate();
  const svc = new ContainerService(new ContainerStore(join(dir, 'containers')), images, supervisor, join(dir, 'tasks'), silent);
  const c = await svc.create({ name: 'web', config: { Image: 'x' }, hostConfig: {} });
  await svc.start('web');
  await svc.kill('web', 'SIGKILL');
  expect(await svc.wait('web', 'not-running')).toBe(137);
  await svc.remove('web', false);
  // Nothing may still use the layer when it goes: the task the exit could not delete is deleted first.
  expect(calls).toEqual(['create', 'start', 'kill', 'delete', 'delete']);
  expect(removedLayers).toEqual([c.Id]);
});

it('starts again only after the last exit has deleted its task, even when wait answered before that', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ce-api-test-'));
  dirs.push(dir);
  const images = fakeImages(['true']);
  // A shim slow to delete a task (a loaded machine): a task of that id cannot be created meanwhile.
  let deleting = false;
  let exits = 0;
  const supervisor = {
    createTask: async () => {
      if (deleting) throw new Error('task later: already exists');
      return { pid: 42 };
    },
    startTask: async () => ({ pid: 42 }),
    waitTask: async () => ({ exitStatus: 5 + exits++, exitedAt: new Date() }),
    deleteTask: async () => {
      deleting = true;
      await new Promise((r) => setTimeout(r, 300));
      deleting = false;
      return { pid: 42, exitStatus: 5, exitedAt: new Date() };
    },
  } as unknown as SupervisorApi;
  const store = new ContainerStore(join(dir, 'containers'));
  const exitedSaves: number[] = [];
  const save = store.save.bind(store);
  store.save = async (record) => {
    await save(record);
    if (record.State.Status === 'exited') exitedSaves.push(record.State.ExitCode);
  };
  const svc = new ContainerService(store, images, supervisor, join(dir, 'tasks'), silent);
  await svc.create({ name: 'later', config: { Image: 'x' }, hostConfig: {} });
  await svc.start('later');
  expect(await svc.wait('later', 'not-running')).toBe(5);
  await vi.waitFor(() => expect(deleting).toBe(true));

  await svc.start('later');
  expect(await svc.wait('later', 'not-running')).toBe(6);
  // Ends once the second exit's teardown (its slow delete) is saved too: nothing writes into the folder after the test.
  await vi.waitFor(() => expect(exitedSaves.filter((code) => code === 6)).toHaveLength(2), { timeout: 5000 });
});

it('writes a --rm container\'s record once at its exit, not again after the teardown, and removes it; a kept container\'s teardown is saved', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ce-api-test-'));
  dirs.push(dir);
  const images = fakeImages(['true']);
  const supervisor = exitingSupervisor(0);
  const store = new ContainerStore(join(dir, 'containers'));
  const saves: string[] = [];
  const save = store.save.bind(store);
  store.save = async (record) => {
    saves.push(`${record.Name}:${record.State.Status}`);
    return save(record);
  };
  const svc = new ContainerService(store, images, supervisor, join(dir, 'tasks'), silent);
  const rm = await svc.create({ name: 'once', config: { Image: 'x' }, hostConfig: { AutoRemove: true } });
  const kept = await svc.create({ name: 'kept', config: { Image: 'x' }, hostConfig: {} });
  saves.length = 0;

  await svc.start('once');
  expect(await svc.wait('once', 'removed')).toBe(0);
  expect(() => svc.inspect(rm.Id)).toThrow(`No such container: ${rm.Id}`);
  expect((await store.loadAll()).records.map((r) => r.Id)).not.toContain(rm.Id);
  expect(saves.filter((s) => s.startsWith('/once:') && s !== '/once:running')).toEqual(['/once:exited']);

  await svc.start('kept');
  expect(await svc.wait('kept', 'not-running')).toBe(0);
  await vi.waitFor(() => expect(saves.filter((s) => s === '/kept:exited')).toHaveLength(2)); // the exit, then the teardown
  expect(svc.inspect(kept.Id).State.Status).toBe('exited');
});

it('deletes a --rm container\'s task while its exit is being saved, removes the record only after that save; a kept container\'s task waits for it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ce-api-test-'));
  dirs.push(dir);
  const events: string[] = [];
  const supervisor = exitingSupervisor(0, () => events.push('delete task'));
  const store = new ContainerStore(join(dir, 'containers'));
  let releaseSave: () => void = () => {};
  const save = store.save.bind(store);
  const held = new Set<string>();
  store.save = async (record) => {
    if (record.State.Status !== 'exited') return save(record);
    if (held.has(record.Id)) return save(record).then(() => void events.push('teardown saved'));
    held.add(record.Id);
    events.push('exit save begins');
    // The exit's write holds until the test lets it go (a slow disk).
    await new Promise<void>((r) => (releaseSave = r));
    await save(record);
    events.push('exit saved');
  };
  const remove = store.remove.bind(store);
  store.remove = async (id) => (events.push('record removed'), remove(id));
  const svc = new ContainerService(store, fakeImages(['true']), supervisor, join(dir, 'tasks'), silent);
  const rm = await svc.create({ name: 'slow-rm', config: { Image: 'x' }, hostConfig: { AutoRemove: true } });

  await svc.start('slow-rm');
  await vi.waitFor(() => expect(events).toContain('delete task'));
  expect(events).toEqual(['exit save begins', 'delete task']);
  releaseSave();
  expect(await svc.wait('slow-rm', 'removed')).toBe(0);
  expect(events).toEqual(['exit save begins', 'delete task', 'exit saved', 'record removed']);
  expect((await store.loadAll()).records.map((r) => r.Id)).not.toContain(rm.Id);

  events.length = 0;
  await svc.create({ name: 'slow-kept', config: { Image: 'x' }, hostConfig: {} });
  await svc.start('slow-kept');
  await vi.waitFor(() => expect(events).toEqual(['exit save begins']));
  releaseSave();
  // The teardown is saved after the task's delete; the test ends once it is, so nothing writes into its folder after.
  await vi.waitFor(() => expect(events).toEqual(['exit save begins', 'exit saved', 'delete task', 'teardown saved']));
  expect(await svc.wait('slow-kept', 'not-running')).toBe(0);
});

it('saves a --rm container whose removal failed, as dead with the error, and its exit code still reaches wait', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ce-api-test-'));
  dirs.push(dir);
  const images = { ...fakeImages(['true']), removeRootfs: async () => Promise.reject(new Error('device or resource busy')) };
  const supervisor = exitingSupervisor(3);
  const store = new ContainerStore(join(dir, 'containers'));
  const svc = new ContainerService(store, images, supervisor, join(dir, 'tasks'), silent);
  const c = await svc.create({ name: 'stuck', config: { Image: 'x' }, hostConfig: { AutoRemove: true } });

  await svc.start('stuck');
  expect(await svc.wait('stuck', 'removed')).toBe(3);
  const saved = (await store.loadAll()).records.find((r) => r.Id === c.Id);
  expect(saved?.State).toMatchObject({ Status: 'dead', ExitCode: 3, Error: 'device or resource busy' });
});

it('removes at recovery a --rm container whose exit ced did not live to handle (its record still says running)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ce-api-test-'));
  dirs.push(dir);
  const { recover } = await import('../../src/recovery.js');
  const { notFound } = await import('@ce/protocol');
  const store = new ContainerStore(join(dir, 'containers'));
  const running = {
    createTask: async () => ({ pid: 42 }),
    startTask: async () => ({ pid: 42 }),
    waitTask: () => new Promise(() => {}), // ced "dies" before the exit
  } as unknown as SupervisorApi;
  const before = new ContainerService(store, fakeImages(['true']), running, join(dir, 'tasks'), silent);
  const c = await before.create({ name: 'gone', config: { Image: 'x' }, hostConfig: { AutoRemove: true } });
  await before.start('gone');
  expect((await store.loadAll()).records.find((r) => r.Id === c.Id)?.State.Status).toBe('running');

  // The restarted ced: the task exited and its shim is gone.
  const shimGone = {
    listTasks: async () => [],
    taskState: async () => Promise.reject(notFound('no shim')),
    deleteTask: async () => Promise.reject(notFound('no shim')),
  } as unknown as SupervisorApi;
  const after = new ContainerService(store, fakeImages(['true']), shimGone, join(dir, 'tasks'), silent);
  const report = await recover(after, shimGone, silent);
  expect(report).toMatchObject({ lost: 1, autoRemoved: 0 });
  await vi.waitFor(() => expect(() => after.inspect(c.Id)).toThrow(`No such container: ${c.Id}`));
  expect((await store.loadAll()).records.map((r) => r.Id)).not.toContain(c.Id);
});
