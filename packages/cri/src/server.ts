import { chown } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_CNI_CONF_DIR } from '@ce/network/cni';
import { adaptService, serveUnix, unary, type Logger } from '@ce/protocol';
import type { InfoResponse } from '@ce/protocol/gen/ce/api/v1/system';
import { dialCeServices, withLocalServices, type CeServices, type LocalCeServices } from './ce-services.js';
import { walkDiskUsage, type DiskUsage } from './disk-usage.js';
import { containerEventSink } from './events/container-event-sink.js';
import { ContainerEventHub } from './events/event-hub.js';
import { followPauseExits } from './events/pause-exits.js';
import { ContainerConfig, ImageServiceService, RuntimeServiceService } from './gen/runtime/v1/api.js';
import { imageService } from './image-service.js';
import { refuseLiveSocket } from './live-socket.js';
import { cniNetworkReadiness } from './network-readiness.js';
import { PAUSE_IMAGE } from './pause-image.js';
import { PodCidrStore } from './pod-cidr-store.js';
import { containerImages } from './container/container-services.js';
import { ContainerStore } from './container/container-store.js';
import { criContainers } from './container/containers.js';
import { runtimeService } from './runtime-service.js';
import { podSandboxes, SANDBOX_OWNER } from './sandbox/pod-sandboxes.js';
import { cniAttachments, cniNetworks, hostNetns, imageRootfs, sandboxRuntimes, supervisorEvents, supervisorTasks } from './sandbox/sandbox-services.js';
import { hostShm } from './sandbox/sandbox-shm.js';
import { SandboxStore } from './sandbox/sandbox-store.js';
import { criStateName, taskContainers } from './streaming/cri-containers.js';
import { streamingRpcs } from './streaming/streaming-rpcs.js';
import { streamingRuntime } from './streaming/streaming-runtime.js';
import { startStreamingServer, type StreamingServer } from './streaming/streaming-server.js';
import { supervisorExec } from './streaming/supervisor-exec.js';

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
  /** ced's own implementations of the services ceSocket serves, called in process (ced hosting the CRI). */
  local?: LocalCeServices;
  /** How ImageFsInfo measures the image filesystem (tests). */
  diskUsage?: DiskUsage;
  /** Where the streaming server (exec, attach, port-forward URLs) listens: containerd's stream_server_address, default 127.0.0.1. */
  streamAddress?: string;
  /** Its port: containerd's stream_server_port; 0 (the default) is a free port. */
  streamPort?: number;
}

