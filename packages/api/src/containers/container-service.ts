import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { constants } from 'node:os';
import { join } from 'node:path';
import {
  alreadyExists,
  failedPrecondition,
  invalidArgument,
  isCeError,
  notFound,
  type AttachOptions,
  type AttachSession,
  type Logger,
} from '@ce/protocol';
import type { Mount } from '@ce/protocol/gen/ce/types/v1/mount';
import { unmountStale, type SupervisorApi } from '@ce/supervisor';
import { writeFileAtomic } from '../atomic-file.js';
import { noEvents, type EventPublisher } from '../events/event-publisher.js';
import { waitTaskExits, type TaskExits } from '../events/task-exits.js';
import type { ContainerStore } from './container-store.js';
import { DeferredAttach } from './deferred-attach.js';
import { generateName, validateName } from './names.js';
import { containerSpec } from './oci-spec.js';
import { parseUserSpec, resolveUser, type ExecUser } from './process-user.js';
import { readRootfsFile } from './rootfs-files.js';
import { resolveArgs, type ImageRunConfig } from './process-args.js';
import type { ContainerConfig, ContainerRecord } from './record.js';
import { loadSecurityDefaults } from './security-defaults.js';
import type { SecurityConfig, SecurityDefaults } from './security-options.js';
import { parseSignal } from './signals.js';

/** What containers need of the image store. */
export interface ContainerImages {
  get(reference: string): Promise<{ id: string; name: string; config: { config?: ImageRunConfig } }>;
  /** Creates the container's writable snapshot over the image's layers (unpacking them if needed). */
  prepareRootfs(key: string, reference: string): Promise<Mount[]>;
  /** The mounts of a snapshot made earlier; NotFound if there is none. */
  rootfsMounts(key: string): Mount[];
  removeRootfs(key: string): Promise<void>;
  /** Every container rootfs the store holds. */
  rootfsKeys(): string[];
}

