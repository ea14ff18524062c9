import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import {
  alreadyExists,
  DEFAULT_NAMESPACE,
  failedPrecondition,
  namespaceProblem,
  invalidArgument,
  isCeError,
  notFound,
  Broadcaster,
  Laps,
  type AttachOptions,
  type AttachSession,
} from '@ce/protocol';
import type { TaskEvent } from '@ce/protocol/gen/ce/events/v1/task';
import type * as shim from '@ce/protocol/gen/ce/shim/v1/shim';
import type { CgroupStats } from '@ce/protocol/gen/ce/types/v1/resources';
import { TaskStatus, type ExitStatus } from '@ce/protocol/gen/ce/types/v1/task';
import { readExitFile, TaskGrpcClient } from '@ce/shim';
import type { Logger } from '@ce/protocol';
import { endOrphanedTask, runtimeTaskBundle, runtimeTaskIds, runtimeTaskOwnership, type TaskOwnership } from './orphaned-task.js';
import { shimListens } from './shim-liveness.js';
import { unmountStale } from './stale-mounts.js';
import { spawnShim, type ShimProcess } from './spawn-shim.js';
import { HOST_NAME, ShimHostProcess } from './shim-host.js';
import { needsOwnShim } from './task-placement.js';
import type { SupervisorApi } from './supervisor-api.js';

export interface SupervisorOptions {
  /** Shim sockets and logs live in <stateDir>/shims. */
  stateDir: string;
  /** The runtime's state root, handed to every shim. */
  runtimeRoot: string;
  shimPath?: string;
  logLevel?: string;
  logger: Logger;
  /**
   * Keep one shim started ahead of need, so that creating a task does not
   * wait for a process to start (default true; in host mode, where only the
   * tasks no monitor can carry get a shim of their own, default false). See
   * docs/decisions/0006 and 0029.
   */
  spareShim?: boolean;
  /**
   * One `ce-shim --host` for all tasks, each under its ce-monitor (decision
   * 0029): a task's socket is a hard link to the host's, a dead host is started
   * again and adopts the tasks. A task no monitor can carry (task-placement.ts)
   * gets a shim of its own. Default: CE_SHIM_HOST=1 in the environment.
   */
  shimHost?: boolean;
}

interface SpareShim {
  process: ShimProcess;
  socket: string;
  log: string;
}

const SPARE_PREFIX = '.spare-';

interface ShimHandle {
  client: TaskGrpcClient;
  process?: ShimProcess;
  events: AbortController;
  /** Given its task by this process's createTask, which ends it if the Create fails (not a previous run's shim found on disk). */
  givenTask: boolean;
  /** The task is the shim host's (its socket a link to the host's), not a shim's of its own. */
  hosted: boolean;
  /** For a hosted task: the host process the client was made for (a client of a dead host may be backing off its reconnects). */
  hostGeneration?: number;
}

const ID = /^[\w+.-]+$/;

/** 128 + SIGKILL: a container whose shim died is killed, as Docker (containerd) does. */
const SHIM_DIED_EXIT = 137;

/** Backoff for re-opening the event stream of a shim that still listens. */
const RELAY_RETRY_FIRST_MS = 50;
const RELAY_RETRY_MAX_MS = 2000;
/** How long a hosted task's client made for a host that died stays open for the calls queued on it. */
const RETIRED_CLIENT_CLOSE_MS = 5000;
/** How long a hosted task's failed call waits for a host that still listens to be seen dead (a killed process's socket goes within ms). */
const DYING_HOST_WAIT_MS = 1000;
const DYING_HOST_POLL_MS = 25;
/** How long a create of a deleted task's id waits for the old shim to exit (it closes its server within 500 ms). */
const SHIM_EXIT_WAIT_MS = 2000;

export class Supervisor implements SupervisorApi {
  private readonly shims = new Map<string, ShimHandle>();
  private readonly broadcaster = new Broadcaster<TaskEvent>();
  private readonly shimDir: string;
  private readonly shimPath: string;
  private spare: { socket: string; log: string; ready: Promise<SpareShim> } | undefined;
  private closed = false;
  /** Tasks whose shim died and whose container was ended: their exit, kept until deleteTask. */
  private readonly ended = new Map<string, ExitStatus>();
  private readonly ending = new Map<string, Promise<ExitStatus>>();
  /** Tasks whose shim is being started: its log exists before its socket. */
  private readonly creating = new Set<string>();
  /** Shims told to shut down that have not exited yet; close() waits for them. */
  private readonly exiting = new Set<Promise<void>>();
  /**
   * Shims whose task was deleted and which are being shut down (their socket,
   * log and bundle record removed) after deleteTask answered: a task of the
   * same id waits for that (the socket is the id's), the lists leave them out.
   */
  private readonly shuttingDown = new Map<string, Promise<void>>();

