// runtime.v1.RuntimeService: the runtime's own RPCs (Version, Status,
// RuntimeConfig, UpdateRuntimeConfig) over ced's system service, and the pod
// sandboxes' (sandbox/pod-sandboxes.ts), the containers' (container/containers.ts)
// GetContainerEvents (events/) and ExecSync, Exec, Attach, PortForward
// (streaming/). What is not built yet answers UNIMPLEMENTED.
import { asCeError, unary, type PromiseService } from '@ce/protocol';
import type { InfoResponse, VersionResponse as CeVersion } from '@ce/protocol/gen/ce/api/v1/system';
import type { CeServices } from './ce-services.js';
import type { ContainerEventHub } from './events/event-hub.js';
import { CgroupDriver, RuntimeServiceService, type RuntimeCondition } from './gen/runtime/v1/api.js';
import type { NetworkReadiness } from './network-readiness.js';
import type { PodCidrStore } from './pod-cidr-store.js';
import type { criContainers } from './container/containers.js';
import type { podSandboxes } from './sandbox/pod-sandboxes.js';
import type { StreamingRpcs } from './streaming/streaming-rpcs.js';
import { withUnimplemented } from './unimplemented.js';

/** The CRI version this runtime serves (VersionResponse.runtime_api_version). */
export const CRI_API_VERSION = 'v1';
/** The kubelet's runtime API version; every CRI runtime answers "0.1.0". */
const KUBELET_API_VERSION = '0.1.0';
export const RUNTIME_NAME = 'ce';

export interface RuntimeServiceOptions {
  services: Pick<CeServices, 'system'>;
  podCidrs: PodCidrStore;
  networkReadiness: () => Promise<NetworkReadiness>;
  /** What Status's verbose info shows as "config": the adapter's own settings. */
  settings: Record<string, unknown>;
  sandboxes: ReturnType<typeof podSandboxes>;
  containers: ReturnType<typeof criContainers>;
  /** ExecSync and the streaming RPCs; UNIMPLEMENTED without. */
  streaming?: StreamingRpcs;
  events: Pick<ContainerEventHub, 'subscribe'>;
}

export function runtimeService(options: RuntimeServiceOptions): PromiseService<typeof RuntimeServiceService> {
  const { system } = options.services;
  const { sandboxes, containers, streaming } = options;
  const info = () => unary<InfoResponse>((cb) => system.info({}, cb));

  return withUnimplemented(RuntimeServiceService, {
    async version() {
      const ce = await unary<CeVersion>((cb) => system.version({}, cb));
      return { version: KUBELET_API_VERSION, runtimeName: RUNTIME_NAME, runtimeVersion: ce.version, runtimeApiVersion: CRI_API_VERSION };
    },

    async status(request) {
      const [daemon, network] = await Promise.all([info().then((i) => ({ info: i }), (err: unknown) => ({ error: asCeError(err) })), options.networkReadiness()]);
      const runtimeReady: RuntimeCondition =
        'info' in daemon
          ? { type: 'RuntimeReady', status: true, reason: '', message: '' }
          : { type: 'RuntimeReady', status: false, reason: 'CeDaemonUnreachable', message: daemon.error.message };
      const networkReady: RuntimeCondition = { type: 'NetworkReady', status: network.ready, reason: network.reason, message: network.message };
      const runtimes = 'info' in daemon ? daemon.info.runtimes : [];
      const infoMap: Record<string, string> = request.verbose
        ? {
            config: JSON.stringify({ ...options.settings, podCidrs: options.podCidrs.podCidrs, cgroupDriver: 'info' in daemon ? daemon.info.cgroupDriver : undefined }),
            cniconfig: JSON.stringify({ networks: network.networks }),
            lastCNILoadStatus: network.ready ? 'OK' : network.message,
          }
        : {};
      return {
        status: { conditions: [runtimeReady, networkReady] },
        info: infoMap,
        // The default handler ("") and each runtime ced offers; no pod features yet.
        runtimeHandlers: ['', ...runtimes].map((name) => ({ name, features: { recursiveReadOnlyMounts: false, userNamespaces: false } })),
        features: { supplementalGroupsPolicy: false },
      };
    },

    async runtimeConfig() {
      const { cgroupDriver } = await info();
      return { linux: { cgroupDriver: cgroupDriver === 'systemd' ? CgroupDriver.SYSTEMD : CgroupDriver.CGROUPFS } };
    },

    async updateRuntimeConfig(request) {
      await options.podCidrs.update(request.runtimeConfig?.networkConfig?.podCidr ?? '');
      return {};
    },

    runPodSandbox: (request) => sandboxes.run(request),
    async stopPodSandbox(request) {
      await sandboxes.stop(request.podSandboxId);
      return {};
    },
    async removePodSandbox(request) {
      await sandboxes.remove(request.podSandboxId);
      return {};
    },
    podSandboxStatus: (request) => sandboxes.status(request),
    listPodSandbox: (request) => sandboxes.list(request),
    podSandboxStats: async (request) => ({ stats: await sandboxes.stats(request.podSandboxId) }),
    listPodSandboxStats: async (request) => ({ stats: await sandboxes.listStats(request) }),

    createContainer: (request) => containers.create(request),
    async startContainer(request) {
      await containers.start(request.containerId);
      return {};
    },
    async stopContainer(request) {
      await containers.stop(request.containerId, Number(request.timeout));
      return {};
    },
    async removeContainer(request) {
      await containers.remove(request.containerId);
      return {};
    },
    listContainers: (request) => containers.list(request),
    containerStatus: (request) => containers.status(request.containerId, request.verbose),
    containerStats: async (request) => ({ stats: await containers.stats(request.containerId) }),
    listContainerStats: async (request) => ({ stats: await containers.listStats(request.filter) }),
    async updateContainerResources(request) {
      await containers.update(request);
      return {};
    },
    async reopenContainerLog(request) {
      await containers.reopenLog(request.containerId);
      return {};
    },
    ...(streaming
      ? {
          execSync: (request, context) => streaming.execSync(request, context?.signal),
          exec: (request) => streaming.exec(request),
          attach: (request) => streaming.attach(request),
          portForward: (request) => streaming.portForward(request),
        }
      : {}),
    getContainerEvents: (_request, ctx) => {
      const stream = options.events.subscribe(ctx.signal);
      // Subscribed: the client may go on knowing it misses nothing from here (crictl waits for the headers).
      ctx.accepted();
      return stream;
    },
  });
}
