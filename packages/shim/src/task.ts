import { existsSync } from 'node:fs';
import { DEFAULT_NAMESPACE, failedPrecondition, invalidArgument, alreadyExists, notFound, Broadcaster, type AttachOptions, type AttachSession } from '@ce/protocol';
import type { TaskEvent } from '@ce/protocol/gen/ce/events/v1/task';
import type * as shim from '@ce/protocol/gen/ce/shim/v1/shim';
import { TaskStatus, type ExitStatus } from '@ce/protocol/gen/ce/types/v1/task';
import type { Readable, Writable } from 'node:stream';
import { JsonFileLog } from './io/json-file-log.js';
import { StdioHub } from './io/stdio-hub.js';
import type { Logger } from '@ce/protocol';
import { writeExitFile } from './exit-file.js';
import { mountRootfs, unmountRootfs } from './rootfs.js';
import type { TaskApi } from './task-api.js';

/** What the shim needs of @ce/runtime (or of any runtime with the same calls). */
export interface RuntimeLike {
  create(
    id: string,
    bundle: string,
    options: { stdio: ['pipe' | 'ignore', 'pipe', 'pipe'] },
  ): Promise<{
    pid: number;
    stdin: Writable | null;
    stdout: Readable | null;
    stderr: Readable | null;
    exited: Promise<{ exitStatus: number; exitedAt: Date }>;
  }>;
  start(id: string): Promise<void>;
  kill(id: string, signal: number | string, options?: { all?: boolean }): Promise<void>;
  delete(id: string, options?: { force?: boolean }): Promise<void>;
}

interface TaskRecord {
  id: string;
  namespace: string;
  labels: Record<string, string>;
  bundle: string;
  pid: number;
  status: TaskStatus;
  exit?: ExitStatus;
  terminal: boolean;
  stdin: boolean;
  hub: StdioHub;
  log: JsonFileLog | null;
  mounted: string[];
  exited: Promise<ExitStatus>;
}

/**
 * The one task a shim owns, in containerd's order: create, start, exit,
 * delete. Its state lives in this process, which outlives ced.
 */
export class ShimTask implements TaskApi {
  private task: TaskRecord | undefined;
  private deleted = false;
  private readonly broadcaster = new Broadcaster<TaskEvent>();

  constructor(
    private readonly runtime: RuntimeLike,
    private readonly logger: Logger,
    private readonly onShutdown: () => void,
  ) {}