  /** Each task's namespace and owner labels, as created or last reported, so that a dead shim's task keeps them. */
  private readonly ownership = new Map<string, TaskOwnership>();

  /** The shim host, in host mode. */
  private readonly host: ShimHostProcess | undefined;
  /** Clients of a host that died, closed a little later (clientOf). */
  private readonly retired = new Set<TaskGrpcClient>();

  constructor(private readonly options: SupervisorOptions) {
    this.shimDir = join(options.stateDir, 'shims');
    this.shimPath = options.shimPath ?? createRequire(import.meta.url).resolve('@ce/shim/ce-shim');
    if (options.shimHost ?? process.env.CE_SHIM_HOST === '1') {
      const spawnHost = (socket: string, logPath: string) =>
        spawnShim({ shimPath: this.shimPath, host: true, socket, runtimeRoot: options.runtimeRoot, logPath, logLevel: options.logLevel ?? 'info' });
      this.host = new ShimHostProcess(this.shimDir, spawnHost, options.logger);
    }
  }

  async createTask(req: shim.CreateTaskRequest): Promise<shim.CreateTaskResponse> {
    if (!ID.test(req.id)) throw invalidArgument(`invalid task id ${JSON.stringify(req.id)}`);
    const namespaceError = namespaceProblem(req.namespace || DEFAULT_NAMESPACE);
    if (namespaceError) throw invalidArgument(namespaceError);
    await this.shuttingDown.get(req.id);
    if (this.shims.has(req.id) || existsSync(this.socketPath(req.id))) {
      if (await this.answers(req.id)) throw alreadyExists(`task ${req.id} already exists`);
    }
    this.ended.delete(req.id);
    this.ownership.set(req.id, { namespace: req.namespace || DEFAULT_NAMESPACE, labels: { ...req.labels } });
    await mkdir(this.shimDir, { recursive: true, mode: 0o700 });
    // Before any shim mounts the rootfs: whoever ends a dead shim must find what it may have left mounted.
    await writeFile(this.bundleRecordPath(req.id), req.bundle, { mode: 0o600 });
    const started = Date.now();
    this.creating.add(req.id);
    const ownShim = this.host ? needsOwnShim(req, this.shimDir) : undefined;
    const hosted = !!this.host && !ownShim;
    let handle: ShimHandle | undefined;
    try {
      const { proc, spare } = await this.takeShim(req.id, hosted);
      handle = this.track(req.id, proc, true, hosted);
      this.options.logger.debug({ id: req.id, shimPid: proc?.pid, spare, hosted, ownShim, ms: Date.now() - started }, 'shim spawned');
      try {
        return await handle.client.create(req);
      } catch (err) {
        // A spare can die while it waits (killed, OOM): the caller must not see that.
        if (!spare || !(await this.isDead(req.id, err))) throw err;
        this.options.logger.warn({ id: req.id, shimPid: proc?.pid, err: (err as Error).message }, 'the spare shim was dead; creating the task on a new shim');
        this.forget(req.id, handle);
        if (proc?.running) proc.kill(); // alive but deaf: no use to anyone
        await this.cleanUpDeadShim(req.id);
        await writeFile(this.bundleRecordPath(req.id), req.bundle, { mode: 0o600 });
        handle = this.track(req.id, await this.spawnFor(req.id), true, false);
        return await handle.client.create(req);
      }
    } catch (err) {
      if (handle) await this.endShim(req.id, handle).catch((e) => this.options.logger.error({ err: e, id: req.id }, 'ending shim after failed create'));
      throw err;
    } finally {
      this.creating.delete(req.id);
      this.startSpare();
    }
  }

  /**
   * Starts the spare shim if there is none (ced calls this once it is up;
   * every task creation calls it again after taking the spare).
   */
  startSpare(): void {
    if (this.closed || this.spare || !(this.options.spareShim ?? !this.host)) return;
    const name = `${SPARE_PREFIX}${randomBytes(6).toString('hex')}`;
    const socket = join(this.shimDir, `${name}.sock`);
    const log = join(this.shimDir, `${name}.log`);
    const ready = mkdir(this.shimDir, { recursive: true, mode: 0o700 })
      .then(() => spawnShim({ shimPath: this.shimPath, socket, runtimeRoot: this.options.runtimeRoot, logPath: log, logLevel: this.options.logLevel ?? 'info' }))
      .then((process) => ({ process, socket, log }));
    ready.catch(async (err) => {
      this.options.logger.warn({ err: (err as Error).message }, 'could not start a spare shim');
      if (this.spare?.socket === socket) this.spare = undefined;
      await rm(log, { force: true });
    });
    this.spare = { socket, log, ready };
  }

