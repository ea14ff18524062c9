import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { alreadyExists, invalidArgument, isCeError, notFound, Broadcaster, type AttachOptions, type AttachSession } from '@ce/protocol';
import type { TaskEvent } from '@ce/protocol/gen/ce/events/v1/task';
import type * as shim from '@ce/protocol/gen/ce/shim/v1/shim';
import type { ExitStatus } from '@ce/protocol/gen/ce/types/v1/task';
import { TaskGrpcClient } from '@ce/shim';
import type { Logger } from '@ce/protocol';
import { spawnShim, type ShimProcess } from './spawn-shim.js';
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
   * wait for a process to start (default true). See docs/decisions/0006.
   */
  spareShim?: boolean;
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
}

const ID = /^[\w+.-]+$/;

export class Supervisor implements SupervisorApi {
  private readonly shims = new Map<string, ShimHandle>();
  private readonly broadcaster = new Broadcaster<TaskEvent>();
  private readonly shimDir: string;
  private readonly shimPath: string;
  private spare: { socket: string; ready: Promise<SpareShim> } | undefined;
  private closed = false;

  constructor(private readonly options: SupervisorOptions) {
    this.shimDir = join(options.stateDir, 'shims');
    this.shimPath = options.shimPath ?? createRequire(import.meta.url).resolve('@ce/shim/ce-shim');
  }

  async createTask(req: shim.CreateTaskRequest): Promise<shim.CreateTaskResponse> {
    if (!ID.test(req.id)) throw invalidArgument(`invalid task id ${JSON.stringify(req.id)}`);
    if (this.shims.has(req.id) || existsSync(this.socketPath(req.id))) {
      if (await this.answers(req.id)) throw alreadyExists(`task ${req.id} already exists`);
    }
    await mkdir(this.shimDir, { recursive: true, mode: 0o700 });
    const started = Date.now();
    const { proc, spare } = await this.takeShim(req.id);
    const handle = this.track(req.id, proc);
    this.options.logger.debug({ id: req.id, shimPid: proc.pid, spare, ms: Date.now() - started }, 'shim spawned');
    try {
      return await handle.client.create(req);
    } catch (err) {
      await this.endShim(req.id, handle).catch((e) => this.options.logger.error({ err: e, id: req.id }, 'ending shim after failed create'));
      throw err;
    } finally {
      this.startSpare();
    }
  }

  /**
   * Starts the spare shim if there is none (ced calls this once it is up;
   * every task creation calls it again after taking the spare).
   */
  startSpare(): void {
    if (this.options.spareShim === false || this.closed || this.spare) return;
    const name = `${SPARE_PREFIX}${randomBytes(6).toString('hex')}`;
    const socket = join(this.shimDir, `${name}.sock`);
    const log = join(this.shimDir, `${name}.log`);
    const ready = mkdir(this.shimDir, { recursive: true, mode: 0o700 })
      .then(() => spawnShim({ shimPath: this.shimPath, socket, runtimeRoot: this.options.runtimeRoot, logPath: log, logLevel: this.options.logLevel ?? 'info' }))
      .then((process) => ({ process, socket, log }));
    ready.catch((err) => {
      this.options.logger.warn({ err: (err as Error).message }, 'could not start a spare shim');
      if (this.spare?.socket === socket) this.spare = undefined;
    });
    this.spare = { socket, ready };
  }

  /** The spare shim renamed for task `id`, or a new shim when there is no usable spare. */
  private async takeShim(id: string): Promise<{ proc: ShimProcess; spare: boolean }> {
    const spare = this.spare;
    this.spare = undefined;
    if (spare) {
      try {
        const s = await spare.ready;
        // A listening unix socket keeps working under its new name.
        await rename(s.socket, this.socketPath(id));
        await rename(s.log, this.logPath(id));
        return { proc: s.process, spare: true };
      } catch (err) {
        this.options.logger.warn({ err: (err as Error).message }, 'spare shim unusable; starting one for the task');
        await this.stopSpare(spare);
      }
    }
    const proc = await spawnShim({
      shimPath: this.shimPath,
      id,
      socket: this.socketPath(id),
      runtimeRoot: this.options.runtimeRoot,
      logPath: this.logPath(id),
      logLevel: this.options.logLevel ?? 'info',
    });
    return { proc, spare: false };
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
    return this.client(req.id).start(req);
  }

  killTask(req: shim.KillRequest): Promise<void> {
    return this.client(req.id).kill(req);
  }

  waitTask(req: shim.WaitRequest): Promise<ExitStatus> {
    return this.client(req.id).wait(req);
  }

