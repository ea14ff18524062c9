import { randomBytes } from 'node:crypto';
import { TaskStatus } from '@ce/protocol/gen/ce/types/v1/task';
import { mkdir, writeFile } from 'node:fs/promises';
import { constants, hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import {
  alreadyExists,
  DEFAULT_NAMESPACE,
  DeferredAttach,
  exitCodeForExecFailure,
  NAMESPACE_LABEL,
  OWNER_LABEL,
  failedPrecondition,
  invalidArgument,
  isCeError,
  notFound,
  Laps,
  type AttachOptions,
  type AttachSession,
  type Logger,
} from '@ce/protocol';
import type { Mount } from '@ce/protocol/gen/ce/types/v1/mount';
import { detectCgroups } from '@ce/runtime';
import { applySpecOptsSync } from '@ce/runtime/spec';
import type { SupervisorApi } from '@ce/supervisor';
import { noEvents, type EventPublisher } from '../events/event-publisher.js';
import { waitTaskExits, type TaskExits } from '../events/task-exits.js';
import { removeBundle } from './bundle-dir.js';
import type { ContainerStore } from './container-store.js';
import { StartPipeline, type StartContext, type StartStep } from './start-pipeline.js';
import type { CreateNetworkCheck, NetworkingConfig } from '../networking/create-check.js';
import { hostDevice, hostResources } from './host-devices.js';
import { generateName, validateName } from './names.js';
import { containerSpec } from './oci-spec.js';
import { parseUserSpec, resolveUser, type ExecUser } from './process-user.js';
import { readRootfsFile } from './rootfs-files.js';
import { resolveArgs, type ImageRunConfig } from './process-args.js';
import {
  exitedState,
  failedStartState,
  mergeContainerConfig,
  mergeHostConfig,
  newContainerRecord,
  runningState,
  withStatus,
  type CreateRequestConfig,
} from './model/index.js';
import type { EndpointSettings, RestartPolicy } from './model/docker-types.js';
import { migrateV1 } from './model/migrate.js';
import { CONTAINER_RECORD_SCHEMA, containerName, type ContainerRecord, type StoredMountPoint } from './record.js';
import type { ContainerConfig, HostConfig } from './model/docker-types.js';
import { inspectMounts } from './mount-points.js';
import { checkResources, withDefaultUlimits, type DeviceLookup, type HostResources } from './resource-options.js';
import { loadSecurityDefaults } from './security-defaults.js';
import type { SecurityDefaults } from './security-options.js';
import { parseSignal } from './signals.js';
import { containerLogFile, DEFAULT_DAEMON_LOG_CONFIG, newContainerLogConfig, type ContainerLogFile } from './log-driver.js';
import type { LogConfig, Ulimit } from './model/docker-types.js';
import { pauseContainer, thawAfterSignal, unpauseContainer } from './pause.js';
import { newImageName } from '@ce/image-store/new-image';
import { commitConfig, commitContainer, type CommitOptions, type LayerImages } from './commit.js';
import { containerStats, type StatsOptions } from './stats.js';
import type { TaskContext } from './task-context.js';
import { top, type TopResult } from './top.js';
import { updateContainer } from './update.js';
import type { ContainerStats } from '@ce/protocol/gen/ce/api/v1/containers';
import type { Resources } from '@ce/protocol/gen/ce/types/v1/resources';
import { usesInit, withContainerInit } from './init-process.js';
import type { HealthMonitors } from './health-monitor.js';
import { checkHealthcheck } from './health-state.js';
import { RestartManager, type RestartClock } from './restart-manager.js';
import { checkRestartPolicy } from './restart-policy.js';
import { RuntimeTable } from './runtimes.js';
import { runcV1DeviceRules } from './runc-devices.js';

/** What containers need of the image store. */
export interface ContainerImages {
  get(reference: string): Promise<{ id: string; name: string; config: { config?: ImageRunConfig } }>;
  /** Creates the container's writable snapshot over the image's layers (unpacking them if needed), labelled with its owner. */
  prepareRootfs(key: string, reference: string, labels?: Record<string, string>): Promise<Mount[]>;
  /** The labels a container rootfs was prepared with. */
  rootfsLabels(key: string): Record<string, string>;
  /** The mounts of a snapshot made earlier; NotFound if there is none. */
  rootfsMounts(key: string): Mount[];
  removeRootfs(key: string): Promise<void>;
  /** Every container rootfs the store holds. */
  rootfsKeys(): string[];
}

/** What `ce run`/`docker create` asks for: a name (empty: generated) and Docker's Config and HostConfig. */
export interface CreateOptions extends CreateRequestConfig {
  name: string;
  /** Docker's NetworkingConfig: endpoint settings (aliases, IPAM config) for the network of NetworkMode. */
  networkingConfig?: NetworkingConfig;
}

/** What ced reads of the host for resource settings; tests give their own. */
export interface HostFacts {
  device: DeviceLookup;
  resources: () => HostResources;
}

/** dockerd's --init and --init-path; the clock of restart back-offs (tests give a fake one). */
export interface ContainerServiceOptions {
  /** Host path of the static init that --init mounts at /sbin/docker-init. */
  initPath?: string;
  /** Containers without --init/--init=false run the init (dockerd --init). */
  initByDefault?: boolean;
  restartClock?: RestartClock;
  /** The OCI runtimes containers may name in HostConfig.Runtime (dockerd's --add-runtime, --default-runtime). */
  runtimes?: RuntimeTable;
  /** ced's --log-driver and --log-opt (dockerd's log-driver and log-opts). */
  logDefaults?: LogConfig;
  /** Rlimits of containers that set none of that name (dockerd's default-ulimits); read at each start. */
  defaultUlimits?: () => readonly Ulimit[];
  /** Where container events go (docs/architecture.md, "Events"); none by default. */
  events?: EventPublisher;
  /** How exits are learnt: ced's TaskExitWatcher; by default one waitTask per task. */
  exits?: TaskExits;
  /** Create's network checks (the networking subsystem); without it a container gets its NetworkMode's network unchecked. */
  networkCheck?: CreateNetworkCheck;
  /** The volumes subsystem's part of create and remove; without it a container has no binds, volumes or tmpfs mounts. */
  mounts?: ContainerMountsHook;
  /** Commit and export (the image store); without it both are refused. */
  layerImages?: LayerImages;
}

/** What create, load and remove ask of the volumes subsystem (volumes/container-mounts.ts). */
export interface ContainerMountsHook {
  /** Checks the mount specs (Binds, Mounts, Tmpfs, VolumesFrom) before anything is created; throws Docker's errors. */
  check(hostConfig: Partial<HostConfig>): void;
  /** The container's mount points, its volumes created and referenced; undoes itself on failure. */
  register(id: string, config: ContainerConfig, hostConfig: HostConfig): Promise<StoredMountPoint[]>;
  /** A record loaded at start-up takes its volume references again. */
  restore(record: ContainerRecord): void;
  /** A removed container lets go of its volumes (and, with removeVolumes, removes its anonymous ones); returns what could not be removed. */
  release(record: ContainerRecord, removeVolumes: boolean): Promise<string[]>;
}

/** The owner label ced puts on its tasks and container layers. */
export const CED_OWNER = 'ced';

/** Docker's default wait between the stop signal and SIGKILL. */
export const DEFAULT_STOP_TIMEOUT_SECONDS = 10;

export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

interface Waiter {
  condition: WaitCondition;
  resolve: (exitCode: number) => void;
}

/**
 * Docker's container model over the image store and the supervisor. Each
 * container is a record on disk; while it runs it also has a task in a shim.
 */
export class ContainerService {
  private readonly containers = new Map<string, ContainerRecord>();
  private readonly waiters = new Map<string, Set<Waiter>>();
  private readonly pendingAttaches = new Map<string, Set<DeferredAttach>>();
  private readonly exitHandled = new Map<string, Promise<void>>();
  /** Exits whose task is still being deleted: a start or a removal waits for it (wait may have answered already). */
  private readonly teardowns = new Map<string, Promise<void>>();
  /** Starts in flight, so that remove, attach and a second start wait for them. */
  private readonly starting = new Map<string, Promise<void>>();
  /** --rm containers being restarted: their exit must not remove them. */
  private readonly restarting = new Set<string>();
  /** Containers whose exit tore their task and start steps down: their removal need not do it again. */
  private readonly tornDown = new Set<string>();
  /** Names of containers being created: taken before the first await. */
  private readonly reservedNames = new Set<string>();
  /** The start steps; subsystems register theirs here (see StartPipeline). */
  readonly pipeline: StartPipeline;

  private readonly events: EventPublisher;
  private readonly exits: TaskExits;

  constructor(
    private readonly store: ContainerStore,
    private readonly images: ContainerImages,
    private readonly supervisor: SupervisorApi,
    private readonly tasksDir: string,
    private readonly logger: Logger,
    private readonly security: SecurityDefaults = loadSecurityDefaults(),
    private readonly host: HostFacts = { device: hostDevice, resources: hostResources },
    /** The namespace ced's containers live in and the owner name on what it makes. */
    readonly owner: { namespace: string; name: string } = { namespace: DEFAULT_NAMESPACE, name: CED_OWNER },
    private readonly options: ContainerServiceOptions = {},
  ) {
    this.events = options.events ?? noEvents;
    this.exits = options.exits ?? waitTaskExits(supervisor);
    this.pipeline = new StartPipeline(logger);
    for (const step of this.builtinSteps()) this.pipeline.register(step);
    this.restarts = new RestartManager(
      { restart: (id) => this.restartByPolicy(id), restartFailed: (id, err) => this.restartFailed(id, err) },
      logger,
      options.restartClock,
    );
  }

  /** Restart policies: decisions, back-offs and pending restarts (restart-manager.ts). */
  private readonly restarts: RestartManager;

  /** The OCI runtimes HostConfig.Runtime may name. */
  get runtimes(): RuntimeTable {
    return (this.runtimeTable ??= this.options.runtimes ?? new RuntimeTable());
  }
  private runtimeTable: RuntimeTable | undefined;

  /** Cancels pending restarts (ced stopping): the records keep "restarting", for the next ced to start them. */
  close(): void {
    this.restarts.close();
    this.health?.close();
  }

  /** Health checks (health-monitor.ts): probed while running, stopped on exit and pause. */
  private health?: HealthMonitors;

  useHealthMonitors(health: HealthMonitors): void {
    this.health = health;
  }

  /** Loads the records; recovery.ts reconciles them with the running tasks. */
  async load(): Promise<{ records: ContainerRecord[]; problems: { id: string; error: string }[] }> {
    const loaded = await this.store.loadAll();
    const problems = [...loaded.problems];
    for (const v1 of loaded.legacy) {
      try {
        const image = await this.images.get(v1.imageId).then((i) => i.config.config, () => undefined);
        const record = migrateV1(v1, image, this.store.logPath(v1.id));
        await this.store.save(record);
        loaded.records.push(record);
        this.logger.info({ id: v1.id }, `container record migrated to schema ${CONTAINER_RECORD_SCHEMA}`);
      } catch (err) {
        problems.push({ id: v1.id, error: `could not migrate the record: ${(err as Error).message}` });
      }
    }
    for (const r of loaded.records) {
      this.containers.set(r.Id, r);
      this.options.mounts?.restore(r);
    }
    return { records: loaded.records, problems };
  }

  /**
   * Removes container layers that no record owns: left by a ced killed
   * between preparing a container's rootfs and saving its record.
   */
  async removeOrphanRootfs(): Promise<number> {
    let removed = 0;
    for (const key of this.images.rootfsKeys()) {
      if (this.containers.has(key) || !this.owns(this.images.rootfsLabels(key))) continue;
      try {
        await this.images.removeRootfs(key);
        removed++;
      } catch (err) {
        this.logger.error({ key, err: (err as Error).message }, 'could not remove a container layer that no record owns');
      }
    }
    return removed;
  }

  /** The labels on what ced makes for its containers (their layers). */
  private ownerLabels(): Record<string, string> {
    return { [NAMESPACE_LABEL]: this.owner.namespace, [OWNER_LABEL]: this.owner.name };
  }

  /** Whether labels name ced's namespace and owner; unlabelled things predate namespaces and were ced's. */
  owns(labels: Record<string, string>): boolean {
    if (!(NAMESPACE_LABEL in labels) && !(OWNER_LABEL in labels)) return this.owner.namespace === DEFAULT_NAMESPACE;
    return labels[NAMESPACE_LABEL] === this.owner.namespace && labels[OWNER_LABEL] === this.owner.name;
  }

  /** Persists a record changed by recovery. */
  save(record: ContainerRecord): Promise<void> {
    return this.store.save(record);
  }

  all(): ContainerRecord[] {
    return [...this.containers.values()];
  }

  async create(options: CreateOptions): Promise<ContainerRecord> {
    if (!options.config.Image) throw invalidArgument('an image is required');
    // Before the image, as dockerd checks the host config first.
    checkRestartPolicy(options.hostConfig);
    checkHealthcheck(options.config.Healthcheck);
    this.options.mounts?.check(options.hostConfig);
    const runtime = this.runtimes.resolve(options.hostConfig.Runtime ?? '').name;
    options = { ...options, hostConfig: { ...options.hostConfig, Runtime: runtime } };
    const laps = new Laps();
    const image = await this.images.get(options.config.Image);
    laps.lap('image');
    const runConfig = image.config.config ?? {};
    const networks = await this.options.networkCheck?.networksFor(options.config, options.hostConfig, options.networkingConfig ?? {});
    laps.lap('networkCheck');
    const name = options.name ? validateName(options.name) : generateName((n) => this.byName(n) !== undefined || this.reservedNames.has(n));
    const holder = this.byName(name);
    if (holder || this.reservedNames.has(name)) {
      throw alreadyExists(
        `Conflict. The container name "/${name}" is already in use by container "${holder?.Id ?? 'being created'}". You have to remove (or rename) that container to be able to reuse that name.`,
      );
    }
    this.reservedNames.add(name);
    try {
      return await this.createReserved(name, options, image.id, runConfig, laps, networks);
    } finally {
      this.reservedNames.delete(name);
    }
  }

  private async createReserved(name: string, options: CreateOptions, imageId: string, runConfig: ImageRunConfig, laps: Laps, networks?: Record<string, EndpointSettings>): Promise<ContainerRecord> {
    const id = randomBytes(32).toString('hex');
    const config = mergeContainerConfig(id, options.config, runConfig);
    // As Docker: a container in the host's network namespace is named as the host.
    if (options.hostConfig.NetworkMode === 'host' && !options.config.Hostname) config.Hostname = osHostname();
    const hostConfig = checkResources(mergeHostConfig(options.hostConfig), this.host.resources());
    hostConfig.LogConfig = newContainerLogConfig(options.hostConfig.LogConfig, this.options.logDefaults ?? DEFAULT_DAEMON_LOG_CONFIG);
    const [path = '', ...args] = resolveArgs(runConfig, options.config.Entrypoint ?? undefined, options.config.Cmd ?? undefined);
    if (config.StopSignal) parseSignal(config.StopSignal);
    const record = newContainerRecord({ id, name, created: new Date().toISOString(), path, args, imageId, config, hostConfig, networks });
    // Validates ids, env, args, cwd and security options now rather than at start; names in the user resolve at start, as Docker's do.
    parseUserSpec(record.Config.User);
    this.spec(record, { uid: 0, gid: 0, additionalGids: [], home: '/' });
    laps.lap('config');
    // As docker create does, the writable layer exists from create on.
    const rootfs = await this.images.prepareRootfs(id, imageId, this.ownerLabels());
    laps.lap('rootfs');
    record.GraphDriver.Data = graphDriverData(rootfs);
    let mountsTaken = false;
    try {
      if (this.options.mounts) {
        record.MountPoints = await this.options.mounts.register(id, record.Config, record.HostConfig);
        mountsTaken = true;
        record.Mounts = inspectMounts(record.MountPoints);
      }
      laps.lap('mounts');
      await this.store.save(record);
      laps.lap('save');
    } catch (err) {
      if (mountsTaken) await this.options.mounts?.release(record, true).catch(() => undefined);
      await this.images.removeRootfs(id).catch(() => undefined);
      await this.store.remove(id).catch(() => undefined);
      throw err;
    }
    this.containers.set(id, record);
    this.events.container(record, 'create');
    this.logger.info({ id, name, image: record.Config.Image, timings: laps.ms }, 'container created');
    return record;
  }

  private spec(record: ContainerRecord, user: ExecUser) {
    const ulimits = withDefaultUlimits(record.HostConfig.Ulimits, this.options.defaultUlimits?.() ?? []);
    const spec = containerSpec(ulimits === record.HostConfig.Ulimits ? record : { ...record, HostConfig: { ...record.HostConfig, Ulimits: ulimits } }, user, this.security, this.host.device, this.owner);
    if (usesInit(record.HostConfig.Init, this.options.initByDefault ?? false)) {
      if (!this.options.initPath) throw failedPrecondition('exec: "docker-init": executable file not found in $PATH');
      withContainerInit(this.options.initPath)(spec, {});
    }
    return spec;
  }

  /**
   * Starts a container; a second start while one is in flight joins it.
   * Resolves false when it was running (or restarting) already: nothing was done.
   */
  async start(ref: string): Promise<boolean> {
    const record = this.resolve(ref);
    const alreadyUp = !this.starting.has(record.Id) && (record.State.Status === 'running' || record.State.Status === 'restarting');
    await this.startRecord(record, true);
    return !alreadyUp;
  }

  /**
   * A user's start (`byUser`: as Docker's, it starts the restart count and
   * back-off over and forgets a manual stop) or a restart policy's.
   */
  private startRecord(record: ContainerRecord, byUser: boolean): Promise<void> {
    const inFlight = this.starting.get(record.Id);
    if (inFlight) return inFlight;
    if (record.State.Status === 'paused') return Promise.reject(failedPrecondition('cannot start a paused container, try unpause instead'));
    if (record.State.Status === 'running' || (byUser && record.State.Status === 'restarting')) return Promise.resolve();
    if (byUser) {
      this.restarts.reset(record.Id);
      record.RestartCount = 0;
      record.HasBeenManuallyStopped = false;
    }
    if (record.State.Status === 'removing' || record.State.Status === 'dead') {
      return Promise.reject(failedPrecondition(`cannot start container ${record.Id}: it is ${record.State.Status}`));
    }
    const starting = this.startNow(record).finally(() => this.starting.delete(record.Id));
    this.starting.set(record.Id, starting);
    return starting;
  }

  private async startNow(record: ContainerRecord): Promise<void> {
    const id = record.Id;
    await this.teardowns.get(id);
    this.tornDown.delete(id);
    const t0 = performance.now();
    const ctx: StartContext = { record, bundle: join(this.tasksDir, id), rootfs: this.images.rootfsMounts(id), specOpts: [] };
    let setUp = false;
    try {
      const stepTimings = await this.pipeline.setup(ctx);
      setUp = true;
      const t1 = performance.now();
      await this.connectPendingAttaches(id);
      await this.supervisor.startTask({ id });
      const t2 = performance.now();
      record.State = runningState(record.State, ctx.pid ?? 0, new Date());
      this.health?.reset(record);
      // As Docker's inspect shows it: the json-file log only.
      const log = this.logFile(record);
      record.LogPath = log?.driver === 'json-file' ? log.path : '';
      await this.store.save(record);
      this.events.container(record, 'start');
      this.logger.info({ id, pid: ctx.pid, timings: { ...stepTimings, setupMs: round(t1 - t0), startTaskMs: round(t2 - t1) } }, 'container started');
      this.watchExit(record);
    } catch (err) {
      this.logger.warn({ id, err: (err as Error).message }, 'container start failed');
      if (setUp) await this.pipeline.teardown(record, 'failed-start').catch(() => undefined);
      for (const a of this.pendingAttaches.get(id) ?? []) a.abandon();
      this.pendingAttaches.delete(id);
      record.State = failedStartState(record.State, exitCodeForStartError(err), (err as Error).message);
      await this.store.save(record);
      if (record.HostConfig.AutoRemove) await this.removeRecord(record, true);
      throw err;
    }
  }

  /**
   * ced's own start steps: the bundle folder, the OCI spec (ced's options,
   * then those other steps added), the task in its shim. Other subsystems
   * register theirs around them (a network step before 'spec', say).
   */
  private builtinSteps(): StartStep[] {
    return [
      {
        name: 'bundle',
        setup: async (ctx) => {
          await mkdir(join(ctx.bundle, 'rootfs'), { recursive: true, mode: 0o711 });
        },
        teardown: async (record) => {
          // The supervisor unmounted what a dead shim left; a bundle still mounted is not reached into.
          await removeBundle(join(this.tasksDir, record.Id), this.logger);
        },
      },
      {
        name: 'spec',
        setup: async (ctx) => {
          const user = await this.execUser(ctx.record, ctx.rootfs);
          const spec = applySpecOptsSync(this.spec(ctx.record, user), ctx.specOpts);
          const devices = spec.linux?.resources?.devices;
          if (devices && this.runtimes.resolve(ctx.record.HostConfig.Runtime).path && detectCgroups().mode !== 'v2') {
            spec.linux!.resources!.devices = runcV1DeviceRules(devices);
          }
          // Made again at every start and read once by the runtime: written without fsync, as containerd writes a bundle's spec.
          await writeFile(join(ctx.bundle, 'config.json'), JSON.stringify(spec), { mode: 0o600 });
        },
        teardown: async () => undefined, // the bundle step removes the folder
      },
      {
        name: 'task',
        setup: async (ctx) => {
          const runtime = this.runtimes.resolve(ctx.record.HostConfig.Runtime);
          const created = await this.supervisor.createTask({
            id: ctx.record.Id,
            runtime: runtime.name,
            runtimePath: runtime.path,
            bundle: ctx.bundle,
            rootfs: ctx.rootfs,
            terminal: ctx.record.Config.Tty,
            stdin: ctx.record.Config.OpenStdin,
            ...this.logTarget(ctx.record),
            namespace: this.owner.namespace,
            labels: { [OWNER_LABEL]: this.owner.name },
          });
          ctx.pid = created.pid;
        },
        teardown: (record, reason) => this.deleteTaskOnly(record.Id, reason === 'failed-start'),
      },
    ];
  }

  /** The container's user resolved against its own /etc/passwd and /etc/group, as they are now. */
  /** A user of the container (docker exec -u) resolved against its own /etc/passwd and /etc/group, as they are now. */
  userInContainer(record: ContainerRecord, user: string): Promise<ExecUser> {
    return this.execUser({ ...record, Config: { ...record.Config, User: user } }, this.images.rootfsMounts(record.Id));
  }

  private async execUser(record: ContainerRecord, rootfs: readonly Mount[]): Promise<ExecUser> {
    const [passwd, group] = await Promise.all([readRootfsFile(rootfs, 'etc/passwd'), readRootfsFile(rootfs, 'etc/group')]);
    return resolveUser(record.Config.User, passwd, group, record.HostConfig.GroupAdd ?? []);
  }

  /**
   * Attaches to a running container, or (as docker run and docker start -a
   * do) to a created or exited one that is about to start. As Docker's
   * daemon does, stdin is attached only if the container keeps it open.
   */
  attach(requested: AttachOptions): AttachSession {
    const record = this.resolve(requested.id);
    const options: AttachOptions = { ...requested, id: record.Id, stdin: requested.stdin && record.Config.OpenStdin };
    const status = record.State.Status;
    if (status !== 'running' && status !== 'created' && status !== 'exited') throw failedPrecondition(`You cannot attach to a container that is ${status}`);
    this.events.container(record, 'attach');
    if (status === 'running') return this.supervisor.attachTask(options);
    const starting = this.starting.get(record.Id);
    if (starting) {
      // Too late to be connected before the process runs: joins it once started.
      const deferred = new DeferredAttach(options, () => undefined);
      starting.then(
        () => deferred.connect(this.supervisor.attachTask(options)),
        (err) => deferred.abandon(err),
      );
      return deferred;
    }
    let set = this.pendingAttaches.get(record.Id);
    if (!set) this.pendingAttaches.set(record.Id, (set = new Set()));
    const deferred: DeferredAttach = new DeferredAttach(options, () => set!.delete(deferred));
    set.add(deferred);
    return deferred;
  }

  /** The terminal size of a running container's tty. */
  async resize(ref: string, width: number, height: number): Promise<void> {
    const record = this.resolve(ref);
    if (record.State.Status !== 'running') throw failedPrecondition(`Container ${record.Id} is not running`);
    await this.supervisor.resizeTaskPty({ id: record.Id, width, height });
  }

  async wait(ref: string, condition: WaitCondition): Promise<number> {
    const record = this.resolve(ref);
    if (condition === 'not-running' && !record.State.Running) return record.State.ExitCode;
    return new Promise<number>((resolve) => {
      let set = this.waiters.get(record.Id);
      if (!set) this.waiters.set(record.Id, (set = new Set()));
      set.add({ condition, resolve });
    });
  }

  async kill(ref: string, signal: string): Promise<void> {
    const record = this.resolve(ref);
    const number = parseSignal(signal);
    if (!record.State.Running) throw failedPrecondition(`Container ${record.Id} is not running`);
    // As dockerd's kill: a user's kill is a manual stop, and SIGKILL or the stop signal make the next exit final.
    this.markManuallyStopped(record);
    const final = number === constants.signals.SIGKILL || number === parseSignal(record.Config.StopSignal || 'SIGTERM');
    if (record.State.Status === 'restarting') {
      if (final) await this.cancelRestart(record);
      else await this.store.save(record);
      return;
    }
    if (final) this.restarts.stopRequested(record.Id, true);
    await this.signal(record, number, false);
    await thawAfterSignal(record, number, parseSignal(record.Config.StopSignal || 'SIGTERM'), this.tasks);
  }

  /** Whether the container's task has exited (its shim still holds it), or is gone. */
  private taskStopped(id: string): Promise<boolean> {
    return this.supervisor.taskState({ id }).then(
      (task) => task.status === TaskStatus.TASK_STATUS_STOPPED,
      (err) => isCeError(err, 'NotFound'),
    );
  }

  /** Sends a signal to a container's task; Docker's `kill` event follows once it is sent. */
  private async signal(record: ContainerRecord, signal: number, all: boolean): Promise<void> {
    await this.supervisor.killTask({ id: record.Id, signal, all });
    this.events.container(record, 'kill', { signal: String(signal) });
  }

  /**
   * Docker's stop: the container's stop signal, then SIGKILL if it is still
   * running after `timeoutSeconds` (unset: the container's --stop-timeout,
   * else 10; negative: no SIGKILL). Resolves once the exit is recorded. A
   * container that is not running is left as it is: false.
   */
  async stop(ref: string, timeoutSeconds?: number): Promise<boolean> {
    const record = this.resolve(ref);
    await this.starting.get(record.Id)?.catch(() => undefined);
    await this.exitSettled(record);
    if (record.State.Status === 'restarting') {
      this.markManuallyStopped(record);
      await this.cancelRestart(record);
      return true;
    }
    if (record.State.Status !== 'running' && record.State.Status !== 'paused') return false;
    this.markManuallyStopped(record);
    this.restarts.stopRequested(record.Id, true);
    const exited = this.exitHandled.get(record.Id);
    if (!exited) throw failedPrecondition(`container ${record.Id} is running but ced does not follow its task`);
    const timeout = timeoutSeconds ?? record.Config.StopTimeout ?? DEFAULT_STOP_TIMEOUT_SECONDS;
    const signal = parseSignal(record.Config.StopSignal || 'SIGTERM');
    const taskGone = (err: unknown) => {
      if (!isCeError(err, 'NotFound')) throw err;
    };
    try {
      await this.signal(record, signal, false);
      await thawAfterSignal(record, signal, signal, this.tasks);
    } catch (err) {
      // As Docker does: the process most likely exited meanwhile; if it has not within 2 s, the error was real and SIGKILL follows.
      this.logger.info({ id: record.Id, err: (err as Error).message }, 'the stop signal could not be sent');
      if (!(await settlesWithin(exited, 2000))) await this.signal(record, constants.signals.SIGKILL, true).catch(taskGone);
    }
    if (timeout >= 0 && !(await settlesWithin(exited, timeout * 1000))) {
      this.logger.info({ id: record.Id, timeout, signal }, 'container did not exit after its stop signal: killing it');
      await this.signal(record, constants.signals.SIGKILL, true).catch(taskGone);
      await thawAfterSignal(record, constants.signals.SIGKILL, signal, this.tasks);
    }
    await exited;
    this.events.container(record, 'stop');
    return true;
  }

  /** Docker's restart: stop if running, then start on the same writable layer. */
  async restart(ref: string, timeoutSeconds?: number): Promise<void> {
    const record = this.resolve(ref);
    // As Docker does, a --rm container survives its restart.
    this.restarting.add(record.Id);
    try {
      await this.stop(record.Id, timeoutSeconds);
    } finally {
      this.restarting.delete(record.Id);
    }
    if (!this.containers.has(record.Id)) throw notFound(`No such container: ${ref}`); // removed meanwhile
    await this.start(record.Id);
    this.events.container(record, 'restart');
  }

  /** Docker's rm; `removeVolumes` (rm -v) also removes the container's anonymous volumes that no other container uses. */
  async remove(ref: string, force: boolean, removeVolumes = false): Promise<void> {
    const record = this.resolve(ref);
    const starting = this.starting.get(record.Id);
    if (starting) {
      if (!force) throw failedPrecondition(`You cannot remove a running container ${record.Id}. Stop the container before attempting removal or force remove`);
      await starting.catch(() => undefined);
      if (!this.containers.has(record.Id)) return; // a failed start of a --rm container removed it
    }
    await this.exitSettled(record);
    if (record.State.Status === 'removing') throw failedPrecondition(`removal of container ${record.Id} is already in progress`);
    if (record.State.Status === 'restarting') {
      if (!force) {
        throw failedPrecondition(`You cannot remove a restarting container ${record.Id}. Stop the container before attempting removal or force remove`);
      }
      await this.cancelRestart(record);
    }
    const live = record.State.Status === 'running' || record.State.Status === 'paused';
    if (live) this.restarts.stopRequested(record.Id, true);
    if (live) {
      if (!force) {
        throw failedPrecondition(
          `You cannot remove a running container ${record.Id}. Stop the container before attempting removal or force remove`,
        );
      }
      await this.signal(record, constants.signals.SIGKILL, true).catch(async (err) => {
        if (isCeError(err, 'NotFound')) return;
        // The task ended on its own between ced's look and the kill: its exit is on its way.
        if (isCeError(err, 'FailedPrecondition') && (await this.taskStopped(record.Id))) return;
        throw err;
      });
      await thawAfterSignal(record, constants.signals.SIGKILL, constants.signals.SIGKILL, this.tasks);
      await this.exitHandled.get(record.Id);
    }
    await this.removeRecord(record, removeVolumes);
  }

  /**
   * Removes a container that is not running: its task if one is left (a
   * process whose shim died may still use the layer), its layer, its
   * record, then tells waiters.
   */
  private async removeRecord(record: ContainerRecord, removeVolumes = false, laps = new Laps()): Promise<void> {
    if (!this.containers.has(record.Id) || record.State.Status === 'removing') return;
    record.State = withStatus(record.State, 'removing');
    try {
      await this.teardowns.get(record.Id);
      if (!this.tornDown.delete(record.Id)) await this.deleteTask(record.Id, false);
      laps.lap('deleteTask');
      await this.images.removeRootfs(record.Id).catch((err) => {
        if (!isCeError(err, 'NotFound')) throw err;
      });
      laps.lap('removeRootfs');
      await this.store.remove(record.Id);
      laps.lap('removeRecord');
    } catch (err) {
      record.State = { ...withStatus(record.State, 'dead'), Error: (err as Error).message };
      await this.store.save(record).catch(() => undefined);
      throw err;
    }
    this.containers.delete(record.Id);
    for (const problem of (await this.options.mounts?.release(record, removeVolumes)) ?? []) {
      this.logger.warn({ id: record.Id, err: problem }, 'could not remove a volume of a removed container');
    }
    this.events.container(record, 'destroy');
    this.restarts.reset(record.Id);
    laps.lap('release');
    this.logger.info({ id: record.Id, timings: laps.ms }, 'container removed');
    this.notify(record.Id, ['removed'], record.State.ExitCode);
    this.waiters.delete(record.Id);
  }

  /** docker rename: the same checks as create's name, taken before the first await; the hostname stays. */
  async rename(ref: string, newName: string): Promise<{ record: ContainerRecord; oldName: string }> {
    const record = this.resolve(ref);
    if (!newName) throw invalidArgument('Neither old nor new names may be empty');
    const name = validateName(newName);
    const oldName = containerName(record);
    if (name === oldName) throw invalidArgument('Renaming a container with the same name as its current name');
    const holder = this.byName(name);
    if (holder || this.reservedNames.has(name)) {
      throw alreadyExists(
        `Conflict. The container name "/${name}" is already in use by container "${holder?.Id ?? 'being created'}". You have to remove (or rename) that container to be able to reuse that name.`,
      );
    }
    record.Name = `/${name}`;
    try {
      await this.store.save(record);
    } catch (err) {
      record.Name = `/${oldName}`;
      throw err;
    }
    this.events.container(record, 'rename', { oldName: `/${oldName}` });
    this.logger.info({ id: record.Id, oldName, name }, 'container renamed');
    return { record, oldName };
  }

  inspect(ref: string): ContainerRecord {
    return this.resolve(ref);
  }

  /** Where a container's files are (docker cp, diff): its rootfs mounts, and the bundle folder a running task's rootfs is mounted on. */
  filesystem(ref: string): { record: ContainerRecord; rootfs: Mount[]; taskRootfs: string } {
    const record = this.resolve(ref);
    return { record, rootfs: this.images.rootfsMounts(record.Id), taskRootfs: join(this.tasksDir, record.Id, 'rootfs') };
  }

  /** Where the container's log driver writes; undefined for none. */
  private logFile(record: ContainerRecord): ContainerLogFile | undefined {
    return containerLogFile(this.store.containerDir(record.Id), record.Id, record.HostConfig.LogConfig);
  }

  /** Where the shim writes the container's log, and how. */
  private logTarget(record: ContainerRecord): { logPath: string; logConfig: { type: string; config: Record<string, string> } } {
    const config = record.HostConfig.LogConfig;
    return { logPath: this.logFile(record)?.path ?? '', logConfig: { type: config.Type, config: config.Config ?? {} } };
  }

  /**
   * Where a container's log is (undefined for a driver that keeps none), and while it
   * runs, a promise for its stop with the log closed (logs.ts follows until then).
   */
  logSource(ref: string): { file?: ContainerLogFile; stopped?: Promise<void> } {
    const record = this.resolve(ref);
    const stopped = record.State.Running ? this.exitHandled.get(record.Id) : undefined;
    return { file: this.logFile(record), stopped };
  }

  list(all: boolean): ContainerRecord[] {
    return this.all()
      .filter((r) => all || r.State.Running)
      .sort((a, b) => b.Created.localeCompare(a.Created));
  }

  /** Follows a running task to its exit (also used by recovery for tasks found running). */
  watchExit(record: ContainerRecord): void {
    this.health?.resume(record);
    const handled = this.exits.exitOf(record.Id, record.State.Pid).then(
      (exit) => this.onExit(record, exit.exitStatus, exit.exitedAt, exit.reason || undefined, exit.oomKilled),
      (err: Error) => {
        this.logger.error({ id: record.Id, err: err.message }, 'lost the task of a running container');
        return this.onExit(record, 255, new Date(), `task lost: ${err.message}`);
      },
    );
    this.exitHandled.set(record.Id, handled);
  }

  /**
   * Records an exit first (so a crash right after loses nothing), then tears
   * the task down and, for --rm, removes the container. It never throws: a
   * failure here concerns this container only and must not stop ced.
   */
  async onExit(record: ContainerRecord, exitCode: number, exitedAt: Date | undefined, error?: string, oomKilled?: boolean): Promise<void> {
    this.health?.stop(record.Id);
    const laps = new Laps();
    record.State = exitedState(record.State, { exitCode, finishedAt: exitedAt ?? new Date(), error, oomKilled });
    // A --rm container's record is removed right after its teardown: saving what the teardown cleared would be a
    // write (and an fsync) on the path of `ce run --rm` for a file about to go. A failed removal saves it (dead).
    const removing = record.HostConfig.AutoRemove && !this.restarting.has(record.Id);
    const saved = this.store.save(record).catch((err: Error) => this.logger.error({ id: record.Id, err: err.message }, 'could not record the exit'));
    // The exit is on disk before the task (which holds the exit status) is deleted, unless the record is about to
    // go: a crash in between then costs a --rm container's exit code, which recovery removes anyway.
    if (!removing) await saved;
    laps.lap('save');
    this.events.container(record, 'die', { exitCode: String(exitCode) });
    this.logger.info({ id: record.Id, exitCode }, 'container exited');
    const deleted = Promise.all([
      saved,
      this.deleteTask(record.Id, false, !removing).then(
        () => void this.tornDown.add(record.Id),
        (err: Error) => this.logger.error({ id: record.Id, err: err.message }, 'could not delete the task of an exited container'),
      ),
    ])
      .then(() => undefined)
      .finally(() => this.teardowns.delete(record.Id));
    this.teardowns.set(record.Id, deleted);
    // The shim closes the log when its task is deleted. As Docker waits (up to 2 s) for the output to be
    // copied before it reports an exit, `wait` then `logs` shows the whole log.
    await settlesWithin(deleted, 2000);
    this.notify(record.Id, ['not-running', 'next-exit'], exitCode);
    await deleted;
    laps.lap('teardown');
    // As dockerd's handleContainerExit: the task is deleted first, then the policy decides and the back-off starts.
    if (this.decideRestart(record)) {
      await this.store.save(record).catch((err: Error) => this.logger.error({ id: record.Id, err: err.message }, 'could not record the restarting state'));
      return;
    }
    if (record.HostConfig.AutoRemove && !this.restarting.has(record.Id)) {
      // As Docker's auto-remove: the container's anonymous volumes go with it.
      await this.removeRecord(record, true, laps).catch((err: Error) => {
        this.logger.error({ id: record.Id, err: err.message }, 'auto-remove failed');
        // The container stays (dead); whoever waits for its removal must not wait forever.
        this.notify(record.Id, ['removed'], exitCode);
      });
    }
  }

  /**
   * Deletes a container's task (ending its shim, or the container of a shim
   * that died) and undoes its other start steps; a task already gone is fine.
   * Also for tasks ced has no record of (recovery). `saveRecord` false: the
   * caller removes the record next, so what the teardowns cleared is not saved.
   */
  async deleteTask(id: string, kill: boolean, saveRecord = true): Promise<void> {
    const record = this.containers.get(id);
    if (record) {
      try {
        const timings = await this.pipeline.teardown(record, kill ? 'failed-start' : 'stopped');
        this.logger.debug({ id, timings }, 'start steps undone');
      } finally {
        // Teardowns clear what they undid from the record (the network's addresses, say).
        if (saveRecord && this.containers.has(id)) await this.store.save(record).catch((err: Error) => this.logger.error({ id, err: err.message }, 'could not record the teardown'));
      }
      return;
    }
    await this.deleteTaskOnly(id, kill);
    await removeBundle(join(this.tasksDir, id), this.logger);
  }

  private async deleteTaskOnly(id: string, kill: boolean): Promise<void> {
    const gone = (err: unknown) => {
      if (!isCeError(err, 'NotFound') && !isCeError(err, 'Unavailable')) throw err;
    };
    if (kill) {
      await this.supervisor.killTask({ id, signal: 9, all: true }).catch(() => undefined);
      await this.supervisor.waitTask({ id }).catch(gone);
    }
    await this.supervisor.deleteTask({ id }).catch(gone);
  }

  /** Recovery: a --rm container that is not running is removed, as Docker does at restart. */
  async removeIfAutoRemove(record: ContainerRecord): Promise<boolean> {
    if (!record.HostConfig.AutoRemove || record.State.Running || !this.containers.has(record.Id)) return false;
    if (record.State.Status === 'removing' || record.State.Status === 'dead') record.State = withStatus(record.State, 'exited');
    await this.removeRecord(record, true);
    return true;
  }

  // commit and export: the logic is in commit.ts and the image store
  /** `docker commit`: returns the new image's id. */
  async commit(ref: string, options: CommitOptions): Promise<string> {
    const record = this.resolve(ref);
    const images = this.layerImages();
    // A bad name or change is refused before the container is paused.
    newImageName(options.reference);
    commitConfig(record.Config, options.changes, options.config);
    const pause = options.pause && record.State.Status === 'running';
    if (pause) {
      await pauseContainer(record, this.tasks);
      this.events.container(record, 'pause'); // as Docker's commit does
    }
    try {
      const id = await commitContainer(record, options, images);
      this.events.container(record, 'commit', { comment: options.comment, imageID: id, imageRef: options.reference });
      return id;
    } finally {
      if (pause && record.State.Status === 'paused') {
        await unpauseContainer(record, this.tasks).then(
          () => this.events.container(record, 'unpause'),
          (err: Error) => this.logger.warn({ id: record.Id, err: err.message }, 'could not unpause the container after the commit'),
        );
      }
    }
  }

  /** `docker export`: the container's whole filesystem as a tar into `out`. */
  async export(ref: string, out: Writable): Promise<void> {
    const record = this.resolve(ref);
    await this.layerImages().exportRootfs(record.Id, out);
    this.events.container(record, 'export');
  }

  private layerImages(): LayerImages {
    if (!this.options.layerImages) throw failedPrecondition('this daemon cannot commit or export containers: it has no image store');
    return this.options.layerImages;
  }

  // pause, resources, processes and statistics: the logic is in pause.ts, update.ts, top.ts, stats.ts
  async pause(ref: string): Promise<void> {
    const record = this.resolve(ref);
    await pauseContainer(record, this.tasks);
    this.events.container(record, 'pause');
    // Docker pauses probes with the container.
    if (record.State.Status === 'paused') this.health?.stop(record.Id);
  }

  async unpause(ref: string): Promise<void> {
    const record = this.resolve(ref);
    await unpauseContainer(record, this.tasks);
    this.events.container(record, 'unpause');
    this.health?.resume(record);
  }

  update(ref: string, resources: Resources | undefined, nanoCpus: number, restartPolicy?: RestartPolicy): Promise<string[]> {
    return updateContainer(this.resolve(ref), resources, nanoCpus, { ...this.tasks, host: this.host.resources() }, restartPolicy);
  }

  async top(ref: string, psArgs: string): Promise<TopResult> {
    const record = this.resolve(ref);
    if (!record.State.Running) throw failedPrecondition(`Container ${record.Id} is not running`);
    return top(psArgs, (await this.supervisor.taskPids({ id: record.Id })).pids);
  }

  stats(ref: string, options: Omit<StatsOptions, 'current'>): AsyncIterable<ContainerStats> {
    const record = this.resolve(ref);
    return containerStats(record, this.tasks, { ...options, current: () => this.containers.get(record.Id) });
  }

  private get tasks(): TaskContext {
    return { supervisor: this.supervisor, save: (r) => this.store.save(r), logger: this.logger };
  }

  /** After an exit (State exited): the policy may turn it into "restarting", with RestartCount one higher. */
  private decideRestart(record: ContainerRecord): boolean {
    if (record.State.Status !== 'exited' || !this.containers.has(record.Id)) return false;
    const ranForMs = Date.parse(record.State.FinishedAt) - Date.parse(record.State.StartedAt);
    const decision = this.restarts.onExit(record.Id, record.HostConfig.RestartPolicy, record.RestartCount, {
      exitCode: record.State.ExitCode,
      manuallyStopped: record.HasBeenManuallyStopped ?? false,
      ranForMs: Number.isFinite(ranForMs) ? ranForMs : 0,
    });
    if (!decision.restart) return false;
    record.RestartCount = decision.restartCount;
    record.State = withStatus(record.State, 'restarting');
    return true;
  }

  /** The restart manager's call once a back-off is over. */
  private async restartByPolicy(id: string): Promise<void> {
    const record = this.containers.get(id);
    if (!record || record.State.Status !== 'restarting') return;
    await this.startRecord(record, false);
  }

  /** A policy's restart that could not start: the container stays exited, as Docker's SetStopped leaves it. */
  private async restartFailed(id: string, err: Error): Promise<void> {
    const record = this.containers.get(id);
    if (!record || record.State.Status !== 'restarting') return;
    record.State = { ...withStatus(record.State, 'exited'), Error: err.message };
    await this.store.save(record);
  }

  /** A user's stop, kill or rm -f of a container waiting out its back-off: it stays exited. */
  private async cancelRestart(record: ContainerRecord): Promise<void> {
    this.restarts.stopRequested(record.Id, false);
    if (record.State.Status !== 'restarting') return;
    record.State = withStatus(record.State, 'exited');
    await this.store.save(record);
  }

  /** An exit being handled (task deletion, then the policy's decision) is waited for: it may still turn into "restarting". */
  private async exitSettled(record: ContainerRecord): Promise<void> {
    if (record.State.Status === 'exited') await this.exitHandled.get(record.Id);
  }

  /**
   * Remembered across ced restarts: unless-stopped does not bring the
   * container back. Set in memory only, so that no disk write delays the
   * signal: the exit's record (or cancelRestart's) persists it.
   */
  private markManuallyStopped(record: ContainerRecord): void {
    record.HasBeenManuallyStopped = true;
  }

  /**
   * After recovery, as dockerd's restore does: containers whose policy
   * restarts them on their last exit (always; unless-stopped unless a user
   * stopped them; on-failure after a failure, under its maximum) start now,
   * including those a killed ced left "restarting". Returns how many started.
   */
  async startByRestartPolicy(): Promise<number> {
    const due = this.all().filter((r) => {
      if (this.restarts.isPending(r.Id) || this.starting.has(r.Id)) return false;
      if (r.State.Status !== 'exited' && r.State.Status !== 'restarting') return false;
      return this.restarts.restartsOnDaemonStart(r.HostConfig.RestartPolicy, r.RestartCount, {
        exitCode: r.State.ExitCode,
        manuallyStopped: r.HasBeenManuallyStopped ?? false,
        ranForMs: Date.parse(r.State.FinishedAt) - Date.parse(r.State.StartedAt) || 0,
      });
    });
    const results = await Promise.allSettled(
      due.map(async (r) => {
        if (r.State.Status === 'restarting') r.State = withStatus(r.State, 'exited');
        try {
          await this.startRecord(r, true);
        } catch (err) {
          this.logger.error({ id: r.Id, err: (err as Error).message }, 'could not start a container its restart policy brings back');
          throw err;
        }
      }),
    );
    return results.filter((r) => r.status === 'fulfilled').length;
  }

  private async connectPendingAttaches(id: string): Promise<void> {
    const pending = this.pendingAttaches.get(id);
    this.pendingAttaches.delete(id);
    for (const deferred of pending ?? []) {
      if (deferred.isClosed) continue;
      await deferred.connect(this.supervisor.attachTask(deferred.options));
    }
  }

  private notify(id: string, conditions: WaitCondition[], exitCode: number): void {
    const set = this.waiters.get(id);
    if (!set) return;
    for (const w of [...set]) {
      if (conditions.includes(w.condition)) {
        set.delete(w);
        w.resolve(exitCode);
      }
    }
  }

  private byName(name: string): ContainerRecord | undefined {
    for (const r of this.containers.values()) if (containerName(r) === name) return r;
    return undefined;
  }

  /** Docker's lookup order: full id, name, unique id prefix. */
  resolve(ref: string): ContainerRecord {
    if (!ref) throw invalidArgument('a container name or id is required');
    const exact = this.containers.get(ref);
    if (exact) return exact;
    const named = this.byName(ref.replace(/^\//, ''));
    if (named) return named;
    if (/^[0-9a-f]+$/.test(ref)) {
      const matches = this.all().filter((r) => r.Id.startsWith(ref));
      if (matches.length === 1) return matches[0]!;
      if (matches.length > 1) throw invalidArgument(`multiple containers found with provided prefix: ${ref}`);
    }
    throw notFound(`No such container: ${ref}`);
  }
}

/** The longest delay setTimeout takes; a longer one would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Whether `promise` settles within `ms` (beyond ~24.8 days: it waits for it); its failure counts as settled. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  if (ms > MAX_TIMER_MS) return promise.then(() => true, () => true);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true, () => true), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/** A container that could not start: 127 or 126 from the failure's facts (as Docker's State.ExitCode), else 128. */
function exitCodeForStartError(err: unknown): number {
  return exitCodeForExecFailure(err, 'container') ?? 128;
}

/** Docker's GraphDriver.Data for an overlay rootfs: the folders its mount options name. */
function graphDriverData(rootfs: readonly Mount[]): Record<string, string> | null {
  const overlay = rootfs.find((m) => m.type === 'overlay');
  if (!overlay) return null;
  const option = (key: string) => overlay.options.find((o) => o.startsWith(`${key}=`))?.slice(key.length + 1);
  const data: Record<string, string> = {};
  const lower = option('lowerdir');
  const upper = option('upperdir');
  const work = option('workdir');
  if (lower) data.LowerDir = lower;
  if (upper) data.UpperDir = upper;
  if (work) data.WorkDir = work;
  return Object.keys(data).length ? data : null;
}