  /** The spare shim renamed for task `id`, or a new shim when there is no usable spare; for a hosted task, the host. */
  private async takeShim(id: string, hosted: boolean): Promise<{ proc?: ShimProcess; spare: boolean }> {
    if (hosted) {
      await this.host!.link(this.socketPath(id));
      return { spare: false };
    }
    const spare = this.spare;
    this.spare = undefined;
    if (spare) {
      try {
        const s = await spare.ready;
        if (!s.process.running) throw new Error(`spare shim ${s.process.pid} has died`);
        // A listening unix socket keeps working under its new name.
        await rename(s.socket, this.socketPath(id));
        await rename(s.log, this.logPath(id));
        return { proc: s.process, spare: true };
      } catch (err) {
        this.options.logger.warn({ err: (err as Error).message }, 'spare shim unusable; starting one for the task');
        await this.stopSpare(spare);
      }
    }
    return { proc: await this.spawnFor(id), spare: false };
  }

  private spawnFor(id: string): Promise<ShimProcess> {
    return spawnShim({
      shimPath: this.shimPath,
      id,
      socket: this.socketPath(id),
      runtimeRoot: this.options.runtimeRoot,
      logPath: this.logPath(id),
      logLevel: this.options.logLevel ?? 'info',
    });
  }

  private async stopSpare(spare: { socket: string; ready: Promise<SpareShim> }): Promise<void> {
    const s = await spare.ready.catch(() => undefined);
    if (!s) return;
    const client = new TaskGrpcClient(s.socket);
    try {
      await client.shutdown('');
    } catch {
      s.process.kill();
    } finally {
      client.close();
    }
    await s.process.exited;
    await rm(s.socket, { force: true });
    await rm(s.log, { force: true });
  }

  startTask(req: shim.StartRequest): Promise<shim.StartResponse> {
    return this.call(
      req.id,
      (client) => client.start(req),
      () => {
        throw failedPrecondition(`cannot start task ${req.id}: its shim died and its container was ended`);
      },
    );
  }

  /** On a task whose shim died, the container is killed (the signal asked for or not). */
  killTask(req: shim.KillRequest): Promise<void> {
    return this.call(req.id, (client) => client.kill(req), () => undefined);
  }

  waitTask(req: shim.WaitRequest): Promise<ExitStatus> {
    return this.call(req.id, (client) => client.wait(req), (exit) => exit);
  }

  async deleteTask(req: shim.DeleteRequest): Promise<shim.DeleteResponse> {
    // An exec process is forgotten by its shim; the task and its shim stay.
    if (req.execId) return this.call(req.id, (client) => client.delete(req), (exit) => ({ pid: 0, exitStatus: exit.exitStatus, exitedAt: exit.exitedAt }));
    const ended = await this.knownExit(req.id);
    if (ended) {
      this.ended.delete(req.id);
      return { pid: 0, exitStatus: ended.exitStatus, exitedAt: ended.exitedAt };
    }
    if (!this.shims.has(req.id) && ID.test(req.id) && !existsSync(this.socketPath(req.id))) {
      // No shim: the runtime may still hold a container nobody supervises. Nothing of it may outlive the task.
      if (await this.cleanUpDeadShim(req.id)) {
        this.options.logger.warn({ id: req.id }, 'ended a container that had no shim');
        return { pid: 0, exitStatus: SHIM_DIED_EXIT, exitedAt: new Date() };
      }
    }
    const handle = this.handle(req.id);
    let result: shim.DeleteResponse;
    const laps = new Laps();
    try {
      result = await this.clientOf(handle).delete(req);
    } catch (err) {
      if (!(await this.isDead(req.id, err))) throw err;
      const retried = await this.retryOnRestartedHost(req.id, (client) => client.delete(req));
      if (!retried) {
        const exit = await this.endDeadShim(req.id);
        this.ended.delete(req.id);
        return { pid: 0, exitStatus: exit.exitStatus, exitedAt: exit.exitedAt };
      }
      result = retried.value;
    }
    laps.lap('delete');
    this.endShimLater(req.id, handle);
    this.options.logger.debug({ id: req.id, timings: laps.ms }, 'task deleted');
    return result;
  }