  async deleteTask(req: shim.DeleteRequest): Promise<shim.DeleteResponse> {
    const handle = this.handle(req.id);
    const result = await handle.client.delete(req);
    await this.endShim(req.id, handle);
    return result;
  }

  taskState(req: shim.StateRequest): Promise<shim.StateResponse> {
    return this.client(req.id).state(req);
  }

  attachTask(options: AttachOptions): AttachSession {
    return this.client(options.id).attach(options);
  }

  async listTasks(): Promise<shim.StateResponse[]> {
    let names: string[] = [];
    try {
      names = await readdir(this.shimDir);
    } catch {
      return [];
    }
    const sockets = names.filter((n) => n.endsWith('.sock'));
    const stale = sockets.filter((n) => n.startsWith(SPARE_PREFIX) && join(this.shimDir, n) !== this.spare?.socket);
    await Promise.all(stale.map((n) => this.endStaleSpare(n.slice(0, -'.sock'.length))));
    const ids = sockets.filter((n) => !n.startsWith(SPARE_PREFIX)).map((n) => n.slice(0, -'.sock'.length));
    const states = await Promise.all(
      ids.map((id) =>
        this.stateOrForget(id).catch((err: Error) => {
          // Slow, not dead: left out of the list, its socket kept; callers can ask it again.
          this.options.logger.warn({ id, err: err.message }, 'shim did not answer in time');
          return undefined;
        }),
      ),
    );
    return states.filter((s): s is shim.StateResponse => s !== undefined);
  }

  events(signal: AbortSignal): AsyncIterable<TaskEvent> {
    return this.broadcaster.subscribe(signal);
  }

  /** Stops relaying events, ends the spare shim and closes connections; shims with tasks keep running. */
  async close(): Promise<void> {
    this.closed = true;
    for (const handle of this.shims.values()) {
      handle.events.abort();
      handle.client.close();
    }
    this.shims.clear();
    this.broadcaster.close();
    const spare = this.spare;
    this.spare = undefined;
    if (spare) await this.stopSpare(spare);
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
   * The state of a task, or undefined for a shim that has none (it is ended)
   * or is dead (its socket is removed). A shim that is only slow keeps its
   * socket: the error is thrown, not taken for an exit.
   */
  private async stateOrForget(id: string): Promise<shim.StateResponse | undefined> {
    const handle = this.handle(id);
    try {
      return await handle.client.state({ id }, 10_000);
    } catch (err) {
      if (isCeError(err, 'NotFound')) {
        // Its task was deleted but ced did not get to end it (killed in between).
        await this.endShim(id, handle).catch(() => undefined);
        return undefined;
      }
      if (!isCeError(err, 'Unavailable')) throw err;
      this.options.logger.warn({ id, err: (err as Error).message }, 'shim does not answer; removing its socket');
      this.forget(id, handle);
      await rm(this.socketPath(id), { force: true });
      return undefined;
    }
  }

  private forget(id: string, handle: ShimHandle): void {
    handle.events.abort();
    handle.client.close();
    this.shims.delete(id);
  }

  private async answers(id: string): Promise<boolean> {
    return (await this.stateOrForget(id)) !== undefined;
  }

  private client(id: string): TaskGrpcClient {
    return this.handle(id).client;
  }

  /** The shim of a task, connecting to its socket if this process did not start it. */
  private handle(id: string): ShimHandle {
    const known = this.shims.get(id);
    if (known) return known;
    if (!ID.test(id) || !existsSync(this.socketPath(id))) throw notFound(`task ${id} not found`);
    return this.track(id);
  }

  private track(id: string, proc?: ShimProcess): ShimHandle {
    const handle: ShimHandle = { client: new TaskGrpcClient(this.socketPath(id)), process: proc, events: new AbortController() };
    this.shims.set(id, handle);
    void this.relayEvents(handle);
    return handle;
  }

  private async relayEvents(handle: ShimHandle): Promise<void> {
    try {
      for await (const event of handle.client.events(handle.events.signal)) {
        this.broadcaster.publish(event);
      }
    } catch {
      // the shim went away; its exit is seen through wait/state
    }
  }

  private async endShim(id: string, handle: ShimHandle): Promise<void> {
    handle.events.abort();
    try {
      await handle.client.shutdown(id);
    } finally {
      handle.client.close();
      this.shims.delete(id);
    }
    if (handle.process) await handle.process.exited;
    await rm(this.socketPath(id), { force: true });
    await rm(this.logPath(id), { force: true });
  }

  private socketPath(id: string): string {
    return join(this.shimDir, `${id}.sock`);
  }

  private logPath(id: string): string {
    return join(this.shimDir, `${id}.log`);
  }
}
