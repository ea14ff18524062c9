import { RuntimeTable } from './containers/runtimes.js';
import { chown } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { containerInitPath } from '@ce/native';
import pino, { type Logger as PinoLogger } from 'pino';
import { daemonLogDestination } from './log-destination.js';
import { contentGrpcService, ImageStore, imagesGrpcService, imagesServiceImpl, snapshotsGrpcService, snapshotsServiceImpl } from '@ce/image-store';
import { logOptsToMap, serveListeningFd, serveUnix, type UnixServer } from '@ce/protocol';
import { activatedSocketFd, activatedSocketPath, isActivatedSocket } from './activated-socket.js';
import { detectCgroups } from '@ce/runtime';
import { Supervisor, SupervisorGrpcClient, supervisorGrpcService, supervisorServiceImpl, type SupervisorApi } from '@ce/supervisor';
import type { DaemonConfig } from './config.js';
import { ContainerService } from './containers/container-service.js';
import { ContainerStore } from './containers/container-store.js';
import { containersGrpcService, containersImplementation } from './containers/grpc.js';
import { ContainerFiles } from './containers/container-files.js';
import { ExecService } from './containers/exec.js';
import { ExecHealthProbe } from './containers/health-probe.js';
import { HealthMonitors } from './containers/health-monitor.js';
import { acquireDaemonLock } from './daemon-lock.js';
import { ensureEmbeddedImages } from './embedded-images.js';
import { lockDownFolders } from './lockdown.js';
import { socketGroupId, systemGroups } from './socket-group.js';
import { recover, type RecoveryReport } from './recovery.js';
import { reloadConfig, type ReloadOutcome } from './reload.js';
import { systemGrpcService, systemImplementation } from './system/system-service.js';
import { loadSecurityDefaults, seccompProfileName } from './containers/security-defaults.js';
import { logTaskWarnings } from './task-warnings.js';
import { daemonLogConfig } from './containers/log-driver.js';
import { EventLog } from './events/event-log.js';
import { eventPublisher } from './events/event-publisher.js';
import { eventsGrpcService } from './events/grpc.js';
import { withImageEvents } from './events/image-events.js';
import { TaskExitWatcher } from './events/task-exits.js';
import { createNetworkCheck } from './networking/create-check.js';
import { etcFilesWriter } from './networking/etc-files-writer.js';
import { networkStep, predefinedNetworkIds } from './networking/network-step.js';
import { ContainerConnector } from './networking/container-connector.js';
import { resumeEtcFiles } from './networking/resume-etc-files.js';
import { networksGrpcService, pruneNetworks } from './networking/network-grpc.js';
import { withNetworkEvents } from './networking/network-events.js';
import { openNetworking } from './networking/networking-subsystem.js';
import { layerDirs } from './containers/rootfs-files.js';
import { openVolumes, volumesGrpcService } from './volumes/index.js';
import { startDockerApi, type DockerApiServer } from '@ce/docker-api';
import { openBuilder } from './build/build-subsystem.js';
import { startCri, type CriServer } from '@ce/cri';
import { ENGINE_VERSION } from './version.js';

export interface Daemon {
  readonly config: DaemonConfig;
  /** The path of the socket ce.api.v1 is served on (config.socket's, or the activated socket's). */
  readonly socket: string;
  readonly logger: PinoLogger;
  readonly recovery: RecoveryReport;
  /** SIGHUP: applies the reloadable settings of `next` (log level, registries, runtimes); says what needs a restart. */
  reload(next: DaemonConfig): ReloadOutcome;
  /** Stops serving. Containers keep running in their shims (a restarted ced finds them). */
  close(): Promise<void>;
}

/**
 * ced's composition root: opens each layer, decides which are local and which
 * remote, reconciles state left by a previous run, then serves ce.api.v1,
 * ce.images.v1 (with the image store's ce.content.v1 and ce.snapshots.v1) and
 * ce.supervisor.v1 on one socket.
 */