  /**
   * Its task is deleted (the container's processes gone, its rootfs unmounted):
   * the caller need not wait for the shim's Shutdown and the removal of its
   * files, which took 10–25 ms of `ce run --rm` on a loaded machine (decision 0048).
   */
  private endShimLater(id: string, handle: ShimHandle): void {
    if (this.shims.get(id) === handle) this.shims.delete(id);
    const ended: Promise<void> = this.endShim(id, handle)
      .then(() => this.shimGone(handle))
      .catch((err: Error) => this.options.logger.warn({ id, err: err.message }, 'could not shut down the shim of a deleted task'))
      .finally(() => {
        if (this.shuttingDown.get(id) === ended) this.shuttingDown.delete(id);
      });
    this.shuttingDown.set(id, ended);
  }

  taskState(req: shim.StateRequest): Promise<shim.StateResponse> {
    return this.call(req.id, (client) => client.state(req), (exit) => stoppedState(req.id, exit, this.ownership.get(req.id)));
  }

  /** A task whose shim died is stopped: it cannot be paused, updated or measured. */
  pauseTask(req: shim.PauseRequest): Promise<void> {
    return this.call(req.id, (client) => client.pause(req), () => this.notRunning(req.id));
  }

  resumeTask(req: shim.ResumeRequest): Promise<void> {
    return this.call(req.id, (client) => client.resume(req), () => this.notRunning(req.id));
  }

  updateTask(req: shim.UpdateTaskRequest): Promise<void> {
    return this.call(req.id, (client) => client.update(req), () => this.notRunning(req.id));
  }

  taskStats(req: shim.StatsRequest): Promise<CgroupStats> {
    return this.call(req.id, (client) => client.stats(req), () => this.notRunning(req.id));
  }

  taskPids(req: shim.PidsRequest): Promise<shim.PidsResponse> {
    return this.call(req.id, (client) => client.pids(req), () => this.notRunning(req.id));
  }

  reopenTaskLog(req: shim.ReopenLogRequest): Promise<void> {
    return this.call(req.id, (client) => client.reopenLog(req), () => this.notRunning(req.id));
  }

  private notRunning(id: string): never {
    throw failedPrecondition(`task ${id} is not running: its shim died and its container was ended`);
  }

  attachTask(options: AttachOptions): AttachSession {
    return this.client(options.id).attach(options);
  }

  execTask(req: shim.ExecProcessRequest): Promise<void> {
    return this.call(req.id, (client) => client.exec(req), () => {
      throw failedPrecondition(`cannot exec in task ${req.id}: its shim died and its container was ended`);
    });
  }

  resizeTaskPty(req: shim.ResizePtyRequest): Promise<void> {
    return this.call(req.id, (client) => client.resizePty(req), () => undefined);
  }

  closeTaskIO(req: shim.CloseIORequest): Promise<void> {
    return this.call(req.id, (client) => client.closeIO(req), () => undefined);
  }

  /**
   * Every task with a shim, and every task whose shim is dead: its container
   * is ended and it is listed as stopped (exit 137) until deleted. Runtime
   * state that no shim owns is ended too, and logs of shims that are gone are
   * removed.
   */
  /** Every task, or those of one namespace (a task whose namespace cannot be known is in every list). */
  async listTasks(namespace = ''): Promise<shim.StateResponse[]> {
    const all = await this.allTasks();
    for (const t of all) if (t.namespace) this.ownership.set(t.id, { namespace: t.namespace, labels: t.labels });
    return namespace ? all.filter((t) => !t.namespace || t.namespace === namespace) : all;
  }

  private async allTasks(): Promise<shim.StateResponse[]> {
    let names: string[] = [];
    try {
      names = await readdir(this.shimDir);
    } catch {
      names = [];
    }
    const sockets = names.filter((n) => n.endsWith('.sock') && n !== `${HOST_NAME}.sock`);
    const stale = sockets.filter((n) => n.startsWith(SPARE_PREFIX) && join(this.shimDir, n) !== this.spare?.socket);
    await Promise.all(stale.map((n) => this.endStaleSpare(n.slice(0, -'.sock'.length))));
    const ids = sockets.filter((n) => !n.startsWith(SPARE_PREFIX)).map((n) => n.slice(0, -'.sock'.length)).filter((id) => !this.shuttingDown.has(id));
    const states = await Promise.all(
      ids.map((id) =>
        this.stateOrForget(id).catch((err: Error) => {
          // Slow, not dead: left out of the list, its socket kept; callers can ask it again.
          this.options.logger.warn({ id, err: err.message }, 'shim did not answer in time');
          return undefined;
        }),
      ),
    );
    const withShim = new Set(ids);
    for (const id of await runtimeTaskIds(this.options.runtimeRoot)) {
      if (withShim.has(id) || this.shims.has(id) || this.creating.has(id) || this.ending.has(id) || this.ended.has(id) || this.shuttingDown.has(id)) continue;
      this.options.logger.warn({ id }, 'runtime state without a shim: ending its container');
      states.push(
        await this.endDeadShim(id, 'it had no shim when the supervisor started; the supervisor killed it').then(
          (exit) => stoppedState(id, exit, this.ownership.get(id)),
          () => undefined,
        ),
      );
    }
    await this.removeLogsWithoutShim();
    return states.filter((s): s is shim.StateResponse => s !== undefined);
  }

