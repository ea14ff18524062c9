import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CeError, notFound } from '@ce/protocol';
import { TaskStatus } from '@ce/protocol/gen/ce/types/v1/task';
import { CgroupStats } from '@ce/protocol/gen/ce/types/v1/resources';
import type { CreateTaskRequest, StateResponse } from '@ce/protocol/gen/ce/shim/v1/shim';
import { ContainerEventType, NamespaceMode, PodSandboxConfig, PodSandboxState, Protocol, type ContainerEventResponse } from '../../src/gen/runtime/v1/api.js';
import { containerEventSink, type ContainerEventSink } from '../../src/events/container-event-sink.js';
import { ContainerEventHub } from '../../src/events/event-hub.js';
import { podSandboxes } from '../../src/sandbox/pod-sandboxes.js';
import type { PodNetwork } from '../../src/sandbox/sandbox-deps.js';
import { SandboxStore } from '../../src/sandbox/sandbox-store.js';

function fakes() {
  const tasks = new Map<string, { req: CreateTaskRequest; status: TaskStatus; pid: number }>();
  const netns = new Set<string>();
  const shm = new Set<string>();
  const rootfs = new Set<string>();
  const attachments = new Map<string, unknown>();
  const cni = { fail: undefined as CeError | undefined };
  let pid = 100;
  const network: PodNetwork = {
    name: 'podnet',
    async add(id, ns, ifName, opts) {
      if (!netns.has(ns)) throw new Error(`no netns ${ns}`);
      // A chain whose later plugin fails has done part of its work (an earlier plugin's veth, portmap's chains): only DEL undoes it.
      attachments.set(id, opts);
      if (cni.fail) throw cni.fail;
      return { cniVersion: '1.0.0', interfaces: [], ips: [{ address: '10.99.0.7/24' }], routes: [], dns: {} };
    },
    async del(id) {
      attachments.delete(id);
    },
  };
  const deps = {
    tasks: {
      async create(req: CreateTaskRequest) {
        tasks.set(req.id, { req, status: TaskStatus.TASK_STATUS_CREATED, pid: ++pid });
        return { pid };
      },
      async start(id: string) {
        const t = tasks.get(id)!;
        t.status = TaskStatus.TASK_STATUS_RUNNING;
        return { pid: t.pid };
      },
      async kill(id: string) {
        tasks.get(id)!.status = TaskStatus.TASK_STATUS_STOPPED;
      },
      async wait() {},
      async delete(id: string) {
        if (!tasks.delete(id)) throw notFound(`task ${id} not found`);
      },
      async state(id: string) {
        const t = tasks.get(id);
        if (!t) throw notFound(`task ${id} not found`);
        return { id, status: t.status, pid: t.pid } as StateResponse;
      },
      async list(namespace: string, owner: string) {
        return [...tasks.values()].filter((t) => t.req.namespace === namespace && t.req.labels['ce.owner'] === owner).map((t) => t.req.id);
      },
      async running(namespace: string, owner: string) {
        return new Set([...tasks.values()].filter((t) => t.req.namespace === namespace && t.req.labels['ce.owner'] === owner && t.status === TaskStatus.TASK_STATUS_RUNNING).map((t) => t.req.id));
      },
      async stats(id: string) {
        if (!tasks.has(id)) throw notFound(`task ${id} not found`);
        return CgroupStats.fromPartial({ cpuTotal: 5_000_000, memoryUsage: 3_000_000, memoryLimit: 2 ** 63, memoryStat: { inactive_file: 1_000_000, anon: 500_000 }, pidsCurrent: 1, cgroupV2: true });
      },
    },
    rootfs: {
      async ensureImage() {
        return 'localhost/ce-pause:1.0';
      },
      async prepare(key: string) {
        rootfs.add(key);
        return [{ type: 'bind', source: `/snap/${key}`, target: '', options: ['rbind'] }];
      },
      async remove(key: string) {
        rootfs.delete(key);
      },
      async keys() {
        return [...rootfs];
      },
    },
    shm: {
      async mount(path: string) {
        shm.add(path);
      },
      async unmount(path: string) {
        shm.delete(path);
      },
    },
    netns: {
      async create(path: string) {
        netns.add(path);
      },
      async remove(path: string) {
        netns.delete(path);
      },
    },
    network: async (name?: string) => (name === undefined || name === network.name ? network : null),
    cniAttachments: async () => [...attachments.keys()].map((containerId) => ({ containerId, networkName: network.name })),
    runtimes: {
      async resolve(handler: string) {
        if (handler && handler !== 'ce' && handler !== 'runc') throw notFound(`no runtime for "${handler}" is configured`);
        return { runtime: handler, runtimePath: handler === 'runc' ? '/usr/bin/runc' : '' };
      },
    },
  };
  return { deps, tasks, netns, shm, rootfs, attachments, cni };
}

