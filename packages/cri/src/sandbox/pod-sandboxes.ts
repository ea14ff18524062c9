// runtime.v1's pod sandbox RPCs, as containerd's CRI plugin answers them: a
// sandbox is a pause task in the k8s.io namespace holding the pod's
// namespaces, a pinned netns attached to the CNI network, and a record under
// ced's root. RunPodSandbox undoes every step on failure.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CeError, isCeError, Laps, NAMESPACE_LABEL, OWNER_LABEL, type Logger } from '@ce/protocol';
import { TaskStatus } from '@ce/protocol/gen/ce/types/v1/task';
import {
  NamespaceMode,
  PodSandboxConfig,
  PodSandboxState,
  Protocol,
  type ListPodSandboxRequest,
  type ListPodSandboxResponse,
  type ContainerStats,
  type ListPodSandboxStatsRequest,
  type PodSandboxStats,
  type PodSandboxStatusRequest,
  type PodSandboxStatusResponse,
  type RunPodSandboxRequest,
} from '../gen/runtime/v1/api.js';
import type { ContainerEventKind, ContainerEventSink } from '../events/container-event-sink.js';
import { RunningTasks } from '../state/running-tasks.js';
import type { NetnsPins, PodNetwork, SandboxRootfs, SandboxRuntimes, SandboxShm, SandboxTasks } from './sandbox-deps.js';
import { sandboxSpec } from './sandbox-spec.js';
import { linuxSandboxStats, netDevOf } from './sandbox-stats.js';
import { sandboxName, type SandboxRecord, type SandboxStore } from './sandbox-store.js';

export const SANDBOX_OWNER = 'ce-cri';
const POD_IFNAME = 'eth0';
const SIGKILL = 9;

export interface PodSandboxesOptions {
  store: SandboxStore;
  tasks: SandboxTasks;
  rootfs: SandboxRootfs;
  netns: NetnsPins;
  /** The pod's /dev/shm tmpfs. */
  shm: SandboxShm;
  /** The CNI network pods attach to (the conf dir's first), or the one named `name` (to detach); null when there is none. */
  network: (name?: string) => Promise<PodNetwork | null>;
  /** The CNI result cache's attachments (sandbox id, network name), to detach what no record names. */
  cniAttachments: () => Promise<Array<{ containerId: string; networkName: string }>>;
  runtimes: SandboxRuntimes;
  namespace: string;
  /** Where bundles and the pod's resolv.conf and hostname go (<state>/cri/sandboxes). */
  sandboxesDir: string;
  /** Where netns are pinned (<state>/cri/netns). */
  netnsDir: string;
  now?: () => bigint;
  logger?: Pick<Logger, 'warn' | 'debug'>;
  /** Where CONTAINER_* events of the sandboxes go (GetContainerEvents); set once the sink exists. */
  events?: () => ContainerEventSink | undefined;
  /** The pod's containers (container/containers.ts): stopped first at StopPodSandbox, removed first at RemovePodSandbox, as containerd does. */
  containers?: SandboxContainers;
}

export interface SandboxContainers {
  stopInSandbox(sandboxId: string): Promise<void>;
  removeInSandbox(sandboxId: string): Promise<void>;
  /** The containers' ids: their tasks share the sandboxes' namespace and owner, and are not leftovers. */
  ids(): string[];
  /** The stats of the pod's running containers (PodSandboxStats' containers). */
  statsIn(sandboxId: string): Promise<ContainerStats[]>;
}

type Undo = () => Promise<unknown>;