export interface CriServer {
  readonly socket: string;
  /** The streaming server's base URL (http://address:port/). */
  readonly streamUrl: string;
  close(): Promise<void>;
}

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Serves runtime.v1's RuntimeService and ImageService on `socket`, over the services at `ceSocket`. */
export async function startCri(options: CriOptions): Promise<CriServer> {
  const logger = options.logger ?? silent;
  const services = options.services ?? withLocalServices(dialCeServices(options.ceSocket, options.supervisorSocket), options.local);
  const cniConfDir = options.cniConfDir ?? DEFAULT_CNI_CONF_DIR;
  let streaming: StreamingServer | undefined;
  let pauseExits: { close(): void } | undefined;
  try {
    const podCidrs = await PodCidrStore.open(join(options.stateDir, 'runtime-config.json'));
    const rootDir = options.rootDir ?? options.stateDir;
    const store = await SandboxStore.open(join(rootDir, 'sandboxes'));
    const events = new ContainerEventHub(logger);
    const tasks = supervisorTasks(services);
    const runtimes = sandboxRuntimes(services, options.resolveRuntime);
    const imageFsMountpoint = async () => join((await unary<InfoResponse>((cb) => services.system.info({}, cb))).storageRoot, 'image-store', 'snapshots');
    const containerStore = await ContainerStore.open(join(rootDir, 'containers'));
    const containers = criContainers({
      store: containerStore,
      tasks,
      images: containerImages(services),
      sandboxes: { get: (id) => store.get(id), isReady: (record) => sandboxes.isReady(record) },
      runtimes,
      namespace: CRI_NAMESPACE,
      containersDir: join(options.stateDir, 'containers'),
      imageFsMountpoint,
      events: { containerEvent: (type, containerId, sandboxId) => void containerEvents.containerEvent(type, containerId, sandboxId) },
      logger,
    });
    const sandboxes = podSandboxes({
      store,
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
      events: () => containerEvents,
      containers,
    });
    // What the container RPCs call too: CONTAINER_CREATED/STARTED/STOPPED/DELETED for GetContainerEvents.
    const containerEvents = containerEventSink({
      hub: events,
      // Read at once (store.has and status's own lookup are synchronous): a DELETED event still finds the record.
      sandboxStatus: (id) => (store.has(id) ? sandboxes.status({ podSandboxId: id, verbose: false }).then((r) => r.status) : Promise.resolve(undefined)),
      // Read at once too: a container's DELETED event still finds its record.
      containerStatuses: (sandboxId) => containers.statusesIn(sandboxId),
      logger,
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
    pauseExits = followPauseExits({
      events: supervisorEvents(services),
      // A container's exit is recorded (and reported STOPPED) as it happens, as a pause's.
      isPause: (id) => sandboxes.isPause(id) || containers.has(id),
      onExit: (id) => (sandboxes.isPause(id) ? sandboxes.pauseExited(id) : containers.exited(id)),
      onResubscribed: () => void Promise.all([sandboxes.checkPauses(), containers.reconcile()]).catch(() => undefined),
      logger,
    });
    // The read RPCs answer from memory: what ced's supervisor says of the tasks is taken once, here, and after each break of its events.
    await sandboxes.checkPauses().catch((err: unknown) => logger.warn({ err: (err as Error).message }, "could not ask the pod sandboxes' pauses how they are"));
    await containers.reconcile().catch((err: unknown) => logger.warn({ err: (err as Error).message }, "could not ask the containers' tasks how they are"));
    const execTasks = supervisorExec(services);
    const containerLookup = taskContainers({
      state: (id) => tasks.state(id),
      namespace: CRI_NAMESPACE,
      owner: SANDBOX_OWNER,
      isSandbox: (id) => store.find(id)?.id === id,
      // The container RPCs' records: an id prefix, containers without a task (created, exited), stdin_once.
      records: async (id) => {
        const { status } = await containers.status(id, false);
        const record = containerStore.get(status!.id);
        return { id: record.id, state: criStateName(status!.state), stdinOnce: ContainerConfig.fromJSON(record.config).stdinOnce };
      },
    });
    const exactSandbox = (id: string) => {
      const record = store.find(id);
      return record?.id === id ? record : undefined;
    };
    streaming = await startStreamingServer({
      address: options.streamAddress ?? '127.0.0.1',
      port: options.streamPort ?? 0,
      runtime: streamingRuntime({ containers: containerLookup, tasks: execTasks, sandbox: exactSandbox }),
      logger,
    });
    const runtime = runtimeService({
      services,
      events,
      podCidrs,
      networkReadiness: () => cniNetworkReadiness(cniConfDir),
      sandboxes,
      containers,
      streaming: streamingRpcs({ containers: containerLookup, tasks: execTasks, server: streaming, sandbox: (id) => store.find(id) }),
      settings: { socket: options.socket, ceSocket: options.ceSocket, namespace: CRI_NAMESPACE, sandboxImage: PAUSE_IMAGE, cniConfDir, streamServer: streaming.baseUrl },
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
    logger.info({ streamUrl: streaming.baseUrl, socket: options.socket }, 'CRI listening');
    const streamServer = streaming;
    return {
      socket: options.socket,
      streamUrl: streamServer.baseUrl,
      async close() {
        pauseExits?.close();
        events.close();
        await server.close();
        await streamServer.close();
        if (!options.services) services.close();
      },
    };
  } catch (err) {
    await streaming?.close();
    pauseExits?.close();
    if (!options.services) services.close();
    throw err;
  }
}
