import { setTimeout as sleep } from 'node:timers/promises';
import { isCeError, type Logger } from '@ce/protocol';
import type { TaskEvent } from '@ce/protocol/gen/ce/events/v1/task';
import { TaskStatus, type ExitStatus } from '@ce/protocol/gen/ce/types/v1/task';
import type { SupervisorApi } from '@ce/supervisor';

/** How ced learns that a task exited. */
export interface TaskExits {
  /** The exit of task `id` whose process is `pid` (0: any); rejects when the task is lost. */
  exitOf(id: string, pid: number): Promise<ExitStatus>;
}

/** One waitTask per task: for callers without an event stream (fakes in unit tests). */
export function waitTaskExits(supervisor: Pick<SupervisorApi, 'waitTask'>): TaskExits {
  return { exitOf: (id) => supervisor.waitTask({ id }) };
}

interface Watch {
  pid: number;
  resolve: (exit: ExitStatus) => void;
  reject: (err: Error) => void;
}

/** Exits nobody waited for yet (the task exited before its start was recorded); bounded, oldest dropped. */
const UNCLAIMED_LIMIT = 1024;
/**
 * An early exit is claimed within the start that caused it; an older one
 * (a task recovery ended, whose container starts again much later) belongs to
 * an earlier task and must not end the new one.
 */
const UNCLAIMED_TTL_MS = 60_000;
const RESUBSCRIBE_FIRST_MS = 100;
const RESUBSCRIBE_MAX_MS = 5000;

/**
 * Exits from the supervisor's event stream, which relays every shim's, in
 * place of one waitTask per container. When the stream breaks (a remote
 * supervisor restarted), it subscribes again with a backoff and then asks the
 * state of every task it follows: a shim keeps its task's exit, so an exit
 * that happened meanwhile is still reported.
 */
export class TaskExitWatcher implements TaskExits {
  private readonly watches = new Map<string, Watch>();
  private readonly unclaimed = new Map<string, ExitStatus & { pid: number; receivedAt: number }>();
  private readonly stop = new AbortController();
  private readonly listeners = new Set<(event: TaskEvent) => void>();

  constructor(
    private readonly supervisor: SupervisorApi,
    private readonly logger: Logger,
  ) {}

  /** Subscribes before returning, so that no exit after this call is missed. */
  start(): void {
    void this.follow();
  }

  /** Stops following; pending exits stay unsettled (the tasks go on running, and the next ced follows them). */
  close(): void {
    this.stop.abort();
  }

  /** Every task event, for subscribers of other kinds (OOM, exec exits). */
  onTaskEvent(listener: (event: TaskEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  exitOf(id: string, pid: number): Promise<ExitStatus> {
    const early = this.unclaimed.get(id);
    this.unclaimed.delete(id);
    if (early && Date.now() - early.receivedAt <= UNCLAIMED_TTL_MS && (pid === 0 || early.pid === 0 || early.pid === pid)) {
      const { receivedAt: _, ...exit } = early;
      return Promise.resolve(exit);
    }
    this.watches.get(id)?.reject(new Error(`task ${id} is followed again`));
    return new Promise<ExitStatus>((resolve, reject) => this.watches.set(id, { pid, resolve, reject }));
  }

  private async follow(): Promise<void> {
    let delay = RESUBSCRIBE_FIRST_MS;
    let resubscribed = false;
    while (!this.stop.signal.aborted) {
      try {
        const stream = this.supervisor.events(this.stop.signal);
        if (resubscribed) void this.reconcile();
        for await (const event of stream) {
          delay = RESUBSCRIBE_FIRST_MS;
          this.handle(event);
        }
        if (this.stop.signal.aborted) return;
        this.logger.warn('the supervisor ended its event stream; subscribing again');
      } catch (err) {
        if (this.stop.signal.aborted) return;
        this.logger.warn({ err: (err as Error).message, retryMs: delay }, 'lost the supervisor event stream; subscribing again');
      }
      resubscribed = true;
      await sleep(delay, undefined, { signal: this.stop.signal }).catch(() => undefined);
      delay = Math.min(delay * 2, RESUBSCRIBE_MAX_MS);
    }
  }

  private handle(event: TaskEvent): void {
    if (event.create) this.unclaimed.delete(event.id); // a new task: an exit left from the last one is not its
    // An exec's exit is not the task's (exec subsystems follow those through onTaskEvent).
    if (event.exit && !event.exit.execId) {
      const { pid, exitStatus, exitedAt, reason, oomKilled } = event.exit;
      this.settle(event.id, { pid, exitStatus, exitedAt, reason, oomKilled });
    }
    for (const listener of this.listeners) listener(event);
  }

  private settle(id: string, exit: ExitStatus & { pid: number }): void {
    const watch = this.watches.get(id);
    if (watch && (watch.pid === 0 || exit.pid === 0 || watch.pid === exit.pid)) {
      this.watches.delete(id);
      watch.resolve(exit);
      return;
    }
    this.unclaimed.delete(id);
    this.unclaimed.set(id, { ...exit, receivedAt: Date.now() });
    if (this.unclaimed.size > UNCLAIMED_LIMIT) this.unclaimed.delete(this.unclaimed.keys().next().value!);
  }

  /** After a new subscription: the tasks followed that exited while no stream was there. */
  private async reconcile(): Promise<void> {
    for (const [id, watch] of [...this.watches]) {
      try {
        const state = await this.supervisor.taskState({ id });
        if (state.status !== TaskStatus.TASK_STATUS_STOPPED) continue;
        const exit = await this.supervisor.waitTask({ id });
        this.settle(id, { pid: watch.pid, ...exit });
      } catch (err) {
        if (isCeError(err, 'NotFound')) {
          if (this.watches.get(id) !== watch) continue;
          this.watches.delete(id);
          watch.reject(new Error(`task ${id} is gone`));
        }
        // Unavailable and the like: the next subscription tries again.
      }
    }
  }
}
