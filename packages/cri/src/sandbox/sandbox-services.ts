// The pod sandboxes' dependencies over ced's gRPC services and the host:
// tasks through ce.supervisor.v1, the pause's rootfs through ce.images.v1
// PrepareRootfs and ce.snapshots.v1 Remove, netns pinned with @ce/network,
// and the CNI folder's first network (containerd's choice).
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { CniNetwork, loadNetworkConfigs, ResultCache } from '@ce/network/cni';
import { pinnedNetns } from '@ce/network/netns';
import { CeError, isCeError, OWNER_LABEL, readStream, unary } from '@ce/protocol';
import type { TaskEvent } from '@ce/protocol/gen/ce/events/v1/task';
import type { InfoResponse } from '@ce/protocol/gen/ce/api/v1/system';
import type { PrepareRootfsResponse } from '@ce/protocol/gen/ce/images/v1/images';
import type { CreateTaskResponse, StartResponse, StateResponse } from '@ce/protocol/gen/ce/shim/v1/shim';
import { Kind, type ListSnapshotsResponse } from '@ce/protocol/gen/ce/snapshots/v1/snapshots';
import type { ListTasksResponse } from '@ce/protocol/gen/ce/supervisor/v1/supervisor';
import type { CgroupStats } from '@ce/protocol/gen/ce/types/v1/resources';
import { TaskStatus, type ExitStatus } from '@ce/protocol/gen/ce/types/v1/task';
import type { ContainerTasks } from '../container/container-deps.js';
import type { CeServices } from '../ce-services.js';
import { ensurePauseImage, PAUSE_IMAGE } from '../pause-image.js';
import type { NetnsPins, PodNetwork, SandboxRootfs, SandboxRuntimes, SandboxTasks } from './sandbox-deps.js';

const SUPERVISOR = 'ced\'s supervisor';

/** Tasks of ced's supervisor, as pod sandboxes and containers use them. */
export function supervisorTasks(services: Pick<CeServices, 'supervisor'>): SandboxTasks & ContainerTasks {
  const { supervisor } = services;
  const ownedTasks = async (namespace: string, owner: string) =>
    (await unary<ListTasksResponse>((cb) => supervisor.listTasks({ namespace }, cb), SUPERVISOR)).tasks.filter((t) => t.labels[OWNER_LABEL] === owner);
  return {
    create: (request) => unary<CreateTaskResponse>((cb) => supervisor.createTask(request, cb), SUPERVISOR),
    start: (id) => unary<StartResponse>((cb) => supervisor.startTask({ id }, cb), SUPERVISOR),
    kill: async (id, signal, all?: boolean) => void (await unary((cb) => supervisor.killTask({ id, signal, all: all ?? false }, cb), SUPERVISOR)),
    wait: (id) => unary<ExitStatus>((cb) => supervisor.waitTask({ id }, cb), SUPERVISOR),
    update: async (id, resources) => void (await unary((cb) => supervisor.updateTask({ id, resources }, cb), SUPERVISOR)),
    reopenLog: async (id) => void (await unary((cb) => supervisor.reopenTaskLog({ id }, cb), SUPERVISOR)),
    delete: async (id) => void (await unary((cb) => supervisor.deleteTask({ id }, cb), SUPERVISOR)),
    state: (id) => unary<StateResponse>((cb) => supervisor.taskState({ id }, cb), SUPERVISOR),
    stats: (id) => unary<CgroupStats>((cb) => supervisor.taskStats({ id }, cb), SUPERVISOR),
    list: async (namespace, owner) => (await ownedTasks(namespace, owner)).map((t) => t.id),
    running: async (namespace, owner) => new Set((await ownedTasks(namespace, owner)).filter((t) => t.status === TaskStatus.TASK_STATUS_RUNNING).map((t) => t.id)),
  };
}

