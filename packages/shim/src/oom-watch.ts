/** How often a running task's OOM-kill counter is read. */
export const OOM_POLL_MS = 1000;

/**
 * Follows the OOM-kill counter of a task's memory cgroup (v1's
 * memory.oom_control, v2's memory.events) and reports each growth. Node
 * cannot wait on v1's eventfd without native help, so the counter is read
 * once a second, and once more on exit (`check`), so an OOM that ended the
 * task is always reported before its exit. See decision 0022.
 */
export class OomWatch {
  private seen: number | undefined;
  private baseline = 0;
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> = Promise.resolve();

  constructor(
    private readonly read: () => Promise<number>,
    private readonly onOom: (kills: number) => void,
    private readonly intervalMs = OOM_POLL_MS,
  ) {}

  /** Takes the counter as it is now as the baseline, then polls. */
  async start(): Promise<void> {
    this.seen = await this.readSafely(0);
    this.baseline = this.seen;
    this.timer = setInterval(() => void this.check(), this.intervalMs);
    this.timer.unref();
  }

  /** Reads the counter now and reports a growth; checks never overlap. */
  check(): Promise<void> {
    this.checking = this.checking.then(async () => {
      if (this.seen === undefined) return;
      const kills = await this.readSafely(this.seen);
      if (kills > this.seen) {
        this.seen = kills;
        this.onOom(kills);
      }
    });
    return this.checking;
  }

  /** A task without a memory cgroup (or one already gone) has no OOM kills to report. */
  private async readSafely(fallback: number): Promise<number> {
    try {
      return await this.read();
    } catch {
      return fallback;
    }
  }

  /** Whether the OOM killer killed in the cgroup since start (Docker's OOMKilled). */
  get killed(): boolean {
    return (this.seen ?? 0) > this.baseline;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
