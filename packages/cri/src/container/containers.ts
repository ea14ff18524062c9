// runtime.v1's container RPCs, as containerd's CRI plugin answers them: a
// container is a task of ced's supervisor in k8s.io whose id is the CRI
// container id, over a writable layer of its image, with a record under ced's
// root. Created at CreateContainer (layer, spec, record); its task is created
// and started at StartContainer, as containerd does.
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname as osHostname } from 'node:os';
import { dirname, join } from 'node:path';
import { CeError, failedPrecondition, invalidArgument, isCeError, Laps, NAMESPACE_LABEL, OWNER_LABEL, type Logger } from '@ce/protocol';
import { TaskStatus, type ExitStatus } from '@ce/protocol/gen/ce/types/v1/task';
import {
  ContainerConfig,
  NamespaceMode,
  PodSandboxConfig,
  type ContainerStats,
  type ContainerStatus,
  type ContainerStatsFilter,
  type ContainerStatusResponse,
  type CreateContainerRequest,
  type ListContainersRequest,
  type ListContainersResponse,
  type UpdateContainerResourcesRequest,
} from '../gen/runtime/v1/api.js';
import type { SandboxRuntimes } from '../sandbox/sandbox-deps.js';
import { cpuAndMemoryUsage, u64 } from '../sandbox/sandbox-stats.js';
import type { SandboxRecord } from '../sandbox/sandbox-store.js';
import type { ContainerEvents, ContainerImage, ContainerImages, ContainerSandboxes, ContainerTasks, ImageNames } from './container-deps.js';
import { containerSpec, linuxResources } from './container-spec.js';
import { containerItem, containerStatus, criState, matchesFilter, stateName } from './container-status.js';
import { containerName, type ContainerRecord, type ContainerStore } from './container-store.js';
import { readImageFile, resolveProcessUser } from './container-user.js';
import { allHostDevices, hostDevice } from './host-device.js';
import { SIGKILL, stopSignalNumber } from './stop-signal.js';

export const CONTAINER_OWNER = 'ce-cri';
/** containerd's exit code and reason for a container whose start failed, and for one whose task vanished. */
const START_ERROR = { exitCode: 128, reason: 'StartError' };
const UNKNOWN_EXIT = { exitCode: 255, reason: 'Unknown' };

export interface ContainersOptions {
  store: ContainerStore;
  tasks: ContainerTasks;
  images: ContainerImages;
  sandboxes: ContainerSandboxes;
  runtimes: SandboxRuntimes;
  namespace: string;
  /** Where bundles go (<state>/cri/containers). */
  containersDir: string;
  /** The image filesystem's mountpoint, the fs id of a writable layer's stats. */
  imageFsMountpoint?: () => Promise<string>;
  events?: ContainerEvents;
  now?: () => bigint;
  logger?: Pick<Logger, 'warn' | 'debug'>;
  /** Host lookups (tests): the host's name, a device node, every device. */
  host?: { hostname?: () => string; device?: typeof hostDevice; allDevices?: typeof allHostDevices };
}

const nsOf = (date: Date | undefined) => (date ? BigInt(date.getTime()) * 1_000_000n : 0n);