export async function startDaemon(config: DaemonConfig): Promise<Daemon> {
  // Taken before any process starts, so that none inherits the activation's variables.
  const activatedFd = isActivatedSocket(config.socket) ? activatedSocketFd(config.socket) : undefined;
  const socketPath = activatedFd !== undefined ? activatedSocketPath(activatedFd) : config.socket;
  const logDefaults = daemonLogConfig(config.logDriver, logOptsToMap(config.logOpts ?? []));
  const groupWarnings: string[] = [];
  const socketGid = socketGroupId(config.socketGroup, systemGroups, (m) => groupWarnings.push(m));
  // Before the log, the lock or any layer: nothing may be written into a folder other users can traverse.
  const repaired = await lockDownFolders({ ...config, socket: socketPath });
  const lock = acquireDaemonLock(join(config.state, 'ced.pid'));
  const logger = pino(
    { level: config.logLevel, base: { pid: process.pid } },
    daemonLogDestination(config.logFile),
  );
  const started = performance.now();
  for (const message of groupWarnings) logger.warn(message);
  for (const r of repaired) logger.warn({ path: r.path, mode: r.from.toString(8), now: r.to.toString(8) }, 'folder was open to other users; made it private');
  try {
    const images = await ImageStore.open({
      root: join(config.root, 'image-store'),
      logger,
      registry: {
        insecureRegistries: config.insecureRegistries,
        mirrors: config.registryMirrors?.length ? { 'docker.io': config.registryMirrors } : undefined,
        certsDir: config.certsDir,
      },
    });
    await ensureEmbeddedImages(images, logger);

    const localSupervisor = config.supervisorAddress
      ? undefined
      : new Supervisor({
          stateDir: config.state,
          runtimeRoot: join(config.state, 'runtime'),
          logLevel: config.logLevel,
          logger,
          shimHost: config.shimMode === 'host',
        });
    const supervisor: SupervisorApi = localSupervisor ?? new SupervisorGrpcClient(config.supervisorAddress!);
    const stopTaskWarnings = logTaskWarnings(supervisor, logger);
    const eventLog = await EventLog.open({ dir: join(config.root, 'events'), logger });
    const events = eventPublisher(eventLog);
    // Subscribed before recovery lists the tasks, so that no exit after the listing is missed.
    const exits = new TaskExitWatcher(supervisor, logger);
    exits.start();

    const networking = await openNetworking(config.network, config, logger);
    const exists = (ref: string) => {
      try {
        containers.resolve(ref);
        return true;
      } catch {
        return false;
      }
    };
    const volumes = await openVolumes({
      root: config.root,
      resolveContainer: (ref) => containers.resolve(ref),
      layerDirs: (id) => layerDirs(images.rootfsMounts(id)),
      events,
    });
    const store = new ContainerStore(join(config.root, 'containers'));
    const initPath = config.initPath ? resolve(config.initPath) : builtContainerInit(logger);
    const containers: ContainerService = new ContainerService(
      store,
      images,
      supervisor,
      join(config.state, 'tasks'),
      logger,
      loadSecurityDefaults(config.seccompProfile),
      undefined, // the host's own devices and resources
      undefined, // ced's namespace and owner name
      {
        initPath,
        initByDefault: config.init,
        logDefaults,
        defaultUlimits: () => config.defaultUlimits ?? [],
        events,
        exits,
        runtimes: new RuntimeTable(config.runtimes, config.defaultRuntime),
        networkCheck: createNetworkCheck(networking.manager, exists),
        mounts: volumes.containerMounts,
        layerImages: withImageEvents(images, events),
      },
    );
    const etcFiles = etcFilesWriter({
      containerDir: (id) => store.containerDir(id),
      hostGatewayIp: networking.hostGatewayIp,
      daemonDns: config.network,
      linkedContainer: (ref) => {
        if (!exists(ref)) return undefined;
        const linked = containers.resolve(ref);
        return { name: linked.Name.replace(/^\//, ''), hostname: linked.Config.Hostname, ipv4: linked.NetworkSettings.Networks.bridge?.IPAddress };
      },
      setResolver: (id, settings) => networking.dns.setContainerResolver(id, settings),
      removeResolver: (id) => networking.dns.removeContainerResolver(id),
    });
    containers.pipeline.register(
      networkStep({
        networking: networking.manager,
        events,
        resolveContainer: (ref) => containers.resolve(ref),
        etcFiles,
        logger,
        predefinedNetworkId: predefinedNetworkIds(networking.manager),
      }),
      { before: 'spec' },
    );
    // After the network step: the user's mounts replace its /etc files, and all are sorted by depth together, as Docker's.
    volumes.registerStep(containers.pipeline);
    // docker rmi: an image a running container uses cannot be deleted by id, even with -f.
    images.useContainerState((rootfsKey) => containers.list(false).some((c) => c.Id === rootfsKey));
    // Docker's oom event: the shim reports the OOM killer's kills in the container's cgroup.
    exits.onTaskEvent((event) => {
      if (!event.oom) return;
      const record = containers.all().find((c) => c.Id === event.id);
      if (record) events.container(record, 'oom');
    });
    const connector = new ContainerConnector({
      networks: networking.manager,
      containers,
      etcFiles,
      events,
    });
    const execs = new ExecService(containers, supervisor, join(config.state, 'tasks'), logger, events);
    containers.useHealthMonitors(
      new HealthMonitors({
        probe: new ExecHealthProbe(execs),
        save: (r) => containers.save(r),
        logger,
        publishHealthStatus: (record, status) => events.container(record, `health_status: ${status}`),
      }),
    );
    // A RUN's container has anonymous volumes at the image's VOLUME paths, as Docker's builder's: they go with it.
    let buildContainers: ContainerService | undefined;
    const buildMounts = volumes.containerMountsFor((ref) => buildContainers!.resolve(ref));
    const builder = await openBuilder({
      root: config.root,
      state: config.state,
      images,
      supervisor,
      logger,
      security: loadSecurityDefaults(config.seccompProfile),
      containerOptions: {
        initPath,
        logDefaults,
        exits,
        runtimes: containers.runtimes,
        networkCheck: createNetworkCheck(networking.manager, () => false),
        mounts: buildMounts,
      },
      registerSteps: (service, containerDir) => {
        buildContainers = service;
        const buildEtcFiles = etcFilesWriter({
          containerDir,
          hostGatewayIp: networking.hostGatewayIp,
          daemonDns: config.network,
          setResolver: (id, settings) => networking.dns.setContainerResolver(id, settings),
          removeResolver: (id) => networking.dns.removeContainerResolver(id),
        });
        service.pipeline.register(networkStep({ networking: networking.manager, resolveContainer: (ref) => service.resolve(ref), etcFiles: buildEtcFiles, logger }), { before: 'spec' });
        volumes.registerStep(service.pipeline);
      },
    });
    const recovery = await recover(containers, supervisor, logger);
    await builder.recover();
    logger.info({ ...recovery }, 'recovered state from the previous run');
    volumes.adoptMounts((id) => containers.all().some((c) => c.Id === id && c.State.Running), logger);
    // After recovery tore down what died while ced was down: the rest is what runs.
    await networking.manager.reconcile(new Set(containers.list(false).map((c) => c.Id)));
    await resumeEtcFiles(containers.list(false), networking.manager, etcFiles);

    const cgroup = detectCgroups().mode;
    const networkService = withNetworkEvents(networking.manager, events);
    const imagesWithEvents = withImageEvents(images, events);
    const containersApi = containersImplementation(containers, execs, new ContainerFiles(containers, join(config.state, 'cp-mounts')));
    const systemApi = systemImplementation(cgroup, {
        containers,
        images,
        networks: { prune: (filters) => pruneNetworks(networkService, filters) },
        volumes: { prune: (filters) => volumes.service.prune(filters) },
        logger,
      }, {
        containerStatuses: () => containers.all().map((c) => c.State.Status),
        imageIds: async () => (await images.list()).map((i) => i.id),
        storageRoot: config.root,
        cgroupMode: cgroup,
        seccompProfile: seccompProfileName(config.seccompProfile),
        // Getters: SIGHUP may change them.
        get runtimes() {
          return containers.runtimes.list().map((r) => r.name);
        },
        get defaultRuntime() {
          return containers.runtimes.defaultName;
        },
        loggingDriver: logDefaults.Type,
        initBinary: initPath,
        get debug() {
          return config.logLevel === 'debug';
        },
        // Docker's: loopback is always reached over plain HTTP.
        get insecureRegistries() {
          return ['127.0.0.0/8', ...(config.insecureRegistries ?? [])];
        },
        get registryMirrors() {
          return config.registryMirrors ?? [];
        },
        networkPlugins: ['bridge', 'cni', 'host', 'null'],
        logPlugins: ['json-file', 'local'],
      });
    const services = [containersGrpcService(containersApi), networksGrpcService(networkService, connector), systemGrpcService(systemApi), imagesGrpcService(imagesWithEvents), contentGrpcService(images.content), snapshotsGrpcService(images.snapshotter), eventsGrpcService(eventLog), volumesGrpcService(volumes.service), builder.service];
    if (localSupervisor) services.push(supervisorGrpcService(localSupervisor));
    const server: UnixServer =
      activatedFd !== undefined ? await serveListeningFd(activatedFd, services) : await serveUnix(config.socket, services, { mode: 0o660 });
    if (activatedFd === undefined && socketGid !== undefined) await chown(config.socket, -1, socketGid);
    const ceSocket = server.path;
    let dockerApi: DockerApiServer | undefined;
    if (config.dockerHosts.length) {
      try {
        dockerApi = await startDockerApi({
          ceSocket,
          hosts: config.dockerHosts,
          socketMode: 0o660,
          socketGid,
          serverName: `ce/${ENGINE_VERSION} (linux)`,
          logger,
          local: { containers: containersApi, system: systemApi },
        });
      } catch (err) {
        await server.close();
        throw err;
      }
    }
    let cri: CriServer | undefined;
    if (config.criSocket) {
      try {
        cri = await startCri({
          ceSocket,
          socket: config.criSocket,
          ...(config.criStreamAddress ? { streamAddress: config.criStreamAddress } : {}),
          ...(config.criStreamPort !== undefined ? { streamPort: config.criStreamPort } : {}),
          stateDir: join(config.state, 'cri'),
          rootDir: join(config.root, 'cri'),
          ...(config.supervisorAddress ? { supervisorSocket: config.supervisorAddress } : {}),
          resolveRuntime: (handler) => containers.runtimes.resolve(handler),
          // The services ce.sock serves, called in process (decision 0055's addendum).
          local: {
            images: imagesServiceImpl(imagesWithEvents),
            snapshots: snapshotsServiceImpl(images.snapshotter),
            ...(localSupervisor ? { supervisor: supervisorServiceImpl(localSupervisor) } : {}),
          },
          ...(config.network.cniConfigDir ? { cniConfDir: config.network.cniConfigDir } : {}),
          ...(config.network.cniBinDirs?.length ? { cniBinDirs: config.network.cniBinDirs } : {}),
          socketMode: 0o660,
          socketGid,
          logger,
        });
      } catch (err) {
        await dockerApi?.close();
        await server.close();
        throw err;
      }
    }
    localSupervisor?.startSpare();
    logger.info({ socket: ceSocket, ...(activatedFd !== undefined ? { activatedFd } : {}), dockerApi: dockerApi?.addresses, cri: cri?.socket, root: config.root, state: config.state, startupMs: Math.round(performance.now() - started) }, 'ced listening');

    return {
      config,
      socket: ceSocket,
      logger,
      recovery,
      reload(next) {
        return reloadConfig(config, next, {
          setRuntimes: (runtimes, defaultRuntime) => containers.runtimes.replace(runtimes, defaultRuntime),
          setLogLevel: (level) => (logger.level = level),
          setRegistryEndpoints: (insecureRegistries, mirrors) =>
            images.setRegistryEndpoints({ insecureRegistries, mirrors: mirrors.length ? { 'docker.io': mirrors } : undefined }),
        });
      },
      async close() {
        await cri?.close();
        await dockerApi?.close();
        await server.close();
        containers.close();
        builder.containers.close();
        stopTaskWarnings();
        exits.close();
        await eventLog.close();
        await localSupervisor?.close();
        await networking.close();
        logger.info('ced stopped');
        logger.flush();
        lock.release();
      },
    };
  } catch (err) {
    logger.fatal({ err }, 'ced failed to start');
    logger.flush();
    lock.release();
    throw err;
  }
}

/** @ce/native's ce-container-init, or undefined (logged) when it was not built: only --init needs it. */
function builtContainerInit(logger: { warn(o: object, m: string): void }): string | undefined {
  try {
    return containerInitPath();
  } catch (err) {
    logger.warn({ err: (err as Error).message }, 'no init for --init');
    return undefined;
  }
}