  async create(req: shim.CreateTaskRequest): Promise<shim.CreateTaskResponse> {
    if (this.task || this.deleted) throw alreadyExists(`task ${req.id} already exists in this shim`);
    if (!req.id) throw invalidArgument('create: id is required');
    if (!req.bundle || !existsSync(req.bundle)) throw invalidArgument(`create: bundle ${req.bundle || '(empty)'} does not exist`);
    if (req.terminal) throw invalidArgument('create: terminal is not supported yet');
    const mounted = req.rootfs.length ? mountRootfs(req.bundle, req.rootfs) : [];
    let log: JsonFileLog | null = null;
    try {
      const proc = await this.runtime.create(req.id, req.bundle, { stdio: [req.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
      log = req.logPath
        ? new JsonFileLog(req.logPath, {
            onProblem: (p) => {
              this.logger.warn({ id: req.id, kind: p.kind, code: p.code, droppedLines: p.droppedLines, droppedBytes: p.droppedBytes }, p.message);
              this.emit({ warning: { kind: p.kind, message: p.message } }, req.id);
            },
          })
        : null;
      const hub = new StdioHub(proc, log);
      const exited = proc.exited.then((e): ExitStatus => ({ exitStatus: e.exitStatus, exitedAt: e.exitedAt, reason: '' }));
      this.task = {
        id: req.id,
        namespace: req.namespace || DEFAULT_NAMESPACE,
        labels: { ...req.labels },
        bundle: req.bundle,
        pid: proc.pid,
        status: TaskStatus.TASK_STATUS_CREATED,
        terminal: req.terminal,
        stdin: req.stdin,
        hub,
        log,
        mounted,
        exited,
      };
      void exited.then((exit) => this.onExit(exit), (err) => this.logger.error({ err }, 'waiting for the task failed'));
      this.logger.info({ id: req.id, pid: proc.pid }, 'task created');
      this.emit({ create: { bundle: req.bundle, pid: proc.pid } });
      return { pid: proc.pid };
    } catch (err) {
      await log?.close();
      await unmountRootfs(mounted).catch((e) => this.logger.error({ err: e }, 'unmounting rootfs after a failed create'));
      throw err;
    }
  }

  async start(req: shim.StartRequest): Promise<shim.StartResponse> {
    const task = this.get(req.id);
    if (task.status !== TaskStatus.TASK_STATUS_CREATED) throw failedPrecondition(`task ${req.id} is not in the created state`);
    await this.runtime.start(req.id);
    if (task.status === TaskStatus.TASK_STATUS_CREATED) task.status = TaskStatus.TASK_STATUS_RUNNING;
    this.logger.info({ id: req.id, pid: task.pid }, 'task started');
    this.emit({ start: { pid: task.pid } });
    return { pid: task.pid };
  }

  async kill(req: shim.KillRequest): Promise<void> {
    const task = this.get(req.id);
    if (task.status === TaskStatus.TASK_STATUS_STOPPED) throw notFound(`task ${req.id}: process already finished`);
    await this.runtime.kill(req.id, req.signal || 15, { all: req.all });
  }

  async wait(req: shim.WaitRequest): Promise<ExitStatus> {
    return this.get(req.id).exited;
  }

  async delete(req: shim.DeleteRequest): Promise<shim.DeleteResponse> {
    const task = this.get(req.id);
    if (task.status === TaskStatus.TASK_STATUS_RUNNING) throw failedPrecondition(`task ${req.id} is running: kill it before deleting it`);
    // A created task that never started is killed by a forced delete.
    await this.runtime.delete(req.id, { force: task.status === TaskStatus.TASK_STATUS_CREATED });
    const exit = await task.exited;
    await task.hub.whenDrained();
    await task.log?.close();
    await unmountRootfs(task.mounted);
    this.task = undefined;
    this.deleted = true;
    this.logger.info({ id: req.id, exitStatus: exit.exitStatus }, 'task deleted');
    const result = { pid: task.pid, exitStatus: exit.exitStatus, exitedAt: exit.exitedAt };
    this.emit({ delete: result }, req.id);
    return result;
  }

  async state(req: shim.StateRequest): Promise<shim.StateResponse> {
    const task = this.get(req.id);
    return {
      id: task.id,
      bundle: task.bundle,
      pid: task.pid,
      status: task.status,
      exitStatus: task.exit?.exitStatus ?? 0,
      exitedAt: task.exit?.exitedAt,
      terminal: task.terminal,
      stdin: task.stdin,
      shimPid: process.pid,
      namespace: task.namespace,
      labels: task.labels,
    };
  }

  /**
   * Events from now on; a subscriber that comes after the task exited (ced
   * or the supervisor reconnecting) gets that exit first, as the shim keeps it
   * until the task is deleted.
   */
  events(signal: AbortSignal): AsyncIterable<TaskEvent> {
    const live = this.broadcaster.subscribe(signal);
    const task = this.task;
    if (!task?.exit) return live;
    return withFirst({ id: task.id, timestamp: new Date(), exit: { pid: task.pid, exitStatus: task.exit.exitStatus, exitedAt: task.exit.exitedAt, reason: '' } }, live);
  }

  attach(options: AttachOptions): AttachSession {
    return this.get(options.id).hub.attach(options);
  }

  async shutdown(id: string): Promise<void> {
    if (this.task) throw failedPrecondition(`task ${id} still exists: delete it before shutting the shim down`);
    this.broadcaster.close();
    this.onShutdown();
  }

  private get(id: string): TaskRecord {
    if (!this.task || this.task.id !== id) throw notFound(`task ${id} not found`);
    return this.task;
  }

  private onExit(exit: ExitStatus): void {
    const task = this.task;
    if (!task) return;
    task.status = TaskStatus.TASK_STATUS_STOPPED;
    task.exit = exit;
    try {
      writeExitFile(task.bundle, exit);
    } catch (err) {
      this.logger.error({ id: task.id, err: (err as Error).message }, 'could not record the exit status on disk');
    }
    this.logger.info({ id: task.id, pid: task.pid, exitStatus: exit.exitStatus }, 'task exited');
    this.emit({ exit: { pid: task.pid, exitStatus: exit.exitStatus, exitedAt: exit.exitedAt, reason: '' } });
  }

  private emit(event: Omit<TaskEvent, 'id' | 'timestamp'>, id = this.task?.id ?? ''): void {
    const full: TaskEvent = { id, timestamp: new Date(), ...event };
    this.broadcaster.publish(full);
  }
}

async function* withFirst<T>(first: T, rest: AsyncIterable<T>): AsyncGenerator<T> {
  yield first;
  yield* rest;
}