/** The supervisor's task events (every task's), until `signal` aborts. */
export function supervisorEvents(services: Pick<CeServices, 'supervisor'>): (signal: AbortSignal) => AsyncIterable<TaskEvent> {
  return (signal) => {
    const stream = services.supervisor.events({});
    signal.addEventListener('abort', () => stream.cancel(), { once: true });
    return readStream<TaskEvent>(stream, SUPERVISOR);
  };
}

export function imageRootfs(services: Pick<CeServices, 'images' | 'snapshots'>, pauseLayout?: string): SandboxRootfs {
  // Pods started together share one import of the pause image.
  let importing: Promise<boolean> | undefined;
  return {
    async ensureImage() {
      importing ??= ensurePauseImage(services.images, pauseLayout).finally(() => (importing = undefined));
      if (!(await importing)) {
        throw new CeError('FailedPrecondition', `the sandbox image ${PAUSE_IMAGE} is not built (run \`npm run build -w @ce/cri\`)`);
      }
      return PAUSE_IMAGE;
    },
    async prepare(key, image, labels) {
      return (await unary<PrepareRootfsResponse>((cb) => services.images.prepareRootfs({ key, reference: image, labels }, cb))).mounts;
    },
    async remove(key) {
      try {
        await unary((cb) => services.snapshots.remove({ key }, cb));
      } catch (err) {
        if (!isCeError(err, 'NotFound')) throw err;
      }
    },
    async keys(owner) {
      const keys: string[] = [];
      const stream = services.snapshots.list({ kind: Kind.KIND_ACTIVE, parent: '', filters: [`${OWNER_LABEL}=${owner}`] });
      for await (const batch of stream as AsyncIterable<ListSnapshotsResponse>) keys.push(...batch.info.map((i) => i.key));
      return keys;
    },
  };
}

export function hostNetns(): NetnsPins {
  return pinnedNetns();
}

/**
 * The first valid network of the CNI folder by file name (libcni's and
 * containerd's order), or the one named `name`; results cached under `cacheDir`.
 */
export function cniNetworks(confDir: string, cacheDir: string, binDirs?: readonly string[]): (name?: string) => Promise<PodNetwork | null> {
  const chains = new Map<string, { bytes: string; network: CniNetwork }>();
  return async (name) => {
    const { networks } = await loadNetworkConfigs(confDir);
    const config = name === undefined ? networks[0] : networks.find((n) => n.name === name);
    if (!config) return null;
    // One chain per configuration, so that its per-attachment locks are shared by concurrent calls.
    const known = chains.get(config.name);
    if (known?.bytes === config.bytes) return known.network;
    const network = new CniNetwork(config, { cacheDir, ...(binDirs ? { binDirs } : {}) });
    chains.set(config.name, { bytes: config.bytes, network });
    return network;
  };
}

/** The pods' attachments the CNI result cache under `cacheDir` holds. */
export function cniAttachments(cacheDir: string): () => Promise<Array<{ containerId: string; networkName: string }>> {
  const cache = new ResultCache(cacheDir);
  return async () => (await cache.list()).map(({ containerId, networkName }) => ({ containerId, networkName }));
}

/** A runtime handler as ced resolves it (hosted), or by ced's runtime names and PATH (ce-cri alone). */
export function sandboxRuntimes(services: Pick<CeServices, 'system'>, resolve?: (handler: string) => { name: string; path: string }): SandboxRuntimes {
  const unknown = (handler: string) => new CeError('NotFound', `failed to get sandbox runtime: no runtime for ${JSON.stringify(handler)} is configured`);
  return {
    async resolve(handler) {
      if (resolve) {
        try {
          const { name, path } = resolve(handler);
          return { runtime: path ? name : '', runtimePath: path };
        } catch {
          throw unknown(handler);
        }
      }
      if (handler === '' || handler === 'ce') return { runtime: '', runtimePath: '' };
      const { runtimes } = await unary<InfoResponse>((cb) => services.system.info({}, cb));
      const path = runtimes.includes(handler) ? lookPath(handler) : undefined;
      if (!path) throw unknown(handler);
      return { runtime: handler, runtimePath: path };
    },
  };
}

function lookPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not here
    }
  }
  return undefined;
}