/** What `ce run`/`docker create` asks for: the container's config plus what it runs. */
export interface CreateOptions extends ContainerConfig {
  name: string;
  image: string;
  cmd?: string[];
  entrypoint?: string[];
  /** --privileged, --cap-add, --cap-drop, --security-opt; unset: the defaults. */
  security?: SecurityConfig;
}

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
  /** Starts in flight, so that remove, attach and a second start wait for them. */
  private readonly starting = new Map<string, Promise<void>>();
  /** --rm containers being restarted: their exit must not remove them. */
  private readonly restarting = new Set<string>();
  /** Names of containers being created: taken before the first await. */
  private readonly reservedNames = new Set<string>();

  constructor(
    private readonly store: ContainerStore,
    private readonly images: ContainerImages,
    private readonly supervisor: SupervisorApi,
    private readonly tasksDir: string,
    private readonly logger: Logger,
    private readonly security: SecurityDefaults = loadSecurityDefaults(),
    private readonly events: EventPublisher = noEvents,
    private readonly exits: TaskExits = waitTaskExits(supervisor),
  ) {}

  /** Loads the records; recovery.ts reconciles them with the running tasks. */
  async load(): Promise<{ records: ContainerRecord[]; problems: { id: string; error: string }[] }> {
    const loaded = await this.store.loadAll();
    for (const r of loaded.records) this.containers.set(r.id, r);
    return loaded;
  }

  /**
   * Removes container layers that no record owns: left by a ced killed
   * between preparing a container's rootfs and saving its record.
   */
  async removeOrphanRootfs(): Promise<number> {
    let removed = 0;
    for (const key of this.images.rootfsKeys()) {
      if (this.containers.has(key)) continue;
      try {
        await this.images.removeRootfs(key);
        removed++;
      } catch (err) {
        this.logger.error({ key, err: (err as Error).message }, 'could not remove a container layer that no record owns');
      }
    }
    return removed;
  }

  /** Persists a record changed by recovery. */
  save(record: ContainerRecord): Promise<void> {
    return this.store.save(record);
  }

  all(): ContainerRecord[] {
    return [...this.containers.values()];
  }

  async create(options: CreateOptions): Promise<ContainerRecord> {
    if (!options.image) throw invalidArgument('an image is required');
    const image = await this.images.get(options.image);
    const runConfig = image.config.config ?? {};
    const name = options.name ? validateName(options.name) : generateName((n) => this.byName(n) !== undefined || this.reservedNames.has(n));
    const holder = this.byName(name);
    if (holder || this.reservedNames.has(name)) {
      throw alreadyExists(
        `Conflict. The container name "/${name}" is already in use by container "${holder?.id ?? 'being created'}". You have to remove (or rename) that container to be able to reuse that name.`,
      );
    }
    this.reservedNames.add(name);
    try {
      return await this.createReserved(name, options, image.id, runConfig);
    } finally {
      this.reservedNames.delete(name);
    }
  }

  private async createReserved(name: string, options: CreateOptions, imageId: string, runConfig: ImageRunConfig): Promise<ContainerRecord> {
    const id = randomBytes(32).toString('hex');
    const record: ContainerRecord = {
      id,
      name,
      image: options.image,
      imageId,
      createdAt: new Date().toISOString(),
      config: {
        env: options.env,
        workingDir: options.workingDir || runConfig.WorkingDir || '',
        user: options.user || runConfig.User || '',
        hostname: options.hostname || id.slice(0, 12),
        autoRemove: options.autoRemove,
        tty: options.tty,
        openStdin: options.openStdin,
        labels: { ...(runConfig.Labels ?? {}), ...options.labels },
        ...stopSettings(options, runConfig),
      },
      pathAndArgs: resolveArgs(runConfig, options.entrypoint, options.cmd),
      state: { status: 'created', pid: 0, exitCode: 0 },
    };
    if (options.security) record.hostConfig = options.security;
    // Validates ids, env, args, cwd and security options now rather than at start; names in the user resolve at start, as Docker's do.
    parseUserSpec(record.config.user);
    this.spec(record, runConfig.Env, { uid: 0, gid: 0, additionalGids: [], home: '/' });
    // As docker create does, the writable layer exists from create on.
    await this.images.prepareRootfs(id, imageId);
    try {
      await this.store.save(record);
    } catch (err) {
      await this.images.removeRootfs(id).catch(() => undefined);
      await this.store.remove(id).catch(() => undefined);
      throw err;
    }
    this.containers.set(id, record);
    this.events.container(record, 'create');
    this.logger.info({ id, name, image: options.image }, 'container created');
    return record;
  }

  private spec(record: ContainerRecord, imageEnv: readonly string[] | null | undefined, user: ExecUser) {
    return containerSpec(record, imageEnv, user, this.security);
  }

  /** Starts a container; a second start while one is in flight joins it. */
  start(ref: string): Promise<void> {
    const record = this.resolve(ref);
    const inFlight = this.starting.get(record.id);
    if (inFlight) return inFlight;
    if (record.state.status === 'running') return Promise.resolve();
    if (record.state.status === 'removing' || record.state.status === 'dead') {
      return Promise.reject(failedPrecondition(`cannot start container ${record.id}: it is ${record.state.status}`));
    }
    const starting = this.startNow(record).finally(() => this.starting.delete(record.id));
    this.starting.set(record.id, starting);
    return starting;
  }

  private async startNow(record: ContainerRecord): Promise<void> {
    const id = record.id;
    const bundle = join(this.tasksDir, id);
    const t0 = performance.now();
    let taskCreated = false;
    try {
      const image = await this.images.get(record.imageId);
      await mkdir(join(bundle, 'rootfs'), { recursive: true, mode: 0o711 });
      const rootfs = this.images.rootfsMounts(id);
      const user = await this.execUser(record, rootfs);
      await writeFileAtomic(join(bundle, 'config.json'), JSON.stringify(this.spec(record, image.config.config?.Env, user)));
      const t1 = performance.now();
      const created = await this.supervisor.createTask({
        id,
        bundle,
        rootfs,
        terminal: record.config.tty,
        stdin: record.config.openStdin,
        logPath: this.store.logPath(id),
      });
      taskCreated = true;
      const t2 = performance.now();
      await this.connectPendingAttaches(id);
      await this.supervisor.startTask({ id });
      const t3 = performance.now();
      // As Docker does, a restarted container keeps its last FinishedAt until it exits again.
      const { finishedAt } = record.state;
      record.state = { status: 'running', pid: created.pid, exitCode: 0, startedAt: new Date().toISOString(), ...(finishedAt ? { finishedAt } : {}) };
      await this.store.save(record);
      this.events.container(record, 'start');
      this.logger.info(
        { id, pid: created.pid, timings: { rootfsMs: round(t1 - t0), createTaskMs: round(t2 - t1), startTaskMs: round(t3 - t2) } },
        'container started',
      );
      this.watchExit(record);
    } catch (err) {
      this.logger.warn({ id, err: (err as Error).message }, 'container start failed');
      if (taskCreated) await this.deleteTask(id, true);
      await rm(bundle, { recursive: true, force: true });
      for (const a of this.pendingAttaches.get(id) ?? []) a.abandon();
      this.pendingAttaches.delete(id);
      record.state = { ...record.state, status: 'created', exitCode: exitCodeForStartError(err), error: (err as Error).message };
      await this.store.save(record);
      if (record.config.autoRemove) await this.removeRecord(record);
      throw err;
    }
  }

  /** The container's user resolved against its own /etc/passwd and /etc/group, as they are now. */
  private async execUser(record: ContainerRecord, rootfs: readonly Mount[]): Promise<ExecUser> {
    const [passwd, group] = await Promise.all([readRootfsFile(rootfs, 'etc/passwd'), readRootfsFile(rootfs, 'etc/group')]);
    return resolveUser(record.config.user, passwd, group);
  }

  /**
   * Attaches to a running container, or (as docker run and docker start -a
   * do) to a created or exited one that is about to start. As Docker's
   * daemon does, stdin is attached only if the container keeps it open.
   */
  attach(requested: AttachOptions): AttachSession {
    const record = this.resolve(requested.id);
    const options: AttachOptions = { ...requested, id: record.id, stdin: requested.stdin && record.config.openStdin };
    const status = record.state.status;
    if (status !== 'running' && status !== 'created' && status !== 'exited') throw failedPrecondition(`You cannot attach to a container that is ${status}`);
    this.events.container(record, 'attach');
    if (status === 'running') return this.supervisor.attachTask(options);
    const starting = this.starting.get(record.id);
    if (starting) {
      // Too late to be connected before the process runs: joins it once started.
      const deferred = new DeferredAttach(options, () => undefined);
      starting.then(
        () => deferred.connect(this.supervisor.attachTask(options)),
        (err) => deferred.abandon(err),
      );
      return deferred;
    }
    let set = this.pendingAttaches.get(record.id);
    if (!set) this.pendingAttaches.set(record.id, (set = new Set()));
    const deferred: DeferredAttach = new DeferredAttach(options, () => set!.delete(deferred));
    set.add(deferred);
    return deferred;
  }

  async wait(ref: string, condition: WaitCondition): Promise<number> {
    const record = this.resolve(ref);
    if (condition === 'not-running' && record.state.status !== 'running') return record.state.exitCode;
    return new Promise<number>((resolve) => {
      let set = this.waiters.get(record.id);
      if (!set) this.waiters.set(record.id, (set = new Set()));
      set.add({ condition, resolve });
    });
  }

  async kill(ref: string, signal: string): Promise<void> {
    const record = this.resolve(ref);
    const number = parseSignal(signal);
    if (record.state.status !== 'running') throw failedPrecondition(`Container ${record.id} is not running`);
    await this.signal(record, number, false);
  }

  /** Sends a signal to a container's task; Docker's `kill` event follows once it is sent. */
  private async signal(record: ContainerRecord, signal: number, all: boolean): Promise<void> {
    await this.supervisor.killTask({ id: record.id, signal, all });
    this.events.container(record, 'kill', { signal: String(signal) });
  }

  /**
   * Docker's stop: the container's stop signal, then SIGKILL if it is still
   * running after `timeoutSeconds` (unset: the container's --stop-timeout,
   * else 10; negative: no SIGKILL). Resolves once the exit is recorded. A
   * container that is not running is left as it is.
   */
  async stop(ref: string, timeoutSeconds?: number): Promise<void> {
    const record = this.resolve(ref);
    await this.starting.get(record.id)?.catch(() => undefined);
    if (record.state.status !== 'running') return;
    const exited = this.exitHandled.get(record.id);
    if (!exited) throw failedPrecondition(`container ${record.id} is running but ced does not follow its task`);
    const timeout = timeoutSeconds ?? record.config.stopTimeout ?? DEFAULT_STOP_TIMEOUT_SECONDS;
    const signal = parseSignal(record.config.stopSignal || 'SIGTERM');
    const taskGone = (err: unknown) => {
      if (!isCeError(err, 'NotFound')) throw err;
    };
    try {
      await this.signal(record, signal, false);
    } catch (err) {
      // As Docker does: the process most likely exited meanwhile; if it has not within 2 s, the error was real and SIGKILL follows.
      this.logger.info({ id: record.id, err: (err as Error).message }, 'the stop signal could not be sent');
      if (!(await settlesWithin(exited, 2000))) await this.signal(record, constants.signals.SIGKILL, true).catch(taskGone);
    }
    if (timeout >= 0 && !(await settlesWithin(exited, timeout * 1000))) {
      this.logger.info({ id: record.id, timeout, signal }, 'container did not exit after its stop signal: killing it');
      await this.signal(record, constants.signals.SIGKILL, true).catch(taskGone);
    }
    await exited;
    this.events.container(record, 'stop');
  }

  /** Docker's restart: stop if running, then start on the same writable layer. */
  async restart(ref: string, timeoutSeconds?: number): Promise<void> {
    const record = this.resolve(ref);
    // As Docker does, a --rm container survives its restart.
    this.restarting.add(record.id);
    try {
      await this.stop(record.id, timeoutSeconds);
    } finally {
      this.restarting.delete(record.id);
    }
    if (!this.containers.has(record.id)) throw notFound(`No such container: ${ref}`); // removed meanwhile
    await this.start(record.id);
    this.events.container(record, 'restart');
  }

  async remove(ref: string, force: boolean): Promise<void> {
    const record = this.resolve(ref);
    const starting = this.starting.get(record.id);
    if (starting) {
      if (!force) throw failedPrecondition(`You cannot remove a running container ${record.id}. Stop the container before attempting removal or force remove`);
      await starting.catch(() => undefined);
      if (!this.containers.has(record.id)) return; // a failed start of a --rm container removed it
    }
    if (record.state.status === 'removing') throw failedPrecondition(`removal of container ${record.id} is already in progress`);
    if (record.state.status === 'running') {
      if (!force) {
        throw failedPrecondition(
          `You cannot remove a running container ${record.id}. Stop the container before attempting removal or force remove`,
        );
      }
      await this.signal(record, constants.signals.SIGKILL, true).catch((err) => {
        if (!isCeError(err, 'NotFound')) throw err;
      });
      await this.exitHandled.get(record.id);
    }
    await this.removeRecord(record);
  }

  /**
   * Removes a container that is not running: its task if one is left (a
   * process whose shim died may still use the layer), its layer, its
   * record, then tells waiters.
   */
  private async removeRecord(record: ContainerRecord): Promise<void> {
    if (!this.containers.has(record.id) || record.state.status === 'removing') return;
    record.state.status = 'removing';
    try {
      await this.deleteTask(record.id, false);
      await this.images.removeRootfs(record.id).catch((err) => {
        if (!isCeError(err, 'NotFound')) throw err;
      });
      await this.store.remove(record.id);
    } catch (err) {
      record.state.status = 'dead';
      record.state.error = (err as Error).message;
      await this.store.save(record).catch(() => undefined);
      throw err;
    }
    this.containers.delete(record.id);
    this.events.container(record, 'destroy');
    this.logger.info({ id: record.id }, 'container removed');
    this.notify(record.id, ['removed'], record.state.exitCode);
    this.waiters.delete(record.id);
  }

  inspect(ref: string): ContainerRecord {
    return this.resolve(ref);
  }

  /** Where a container's log is, and while it runs, a promise for its stop with the log closed (logs.ts follows until then). */
  logSource(ref: string): { path: string; stopped?: Promise<void> } {
    const record = this.resolve(ref);
    const stopped = record.state.status === 'running' ? this.exitHandled.get(record.id) : undefined;
    return { path: this.store.logPath(record.id), stopped };
  }

  list(all: boolean): ContainerRecord[] {
    return this.all()
      .filter((r) => all || r.state.status === 'running')
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  /** Follows a running task to its exit (also used by recovery for tasks found running). */
  watchExit(record: ContainerRecord): void {
    const handled = this.exits.exitOf(record.id, record.state.pid).then(
      (exit) => this.onExit(record, exit.exitStatus, exit.exitedAt, exit.reason || undefined),
      (err: Error) => {
        this.logger.error({ id: record.id, err: err.message }, 'lost the task of a running container');
        return this.onExit(record, 255, new Date(), `task lost: ${err.message}`);
      },
    );
    this.exitHandled.set(record.id, handled);
  }

  /**
   * Records an exit first (so a crash right after loses nothing), then tears
   * the task down and, for --rm, removes the container. It never throws: a
   * failure here concerns this container only and must not stop ced.
   */
  async onExit(record: ContainerRecord, exitCode: number, exitedAt: Date | undefined, error?: string): Promise<void> {
    record.state = {
      ...record.state,
      status: 'exited',
      pid: 0,
      exitCode,
      finishedAt: (exitedAt ?? new Date()).toISOString(),
      ...(error ? { error } : {}),
    };
    await this.store.save(record).catch((err: Error) => this.logger.error({ id: record.id, err: err.message }, 'could not record the exit'));
    this.events.container(record, 'die', { exitCode: String(exitCode) });
    this.logger.info({ id: record.id, exitCode }, 'container exited');
    this.notify(record.id, ['not-running', 'next-exit'], exitCode);
    try {
      await this.deleteTask(record.id, false);
    } catch (err) {
      this.logger.error({ id: record.id, err: (err as Error).message }, 'could not delete the task of an exited container');
    }
    if (record.config.autoRemove && !this.restarting.has(record.id)) {
      await this.removeRecord(record).catch((err: Error) => {
        this.logger.error({ id: record.id, err: err.message }, 'auto-remove failed');
        // The container stays (dead); whoever waits for its removal must not wait forever.
        this.notify(record.id, ['removed'], exitCode);
      });
    }
  }

  /**
   * Deletes a container's task (ending its shim, or the container of a shim
   * that died) and its bundle; a task already gone is fine.
   */
  async deleteTask(id: string, kill: boolean): Promise<void> {
    const bundle = join(this.tasksDir, id);
    const gone = (err: unknown) => {
      if (!isCeError(err, 'NotFound') && !isCeError(err, 'Unavailable')) throw err;
    };
    if (kill) {
      await this.supervisor.killTask({ id, signal: 9, all: true }).catch(() => undefined);
      await this.supervisor.waitTask({ id }).catch(gone);
    }
    await this.supervisor.deleteTask({ id }).catch(gone);
    // What a shim that is gone left mounted: removing the bundle must not reach into the layer.
    await unmountStale(join(bundle, 'rootfs'), this.logger);
    await rm(bundle, { recursive: true, force: true });
  }

  /** Recovery: a --rm container that is not running is removed, as Docker does at restart. */
  async removeIfAutoRemove(record: ContainerRecord): Promise<boolean> {
    if (!record.config.autoRemove || record.state.status === 'running' || !this.containers.has(record.id)) return false;
    if (record.state.status === 'removing' || record.state.status === 'dead') record.state.status = 'exited';
    await this.removeRecord(record);
    return true;
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
    for (const r of this.containers.values()) if (r.name === name) return r;
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
      const matches = this.all().filter((r) => r.id.startsWith(ref));
      if (matches.length === 1) return matches[0]!;
      if (matches.length > 1) throw invalidArgument(`multiple containers found with provided prefix: ${ref}`);
    }
    throw notFound(`No such container: ${ref}`);
  }
}

/** --stop-signal (else the image's STOPSIGNAL), checked now as Docker's create does, and --stop-timeout. */
function stopSettings(options: CreateOptions, image: ImageRunConfig): Pick<ContainerConfig, 'stopSignal' | 'stopTimeout'> {
  const stopSignal = options.stopSignal || image.StopSignal || '';
  if (stopSignal) parseSignal(stopSignal);
  return { ...(stopSignal ? { stopSignal } : {}), ...(options.stopTimeout !== undefined ? { stopTimeout: options.stopTimeout } : {}) };
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

/** Docker's exit codes for a container that could not start. */
function exitCodeForStartError(err: unknown): number {
  const message = (err as Error).message ?? '';
  if (/executable file not found|no such file or directory/i.test(message)) return 127;
  if (/permission denied/i.test(message)) return 126;
  return 128;
}
