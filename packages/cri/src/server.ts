import { chown } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_CNI_CONF_DIR } from '@ce/network/cni';
import { adaptService, serveUnix, unary, type Logger } from '@ce/protocol';
import type { InfoResponse } from '@ce/protocol/gen/ce/api/v1/system';
import { dialCeServices, type CeServices } from './ce-services.js';
import { walkDiskUsage, type DiskUsage } from './disk-usage.js';
import { ImageServiceService, RuntimeServiceService } from './gen/runtime/v1/api.js';
import { imageService } from './image-service.js';
import { refuseLiveSocket } from './live-socket.js';
import { cniNetworkReadiness } from './network-readiness.js';
import { PAUSE_IMAGE } from './pause-image.js';
import { PodCidrStore } from './pod-cidr-store.js';
import type { ContainerEvents } from './container/container-deps.js';
import { containerImages } from './container/container-services.js';
import { ContainerStore } from './container/container-store.js';
import { criContainers } from './container/containers.js';
import { runtimeService } from './runtime-service.js';
import { podSandboxes } from './sandbox/pod-sandboxes.js';
import { cniAttachments, cniNetworks, hostNetns, imageRootfs, sandboxRuntimes, supervisorTasks } from './sandbox/sandbox-services.js';
import { hostShm } from './sandbox/sandbox-shm.js';
import { SandboxStore } from './sandbox/sandbox-store.js';

/** The namespace Kubernetes' objects live in, apart from `ce` users' "default" (containerd's name for it). */
export const CRI_NAMESPACE = 'k8s.io';

export interface CriOptions {
  /** The ce.sock whose services the CRI fronts. */
  ceSocket: string;
  /** The CRI socket to serve (ced's default: <state>/cri.sock). */
  socket: string;
  /** Where the adapter keeps its own state (the pod CIDRs, sandbox bundles, pinned netns). */
  stateDir: string;
  /** Where records that outlive a reboot go (pod sandboxes, CNI results): ced's <root>/cri. Default: stateDir. */
  rootDir?: string;
  /** ced's supervisor when it is not on ceSocket (ced --supervisor-address). */
  supervisorSocket?: string;
  /** How ced resolves a runtime name (hosted); ce-cri alone uses ced's runtime names and PATH. */
  resolveRuntime?: (handler: string) => { name: string; path: string };
  /** Where CNI plugins are found (default /usr/lib/cni, /opt/cni/bin). */
  cniBinDirs?: readonly string[];
  socketMode?: number;
  socketGid?: number;
  /** Where NetworkReady looks for CNI configuration (default /etc/cni/net.d). */
  cniConfDir?: string;
  logger?: Logger;
  /** Clients to use instead of dialling ceSocket (tests). */
  services?: CeServices;
  /** Told when a container is created, started, stopped or deleted (GetContainerEvents). */
  containerEvents?: ContainerEvents;
  /** How ImageFsInfo measures the image filesystem (tests). */
  diskUsage?: DiskUsage;
}

export interface CriServer {
  readonly socket: string;
  close(): Promise<void>;
}

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Serves runtime.v1's RuntimeService and ImageService on `socket`, over the services at `ceSocket`. */
export async function startCri(options: CriOptions): Promise<CriServer> {
  const logger = options.logger ?? silent;
  const services = options.services ?? dialCeServices(options.ceSocket, options.supervisorSocket);
  const cniConfDir = options.cniConfDir ?? DEFAULT_CNI_CONF_DIR;
  try {
    const podCidrs = await PodCidrStore.open(join(options.stateDir, 'runtime-config.json'));
    const rootDir = options.rootDir ?? options.stateDir;
    const tasks = supervisorTasks(services);
    const sandboxStore = await SandboxStore.open(join(rootDir, 'sandboxes'));
    const imageFsMountpoint = async () => join((await unary<InfoResponse>((cb) => services.system.info({}, cb))).storageRoot, 'image-store', 'snapshots');
    const runtimes = sandboxRuntimes(services, options.resolveRuntime);
    const containers = criContainers({
      store: await ContainerStore.open(join(rootDir, 'containers')),
      tasks,
      images: containerImages(services),
      sandboxes: { get: (id) => sandboxStore.get(id), isReady: (record) => sandboxes.isReady(record) },
      runtimes,
      namespace: CRI_NAMESPACE,
      containersDir: join(options.stateDir, 'containers'),
      imageFsMountpoint,
      ...(options.containerEvents ? { events: options.containerEvents } : {}),
      logger,
    });
    const sandboxes = podSandboxes({
      store: sandboxStore,
      tasks,
      rootfs: imageRootfs(services),
      netns: hostNetns(),
      shm: hostShm(),
      network: cniNetworks(cniConfDir, join(rootDir, 'cni'), options.cniBinDirs),
      cniAttachments: cniAttachments(join(rootDir, 'cni')),
      runtimes,
      namespace: CRI_NAMESPACE,
      sandboxesDir: join(options.stateDir, 'sandboxes'),
      netnsDir: join(options.stateDir, 'netns'),
      logger,
      containers,
    });
    // Not fatal: ce-cri alone may start before ced answers; the next start sweeps again.
    await sandboxes.removeLeftovers().then(
      (removed) => removed && logger.warn({ removed }, 'removed what unfinished pod sandboxes left behind'),
      (err: unknown) => logger.warn({ err: (err as Error).message }, 'could not look for what unfinished pod sandboxes left behind'),
    );
    await containers.removeLeftovers().then(
      (removed) => removed && logger.warn({ removed }, 'removed what unfinished containers left behind'),
      (err: unknown) => logger.warn({ err: (err as Error).message }, 'could not look for what unfinished containers left behind'),
    );
    const runtime = runtimeService({
      services,
      podCidrs,
      networkReadiness: () => cniNetworkReadiness(cniConfDir),
      sandboxes,
      containers,
      settings: { socket: options.socket, ceSocket: options.ceSocket, namespace: CRI_NAMESPACE, sandboxImage: PAUSE_IMAGE, cniConfDir },
    });
    const images = imageService({
      services,
      pinnedNames: [PAUSE_IMAGE],
      imageFilesystem: {
        // ce's snapshotter folder, where unpacked layers are, as containerd reports its snapshotter's root.
        path: imageFsMountpoint,
        usage: options.diskUsage ?? walkDiskUsage,
      },
    });
    await refuseLiveSocket(options.socket);
    const server = await serveUnix(
      options.socket,
      [
        [RuntimeServiceService, adaptService(RuntimeServiceService, runtime)],
        [ImageServiceService, adaptService(ImageServiceService, images)],
      ],
      { mode: options.socketMode ?? 0o660 },
    );
    if (options.socketGid !== undefined) await chown(options.socket, -1, options.socketGid);
    logger.info({ socket: options.socket }, 'CRI listening');
    return {
      socket: options.socket,
      async close() {
        await server.close();
        if (!options.services) services.close();
      },
    };
  } catch (err) {
    if (!options.services) services.close();
    throw err;
  }
}
