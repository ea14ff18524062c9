import { existsSync, statSync } from 'node:fs';
import { link, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@ce/protocol';
import { taskRecordPath, TaskGrpcClient } from '@ce/shim';
import { shimListens } from './shim-liveness.js';
import { spawnShim, type ShimProcess } from './spawn-shim.js';

/** The host's socket and log in the shim folder; every task's `<id>.sock` is a hard link to the socket. */
export const HOST_NAME = 'host';

/**
 * The one `ce-shim --host` of a supervisor (decision 0029): started on first
 * use (or found running, started by an earlier ced), started again when it
 * died, after which it adopts the tasks whose monitors ran on. A task's socket
 * is a hard link to the host's: a listening unix socket answers under every
 * name, so the supervisor's per-task clients are unchanged. Beside them are the
 * sockets of tasks with a shim of their own (task-placement.ts), which a host
 * (re)start leaves alone.
 */
export class ShimHostProcess {
  private starting: Promise<void> | undefined;
  private process: ShimProcess | undefined;
  private starts = 0;

  constructor(
    private readonly shimDir: string,
    private readonly spawnHost: (socket: string, log: string) => ReturnType<typeof spawnShim>,
    private readonly logger: Logger,
  ) {}

  get socket(): string {
    return join(this.shimDir, `${HOST_NAME}.sock`);
  }

  /** How many hosts this process started: a client made before the last start was the dead host's. */
  get generation(): number {
    return this.starts;
  }

  /** The host runs and listens (started now if not). */
  ensure(): Promise<void> {
    this.starting ??= (async () => {
      if (await shimListens(this.socket)) return;
      await this.start();
    })().finally(() => (this.starting = undefined));
    return this.starting;
  }

  /** Starts the host again if it does not listen. One restart at a time, shared by every caller. */
  restart(): Promise<void> {
    this.starting ??= (async () => {
      if (await shimListens(this.socket)) return;
      this.logger.warn({ socket: this.socket, pid: this.process?.pid }, 'the shim host died: starting it again; it adopts the tasks of their monitors');
      this.process?.kill();
      await this.start();
    })().finally(() => (this.starting = undefined));
    return this.starting;
  }

  /**
   * Is task `id` the host's? Its socket is a link to the host's, or the host
   * keeps its record (a link to a host that died and was replaced is not).
   */
  holds(id: string): boolean {
    if (existsSync(taskRecordPath(this.shimDir, id))) return true;
    const task = statSync(join(this.shimDir, `${id}.sock`), { throwIfNoEntry: false });
    const host = statSync(this.socket, { throwIfNoEntry: false });
    return !!task && !!host && task.ino === host.ino && task.dev === host.dev;
  }

  /** Ends the host if it holds no task (ced is stopping); a host with tasks runs on, as shims do. */
  async stopIfIdle(): Promise<void> {
    if (!(await shimListens(this.socket))) return;
    const client = new TaskGrpcClient(this.socket);
    try {
      await client.shutdown('');
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'could not ask the shim host to end');
    } finally {
      client.close();
    }
  }

  /** Gives task `id` its socket name. */
  async link(socket: string): Promise<void> {
    await this.ensure();
    await this.linkAs(socket);
  }

  private async linkAs(socket: string): Promise<void> {
    const tmp = `${socket}.link-tmp`;
    await rm(tmp, { force: true });
    await link(this.socket, tmp);
    await rename(tmp, socket);
  }

  /** Starts a host, which adopts the recorded tasks, and points their sockets at it. */
  private async start(): Promise<void> {
    const started = performance.now();
    await rm(this.socket, { force: true });
    this.process = await this.spawnHost(this.socket, join(this.shimDir, `${HOST_NAME}.log`));
    this.logger.info({ pid: this.process.pid, ms: Math.round(performance.now() - started) }, 'shim host started');
    await this.relinkAdopted();
    this.starts++;
  }

  /**
   * The tasks a new host adopted are those whose records it kept (it removes
   * the stale ones before it listens); the sockets of tasks with a shim of
   * their own have no record and are left alone.
   */
  private async relinkAdopted(): Promise<void> {
    const names = await readdir(this.shimDir).catch(() => [] as string[]);
    for (const name of names) {
      if (!name.endsWith('.sock') || name === `${HOST_NAME}.sock` || name.startsWith('.')) continue;
      if (existsSync(taskRecordPath(this.shimDir, name.slice(0, -'.sock'.length)))) await this.linkAs(join(this.shimDir, name));
    }
  }
}
