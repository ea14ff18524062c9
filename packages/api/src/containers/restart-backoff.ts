// Docker's restart decision and back-off (moby restartmanager, 20.10): the
// first restart waits 100 ms, each next one twice as long up to a minute, and
// a run of 10 s or more starts over at 100 ms. Pure: durations in, decisions out.
import { isNone, type RestartPolicy } from './restart-policy.js';

export const FIRST_RESTART_DELAY_MS = 100;
export const MAX_RESTART_DELAY_MS = 60_000;
/** A run at least this long resets the back-off. */
export const BACKOFF_RESET_AFTER_MS = 10_000;

export interface ExitFacts {
  exitCode: number;
  /** A user stopped or killed the container (docker stop/kill), or ced is shutting down. */
  manuallyStopped: boolean;
  /** How long the process ran, from StartedAt to FinishedAt. */
  ranForMs: number;
}

export type RestartDecision = { restart: false } | { restart: true; delayMs: number };

/** One container's restart state: the delay of its last restart and how many it had. */
export class RestartBackoff {
  private delayMs = 0;

  /** `restartCount`: State.RestartCount, so that on-failure:N counts restarts across ced restarts. */
  constructor(
    private readonly policy: RestartPolicy,
    public restartCount = 0,
  ) {}

  /**
   * Decides on an exit as Docker's ShouldRestart does: the delay moves on
   * (or resets after a long run) whatever the policy decides, and a restart
   * counts at once.
   */
  decide(exit: ExitFacts): RestartDecision {
    if (isNone(this.policy)) return { restart: false };
    if (exit.ranForMs >= BACKOFF_RESET_AFTER_MS) this.delayMs = 0;
    this.delayMs = this.delayMs === 0 ? FIRST_RESTART_DELAY_MS : Math.min(this.delayMs * 2, MAX_RESTART_DELAY_MS);
    if (!this.wants(exit)) return { restart: false };
    this.restartCount++;
    return { restart: true, delayMs: this.delayMs };
  }

  private wants(exit: ExitFacts): boolean {
    switch (this.policy.Name) {
      case 'always':
        return true;
      case 'unless-stopped':
        return !exit.manuallyStopped;
      case 'on-failure': {
        const max = this.policy.MaximumRetryCount;
        return (max === 0 || this.restartCount < max) && exit.exitCode !== 0;
      }
      default:
        return false;
    }
  }
}