const podConfig = (name = 'web', attempt = 0, labels: Record<string, string> = { app: 'web' }) =>
  PodSandboxConfig.fromPartial({
    metadata: { name, namespace: 'default', uid: `uid-${name}`, attempt },
    hostname: name,
    labels,
    dnsConfig: { servers: ['10.96.0.10'], searches: ['default.svc.cluster.local'], options: ['ndots:5'] },
    portMappings: [{ protocol: Protocol.TCP, containerPort: 80, hostPort: 8080, hostIp: '' }],
    linux: { sysctls: { 'net.ipv4.ip_unprivileged_port_start': '0' }, securityContext: { namespaceOptions: { network: NamespaceMode.POD, pid: NamespaceMode.CONTAINER, ipc: NamespaceMode.POD } } },
  });

describe('pod sandboxes', () => {
  let dir: string;
  let f: ReturnType<typeof fakes>;
  let store: SandboxStore;
  let pods: ReturnType<typeof podSandboxes>;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ce-cri-pods-'));
    f = fakes();
    store = await SandboxStore.open(join(dir, 'root'));
    pods = podSandboxes({ ...f.deps, store, namespace: 'k8s.io', sandboxesDir: join(dir, 'sandboxes'), netnsDir: join(dir, 'netns') });
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('runs a pause task in k8s.io with its netns attached to the CNI network, and keeps the record across a reopen', async () => {
    const { podSandboxId: id } = await pods.run({ config: podConfig(), runtimeHandler: '' });
    const task = f.tasks.get(id)!;
    expect(task.req.namespace).toBe('k8s.io');
    expect(task.status).toBe(TaskStatus.TASK_STATUS_RUNNING);
    const spec = JSON.parse(await readFile(join(task.req.bundle, 'config.json'), 'utf8'));
    expect(spec.process.args).toEqual(['/pause']);
    expect(spec.hostname).toBe('web');
    expect(spec.linux.namespaces).toContainEqual({ type: 'network', path: join(dir, 'netns', id) });
    expect(spec.linux.namespaces.map((n: { type: string }) => n.type)).toEqual(expect.arrayContaining(['pid', 'ipc', 'uts', 'mount']));
    expect(spec.linux.sysctl).toEqual({ 'net.ipv4.ip_unprivileged_port_start': '0' });
    expect(spec.linux.cgroupsPath).toBe(`/ce/k8s.io/${id}`);
    expect(f.netns.has(join(dir, 'netns', id))).toBe(true);
    expect(f.attachments.get(id)).toMatchObject({ capabilities: { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }] }, args: { K8S_POD_NAME: 'web' } });
    expect(await readFile(join(dir, 'sandboxes', id, 'resolv.conf'), 'utf8')).toBe('search default.svc.cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n');

    const { status, info } = await pods.status({ podSandboxId: id, verbose: true });
    expect(status).toMatchObject({ id, state: PodSandboxState.SANDBOX_READY, network: { ip: '10.99.0.7' }, labels: { app: 'web' }, metadata: { name: 'web', attempt: 0 } });
    expect(JSON.parse(info['info']!)).toMatchObject({ pid: task.pid, runtimeHandler: '', netNamespacePath: join(dir, 'netns', id) });

    const reopened = await SandboxStore.open(join(dir, 'root'));
    expect(reopened.get(id)).toMatchObject({ pid: task.pid, netnsPath: join(dir, 'netns', id), ips: ['10.99.0.7'], state: 'ready' });
  });

  it("answers PodSandboxStatus and ListPodSandbox from memory (no task asked); NOTREADY once the pause's exit is heard", async () => {
    const { podSandboxId: id } = await pods.run({ config: podConfig(), runtimeHandler: '' });
    const { podSandboxId: other } = await pods.run({ config: podConfig('other'), runtimeHandler: '' });
    const unreachable = () => Promise.reject(new CeError('Unavailable', "ced's supervisor: connect ENOENT"));
    Object.assign(f.deps.tasks, { state: unreachable, running: unreachable });
    const states = async () => (await pods.list({ filter: undefined })).items.map((i) => [i.id, i.state]);
    expect(await states()).toEqual([
      [id, PodSandboxState.SANDBOX_READY],
      [other, PodSandboxState.SANDBOX_READY],
    ]);
    pods.pauseExited(id);
    expect((await pods.status({ podSandboxId: id, verbose: false })).status).toMatchObject({ state: PodSandboxState.SANDBOX_NOTREADY, network: { ip: '' } });
    expect(await states()).toEqual([
      [id, PodSandboxState.SANDBOX_NOTREADY],
      [other, PodSandboxState.SANDBOX_READY],
    ]);
    expect(await pods.isReady(store.get(other))).toBe(true);
  });

  it('at a restart, takes the supervisor\'s word once: a pause that died or is gone meanwhile is NOTREADY, a live one READY', async () => {
    const [died, gone, alive] = [await pods.run({ config: podConfig('died'), runtimeHandler: '' }), await pods.run({ config: podConfig('gone'), runtimeHandler: '' }), await pods.run({ config: podConfig('alive'), runtimeHandler: '' })].map((r) => r.podSandboxId);
    f.tasks.get(died!)!.status = TaskStatus.TASK_STATUS_STOPPED;
    f.tasks.delete(gone!);
    const restarted = podSandboxes({ ...f.deps, store: await SandboxStore.open(join(dir, 'root')), namespace: 'k8s.io', sandboxesDir: join(dir, 'sandboxes'), netnsDir: join(dir, 'netns') });
    await restarted.checkPauses();
    const states = Object.fromEntries((await restarted.list({ filter: undefined })).items.map((i) => [i.id, i.state]));
    expect(states).toEqual({ [died!]: PodSandboxState.SANDBOX_NOTREADY, [gone!]: PodSandboxState.SANDBOX_NOTREADY, [alive!]: PodSandboxState.SANDBOX_READY });
  });

  it('refuses a second sandbox of the same name and attempt as containerd, creating nothing', async () => {
    const { podSandboxId: first } = await pods.run({ config: podConfig(), runtimeHandler: '' });
    await expect(pods.run({ config: podConfig(), runtimeHandler: '' })).rejects.toMatchObject({ code: 'AlreadyExists', message: expect.stringContaining(`is reserved for "${first}"`) });
    expect(f.tasks.size).toBe(1);
    expect(f.netns.size).toBe(1);
    await pods.run({ config: podConfig('web', 1), runtimeHandler: '' });
    expect(f.tasks.size).toBe(2);
  });

  it('removes everything again when the CNI plugin fails, and frees the name', async () => {
    f.cni.fail = new CeError('Unknown', 'plugin type="bridge" failed (add): boom');
    await expect(pods.run({ config: podConfig(), runtimeHandler: '' })).rejects.toMatchObject({ message: expect.stringMatching(/^failed to setup network for sandbox ".*": plugin type="bridge" failed \(add\): boom/) });
    expect([f.tasks.size, f.netns.size, f.rootfs.size, store.list().length]).toEqual([0, 0, 0, 0]);
    expect(f.attachments.size).toBe(0); // DEL after the failed ADD, as containerd tears down a failed setup
    expect(existsSync(join(dir, 'sandboxes'))).toBe(true);
    f.cni.fail = undefined;
    await pods.run({ config: podConfig(), runtimeHandler: '' });
  });

  it('refuses an unknown runtime handler and a config without metadata', async () => {
    await expect(pods.run({ config: podConfig(), runtimeHandler: 'kata' })).rejects.toMatchObject({ code: 'NotFound' });
    await expect(pods.run({ config: PodSandboxConfig.fromPartial({}), runtimeHandler: '' })).rejects.toMatchObject({ code: 'InvalidArgument', message: 'sandbox config must include metadata' });
    expect(store.list()).toEqual([]);
  });

  it('stops idempotently (network torn down), removes idempotently; an unknown id is NotFound for status, nothing to do for stop (critest)', async () => {
    const { podSandboxId: id } = await pods.run({ config: podConfig(), runtimeHandler: 'runc' });
    expect(f.tasks.get(id)!.req).toMatchObject({ runtime: 'runc', runtimePath: '/usr/bin/runc' });
    await pods.stop(id);
    await pods.stop(id);
    expect([f.tasks.size, f.netns.size, f.attachments.size]).toEqual([0, 0, 0]);
    expect((await pods.status({ podSandboxId: id, verbose: false })).status).toMatchObject({ state: PodSandboxState.SANDBOX_NOTREADY, network: { ip: '' } });
    await pods.remove(id);
    await pods.remove(id);
    expect([f.rootfs.size, store.list().length]).toEqual([0, 0]);
    await expect(pods.status({ podSandboxId: id, verbose: false })).rejects.toMatchObject({ code: 'NotFound' });
    await pods.stop(id);
    await pods.stop('f00d'.repeat(16));
    expect(f.tasks.size).toBe(0);
  });

  it("runs a host-network sandbox without netns or CNI, and refuses a pod network when no CNI network is configured", async () => {
    const host = PodSandboxConfig.fromPartial({ ...podConfig('h'), linux: { securityContext: { namespaceOptions: { network: NamespaceMode.NODE } } } });
    const { podSandboxId: id } = await pods.run({ config: host, runtimeHandler: '' });
    expect([f.netns.size, f.attachments.size]).toEqual([0, 0]);
    expect(store.get(id)).toMatchObject({ netnsPath: '', ips: [] });
    await pods.remove(id);

    const noCni = podSandboxes({ ...f.deps, network: async () => null, store, namespace: 'k8s.io', sandboxesDir: join(dir, 'sandboxes'), netnsDir: join(dir, 'netns') });
    await expect(noCni.run({ config: podConfig(), runtimeHandler: '' })).rejects.toMatchObject({ code: 'FailedPrecondition', message: expect.stringContaining('cni plugin not initialized') });
    expect([f.tasks.size, store.list().length]).toEqual([0, 0]);
  });

  it("gives a ready sandbox's stats from the pause's cgroup, lists only ready ones, and refuses a stopped one", async () => {
    const { podSandboxId: a } = await pods.run({ config: podConfig('a', 0, { app: 'a' }), runtimeHandler: '' });
    const { podSandboxId: b } = await pods.run({ config: podConfig('b', 0, { app: 'b' }), runtimeHandler: '' });
    const stats = await pods.stats(a);
    expect(stats.attributes).toMatchObject({ id: a, metadata: { name: 'a' }, labels: { app: 'a' } });
    expect(stats.linux).toMatchObject({
      cpu: { usageCoreNanoSeconds: { value: 5_000_000n } },
      memory: { usageBytes: { value: 3_000_000n }, workingSetBytes: { value: 2_000_000n }, rssBytes: { value: 500_000n }, availableBytes: undefined },
      process: { processCount: { value: 1n } },
    });
    await pods.stop(b);
    expect((await pods.listStats({ filter: undefined })).map((s) => s.attributes!.id)).toEqual([a]);
    expect(await pods.listStats({ filter: { id: '', labelSelector: { app: 'b' } } })).toEqual([]);
    await expect(pods.stats(b)).rejects.toMatchObject({ code: 'FailedPrecondition', message: expect.stringContaining('not ready') });
    await expect(pods.stats('nosuch')).rejects.toMatchObject({ code: 'NotFound' });
  });

  it('detaches a sandbox from the network it joined, not the first one of now, and says so when that one is gone', async () => {
    const { podSandboxId: id } = await pods.run({ config: podConfig(), runtimeHandler: '' });
    const other: PodNetwork = { name: 'other', add: async () => Promise.reject(new Error('not this one')), del: async () => Promise.reject(new Error('not this one')) };
    const moved = podSandboxes({ ...f.deps, network: async (name?: string) => (name === 'podnet' ? await f.deps.network('podnet') : other), store, namespace: 'k8s.io', sandboxesDir: join(dir, 'sandboxes'), netnsDir: join(dir, 'netns') });
    await moved.stop(id);
    expect(f.attachments.size).toBe(0);

    const { podSandboxId: second } = await pods.run({ config: podConfig('second'), runtimeHandler: '' });
    const gone = podSandboxes({ ...f.deps, network: async (name?: string) => (name === undefined ? other : null), store, namespace: 'k8s.io', sandboxesDir: join(dir, 'sandboxes'), netnsDir: join(dir, 'netns') });
    await expect(gone.stop(second)).rejects.toMatchObject({ code: 'FailedPrecondition', message: expect.stringContaining('CNI network "podnet" is no longer configured') });
  });

  it('sweeps at start what a run cut short left without a record (task, netns, layer, folder), and leaves recorded sandboxes alone', async () => {
    const { podSandboxId: kept } = await pods.run({ config: podConfig('kept'), runtimeHandler: '' });
    const { podSandboxId: cut } = await pods.run({ config: podConfig('cut'), runtimeHandler: '' });
    // A crash before the record was saved: the record file never existed.
    await rm(join(dir, 'root', `${cut}.json`));
    const reopened = podSandboxes({ ...f.deps, store: await SandboxStore.open(join(dir, 'root')), namespace: 'k8s.io', sandboxesDir: join(dir, 'sandboxes'), netnsDir: join(dir, 'netns') });
    await mkdir(join(dir, 'netns'), { recursive: true });
    await writeFile(join(dir, 'netns', cut), '');
    f.netns.add(join(dir, 'netns', cut));
    expect(await reopened.removeLeftovers()).toBe(5);
    expect([...f.attachments.keys()]).toEqual([kept]);
    expect([...f.tasks.keys()]).toEqual([kept]);
    expect([...f.rootfs]).toEqual([`k8s.io/sandbox-${kept}`]);
    expect([...f.netns]).toEqual([join(dir, 'netns', kept)]);
    expect(existsSync(join(dir, 'sandboxes', cut))).toBe(false);
    await reopened.checkPauses();
    expect((await reopened.status({ podSandboxId: kept, verbose: false })).status!.state).toBe(PodSandboxState.SANDBOX_READY);
  });

  it("mounts the pod's /dev/shm (not with the host's ipc) and unmounts it at stop; stops its containers first, removes them first, and leaves their tasks to them", async () => {
    const calls: string[] = [];
    const containerTasks = new Set(['c'.repeat(64)]);
    const withContainers = podSandboxes({
      ...f.deps,
      store,
      namespace: 'k8s.io',
      sandboxesDir: join(dir, 'sandboxes'),
      netnsDir: join(dir, 'netns'),
      containers: {
        async stopInSandbox(id) {
          calls.push(`stop ${id} with its pause ${f.tasks.get(id)?.status === TaskStatus.TASK_STATUS_RUNNING ? 'running' : 'gone'}`);
        },
        async removeInSandbox(id) {
          calls.push(`remove ${id}`);
        },
        ids: () => [...containerTasks],
        statsIn: async () => [],
      },
    });
    const { podSandboxId: id } = await withContainers.run({ config: podConfig(), runtimeHandler: '' });
    expect([...f.shm]).toEqual([join(dir, 'sandboxes', id, 'shm')]);
    await withContainers.stop(id);
    expect(f.shm.size).toBe(0);
    await withContainers.remove(id);
    expect(calls).toEqual([`stop ${id} with its pause running`, `remove ${id}`, `stop ${id} with its pause gone`]);
    const hostIpc = podConfig('hostipc');
    hostIpc.linux!.securityContext!.namespaceOptions!.ipc = NamespaceMode.NODE;
    await withContainers.run({ config: hostIpc, runtimeHandler: '' });
    expect(f.shm.size).toBe(0);
    // A container's task (same namespace and owner as a pause) is no leftover.
    await f.deps.tasks.create({ id: 'c'.repeat(64), bundle: '', rootfs: [], terminal: false, stdin: false, logPath: '', logConfig: undefined, namespace: 'k8s.io', labels: { 'ce.owner': 'ce-cri' }, runtime: '', runtimePath: '' });
    await withContainers.removeLeftovers();
    expect(f.tasks.has('c'.repeat(64))).toBe(true);
  });

  it('lists with the id prefix, state and label selector filters', async () => {
    const { podSandboxId: a } = await pods.run({ config: podConfig('a', 0, { app: 'a', tier: 'x' }), runtimeHandler: '' });
    const { podSandboxId: b } = await pods.run({ config: podConfig('b', 0, { app: 'b', tier: 'x' }), runtimeHandler: '' });
    await pods.stop(b);
    const ids = async (filter?: Parameters<typeof pods.list>[0]['filter']) => (await pods.list({ filter })).items.map((i) => i.id).sort();
    expect(await ids()).toEqual([a, b].sort());
    expect(await ids({ id: a.slice(0, 8), labelSelector: {} })).toEqual([a]);
    expect(await ids({ id: '', state: { state: PodSandboxState.SANDBOX_NOTREADY }, labelSelector: {} })).toEqual([b]);
    expect(await ids({ id: '', labelSelector: { tier: 'x', app: 'a' } })).toEqual([a]);
    expect(await ids({ id: '', labelSelector: { tier: 'y' } })).toEqual([]);
  });
});