export function podSandboxes(options: PodSandboxesOptions) {
  const { store, tasks, rootfs, netns, namespace } = options;
  const now = options.now ?? (() => BigInt(Date.now()) * 1_000_000n);
  const bundleOf = (id: string) => join(options.sandboxesDir, id);
  // The sandboxes whose STARTED went out and whose STOPPED has not: a pause's exit is reported once,
  // whether Stop killed it or it died on its own.
  const running = new Set<string>();
  // Not awaited: the sink reads the statuses at once and publishes in call order, as containerd's send does not block.
  const emit = (type: ContainerEventKind, id: string) => void options.events?.()?.containerEvent(type, id, id);
  const stopping = new Set<string>();
  // Pauses that exited while their RunPodSandbox was still going: reported right after its STARTED.
  const starting = new Set<string>();
  const exitedWhileStarting = new Set<string>();
  // Whether each pause runs, in memory (reads ask nobody): the status and listing RPCs the kubelet calls all the time.
  const pauses = new RunningTasks();

  async function taskStatus(id: string): Promise<{ status: TaskStatus; pid: number } | undefined> {
    try {
      const state = await tasks.state(id);
      return { status: state.status, pid: state.pid };
    } catch (err) {
      if (isCeError(err, 'NotFound')) return undefined;
      throw err;
    }
  }

  /** Ready: started, not stopped, and its pause has not exited (as last heard from the supervisor). */
  function readyNow(record: SandboxRecord): boolean {
    return record.state === 'ready' && pauses.isRunning(record.id);
  }

  async function isReady(record: SandboxRecord): Promise<boolean> {
    return readyNow(record);
  }

  async function teardownNetwork(record: SandboxRecord): Promise<void> {
    if (!record.netnsPath) return;
    if (record.cniNetwork) {
      // The network it was attached to, even if another has become the first since.
      const network = await options.network(record.cniNetwork);
      if (!network) throw new CeError('FailedPrecondition', `failed to destroy network for sandbox ${JSON.stringify(record.id)}: CNI network ${JSON.stringify(record.cniNetwork)} is no longer configured`);
      await network.del(record.id, record.netnsPath, POD_IFNAME);
    }
    await netns.remove(record.netnsPath);
  }

  async function stopTask(id: string): Promise<void> {
    const task = await taskStatus(id);
    if (!task) return void pauses.exited(id);
    if (task.status === TaskStatus.TASK_STATUS_RUNNING || task.status === TaskStatus.TASK_STATUS_PAUSED) {
      const exited = tasks.wait(id);
      await tasks.kill(id, SIGKILL);
      await exited;
    }
    await tasks.delete(id).catch((err: unknown) => {
      if (!isCeError(err, 'NotFound')) throw err;
    });
    pauses.exited(id);
  }

  async function run(request: RunPodSandboxRequest): Promise<{ podSandboxId: string }> {
    const config = request.config;
    const meta = config?.metadata;
    if (!config || !meta) throw new CeError('InvalidArgument', 'sandbox config must include metadata');
    if (!meta.name || !meta.namespace || !meta.uid) throw new CeError('InvalidArgument', 'sandbox metadata must have a name, a namespace and a uid');
    const laps = new Laps();
    const runtime = await options.runtimes.resolve(request.runtimeHandler);
    const id = randomBytes(32).toString('hex');
    const hostNetwork = config.linux?.securityContext?.namespaceOptions?.network === NamespaceMode.NODE;
    const record: SandboxRecord = {
      id,
      name: sandboxName(meta),
      config: PodSandboxConfig.toJSON(config),
      runtimeHandler: request.runtimeHandler,
      createdAt: now().toString(),
      state: 'notready',
      pid: 0,
      netnsPath: hostNetwork ? '' : join(options.netnsDir, id),
      cniNetwork: '',
      ips: [],
      rootfsKey: `${namespace}/sandbox-${id}`,
      bundle: bundleOf(id),
      resolvConfPath: join(bundleOf(id), 'resolv.conf'),
      hostnamePath: join(bundleOf(id), 'hostname'),
      shmPath: config.linux?.securityContext?.namespaceOptions?.ipc === NamespaceMode.NODE ? '' : join(bundleOf(id), 'shm'),
    };
    store.reserve(record);
    const undo: Undo[] = [async () => store.delete(id), async () => rm(record.bundle, { recursive: true, force: true })];
    try {
      await mkdir(record.bundle, { recursive: true, mode: 0o711 });
      await writeFile(record.resolvConfPath, resolvConf(config));
      await writeFile(record.hostnamePath, `${config.hostname}\n`);
      if (record.shmPath) {
        await options.shm.mount(record.shmPath);
        undo.push(() => options.shm.unmount(record.shmPath!));
      }
      laps.lap('files');
      if (!hostNetwork) {
        const network = await options.network();
        if (!network) throw new CeError('FailedPrecondition', `failed to setup network for sandbox ${JSON.stringify(id)}: cni plugin not initialized`);
        await netns.create(record.netnsPath);
        undo.push(() => netns.remove(record.netnsPath));
        laps.lap('netns');
        // Before the ADD: a chain that fails part-way (portmap after bridge) leaves what it made, which only DEL
        // undoes (the CNI spec has DEL tolerate what is missing), as containerd tears down a failed network setup.
        undo.push(() => network.del(id, record.netnsPath, POD_IFNAME));
        let result;
        try {
          result = await network.add(id, record.netnsPath, POD_IFNAME, {
            args: { IgnoreUnknown: '1', K8S_POD_NAMESPACE: meta.namespace, K8S_POD_NAME: meta.name, K8S_POD_INFRA_CONTAINER_ID: id, K8S_POD_UID: meta.uid },
            capabilities: {
              portMappings: config.portMappings.filter((p) => p.hostPort > 0).map((p) => ({ hostPort: p.hostPort, containerPort: p.containerPort, protocol: protocolName(p.protocol), ...(p.hostIp ? { hostIP: p.hostIp } : {}) })),
              ...(config.dnsConfig ? { dns: { servers: config.dnsConfig.servers, searches: config.dnsConfig.searches, options: config.dnsConfig.options } } : {}),
            },
          });
        } catch (err) {
          throw wrap(err, `failed to setup network for sandbox ${JSON.stringify(id)}`);
        }
        record.cniNetwork = network.name;
        record.ips = result.ips.map((ip) => ip.address.split('/')[0]!).filter(Boolean);
        laps.lap('cni');
      }
      const image = await rootfs.ensureImage();
      const mounts = await rootfs.prepare(record.rootfsKey, image, { [OWNER_LABEL]: SANDBOX_OWNER, [NAMESPACE_LABEL]: namespace });
      undo.push(() => rootfs.remove(record.rootfsKey));
      laps.lap('rootfs');
      const spec = await sandboxSpec({ id, config, netnsPath: record.netnsPath, namespace });
      await writeFile(join(record.bundle, 'config.json'), JSON.stringify(spec));
      laps.lap('spec');
      await tasks.create({
        id,
        bundle: record.bundle,
        rootfs: mounts,
        terminal: false,
        stdin: false,
        logPath: '',
        logConfig: undefined,
        namespace,
        labels: { [OWNER_LABEL]: SANDBOX_OWNER },
        runtime: runtime.runtime,
        runtimePath: runtime.runtimePath,
      });
      undo.push(() => stopTask(id));
      laps.lap('createTask');
      starting.add(id);
      record.pid = (await tasks.start(id)).pid;
      laps.lap('startTask');
      if (!exitedWhileStarting.has(id)) pauses.started(id);
      record.state = 'ready';
      await store.save(record);
      laps.lap('save');
      options.logger?.debug({ id, timings: laps.ms }, 'pod sandbox started');
      running.add(id);
      // containerd sends both once the sandbox is in its store (the status is READY in both).
      emit('created', id);
      emit('started', id);
      if (exitedWhileStarting.has(id)) stopped(id);
      return { podSandboxId: id };
    } catch (err) {
      for (const step of undo.reverse()) await step().catch(() => undefined);
      throw err;
    } finally {
      starting.delete(id);
      exitedWhileStarting.delete(id);
    }
  }

  async function stop(id: string): Promise<void> {
    const record = store.find(id);
    if (!record) return; // containerd: stopping a sandbox that is not there succeeds (the kubelet retries)
    // Its exit event, which the kill below causes, is this Stop's to report, after the teardown.
    stopping.add(record.id);
    try {
      await options.containers?.stopInSandbox(record.id);
      await stopTask(record.id);
      await teardownNetwork(record);
      if (record.shmPath) await options.shm.unmount(record.shmPath);
      await store.save({ ...record, state: 'notready', pid: 0, cniNetwork: '' });
    } finally {
      stopping.delete(record.id);
    }
    stopped(record.id);
  }

  /** STOPPED, once per start. */
  function stopped(id: string): void {
    if (running.delete(id)) emit('stopped', id);
  }

  /** The supervisor reports that a pause exited: on its own unless a Stop is under way. */
  function pauseExited(id: string): void {
    pauses.exited(id);
    if (stopping.has(id)) return;
    if (starting.has(id)) exitedWhileStarting.add(id);
    else stopped(id);
  }

  /** Whether task `id` is a sandbox's pause (the supervisor's events name every task). */
  function isPause(id: string): boolean {
    return store.has(id);
  }

  /**
   * What the supervisor says of the pauses (one ListTasks), when its event
   * stream starts or starts again after a break, since an exit may have gone
   * by meanwhile: the ready sandboxes whose pause runs are followed for its
   * exit; those followed whose pause is gone are reported STOPPED.
   */
  async function checkPauses(): Promise<void> {
    const ready = () => store.list().filter((r) => r.state === 'ready' && !stopping.has(r.id) && !starting.has(r.id)).map((r) => r.id);
    await pauses.reconcile(ready, () => tasks.running(namespace, SANDBOX_OWNER));
    for (const record of store.list()) {
      // A Stop or a Run may be under way: theirs to report.
      if (stopping.has(record.id) || starting.has(record.id)) continue;
      if (readyNow(record)) running.add(record.id);
      else stopped(record.id);
    }
  }

  async function remove(id: string): Promise<void> {
    const record = store.find(id);
    if (!record) return; // containerd: removing a sandbox that is not there succeeds
    await options.containers?.removeInSandbox(record.id);
    await stop(record.id);
    await rootfs.remove(record.rootfsKey);
    await rm(record.bundle, { recursive: true, force: true });
    // containerd sends DELETED before dropping the record, so the event still carries the pod's status.
    running.delete(record.id);
    emit('deleted', record.id);
    await store.delete(record.id);
  }

  async function status(request: PodSandboxStatusRequest): Promise<PodSandboxStatusResponse> {
    const record = store.get(request.podSandboxId);
    const config = PodSandboxConfig.fromJSON(record.config);
    const ready = readyNow(record);
    const [ip, ...additional] = ready ? record.ips : [];
    const info: Record<string, string> = {};
    if (request.verbose) {
      const task = await taskStatus(record.id);
      info['info'] = JSON.stringify({
        pid: task?.pid ?? 0,
        processStatus: task ? TaskStatus[task.status].replace('TASK_STATUS_', '').toLowerCase() : 'deleted',
        netNamespacePath: record.netnsPath,
        netNamespaceClosed: record.state !== 'ready',
        cniNetwork: record.cniNetwork,
        snapshotKey: record.rootfsKey,
        runtimeHandler: record.runtimeHandler,
        bundle: record.bundle,
        resolvConfPath: record.resolvConfPath,
        config: record.config,
      });
    }
    return {
      status: {
        id: record.id,
        metadata: config.metadata,
        state: ready ? PodSandboxState.SANDBOX_READY : PodSandboxState.SANDBOX_NOTREADY,
        createdAt: BigInt(record.createdAt),
        network: { ip: ip ?? '', additionalIps: additional.map((a) => ({ ip: a })) },
        linux: { namespaces: { options: config.linux?.securityContext?.namespaceOptions ?? { network: NamespaceMode.POD, pid: NamespaceMode.POD, ipc: NamespaceMode.POD, targetId: '', usernsOptions: undefined } } },
        labels: config.labels,
        annotations: config.annotations,
        runtimeHandler: record.runtimeHandler,
      },
      info,
      containersStatuses: [],
      timestamp: now(),
    };
  }

  async function list(request: ListPodSandboxRequest): Promise<ListPodSandboxResponse> {
    const filter = request.filter;
    const items = [];
    for (const record of store.list()) {
      if (!matches(record, filter)) continue;
      const config = PodSandboxConfig.fromJSON(record.config);
      const state = readyNow(record) ? PodSandboxState.SANDBOX_READY : PodSandboxState.SANDBOX_NOTREADY;
      if (filter?.state && filter.state.state !== state) continue;
      items.push({ id: record.id, metadata: config.metadata, state, createdAt: BigInt(record.createdAt), labels: config.labels, annotations: config.annotations, runtimeHandler: record.runtimeHandler });
    }
    return { items };
  }

  async function statsOf(record: SandboxRecord): Promise<PodSandboxStats> {
    const config = PodSandboxConfig.fromJSON(record.config);
    const task = await taskStatus(record.id);
    if (record.state !== 'ready' || task?.status !== TaskStatus.TASK_STATUS_RUNNING) {
      throw new CeError('FailedPrecondition', `failed to get stats of sandbox ${JSON.stringify(record.id)}: the sandbox is not ready`);
    }
    const [cgroup, interfaces, containers] = await Promise.all([
      tasks.stats(record.id),
      record.netnsPath ? netDevOf(task.pid) : Promise.resolve([]),
      options.containers?.statsIn(record.id) ?? Promise.resolve([]),
    ]);
    return {
      attributes: { id: record.id, metadata: config.metadata, labels: config.labels, annotations: config.annotations },
      linux: { ...linuxSandboxStats(cgroup, interfaces, POD_IFNAME, now()), containers },
      windows: undefined,
    };
  }

  async function stats(id: string): Promise<PodSandboxStats> {
    return statsOf(store.get(id));
  }

  /** The ready sandboxes' stats (containerd leaves out the others). */
  async function listStats(request: ListPodSandboxStatsRequest): Promise<PodSandboxStats[]> {
    const filter = request.filter;
    const out: PodSandboxStats[] = [];
    for (const record of store.list()) {
      if (!matches(record, filter) || !readyNow(record)) continue;
      out.push(await statsOf(record));
    }
    return out;
  }

  /**
   * What a RunPodSandbox cut short by a crash left without a record (its
   * record is saved last): the CRI's pause tasks, netns pins, layers and
   * bundles that no sandbox names. Run once at start, before serving.
   */
  async function removeLeftovers(): Promise<number> {
    const known = new Set([...store.list().map((r) => r.id), ...(options.containers?.ids() ?? [])]);
    const idOfKey = (key: string) => key.slice(`${namespace}/sandbox-`.length);
    let removed = 0;
    const sweep = async (what: string, ids: string[], drop: (id: string) => Promise<unknown>) => {
      for (const id of ids.filter((i) => !known.has(i))) {
        try {
          await drop(id);
          removed++;
        } catch (err) {
          options.logger?.warn({ id, err: (err as Error).message }, `could not remove a sandbox's ${what} that no record names`);
        }
      }
    };
    await sweep('pause task', await tasks.list(namespace, SANDBOX_OWNER), stopTask);
    const attachments = await options.cniAttachments();
    await sweep('CNI attachment', [...new Set(attachments.map((a) => a.containerId))], async (id) => {
      for (const { networkName } of attachments.filter((a) => a.containerId === id)) {
        await (await options.network(networkName))?.del(id, join(options.netnsDir, id), POD_IFNAME);
      }
    });
    await sweep('netns', await listDir(options.netnsDir), (id) => netns.remove(join(options.netnsDir, id)));
    const keys = (await rootfs.keys(SANDBOX_OWNER)).filter((k) => k.startsWith(`${namespace}/sandbox-`));
    await sweep('layer', keys.map(idOfKey), (id) => rootfs.remove(`${namespace}/sandbox-${id}`));
    // Bundles only: with no separate root (ce-cri alone), the records are in the same folder.
    const bundles = (await listDir(options.sandboxesDir)).filter((name) => /^[0-9a-f]{64}$/.test(name));
    await sweep('folder', bundles, async (id) => {
      await options.shm.unmount(join(bundleOf(id), 'shm'));
      await rm(bundleOf(id), { recursive: true, force: true });
    });
    return removed;
  }

  return { run, stop, remove, status, list, stats, listStats, removeLeftovers, isPause, pauseExited, checkPauses, isReady };
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** The id (or prefix) and label selector filters of ListPodSandbox and ListPodSandboxStats. */
function matches(record: SandboxRecord, filter: { id: string; labelSelector: Record<string, string> } | undefined): boolean {
  if (!filter) return true;
  if (filter.id && !record.id.startsWith(filter.id)) return false;
  const { labels } = PodSandboxConfig.fromJSON(record.config);
  return Object.entries(filter.labelSelector).every(([k, v]) => labels[k] === v);
}

function protocolName(p: Protocol): 'tcp' | 'udp' | 'sctp' {
  return p === Protocol.UDP ? 'udp' : p === Protocol.SCTP ? 'sctp' : 'tcp';
}

/** The pod's resolv.conf from its DNSConfig (containerd: empty config → the host's file is not copied; an empty file). */
export function resolvConf(config: PodSandboxConfig): string {
  const dns = config.dnsConfig;
  if (!dns) return '';
  const lines = [
    ...(dns.searches.length ? [`search ${dns.searches.join(' ')}`] : []),
    ...dns.servers.map((s) => `nameserver ${s}`),
    ...(dns.options.length ? [`options ${dns.options.join(' ')}`] : []),
  ];
  return lines.length ? `${lines.join('\n')}\n` : '';
}

function wrap(err: unknown, context: string): CeError {
  const ce = err instanceof CeError ? err : new CeError('Unknown', String((err as Error)?.message ?? err));
  return new CeError(ce.code, `${context}: ${ce.message}`, { cause: err });
}