  /**
   * A shim's log and bundle record outlive it only until this sweep: the
   * socket is what makes a shim known. A bundle record without a shim is a
   * shim that died while creating its task: what it mounted is unmounted.
   */
  private async removeLogsWithoutShim(): Promise<void> {
    const names = await readdir(this.shimDir).catch(() => [] as string[]);
    const present = new Set(names);
    for (const name of names) {
      const ext = name.endsWith('.log') ? '.log' : name.endsWith('.bundle') ? '.bundle' : undefined;
      if (!ext) continue;
      const base = name.slice(0, -ext.length);
      if (present.has(`${base}.sock`) || this.creating.has(base) || this.ending.has(base) || this.shuttingDown.has(base) || join(this.shimDir, name) === this.spare?.log) continue;
      if (ext === '.bundle') {
        await this.unmountLeftRootfs(base);
        continue;
      }
      await rm(join(this.shimDir, name), { force: true });
      this.options.logger.info({ log: name }, 'removed the log of a shim that is gone');
    }
  }

  events(signal: AbortSignal): AsyncIterable<TaskEvent> {
    return this.broadcaster.subscribe(signal);
  }

  /** Stops relaying events, ends the spare shim (and an idle shim host) and closes connections; shims with tasks keep running. */
  async close(): Promise<void> {
    this.closed = true;
    for (const handle of this.shims.values()) {
      handle.events.abort();
      handle.client.close();
    }
    this.shims.clear();
    await Promise.all(this.shuttingDown.values());
    this.hostRelay?.abort();
    for (const client of this.retired) client.close();
    this.retired.clear();
    this.broadcaster.close();
    const spare = this.spare;
    this.spare = undefined;
    if (spare) await this.stopSpare(spare);
    await this.host?.stopIfIdle();
    await this.shimsExited(5000);
  }

  /** Waits (at most `ms`) for the shims that were shut down to exit. */
  private async shimsExited(ms: number): Promise<void> {
    if (!this.exiting.size) return;
    const timer = new AbortController();
    await Promise.race([Promise.all(this.exiting), sleep(ms, undefined, { signal: timer.signal }).catch(() => undefined)]);
    timer.abort();
  }

  /** A spare left by a previous run (ced was killed): it has no task, so it is ended. */
  private async endStaleSpare(name: string): Promise<void> {
    const socket = join(this.shimDir, `${name}.sock`);
    const client = new TaskGrpcClient(socket);
    try {
      await client.shutdown('');
      this.options.logger.info({ socket }, 'ended a spare shim left by a previous run');
    } catch {
      // not answering: only its files are left
    } finally {
      client.close();
    }
    await rm(socket, { force: true });
    await rm(join(this.shimDir, `${name}.log`), { force: true });
  }

  /**
   * The state of a task, or undefined for a shim that has none (it is
   * ended); a dead shim's container is ended and its task reported stopped.
   * A shim that is only slow keeps its socket: the error is thrown, not
   * taken for an exit.
   */
  private async stateOrForget(id: string): Promise<shim.StateResponse | undefined> {
    const handle = this.handle(id);
    try {
      return await this.clientOf(handle).state({ id }, 10_000);
    } catch (err) {
      if (isCeError(err, 'NotFound')) {
        // A shim this process is giving its task answers NotFound until the Create is done
        // (a list that read the directory before may ask it): left out, not ended.
        if (handle.givenTask) return undefined;
        // A previous run's shim whose task was deleted, but ced did not get to end it (killed in between).
        await this.endShim(id, handle).catch(() => undefined);
        return undefined;
      }
      if (!(await this.isDead(id, err))) throw err;
      const retried = await this.retryOnRestartedHost(id, (client) => client.state({ id }, 10_000));
      if (retried) return retried.value;
      return stoppedState(id, await this.endDeadShim(id), this.ownership.get(id));
    }
  }

  /** The exit recorded for a task whose shim died, waiting for one being recorded now. */
  private async knownExit(id: string): Promise<ExitStatus | undefined> {
    return this.ended.get(id) ?? (await this.ending.get(id)?.catch(() => undefined));
  }

