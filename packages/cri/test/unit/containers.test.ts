import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CeError, isCeError, notFound } from '@ce/protocol';
import type { CreateTaskRequest, StateResponse } from '@ce/protocol/gen/ce/shim/v1/shim';
import { CgroupStats, type Resources } from '@ce/protocol/gen/ce/types/v1/resources';
import { TaskStatus, type ExitStatus } from '@ce/protocol/gen/ce/types/v1/task';
import { ContainerConfig, ContainerState, PodSandboxConfig } from '../../src/gen/runtime/v1/api.js';
import type { ContainerImage } from '../../src/container/container-deps.js';
import { ContainerStore } from '../../src/container/container-store.js';
import { criContainers } from '../../src/container/containers.js';
import type { SandboxRecord } from '../../src/sandbox/sandbox-store.js';

interface FakeTask {
  req: CreateTaskRequest;
  status: TaskStatus;
  pid: number;
  exit?: ExitStatus;
  exited: Promise<ExitStatus>;
  settle: (e: ExitStatus) => void;
  /** Signals the process ignores (sleep as pid 1 ignores SIGTERM). */
  ignores: Set<number>;
}

function fakes(dir: string) {
  const tasks = new Map<string, FakeTask>();
  const layers = new Set<string>();
  const calls = { kills: [] as Array<[string, number]>, updates: [] as Array<[string, Resources]>, reopened: [] as string[], events: [] as string[] };
  const failStart = { error: undefined as CeError | undefined };
  let pid = 1000;
  const end = (t: FakeTask, exitStatus: number, oomKilled = false) => {
    t.status = TaskStatus.TASK_STATUS_STOPPED;
    t.exit = { exitStatus, exitedAt: new Date('2026-12-07T10:00:00Z'), reason: '', oomKilled };
    t.settle(t.exit);
  };
  const image: ContainerImage = {
    id: 'sha256:' + 'a'.repeat(64),
    repoTags: ['docker.io/library/busybox:latest'],
    repoDigests: ['docker.io/library/busybox@sha256:' + 'b'.repeat(64)],
    config: { Env: ['PATH=/bin'], Cmd: ['sh'], StopSignal: 'SIGQUIT' },
  };
  const sandbox: SandboxRecord = {
    id: 'pod1',
    name: 'k8s_POD_web_shop_u1_0',
    config: PodSandboxConfig.toJSON(PodSandboxConfig.fromPartial({ metadata: { name: 'web', namespace: 'shop', uid: 'u1', attempt: 0 }, hostname: 'web', logDirectory: join(dir, 'logs') })),
    runtimeHandler: '',
    createdAt: '1',
    state: 'ready',
    pid: 42,
    netnsPath: '/run/netns/pod1',
    cniNetwork: 'n',
    ips: [],
    rootfsKey: 'k8s.io/sandbox-pod1',
    bundle: join(dir, 'sandboxes', 'pod1'),
    resolvConfPath: join(dir, 'sandboxes', 'pod1', 'resolv.conf'),
    hostnamePath: join(dir, 'sandboxes', 'pod1', 'hostname'),
    shmPath: join(dir, 'sandboxes', 'pod1', 'shm'),
  };
  const deps = {
    tasks: {
      async create(req: CreateTaskRequest) {
        let settle!: (e: ExitStatus) => void;
        const exited = new Promise<ExitStatus>((r) => (settle = r));
        tasks.set(req.id, { req, status: TaskStatus.TASK_STATUS_CREATED, pid: ++pid, exited, settle, ignores: new Set() });
        return { pid };
      },
      async start(id: string) {
        if (failStart.error) throw failStart.error;
        const t = tasks.get(id)!;
        t.status = TaskStatus.TASK_STATUS_RUNNING;
        return { pid: t.pid };
      },
      async kill(id: string, signal: number) {
        const t = tasks.get(id);
        if (!t || t.status === TaskStatus.TASK_STATUS_STOPPED) throw notFound(`task ${id}: process already finished`);
        calls.kills.push([id, signal]);
        if (!t.ignores.has(signal)) end(t, 128 + signal);
      },
      async wait(id: string) {
        const t = tasks.get(id);
        if (!t) throw notFound(`task ${id} not found`);
        return t.exited;
      },
      async delete(id: string) {
        if (!tasks.delete(id)) throw notFound(`task ${id} not found`);
      },
      async state(id: string) {
        const t = tasks.get(id);
        if (!t) throw notFound(`task ${id} not found`);
        return { id, status: t.status, pid: t.pid } as StateResponse;
      },
      async stats() {
        return CgroupStats.fromPartial({ cpuTotal: 7_000, memoryUsage: 9_000, memoryLimit: 2 ** 63, cgroupV2: true });
      },
      async update(id: string, resources: Resources) {
        calls.updates.push([id, resources]);
      },
      async reopenLog(id: string) {
        calls.reopened.push(id);
      },
      async running() {
        return new Set([...tasks.values()].filter((t) => t.status === TaskStatus.TASK_STATUS_RUNNING).map((t) => t.req.id));
      },
    },
    images: {
      async resolve(ref: string) {
        if (ref !== 'busybox' && ref !== image.id) throw notFound(`no such image: ${ref}`);
        return image;
      },
      async names(id: string) {
        return id === image.id ? { repoTags: image.repoTags, repoDigests: image.repoDigests } : undefined;
      },
      async prepare(key: string) {
        layers.add(key);
        return [{ type: 'bind', source: join(dir, 'nolayer'), target: '', options: ['rbind'] }];
      },
      async remove(key: string) {
        layers.delete(key);
      },
      async usage() {
        return { bytes: 4096, inodes: 3 };
      },
      async keys() {
        return [...layers];
      },
    },
    sandboxes: {
      get(id: string) {
        if (id !== sandbox.id) throw notFound(`an error occurred when try to find sandbox: not found: sandbox "${id}"`);
        return sandbox;
      },
      async isReady(record: SandboxRecord) {
        return record.state === 'ready';
      },
    },
    runtimes: { resolve: async () => ({ runtime: '', runtimePath: '' }) },
    events: { containerEvent: (type: string, id: string, sandboxId: string) => calls.events.push(`${type} ${id.slice(0, 4)} ${sandboxId}`) },
    host: { hostname: () => 'node', device: async () => ({ path: '/dev/x', type: 'c', major: 1, minor: 1 }), allDevices: async () => [] },
  };
  return { deps, tasks, layers, calls, failStart, sandbox, end };
}