describe("pod sandboxes' container events", () => {
  let dir: string;
  let f: ReturnType<typeof fakes>;
  let store: SandboxStore;
  let pods: ReturnType<typeof podSandboxes>;
  let hub: ContainerEventHub;
  let received: ContainerEventResponse[];
  let subscription: AbortController;
  /** The record's state when each event's status was read. */
  let statesRead: Array<string | undefined>;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ce-cri-pod-events-'));
    statesRead = [];
    f = fakes();
    store = await SandboxStore.open(join(dir, 'root'));
    hub = new ContainerEventHub({ warn() {} });
    let sink: ContainerEventSink | undefined;
    pods = podSandboxes({ ...f.deps, store, namespace: 'k8s.io', sandboxesDir: join(dir, 'sandboxes'), netnsDir: join(dir, 'netns'), events: () => sink });
    sink = containerEventSink({
      hub,
      sandboxStatus: (id) => {
        statesRead.push(store.find(id)?.state);
        return store.has(id) ? pods.status({ podSandboxId: id, verbose: false }).then((r) => r.status) : Promise.resolve(undefined);
      },
      containerStatuses: async () => [],
    });
    received = [];
    subscription = new AbortController();
    void (async () => {
      for await (const e of hub.subscribe(subscription.signal)) received.push(e);
    })();
  });
  afterEach(async () => {
    subscription.abort();
    await rm(dir, { recursive: true, force: true });
  });

  const seen = () => received.map((e) => [ContainerEventType[e.containerEventType], e.containerId, e.podSandboxStatus && PodSandboxState[e.podSandboxStatus.state]]);

  it('sends CREATED and STARTED (READY) at run, STOPPED (NOTREADY) at stop, DELETED at remove, each with the pod as the container', async () => {
    const { podSandboxId: id } = await pods.run({ config: podConfig(), runtimeHandler: '' });
    await vi.waitFor(() => expect(received).toHaveLength(2));
    await pods.stop(id);
    await pods.stop(id); // stopping again says nothing
    await pods.remove(id);
    await vi.waitFor(() => expect(received).toHaveLength(4));
    expect(seen()).toEqual([
      ['CONTAINER_CREATED_EVENT', id, 'SANDBOX_READY'],
      ['CONTAINER_STARTED_EVENT', id, 'SANDBOX_READY'],
      ['CONTAINER_STOPPED_EVENT', id, 'SANDBOX_NOTREADY'],
      ['CONTAINER_DELETED_EVENT', id, 'SANDBOX_NOTREADY'],
    ]);
    expect(received[0]!.podSandboxStatus).toMatchObject({ id, metadata: { name: 'web' }, network: { ip: '10.99.0.7' }, labels: { app: 'web' } });
    expect(received.every((e, i) => i === 0 || e.createdAt >= received[i - 1]!.createdAt)).toBe(true);
  });

  it('sends STOPPED once when the pause exits on its own, and not again at the Stop that follows', async () => {
    const { podSandboxId: id } = await pods.run({ config: podConfig(), runtimeHandler: '' });
    expect(pods.isPause(id)).toBe(true);
    expect(pods.isPause('another-task')).toBe(false);
    f.tasks.get(id)!.status = TaskStatus.TASK_STATUS_STOPPED;
    pods.pauseExited(id);
    await vi.waitFor(() => expect(received).toHaveLength(3));
    await pods.stop(id);
    await pods.remove(id);
    await vi.waitFor(() => expect(received).toHaveLength(4));
    expect(seen().map(([type]) => type)).toEqual(['CONTAINER_CREATED_EVENT', 'CONTAINER_STARTED_EVENT', 'CONTAINER_STOPPED_EVENT', 'CONTAINER_DELETED_EVENT']);
    expect(seen()[2]).toEqual(['CONTAINER_STOPPED_EVENT', id, 'SANDBOX_NOTREADY']);
  });

  it("leaves the exit its own Stop causes to that Stop's event", async () => {
    const { podSandboxId: id } = await pods.run({ config: podConfig(), runtimeHandler: '' });
    const kill = f.deps.tasks.kill;
    // The supervisor's exit event arrives while Stop is still tearing the sandbox down.
    f.deps.tasks.kill = async (taskId: string) => {
      await kill(taskId);
      pods.pauseExited(taskId);
    };
    await pods.stop(id);
    await vi.waitFor(() => expect(received).toHaveLength(3));
    expect(seen()[2]).toEqual(['CONTAINER_STOPPED_EVENT', id, 'SANDBOX_NOTREADY']);
    // Read once the network was torn down and the record saved, not at the kill.
    expect(statesRead).toEqual(['ready', 'ready', 'notready']);
  });

  it('reports a pause that exits while its RunPodSandbox is still going right after its STARTED', async () => {
    const start = f.deps.tasks.start;
    f.deps.tasks.start = async (taskId: string) => {
      const started = await start(taskId);
      f.tasks.get(taskId)!.status = TaskStatus.TASK_STATUS_STOPPED;
      pods.pauseExited(taskId);
      return started;
    };
    const { podSandboxId: id } = await pods.run({ config: podConfig(), runtimeHandler: '' });
    await vi.waitFor(() => expect(received).toHaveLength(3));
    expect(seen().map(([type, container]) => [type, container])).toEqual([
      ['CONTAINER_CREATED_EVENT', id],
      ['CONTAINER_STARTED_EVENT', id],
      ['CONTAINER_STOPPED_EVENT', id],
    ]);
  });

  it('reports STOPPED for a pause that exited while nobody followed, once the pauses are checked', async () => {
    const { podSandboxId: gone } = await pods.run({ config: podConfig('gone'), runtimeHandler: '' });
    const { podSandboxId: alive } = await pods.run({ config: podConfig('alive'), runtimeHandler: '' });
    // Another CRI (after a ced restart) knows them from their records only.
    const reopened = podSandboxes({ ...f.deps, store: await SandboxStore.open(join(dir, 'root')), namespace: 'k8s.io', sandboxesDir: join(dir, 'sandboxes'), netnsDir: join(dir, 'netns'), events: () => ({ containerEvent: async (type, containerId) => void later.push([type, containerId]) }) });
    const later: string[][] = [];
    await reopened.checkPauses();
    f.tasks.get(gone)!.status = TaskStatus.TASK_STATUS_STOPPED;
    await reopened.checkPauses();
    await reopened.checkPauses();
    expect(later).toEqual([['stopped', gone]]);
    reopened.pauseExited(alive);
    expect(later).toEqual([['stopped', gone], ['stopped', alive]]);
  });
});