  /** Calls a task's shim; when the shim turns out dead, its container is ended and `onDead` answers. */
  private async call<T>(id: string, fn: (client: TaskGrpcClient) => Promise<T>, onDead: (exit: ExitStatus) => T): Promise<T> {
    const ended = await this.knownExit(id);
    if (ended) return onDead(ended);
    try {
      return await fn(this.client(id));
    } catch (err) {
      if (!(await this.isDead(id, err))) throw err;
      const retried = await this.retryOnRestartedHost(id, fn);
      if (retried) return retried.value;
      return onDead(await this.endDeadShim(id));
    }
  }

  /**
   * When a hosted task's shim is dead, the dead shim is the host: it is started
   * again (it adopts the tasks under a monitor) and the call is made once more.
   * Undefined when the task has a shim of its own, or the new host does not
   * hold the task (it was not under a monitor): the caller ends it as a dead shim's.
   */
  private async retryOnRestartedHost<T>(id: string, fn: (client: TaskGrpcClient) => Promise<T>): Promise<{ value: T } | undefined> {
    if (!this.host || !(this.shims.get(id)?.hosted ?? this.host.holds(id))) return undefined;
    await this.host.restart();
    try {
      return { value: await fn(this.client(id)) };
    } catch (err) {
      if (isCeError(err, 'NotFound') && (err as Error).message.includes(`task ${id} not found`)) return undefined;
      if (await this.isDead(id, err)) return undefined;
      throw err;
    }
  }

  /** Did a call fail because the task's shim is dead (not merely slow)? */
  private async isDead(id: string, err: unknown): Promise<boolean> {
    if (!isCeError(err, 'Unavailable')) return false;
    if (!(await shimListens(this.socketPath(id)))) return true;
    return this.shims.get(id)?.hosted === true && this.hostStopsListening();
  }

  /**
   * A call to a host killed meanwhile fails (the connection reset) while its
   * socket may still take a connection for a moment, as the dying process's
   * files are closed: the host is dead if its socket stops listening soon.
   */
  private async hostStopsListening(): Promise<boolean> {
    const deadline = Date.now() + DYING_HOST_WAIT_MS;
    while (Date.now() < deadline) {
      await sleep(DYING_HOST_POLL_MS);
      if (!(await shimListens(this.host!.socket))) return true;
    }
    return false;
  }

  /**
   * Ends the container of a task whose shim died: nothing may run without a
   * supervisor. Its exit (137, with the reason) is kept for wait, state and
   * delete. One at a time per task.
   */
  private endDeadShim(id: string, reason = 'its shim died; the supervisor killed it'): Promise<ExitStatus> {
    const known = this.ended.get(id);
    if (known) return Promise.resolve(known);
    let ending = this.ending.get(id);
    if (!ending) {
      ending = (async () => {
        const started = performance.now();
        const handle = this.shims.get(id);
        if (handle) this.forget(id, handle);
        if (!this.ownership.has(id)) {
          const owned = await runtimeTaskOwnership(this.options.runtimeRoot, id);
          if (owned) this.ownership.set(id, owned);
        }
        // A container that exited before its shim died: its real status, from the shim's record on disk.
        const bundle = await runtimeTaskBundle(this.options.runtimeRoot, id);
        const recorded = bundle ? readExitFile(bundle) : undefined;
        const hadContainer = await this.cleanUpDeadShim(id);
        const exit: ExitStatus = recorded ?? { exitStatus: SHIM_DIED_EXIT, exitedAt: new Date(), reason, oomKilled: false };
        this.ended.set(id, exit);
        // ced follows exits through events: this one has no shim to send it.
        this.broadcaster.publish({ id, timestamp: new Date(), exit: { pid: 0, exitStatus: exit.exitStatus, exitedAt: exit.exitedAt, reason: exit.reason ?? '', oomKilled: !!exit.oomKilled } });
        if (recorded) this.options.logger.warn({ id, exitStatus: recorded.exitStatus }, 'task had exited before its shim died: its recorded exit status stands');
        else this.options.logger.warn({ id, hadContainer, ms: Math.round(performance.now() - started) }, `task ended: ${reason}`);
        return exit;
      })().finally(() => this.ending.delete(id));
      this.ending.set(id, ending);
    }
    return ending;
  }

  /**
   * Ends what a dead shim left: its container (from the runtime's state), the
   * rootfs it mounted in the bundle, its socket, log and bundle record. True
   * when a container or a mount was left.
   */
  private async cleanUpDeadShim(id: string): Promise<boolean> {
    try {
      const hadContainer = await endOrphanedTask(this.options.runtimeRoot, id, this.options.logger);
      return (await this.unmountLeftRootfs(id)) || hadContainer;
    } finally {
      await rm(this.socketPath(id), { force: true });
      await rm(this.logPath(id), { force: true });
    }
  }