const config = (name: string, labels: Record<string, string> = {}) =>
  ContainerConfig.fromPartial({ metadata: { name, attempt: 0 }, image: { image: 'busybox' }, command: ['sleep', '100'], logPath: `${name}/0.log`, labels });

describe('CRI containers', () => {
  let dir: string;
  let f: ReturnType<typeof fakes>;
  let ctrs: ReturnType<typeof criContainers>;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ce-cri-ctrs-'));
    await mkdir(join(dir, 'sandboxes', 'pod1'), { recursive: true });
    f = fakes(dir);
    ctrs = criContainers({ ...f.deps, store: await ContainerStore.open(join(dir, 'records')), namespace: 'k8s.io', containersDir: join(dir, 'containers') });
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const create = async (name: string, labels: Record<string, string> = {}) => (await ctrs.create({ podSandboxId: 'pod1', config: config(name, labels), sandboxConfig: undefined })).containerId;
  const state = async (id: string) => (await ctrs.status(id, false)).status!;

  it('creates a container: CREATED, no task yet, its layer, spec and record; the name reserved in containerd\'s words', async () => {
    const id = await create('app');
    expect(await state(id)).toMatchObject({ state: ContainerState.CONTAINER_CREATED, startedAt: 0n, image: { image: 'docker.io/library/busybox:latest' }, imageRef: expect.stringContaining('@sha256:'), logPath: join(dir, 'logs', 'app/0.log') });
    expect(f.tasks.size).toBe(0);
    expect([...f.layers]).toEqual([`k8s.io/container-${id}`]);
    expect(JSON.parse(await readFile(join(dir, 'containers', id, 'config.json'), 'utf8'))).toMatchObject({ process: { args: ['sleep', '100'] } });
    expect(existsSync(join(dir, 'records', `${id}.json`))).toBe(true);
    await expect(create('app')).rejects.toMatchObject({ code: 'AlreadyExists', message: `failed to reserve container name "app_web_shop_u1_0": name "app_web_shop_u1_0" is reserved for "${id}"` });
    expect(f.calls.events).toEqual([`created ${id.slice(0, 4)} pod1`]);
  });

  it('refuses a missing image, an unknown or stopped sandbox, and undoes nothing-left-behind on a failed spec', async () => {
    await expect(ctrs.create({ podSandboxId: 'pod1', config: { ...config('x'), image: { image: 'nope', annotations: {}, userSpecifiedImage: '', runtimeHandler: '' } }, sandboxConfig: undefined })).rejects.toMatchObject({ code: 'NotFound', message: 'failed to resolve image "nope": not found' });
    await expect(ctrs.create({ podSandboxId: 'other', config: config('x'), sandboxConfig: undefined })).rejects.toMatchObject({ code: 'NotFound', message: 'failed to find sandbox id "other": not found' });
    await expect(ctrs.create({ podSandboxId: 'pod1', config: { ...config('x'), command: [], args: [] }, sandboxConfig: undefined })).resolves.toBeDefined();
    await expect(ctrs.create({ podSandboxId: 'pod1', config: { ...config('y'), linux: { securityContext: { privileged: true } } as never }, sandboxConfig: undefined })).rejects.toThrow('no privileged container allowed in sandbox');
    await expect(ctrs.create({ podSandboxId: 'pod1', config: { ...config('g'), linux: { securityContext: { runAsGroup: { value: 1002n } } } as never }, sandboxConfig: undefined })).rejects.toMatchObject({ code: 'InvalidArgument', message: expect.stringContaining('user group "1002" is specified without user') });
    const imageVolume = { containerPath: '/data', hostPath: '', readonly: true, propagation: 0, image: { image: 'sha256:' + 'a'.repeat(64) } };
    await expect(ctrs.create({ podSandboxId: 'pod1', config: { ...config('v'), mounts: [imageVolume] } as never, sandboxConfig: undefined })).rejects.toMatchObject({ code: 'Unimplemented', message: expect.stringContaining('image volumes are not supported') });
    expect((await ctrs.list({ filter: undefined })).containers.map((c) => c.metadata!.name)).toEqual(['x']);
    expect(f.layers.size).toBe(1);
    f.sandbox.state = 'notready';
    await expect(create('z')).rejects.toMatchObject({ code: 'FailedPrecondition', message: 'sandbox container "pod1" is not running' });
  });

  it('starts its task (id == container id, k8s.io, owner ce-cri, the cri log at the kubelet\'s path); once only', async () => {
    const id = await create('app');
    await ctrs.start(id);
    const task = f.tasks.get(id)!;
    expect(task.req).toMatchObject({ id, namespace: 'k8s.io', labels: { 'ce.owner': 'ce-cri' }, logPath: join(dir, 'logs', 'app/0.log'), logConfig: { type: 'cri', config: {} }, bundle: join(dir, 'containers', id) });
    expect(await state(id)).toMatchObject({ state: ContainerState.CONTAINER_RUNNING });
    expect((await state(id)).startedAt).toBeGreaterThan(0n);
    await expect(ctrs.start(id)).rejects.toMatchObject({ code: 'FailedPrecondition', message: `failed to set starting state for container "${id}": container is in CONTAINER_RUNNING state` });
  });

  it('records a failed start as EXITED 128 StartError with the message, its task gone', async () => {
    const id = await create('app');
    f.failStart.error = new CeError('Internal', 'exec: "nope": executable file not found in $PATH');
    await expect(ctrs.start(id)).rejects.toThrow(`failed to start container "${id}": exec: "nope"`);
    expect(await state(id)).toMatchObject({ state: ContainerState.CONTAINER_EXITED, exitCode: 128, reason: 'StartError', message: 'exec: "nope": executable file not found in $PATH' });
    expect(f.tasks.has(id)).toBe(false);
  });

  it('sees an exit it did not cause: Error, or OOMKilled; Completed for 0; the task deleted, stopped told once', async () => {
    const [a, b, c] = [await create('a'), await create('b'), await create('c')];
    for (const id of [a, b, c]) await ctrs.start(id);
    f.end(f.tasks.get(a)!, 2);
    f.end(f.tasks.get(b)!, 137, true);
    f.end(f.tasks.get(c)!, 0);
    // The supervisor's exit events (followed by the server) record them.
    for (const id of [a, b, c]) ctrs.exited(id);
    await vi.waitFor(async () => expect(await state(a)).toMatchObject({ state: ContainerState.CONTAINER_EXITED, exitCode: 2, reason: 'Error', finishedAt: 1_796_637_600_000_000_000n }));
    await vi.waitFor(async () => expect(await state(b)).toMatchObject({ exitCode: 137, reason: 'OOMKilled' }));
    await vi.waitFor(async () => expect(await state(c)).toMatchObject({ exitCode: 0, reason: 'Completed' }));
    ctrs.exited(a);
    await state(a);
    expect(f.tasks.size).toBe(0);
    expect(f.calls.events.filter((e) => e.startsWith('stopped'))).toHaveLength(3);
  });

  it('answers ListContainers and ContainerStatus from its records: no task is asked', async () => {
    const [a, b] = [await create('a'), await create('b')];
    await ctrs.start(a);
    const unreachable = () => Promise.reject(new CeError('Unavailable', "ced's supervisor: connect ENOENT"));
    Object.assign(f.deps.tasks, { state: unreachable, running: unreachable, wait: unreachable });
    expect((await ctrs.list({ filter: undefined })).containers.map((c) => [c.metadata!.name, c.state])).toEqual([
      ['a', ContainerState.CONTAINER_RUNNING],
      ['b', ContainerState.CONTAINER_CREATED],
    ]);
    expect(await state(a)).toMatchObject({ state: ContainerState.CONTAINER_RUNNING });
    expect((await ctrs.status(b, true)).info['info']).toContain('"pid":0');
  });

  it('at a restart, records what happened meanwhile: a task that exited (its code), one that is gone (255 Unknown); one still running stays so', async () => {
    const [exits, gone, runs] = [await create('exits'), await create('gone'), await create('runs')];
    for (const id of [exits, gone, runs]) await ctrs.start(id);
    // ce-cri (or ced) is down: no event is seen.
    f.end(f.tasks.get(exits)!, 3);
    f.tasks.delete(gone);
    const restarted = criContainers({ ...f.deps, store: await ContainerStore.open(join(dir, 'records')), namespace: 'k8s.io', containersDir: join(dir, 'containers') });
    expect((await restarted.status(exits, false)).status).toMatchObject({ state: ContainerState.CONTAINER_RUNNING });
    await restarted.reconcile();
    expect((await restarted.status(exits, false)).status).toMatchObject({ state: ContainerState.CONTAINER_EXITED, exitCode: 3, reason: 'Error' });
    expect((await restarted.status(gone, false)).status).toMatchObject({ state: ContainerState.CONTAINER_EXITED, exitCode: 255, reason: 'Unknown' });
    expect((await restarted.status(runs, false)).status).toMatchObject({ state: ContainerState.CONTAINER_RUNNING });
    expect([...f.tasks.keys()]).toEqual([runs]);
  });

  it('an exit that arrives while a ContainerStatus is answered: that answer is the state before it, whole; the next one the exit', async () => {
    const id = await create('app');
    await ctrs.start(id);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const names = f.deps.images.names;
    f.deps.images.names = async (imageId: string) => {
      await held;
      return names(imageId);
    };
    const answering = ctrs.status(id, false);
    f.end(f.tasks.get(id)!, 1);
    ctrs.exited(id);
    await vi.waitFor(() => expect(f.tasks.has(id)).toBe(false));
    release();
    expect((await answering).status).toMatchObject({ state: ContainerState.CONTAINER_RUNNING, exitCode: 0, finishedAt: 0n, reason: '' });
    expect(await state(id)).toMatchObject({ state: ContainerState.CONTAINER_EXITED, exitCode: 1, reason: 'Error', finishedAt: 1_796_637_600_000_000_000n });
    expect(f.calls.events.filter((e) => e.startsWith('stopped'))).toHaveLength(1);
  });

  it("stops with the image's stop signal, then SIGKILL after the timeout (at once for 0); again, or a created one, is nothing to do", async () => {
    const [quits, stubborn, killed, created] = [await create('q'), await create('s'), await create('k'), await create('c')];
    for (const id of [quits, stubborn, killed]) await ctrs.start(id);
    await ctrs.stop(quits, 10);
    expect(f.calls.kills).toEqual([[quits, 3]]);
    expect(await state(quits)).toMatchObject({ exitCode: 131, reason: 'Error' });
    f.tasks.get(stubborn)!.ignores.add(3);
    const began = Date.now();
    await ctrs.stop(stubborn, 1);
    expect(Date.now() - began).toBeGreaterThanOrEqual(900);
    expect(f.calls.kills.slice(1)).toEqual([[stubborn, 3], [stubborn, 9]]);
    await ctrs.stop(killed, 0);
    expect(f.calls.kills.at(-1)).toEqual([killed, 9]);
    await ctrs.stop(killed, 0);
    await ctrs.stop(created, 5);
    expect(await state(created)).toMatchObject({ state: ContainerState.CONTAINER_CREATED });
    await ctrs.stop('f00d'.repeat(16), 0); // critest: stopping an unknown container is no error
    expect(f.calls.kills).toHaveLength(4);
  });

  it('removes a running container (killed, task, layer, bundle and record gone, name free); unknown ids are no error', async () => {
    const id = await create('app');
    await ctrs.start(id);
    await ctrs.remove(id);
    await ctrs.remove(id);
    await ctrs.remove('f00d');
    expect(f.tasks.size).toBe(0);
    expect(f.layers.size).toBe(0);
    expect(existsSync(join(dir, 'containers', id))).toBe(false);
    await expect(ctrs.status(id, false)).rejects.toMatchObject({ code: 'NotFound', message: `an error occurred when try to find container "${id}": not found` });
    expect(f.calls.events.map((e) => e.split(' ')[0])).toEqual(['created', 'started', 'stopped', 'deleted']);
    await create('app');
  });

  it('lists with id prefix, state, sandbox id and label filters; stats of running containers', async () => {
    const [a, b] = [await create('a', { tier: 'front' }), await create('b', { tier: 'back' })];
    await ctrs.start(a);
    const ids = async (filter: object) => (await ctrs.list({ filter: { id: '', podSandboxId: '', labelSelector: {}, ...filter } })).containers.map((c) => c.id).sort();
    expect(await ids({})).toEqual([a, b].sort());
    expect(await ids({ id: a.slice(0, 8) })).toEqual([a]);
    expect(await ids({ state: { state: ContainerState.CONTAINER_CREATED } })).toEqual([b]);
    expect(await ids({ podSandboxId: 'pod' })).toEqual([a, b].sort());
    expect(await ids({ podSandboxId: 'other' })).toEqual([]);
    expect(await ids({ labelSelector: { tier: 'back' } })).toEqual([b]);
    const stats = await ctrs.listStats(undefined);
    expect(stats.map((s) => s.attributes!.id)).toEqual([a]);
    expect(stats[0]).toMatchObject({ cpu: { usageCoreNanoSeconds: { value: 7000n } }, memory: { usageBytes: { value: 9000n } }, writableLayer: { usedBytes: { value: 4096n }, inodesUsed: { value: 3n } } });
    await expect(ctrs.stats(b)).rejects.toMatchObject({ code: 'FailedPrecondition' });
  });

  it('updates resources: the spec always, the task while it runs; reopens the log of a running container only', async () => {
    const id = await create('app');
    const resources = { cpuShares: 256n, cpuQuota: 0n, cpuPeriod: 0n, memoryLimitInBytes: 1n << 27n, oomScoreAdj: 0n, cpusetCpus: '', cpusetMems: '', hugepageLimits: [], unified: {}, memorySwapLimitInBytes: 0n };
    await ctrs.update({ containerId: id, linux: resources, windows: undefined, annotations: {} });
    expect(f.calls.updates).toEqual([]);
    await expect(ctrs.reopenLog(id)).rejects.toMatchObject({ code: 'FailedPrecondition', message: 'container is not running' });
    await ctrs.start(id);
    await ctrs.update({ containerId: id, linux: { ...resources, cpuShares: 512n }, windows: undefined, annotations: {} });
    expect(f.calls.updates).toEqual([[id, { memory: 1 << 27, cpuShares: 512 }]]);
    const spec = JSON.parse(await readFile(join(dir, 'containers', id, 'config.json'), 'utf8'));
    expect(spec.linux.resources).toMatchObject({ cpu: { shares: 512 }, memory: { limit: 1 << 27 } });
    expect((await state(id)).resources!.linux!.cpuShares).toBe(512n);
    await ctrs.reopenLog(id);
    expect(f.calls.reopened).toEqual([id]);
    // An exited container's spec is still updated (containerd answers it too); its task is gone.
    await ctrs.stop(id, 0);
    await ctrs.update({ containerId: id, linux: { ...resources, cpuShares: 128n }, windows: undefined, annotations: {} });
    expect(f.calls.updates).toHaveLength(1);
    expect((await state(id)).resources!.linux!.cpuShares).toBe(128n);
  });

  it("stops and removes a sandbox's containers for StopPodSandbox and RemovePodSandbox; sweeps layers and bundles no record names", async () => {
    const [a, b] = [await create('a'), await create('b')];
    await ctrs.start(a);
    await ctrs.stopInSandbox('pod1');
    expect(await state(a)).toMatchObject({ state: ContainerState.CONTAINER_EXITED, exitCode: 137 });
    await ctrs.removeInSandbox('pod1');
    expect((await ctrs.list({ filter: undefined })).containers).toEqual([]);
    expect(b).toBeDefined();
    f.layers.add('k8s.io/container-' + 'c'.repeat(64));
    f.layers.add('k8s.io/sandbox-' + 'd'.repeat(64));
    await mkdir(join(dir, 'containers', 'e'.repeat(64)), { recursive: true });
    expect(await ctrs.removeLeftovers()).toBe(2);
    expect([...f.layers]).toEqual(['k8s.io/sandbox-' + 'd'.repeat(64)]);
    expect(isCeError(await ctrs.status('e'.repeat(64), false).catch((e: unknown) => e), 'NotFound')).toBe(true);
  });
});