export function criContainers(options: ContainersOptions) {
  const { store, tasks, images, namespace } = options;
  const now = options.now ?? (() => BigInt(Date.now()) * 1_000_000n);
  const host = { hostname: osHostname, device: hostDevice, allDevices: allHostDevices, ...options.host };
  const bundleOf = (id: string) => join(options.containersDir, id);
  const keyPrefix = `${namespace}/container-`;

  // One change at a time per container: a status read that records an exit must not race a stop doing the same.
  const queues = new Map<string, Promise<unknown>>();
  function serialized<T>(id: string, step: () => Promise<T>): Promise<T> {
    const previous = queues.get(id) ?? Promise.resolve();
    const next = previous.then(step, step);
    const settled = next.catch(() => undefined);
    queues.set(id, settled);
    void settled.then(() => queues.get(id) === settled && queues.delete(id));
    return next;
  }

  async function taskState(id: string) {
    try {
      return await tasks.state(id);
    } catch (err) {
      if (isCeError(err, 'NotFound')) return undefined;
      throw err;
    }
  }

  async function deleteTask(id: string): Promise<void> {
    await tasks.delete(id).catch((err: unknown) => {
      if (!isCeError(err, 'NotFound')) throw err;
    });
  }

  /** The image of a record (its names for the status); `seen` shares the lookups of one listing. */
  function imageOf(record: ContainerRecord, seen = new Map<string, Promise<ImageNames | undefined>>()): Promise<ImageNames | undefined> {
    let image = seen.get(record.imageId);
    if (!image) seen.set(record.imageId, (image = images.names(record.imageId).catch(() => undefined)));
    return image;
  }

  /** Records the exit of a running container whose task has stopped (or is gone), and deletes the task. */
  function refresh(id: string): Promise<ContainerRecord> {
    return serialized(id, async () => {
      const record = store.get(id);
      if (record.state !== 'running') return record;
      const task = await taskState(id);
      if (task && task.status !== TaskStatus.TASK_STATUS_STOPPED) return record;
      let exit: Pick<ContainerRecord, 'exitCode' | 'finishedAt' | 'reason' | 'message'>;
      if (task) {
        const status: ExitStatus = await tasks.wait(id);
        exit = { exitCode: status.exitStatus, finishedAt: nsOf(status.exitedAt).toString(), reason: status.oomKilled ? 'OOMKilled' : '', message: status.reason };
        await deleteTask(id);
      } else {
        exit = { ...UNKNOWN_EXIT, finishedAt: now().toString(), message: 'the container\'s task is gone (the node restarted, or its shim ended)' };
      }
      const exited: ContainerRecord = { ...record, ...exit, state: 'exited', pid: 0 };
      await store.save(exited);
      options.events?.containerEvent('stopped', id, record.sandboxId);
      return exited;
    });
  }

  /**
   * What the supervisor says of the running containers' tasks (one
   * ListTasks), when its event stream starts or starts again after a break:
   * the exits that went by unseen (a task that exited, one that is gone) are
   * recorded. Between two, the records are kept current by the container RPCs
   * and the exit events (exited), and the read RPCs answer from them.
   */
  async function reconcile(): Promise<void> {
    const running = await tasks.running(namespace, CONTAINER_OWNER);
    // refresh asks the task itself: one started after the listing is not taken for exited.
    const missing = store.list().filter((r) => r.state === 'running' && !running.has(r.id));
    await Promise.all(missing.map((r) => refresh(r.id).catch((err: Error) => options.logger?.warn({ id: r.id, err: err.message }, "could not record a container's exit"))));
  }

  function readySandbox(id: string): Promise<SandboxRecord> {
    let sandbox: SandboxRecord;
    try {
      sandbox = options.sandboxes.get(id);
    } catch (err) {
      if (isCeError(err, 'NotFound')) throw new CeError('NotFound', `failed to find sandbox id ${JSON.stringify(id)}: not found`, { cause: err });
      throw err;
    }
    return options.sandboxes.isReady(sandbox).then((ready) => {
      if (!ready) throw failedPrecondition(`sandbox container ${JSON.stringify(sandbox.id)} is not running`);
      return sandbox;
    });
  }

  /** The pod's /etc/hosts: the host's, copied into the sandbox folder once (containerd copies it at RunPodSandbox). */
  async function podHosts(sandbox: SandboxRecord): Promise<string> {
    const path = join(sandbox.bundle, 'hosts');
    await copyFile('/etc/hosts', path, 1 /* COPYFILE_EXCL */).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
    return path;
  }

  async function targetPid(config: ContainerConfig): Promise<number | undefined> {
    const ns = config.linux?.securityContext?.namespaceOptions;
    if (ns?.pid !== NamespaceMode.TARGET) return undefined;
    const target = store.find(ns.targetId);
    if (!target) throw invalidArgument(`failed to get target container ${JSON.stringify(ns.targetId)}: not found`);
    const state = await taskState(target.id);
    if (state?.status !== TaskStatus.TASK_STATUS_RUNNING) throw failedPrecondition(`target container ${JSON.stringify(target.id)} must be running`);
    return state.pid;
  }

  async function create(request: CreateContainerRequest): Promise<{ containerId: string }> {
    const config = request.config;
    const meta = config?.metadata;
    if (!config || !meta?.name) throw invalidArgument('container config must include metadata');
    const laps = new Laps();
    const sandbox = await readySandbox(request.podSandboxId);
    const sandboxConfig = PodSandboxConfig.fromJSON(sandbox.config);
    const imageName = config.image?.image?.trim() ?? '';
    if (!imageName) throw invalidArgument('container config must name an image');
    let image: ContainerImage;
    try {
      image = await images.resolve(imageName);
    } catch (err) {
      if (isCeError(err, 'NotFound')) throw new CeError('NotFound', `failed to resolve image ${JSON.stringify(imageName)}: not found`, { cause: err });
      throw err;
    }
    laps.lap('image');
    const id = randomBytes(32).toString('hex');
    const logDirectory = sandboxConfig.logDirectory;
    const record: ContainerRecord = {
      id,
      name: containerName(meta, sandboxConfig.metadata ?? { name: '', namespace: '', uid: '' }),
      sandboxId: sandbox.id,
      config: ContainerConfig.toJSON(config),
      imageId: image.id,
      imageName,
      stopSignal: image.config.StopSignal ?? '',
      createdAt: now().toString(),
      startedAt: '0',
      finishedAt: '0',
      state: 'created',
      pid: 0,
      exitCode: 0,
      reason: '',
      message: '',
      rootfsKey: `${keyPrefix}${id}`,
      bundle: bundleOf(id),
      logPath: logDirectory && config.logPath ? join(logDirectory, config.logPath) : '',
      rootfs: [],
      runtime: '',
      runtimePath: '',
    };
    store.reserve(record);
    const undo: Array<() => Promise<unknown>> = [async () => store.delete(id), () => rm(record.bundle, { recursive: true, force: true })];
    try {
      stopSignalNumber(record.stopSignal);
      Object.assign(record, await options.runtimes.resolve(sandbox.runtimeHandler));
      await mkdir(record.bundle, { recursive: true, mode: 0o711 });
      record.rootfs = await images.prepare(record.rootfsKey, image.id, { [OWNER_LABEL]: CONTAINER_OWNER, [NAMESPACE_LABEL]: namespace });
      undo.push(() => images.remove(record.rootfsKey));
      laps.lap('rootfs');
      const security = config.linux?.securityContext;
      if (security?.runAsGroup && !security.runAsUser && !security.runAsUsername) {
        throw invalidArgument(`user group ${JSON.stringify(String(security.runAsGroup.value))} is specified without user`);
      }
      const [passwd, group] = await Promise.all([readImageFile(record.rootfs, 'etc/passwd'), readImageFile(record.rootfs, 'etc/group')]);
      const user = resolveProcessUser(
        {
          ...(security?.runAsUser ? { uid: Number(security.runAsUser.value) } : {}),
          ...(security?.runAsUsername ? { username: security.runAsUsername } : {}),
          ...(security?.runAsGroup ? { gid: Number(security.runAsGroup.value) } : {}),
          imageUser: image.config.User ?? '',
          supplementalGroups: (security?.supplementalGroups ?? []).map(Number),
        },
        passwd,
        group,
      );
      const spec = await containerSpec({
        id,
        config,
        sandboxId: sandbox.id,
        sandboxConfig,
        sandboxPid: sandbox.pid,
        sandboxFiles: { hostname: sandbox.hostnamePath, resolvConf: sandbox.resolvConfPath, hosts: await podHosts(sandbox), ...(sandbox.shmPath ? { shm: sandbox.shmPath } : {}) },
        imageName,
        image: image.config,
        user,
        targetPid: await targetPid(config),
        hostHostname: host.hostname(),
        devices: await Promise.all(config.devices.map((d) => host.device(d.hostPath, d.containerPath))),
        hostDevices: security?.privileged ? await host.allDevices() : [],
        namespace,
      });
      await writeFile(join(record.bundle, 'config.json'), JSON.stringify(spec));
      laps.lap('spec');
      await store.save(record);
      laps.lap('save');
    } catch (err) {
      for (const step of undo.reverse()) await step().catch(() => undefined);
      throw err;
    }
    options.logger?.debug({ id, timings: laps.ms }, 'container created');
    options.events?.containerEvent('created', id, sandbox.id);
    return { containerId: id };
  }

  function start(id: string): Promise<void> {
    const found = store.get(id);
    return serialized(found.id, async () => {
      const record = store.get(found.id);
      if (record.state !== 'created') throw failedPrecondition(`failed to set starting state for container ${JSON.stringify(record.id)}: container is in ${stateName(record)} state`);
      const laps = new Laps();
      await readySandbox(record.sandboxId);
      const config = ContainerConfig.fromJSON(record.config);
      let pid: number;
      try {
        if (record.logPath) await mkdir(dirname(record.logPath), { recursive: true, mode: 0o755 });
        await tasks.create({
          id: record.id,
          bundle: record.bundle,
          rootfs: record.rootfs,
          terminal: config.tty,
          stdin: config.stdin,
          logPath: record.logPath,
          logConfig: record.logPath ? { type: 'cri', config: {} } : undefined,
          namespace,
          labels: { [OWNER_LABEL]: CONTAINER_OWNER },
          runtime: record.runtime,
          runtimePath: record.runtimePath,
        });
        laps.lap('createTask');
        pid = (await tasks.start(record.id)).pid;
        laps.lap('startTask');
      } catch (err) {
        await deleteTask(record.id).catch(() => undefined);
        const message = (err as Error).message;
        await store.save({ ...record, ...START_ERROR, message, state: 'exited', finishedAt: now().toString() });
        throw new CeError(err instanceof CeError ? err.code : 'Unknown', `failed to start container ${JSON.stringify(record.id)}: ${message}`, { cause: err });
      }
      await store.save({ ...record, state: 'running', pid, startedAt: now().toString() });
      laps.lap('save');
      options.logger?.debug({ id: record.id, timings: laps.ms }, 'container started');
      options.events?.containerEvent('started', record.id, record.sandboxId);
    });
  }

  /** The stop signal, then SIGKILL after `timeoutSeconds` (at once for 0); nothing to do unless it runs. */
  async function stop(id: string, timeoutSeconds: number): Promise<void> {
    const found = store.find(id);
    if (!found) return; // containerd: stopping a container that is not there succeeds
    const record = await refresh(found.id);
    if (record.state !== 'running') return;
    const exited = tasks.wait(record.id);
    const kill = (signal: number, all: boolean) =>
      tasks.kill(record.id, signal, all).catch((err: unknown) => {
        if (!isCeError(err, 'NotFound')) throw err; // already exited
      });
    if (timeoutSeconds > 0) {
      await kill(stopSignalNumber(record.stopSignal), false);
      let timer: NodeJS.Timeout | undefined;
      const inTime = await Promise.race([exited.then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutSeconds * 1000)))]);
      clearTimeout(timer);
      if (inTime) {
        await refresh(record.id);
        return;
      }
    }
    await kill(SIGKILL, true);
    await exited;
    await refresh(record.id);
  }

  async function remove(id: string): Promise<void> {
    const found = store.find(id);
    if (!found) return; // containerd: removing a container that is not there succeeds
    await stop(found.id, 0);
    await serialized(found.id, async () => {
      const record = store.find(found.id);
      if (!record) return;
      await deleteTask(record.id);
      await images.remove(record.rootfsKey);
      await rm(record.bundle, { recursive: true, force: true });
      await store.delete(record.id);
      options.events?.containerEvent('deleted', record.id, record.sandboxId);
    });
  }

  async function status(id: string, verbose: boolean): Promise<ContainerStatusResponse> {
    // As it is now: one snapshot (records are replaced whole), an exit being recorded meanwhile shows at the next read.
    const record = store.get(id);
    const info: Record<string, string> = {};
    if (verbose) {
      const spec = await readFile(join(record.bundle, 'config.json'), 'utf8').then((t) => JSON.parse(t) as unknown, () => undefined);
      info['info'] = JSON.stringify({
        sandboxID: record.sandboxId,
        pid: record.pid,
        removing: false,
        snapshotKey: record.rootfsKey,
        snapshotter: 'ce',
        runtimeType: record.runtime || 'ce',
        runtimeOptions: null,
        config: record.config,
        runtimeSpec: spec,
      });
    }
    return { status: containerStatus(record, await imageOf(record)), info };
  }

  /** The statuses of a pod's containers as their records are now (for its events: no exit is recorded here). */
  function statusesIn(sandboxId: string): Promise<ContainerStatus[]> {
    const records = store.list().filter((r) => r.sandboxId === sandboxId);
    const seen = new Map<string, Promise<ImageNames | undefined>>();
    return Promise.all(records.map(async (record) => containerStatus(record, await imageOf(record, seen))));
  }

  async function list(request: ListContainersRequest): Promise<ListContainersResponse> {
    const filter = request.filter;
    const containers = [];
    const seen = new Map<string, Promise<ImageNames | undefined>>();
    for (const record of store.list()) {
      if (!matchesFilter(record, filter)) continue;
      if (filter?.state && filter.state.state !== criState(record)) continue;
      containers.push(containerItem(record, await imageOf(record, seen)));
    }
    return { containers };
  }

  async function statsOf(record: ContainerRecord): Promise<ContainerStats> {
    const config = ContainerConfig.fromJSON(record.config);
    const timestamp = now();
    const [cgroup, layer, mountpoint] = await Promise.all([tasks.stats(record.id), images.usage(record.rootfsKey), options.imageFsMountpoint?.() ?? Promise.resolve('')]);
    return {
      attributes: { id: record.id, metadata: config.metadata, labels: config.labels, annotations: config.annotations },
      ...cpuAndMemoryUsage(cgroup, timestamp),
      writableLayer: { timestamp, fsId: { mountpoint }, usedBytes: u64(layer.bytes), inodesUsed: u64(layer.inodes) },
      swap: undefined,
    };
  }

  async function stats(id: string): Promise<ContainerStats> {
    const record = await refresh(store.get(id).id);
    if (record.state !== 'running') throw failedPrecondition(`failed to get stats of container ${JSON.stringify(record.id)}: container is in ${stateName(record)} state`);
    return statsOf(record);
  }

  /** The running containers' stats (containerd has figures only for containers with a task). */
  async function listStats(filter: ContainerStatsFilter | undefined): Promise<ContainerStats[]> {
    const out: ContainerStats[] = [];
    for (const found of store.list()) {
      if (!matchesFilter(found, filter) || found.state !== 'running') continue;
      // Stats ask the kernel anyway: the task is asked too, so an exit on its way is not taken for a running container.
      const record = await refresh(found.id);
      if (record.state === 'running') out.push(await statsOf(record));
    }
    return out;
  }

  /** The stats of a pod's running containers, for its PodSandboxStats. */
  function statsIn(sandboxId: string): Promise<ContainerStats[]> {
    return listStats({ id: '', podSandboxId: sandboxId, labelSelector: {} });
  }

  /**
   * New limits: written to the spec (for any state, as containerd), and applied to a
   * running container's cgroup (cpu, memory, cpusets; hugepage limits and
   * unified files take effect at the next start only).
   */
  async function update(request: UpdateContainerResourcesRequest): Promise<void> {
    const found = store.get(request.containerId);
    const resources = request.linux;
    if (!resources) return;
    await serialized(found.id, async () => {
      const record = store.get(found.id);
      const config = ContainerConfig.fromJSON(record.config);
      const updated = ContainerConfig.toJSON({ ...config, linux: { ...config.linux, resources } });
      const specPath = join(record.bundle, 'config.json');
      const spec = JSON.parse(await readFile(specPath, 'utf8')) as { linux?: { resources?: Record<string, unknown> }; process?: { oomScoreAdj?: number } };
      spec.linux = { ...spec.linux, resources: { ...spec.linux?.resources, ...linuxResources(resources) } };
      if (record.state === 'running') {
        const n = (v: bigint) => Number(v);
        await tasks.update(record.id, {
          ...(resources.memoryLimitInBytes > 0n ? { memory: n(resources.memoryLimitInBytes) } : {}),
          ...(resources.memorySwapLimitInBytes > 0n ? { memorySwap: n(resources.memorySwapLimitInBytes) } : {}),
          ...(resources.cpuShares ? { cpuShares: n(resources.cpuShares) } : {}),
          ...(resources.cpuQuota ? { cpuQuota: n(resources.cpuQuota) } : {}),
          ...(resources.cpuPeriod ? { cpuPeriod: n(resources.cpuPeriod) } : {}),
          ...(resources.cpusetCpus ? { cpusetCpus: resources.cpusetCpus } : {}),
          ...(resources.cpusetMems ? { cpusetMems: resources.cpusetMems } : {}),
        });
      }
      await writeFile(specPath, JSON.stringify(spec));
      await store.save({ ...record, config: updated });
    });
  }

  async function reopenLog(id: string): Promise<void> {
    const record = await refresh(store.get(id).id);
    if (record.state !== 'running') throw failedPrecondition('container is not running');
    if (!record.logPath) return;
    await tasks.reopenLog(record.id);
  }

  /** StopPodSandbox's first step, as containerd: the pod's running containers get SIGKILL. */
  async function stopInSandbox(sandboxId: string): Promise<void> {
    for (const record of store.list().filter((r) => r.sandboxId === sandboxId)) await stop(record.id, 0);
  }

  /** RemovePodSandbox's first step: the pod's containers are removed. */
  async function removeInSandbox(sandboxId: string): Promise<void> {
    for (const record of store.list().filter((r) => r.sandboxId === sandboxId)) await remove(record.id);
  }

  /** What a CreateContainer cut short by a crash left without a record: writable layers and bundles. Run once at start. */
  async function removeLeftovers(): Promise<number> {
    const known = new Set(store.list().map((r) => r.id));
    let removed = 0;
    for (const key of (await images.keys(CONTAINER_OWNER)).filter((k) => k.startsWith(keyPrefix) && !known.has(k.slice(keyPrefix.length)))) {
      await images.remove(key).then(
        () => removed++,
        (err: Error) => options.logger?.warn({ key, err: err.message }, 'could not remove a container layer that no record names'),
      );
    }
    const dirs = await readdir(options.containersDir).catch(() => [] as string[]);
    // Bundles only: with no separate root (ce-cri alone), the records are in the same folder.
    for (const dir of dirs.filter((d) => /^[0-9a-f]{64}$/.test(d) && !known.has(d))) {
      await rm(bundleOf(dir), { recursive: true, force: true });
      removed++;
    }
    return removed;
  }

  return {
    create,
    start,
    stop,
    remove,
    status,
    statusesIn,
    list,
    stats,
    listStats,
    statsIn,
    update,
    reopenLog,
    stopInSandbox,
    removeInSandbox,
    removeLeftovers,
    reconcile,
    has: (id: string) => store.has(id),
    /** ced's supervisor says the container's task exited: record it now. */
    exited(id: string): void {
      void refresh(id).catch((err: Error) => {
        if (!isCeError(err, 'NotFound')) options.logger?.warn({ id, err: err.message }, "could not record a container's exit");
      });
    },
    /** The ids of the containers, whose tasks the sandboxes' sweep must leave alone. */
    ids: () => store.list().map((r) => r.id),
  };
}