  /**
   * Unmounts what a shim that is gone left mounted in its task's bundle (a
   * shim killed between mounting the rootfs and the runtime's state, which
   * endOrphanedTask reads), then forgets the bundle. True when something was mounted.
   */
  private async unmountLeftRootfs(id: string): Promise<boolean> {
    const record = this.bundleRecordPath(id);
    const bundle = await readFile(record, 'utf8').catch(() => '');
    const unmounted = bundle ? await unmountStale(join(bundle, 'rootfs'), this.options.logger) : 0;
    await rm(record, { force: true });
    return unmounted > 0;
  }

  private forget(id: string, handle: ShimHandle): void {
    handle.events.abort();
    handle.client.close();
    this.shims.delete(id);
  }

  private async answers(id: string): Promise<boolean> {
    return (await this.stateOrForget(id)) !== undefined && !this.ended.has(id);
  }

  private client(id: string): TaskGrpcClient {
    return this.clientOf(this.handle(id));
  }

  /**
   * The handle's client; a hosted task's is made anew once the host was
   * started again, as the old one may still be backing off its reconnects
   * (up to a second) after the dead host refused them. The old one is closed
   * later: calls queued on it would fail if it were closed now.
   */
  private clientOf(handle: ShimHandle): TaskGrpcClient {
    if (!handle.hosted || !this.host || handle.hostGeneration === this.host.generation) return handle.client;
    const old = handle.client;
    handle.client = new TaskGrpcClient(old.socketPath);
    handle.hostGeneration = this.host.generation;
    this.retired.add(old);
    setTimeout(() => {
      if (this.retired.delete(old)) old.close();
    }, RETIRED_CLIENT_CLOSE_MS).unref();
    return handle.client;
  }

  /** The shim of a task, connecting to its socket if this process did not start it. */
  private handle(id: string): ShimHandle {
    const known = this.shims.get(id);
    if (known) return known;
    if (!ID.test(id) || this.shuttingDown.has(id) || !existsSync(this.socketPath(id))) throw notFound(`task ${id} not found`);
    return this.track(id);
  }

  /**
   * Follows a task's shim: a hosted task's events come with the host's, a shim
   * of its own is followed by itself. Whoever gave the task its shim knows which
   * it is; a previous run's task is looked up on disk.
   */
  private track(id: string, proc?: ShimProcess, givenTask = false, hosted = this.host?.holds(id) ?? false): ShimHandle {
    const handle: ShimHandle = { client: new TaskGrpcClient(this.socketPath(id)), process: proc, events: new AbortController(), givenTask, hosted, hostGeneration: this.host?.generation };
    this.shims.set(id, handle);
    if (hosted) this.followHost();
    else void this.relayEvents(id, handle);
    return handle;
  }

  /** In host mode, one relay carries every task's events (started with the first task, again after an idle host ended). */
  private hostRelay: AbortController | undefined;

  private followHost(): void {
    if (this.hostRelay || this.closed) return;
    const relay = new AbortController();
    this.hostRelay = relay;
    void this.relayHostEvents(relay.signal).finally(() => {
      if (this.hostRelay === relay) this.hostRelay = undefined;
    });
  }

  /**
   * Relays the host's events. When the stream breaks because the host died, the
   * host is started again (it adopts the tasks under a monitor), the tasks it
   * did not adopt are ended as dead shims', and the stream is opened again.
   */
  private async relayHostEvents(signal: AbortSignal): Promise<void> {
    const host = this.host!;
    let delay = RELAY_RETRY_FIRST_MS;
    for (;;) {
      const client = new TaskGrpcClient(host.socket);
      try {
        for await (const event of client.events(signal)) {
          delay = RELAY_RETRY_FIRST_MS;
          this.broadcaster.publish(event);
        }
        return; // the host ended the stream: it is ending, idle
      } catch (err) {
        if (signal.aborted) return;
        if (isCeError(err, 'Unavailable') && !(await shimListens(host.socket))) {
          await host.restart().catch((e: Error) => this.options.logger.error({ err: e.message }, 'could not start the shim host again'));
          await this.endTasksNotAdopted();
          continue;
        }
        this.options.logger.warn({ err: (err as Error).message, retryMs: delay }, "lost the shim host's event stream; subscribing again");
      } finally {
        client.close();
      }
      await sleep(delay, undefined, { signal }).catch(() => undefined);
      if (signal.aborted) return;
      delay = Math.min(delay * 2, RELAY_RETRY_MAX_MS);
    }
  }

  /** After a host restart: the hosted tasks the new host does not hold (not under a monitor) are ended. */
  private async endTasksNotAdopted(): Promise<void> {
    for (const [id, handle] of [...this.shims]) {
      if (this.creating.has(id) || !handle.hosted) continue;
      const held = await this.retryOnRestartedHost(id, (client) => client.state({ id })).catch(() => undefined);
      if (!held) await this.endDeadShim(id).catch((e: Error) => this.options.logger.error({ id, err: e.message }, 'could not end the container of a dead shim'));
    }
  }

