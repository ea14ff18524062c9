// ced's side of restart policies: one RestartBackoff per container, the
// pending restart timers, and Docker's "exit on next" for a user's stop or
// kill. The container service tells it of starts, exits, stops and removals;
// it decides, waits out the back-off on its clock and calls back to start.
import type { Logger } from '@ce/protocol';
import { RestartBackoff, type ExitFacts, type RestartDecision } from './restart-backoff.js';
import type { RestartPolicy } from './restart-policy.js';

/** Time as the manager needs it; tests pass a fake one. */
export interface RestartClock {
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

export const systemClock: RestartClock = {
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** What the manager asks of the container service. */
export interface RestartTarget {
  /** Starts the container again after its back-off (not a user's start: RestartCount stays). */
  restart(id: string): Promise<void>;
  /** A restart that could not start: the container stays exited (Docker's SetStopped). */
  restartFailed(id: string, err: Error): Promise<void> | void;
}

interface Pending {
  handle: unknown;
  delayMs: number;
}

export class RestartManager {
  private readonly backoffs = new Map<string, RestartBackoff>();
  private readonly pending = new Map<string, Pending>();
  /** Containers whose next exit must not restart them: a user stopped or killed them. */
  private readonly exitOnNext = new Set<string>();

  constructor(
    private readonly target: RestartTarget,
    private readonly logger: Logger,
    private readonly clock: RestartClock = systemClock,
  ) {}

  /**
   * A container's exit: whether its policy restarts it, and after how long.
   * `restartCount` is the persisted State.RestartCount, used the first time
   * this ced sees the container. On a restart the count in the decision is
   * the new one, to be persisted with the "restarting" state.
   */
  onExit(id: string, policy: RestartPolicy | undefined, restartCount: number, exit: ExitFacts): RestartDecision & { restartCount: number } {
    this.cancelPending(id);
    if (this.exitOnNext.delete(id) || !policy) return { restart: false, restartCount };
    let backoff = this.backoffs.get(id);
    if (!backoff) this.backoffs.set(id, (backoff = new RestartBackoff(policy, restartCount)));
    const decision = backoff.decide(exit);
    if (decision.restart) this.schedule(id, decision.delayMs);
    return { ...decision, restartCount: backoff.restartCount };
  }

  /** dockerd's restore: whether a container ced finds exited starts again now (a fresh decision on its last exit). */
  restartsOnDaemonStart(policy: RestartPolicy | undefined, restartCount: number, lastExit: ExitFacts): boolean {
    return !!policy && new RestartBackoff(policy, restartCount).decide(lastExit).restart;
  }

  /** Whether a restart waits out its back-off (the container is "restarting"). */
  isPending(id: string): boolean {
    return this.pending.has(id);
  }

  /** The delay of the pending restart, for logs and tests. */
  pendingDelayMs(id: string): number | undefined {
    return this.pending.get(id)?.delayMs;
  }

  /**
   * A user's stop or kill (Docker's ExitOnNext): cancels a pending restart
   * and makes the next exit final. Returns whether a restart was pending.
   */
  stopRequested(id: string, running: boolean): boolean {
    if (running) this.exitOnNext.add(id);
    return this.cancelPending(id);
  }

  /** A user's start, a policy change or a removal: the back-off and count start over. */
  reset(id: string): void {
    this.cancelPending(id);
    this.exitOnNext.delete(id);
    this.backoffs.delete(id);
  }

  /** Cancels every pending restart (ced shutting down); the records keep "restarting" for the next ced. */
  close(): void {
    for (const id of [...this.pending.keys()]) this.cancelPending(id);
  }

  private schedule(id: string, delayMs: number): void {
    const scheduledAt = performance.now();
    const handle = this.clock.setTimer(() => {
      if (this.pending.get(id)?.handle !== handle) return;
      this.pending.delete(id);
      this.logger.info({ id, delayMs, waitedMs: Math.round(performance.now() - scheduledAt) }, 'back-off over: restarting the container');
      this.target.restart(id).catch(async (err: Error) => {
        this.logger.warn({ id, err: err.message }, 'restart of a container failed: it stays exited');
        this.backoffs.delete(id);
        try {
          await this.target.restartFailed(id, err);
        } catch (recordErr) {
          this.logger.error({ id, err: (recordErr as Error).message }, 'could not record a failed restart');
        }
      });
    }, delayMs);
    this.pending.set(id, { handle, delayMs });
    this.logger.info({ id, delayMs }, 'container restarts after its back-off');
  }

  private cancelPending(id: string): boolean {
    const p = this.pending.get(id);
    if (!p) return false;
    this.clock.clearTimer(p.handle);
    this.pending.delete(id);
    return true;
  }
}
