import { alreadyExists, Broadcaster, invalidArgument, notFound, type AttachOptions, type AttachSession, type Logger } from '@ce/protocol';
import type { TaskEvent } from '@ce/protocol/gen/ce/events/v1/task';
import type * as shim from '@ce/protocol/gen/ce/shim/v1/shim';
import type { CgroupStats } from '@ce/protocol/gen/ce/types/v1/resources';
import type { ExitStatus } from '@ce/protocol/gen/ce/types/v1/task';
import { readTaskRecords, removeTaskRecord } from './monitor/task-record.js';
import type { TaskApi } from './task-api.js';
import type { ShimTask } from './task.js';

/**
 * One shim process for many tasks (`ce-shim --host`, decision 0029): each
 * task is a ShimTask of its own, found by the id every request names. With
 * ce-monitor holding each container's stdio, log and exit, the host holds
 * nothing that is not on disk or asked again of the monitors: a restarted
 * host adopts them (`adoptAll`).
 */
export class ShimHost implements TaskApi {
  private readonly tasks = new Map<string, ShimTask>();
  private readonly broadcaster = new Broadcaster<TaskEvent>();
  private readonly relays = new Map<string, AbortController>();

  constructor(
    /** A ShimTask for one task; its onShutdown is the host's to call. */
    private readonly newTask: (onShutdown: () => void) => ShimTask,
    private readonly logger: Logger,
    /** Where the monitors' sockets and task records are. */
    private readonly monitorDir: string,
    /** Called by a Shutdown without an id while the host holds no task: the host may end. */
    private readonly onIdleShutdown: () => void = () => undefined,
  ) {}

  /** Takes over every task a previous host process left under its monitor; returns their ids. */
  async adoptAll(): Promise<string[]> {
    const { records, unreadable } = readTaskRecords(this.monitorDir);
    for (const name of unreadable) this.logger.warn({ record: name }, 'task record cannot be read: not adopted');
    const adopted: string[] = [];
    for (const record of records) {
      if (this.tasks.has(record.id)) continue;
      const task = this.add(record.id);
      try {
        await task.adopt(record);
        adopted.push(record.id);
      } catch (err) {
        this.drop(record.id);
        // The runtime no longer knows it (deleted while no host ran): the record is stale.
        this.logger.warn({ id: record.id, err: (err as Error).message }, 'task record not adopted; removed');
        removeTaskRecord(this.monitorDir, record.id);
      }
    }
    return adopted;
  }

  async create(req: shim.CreateTaskRequest): Promise<shim.CreateTaskResponse> {
    if (!req.id) throw invalidArgument('create: id is required');
    if (this.tasks.has(req.id)) throw alreadyExists(`task ${req.id} already exists`);
    const task = this.add(req.id);
    try {
      return await task.create(req);
    } catch (err) {
      this.drop(req.id);
      throw err;
    }
  }

  async start(req: shim.StartRequest): Promise<shim.StartResponse> {
    return this.get(req.id).start(req);
  }
  async kill(req: shim.KillRequest): Promise<void> {
    return this.get(req.id).kill(req);
  }
  async wait(req: shim.WaitRequest): Promise<ExitStatus> {
    return this.get(req.id).wait(req);
  }
  async delete(req: shim.DeleteRequest): Promise<shim.DeleteResponse> {
    return this.get(req.id).delete(req);
  }
  async state(req: shim.StateRequest): Promise<shim.StateResponse> {
    return this.get(req.id).state(req);
  }
  attach(options: AttachOptions): AttachSession {
    return this.get(options.id).attach(options);
  }
  async exec(req: shim.ExecProcessRequest): Promise<void> {
    return this.get(req.id).exec(req);
  }
  async resizePty(req: shim.ResizePtyRequest): Promise<void> {
    return this.get(req.id).resizePty(req);
  }
  async closeIO(req: shim.CloseIORequest): Promise<void> {
    return this.get(req.id).closeIO(req);
  }
  async pause(req: shim.PauseRequest): Promise<void> {
    return this.get(req.id).pause(req);
  }
  async resume(req: shim.ResumeRequest): Promise<void> {
    return this.get(req.id).resume(req);
  }
  async update(req: shim.UpdateTaskRequest): Promise<void> {
    return this.get(req.id).update(req);
  }
  async stats(req: shim.StatsRequest): Promise<CgroupStats> {
    return this.get(req.id).stats(req);
  }
  async pids(req: shim.PidsRequest): Promise<shim.PidsResponse> {
    return this.get(req.id).pids(req);
  }
  async reopenLog(req: shim.ReopenLogRequest): Promise<void> {
    return this.get(req.id).reopenLog(req);
  }

  /** Forgets a deleted task; without an id, ends the host if it holds no task (else it stays). */
  async shutdown(id: string): Promise<void> {
    // A task whose create failed was dropped at once: shutting it down has nothing left to do.
    if (id) return this.tasks.get(id)?.shutdown(id);
    if (this.tasks.size === 0) this.onIdleShutdown();
  }

  /**
   * Every task's events from now on; the exits of stopped tasks first (a
   * subscriber that comes back after they exited must not miss them).
   */
  events(signal: AbortSignal): AsyncIterable<TaskEvent> {
    const live = this.broadcaster.subscribe(signal);
    const exits = [...this.tasks.values()].map((t) => t.exitEvent()).filter((e): e is TaskEvent => e !== undefined);
    return (async function* () {
      yield* exits;
      yield* live;
    })();
  }

  /** The ids of the tasks the host holds. */
  ids(): string[] {
    return [...this.tasks.keys()];
  }

  private add(id: string): ShimTask {
    const task = this.newTask(() => this.drop(id));
    this.tasks.set(id, task);
    const relay = new AbortController();
    this.relays.set(id, relay);
    void (async () => {
      for await (const event of task.events(relay.signal)) this.broadcaster.publish(event);
    })().catch((err: Error) => this.logger.warn({ id, err: err.message }, 'task event relay ended'));
    return task;
  }

  private drop(id: string): void {
    this.relays.get(id)?.abort();
    this.relays.delete(id);
    this.tasks.delete(id);
  }

  private get(id: string): ShimTask {
    const task = this.tasks.get(id);
    if (!task) throw notFound(`task ${id} not found`);
    return task;
  }
}