  /**
   * Relays a shim's events. When the stream breaks because the shim died, its
   * container is ended at once; when the shim still listens, the stream is
   * opened again (the shim then repeats an exit it keeps, so none is lost).
   */
  private async relayEvents(id: string, handle: ShimHandle): Promise<void> {
    let delay = RELAY_RETRY_FIRST_MS;
    for (;;) {
      try {
        for await (const event of handle.client.events(handle.events.signal)) {
          delay = RELAY_RETRY_FIRST_MS;
          this.broadcaster.publish(event);
        }
        return; // the shim ended the stream: it is shutting down
      } catch (err) {
        if (handle.events.signal.aborted || this.shims.get(id) !== handle) return;
        if (await this.isDead(id, err)) {
          // A shim being given its task is watched by createTask, which retries on a new shim.
          if (this.creating.has(id)) return;
          await this.endDeadShim(id).catch((e: Error) => this.options.logger.error({ id, err: e.message }, 'could not end the container of a dead shim'));
          return;
        }
        this.options.logger.warn({ id, err: (err as Error).message, retryMs: delay }, "lost a live shim's event stream; subscribing again");
      }
      await sleep(delay, undefined, { signal: handle.events.signal }).catch(() => undefined);
      if (handle.events.signal.aborted || this.shims.get(id) !== handle) return;
      delay = Math.min(delay * 2, RELAY_RETRY_MAX_MS);
    }
  }

  /** Shuts a shim down whose task is deleted (or never created), and removes its socket and log; a dead one is cleaned up. */
  private async endShim(id: string, handle: ShimHandle): Promise<void> {
    handle.events.abort();
    try {
      await this.clientOf(handle).shutdown(id);
    } catch (err) {
      // A host that does not hold the task (deleted while ced was killed, or never adopted): its link and what it left go.
      if (handle.hosted && isCeError(err, 'NotFound')) {
        await this.cleanUpDeadShim(id);
        return;
      }
      if (!(await this.isDead(id, err))) throw err;
      if (handle.process?.running) handle.process.kill(); // alive but deaf: no use to anyone
      await this.cleanUpDeadShim(id);
      return;
    } finally {
      handle.client.close();
      if (this.shims.get(id) === handle) this.shims.delete(id);
    }
    // Its task is deleted and its rootfs unmounted: what is left of it goes now, while the
    // process ends on its own (a Node process takes some ms to exit; the caller need not wait).
    if (handle.process) this.trackExit(handle.process);
    await rm(this.socketPath(id), { force: true });
    await rm(this.logPath(id), { force: true });
    // The shim unmounted its rootfs when its task was deleted; one that is shut down without a task never mounted it.
    await rm(this.bundleRecordPath(id), { force: true });
  }

  /**
   * A shim that bound its socket at the task's own path unlinks that path as its
   * server closes (libuv does so on close), which may come after a new shim for
   * the same id has bound it: a task of that id waits for the old process to end.
   * A hosted task's process is the host, which stays; a spare bound another path.
   */
  private async shimGone(handle: ShimHandle): Promise<void> {
    if (!handle.process?.running) return;
    const timer = new AbortController();
    try {
      await Promise.race([handle.process.exited, sleep(SHIM_EXIT_WAIT_MS, undefined, { signal: timer.signal }).catch(() => undefined)]);
    } finally {
      timer.abort();
    }
  }

  private trackExit(proc: ShimProcess): void {
    const exited = proc.exited.finally(() => this.exiting.delete(exited));
    this.exiting.add(exited);
  }

  private socketPath(id: string): string {
    return join(this.shimDir, `${id}.sock`);
  }

  private logPath(id: string): string {
    return join(this.shimDir, `${id}.log`);
  }

  /** The bundle a task was created with, kept while its shim lives (the shim mounts `<bundle>/rootfs`). */
  private bundleRecordPath(id: string): string {
    return join(this.shimDir, `${id}.bundle`);
  }
}

/** The task of a dead shim, as State reports it. */
function stoppedState(id: string, exit: ExitStatus, owned: TaskOwnership | undefined): shim.StateResponse {
  return {
    namespace: owned?.namespace ?? '',
    labels: owned?.labels ?? {},
    id,
    bundle: '',
    pid: 0,
    status: TaskStatus.TASK_STATUS_STOPPED,
    exitStatus: exit.exitStatus,
    exitedAt: exit.exitedAt,
    terminal: false,
    stdin: false,
    shimPid: 0,
  };
}
