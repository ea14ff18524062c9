// Docker's health monitor (moby daemon/health.go): while a container with a
// Healthcheck runs (not paused), a probe every interval, through the exec
// machinery; its results move State.Health, which is persisted with the record.
import type { Logger } from '@ce/protocol';
import type { HealthcheckResult, HealthStatus } from './model/index.js';
import { applyProbeResult, goDurationString, healthTimings, probeCommand, startingHealth, truncateOutput, type HealthTimings } from './health-state.js';
import type { ContainerRecord } from './record.js';

/** Time for the monitor; tests give a fake one. */
export interface HealthClock {
  now(): Date;
  /** Calls fn after ms; the returned function cancels it. */
  after(ms: number, fn: () => void): () => void;
}

export const systemHealthClock: HealthClock = {
  now: () => new Date(),
  after(ms, fn) {
    const timer = setTimeout(fn, ms);
    timer.unref();
    return () => clearTimeout(timer);
  },
};

/** Runs one probe command in the container; an abort kills it. A probe that cannot start throws. */
export interface HealthProbe {
  run(record: ContainerRecord, cmd: string[], signal: AbortSignal): Promise<{ exitCode: number; output: Buffer }>;
}

export interface HealthMonitorDeps {
  probe: HealthProbe;
  save(record: ContainerRecord): Promise<void>;
  logger: Logger;
  clock?: HealthClock;
  /**
   * Called when State.Health.Status changes after a probe: Docker's
   * `health_status: healthy|unhealthy` event. The event bus publishes through it.
   */
  publishHealthStatus?: (record: ContainerRecord, status: HealthStatus) => void;
}

/** One container's probe loop; once stopped it records nothing more. */
class ContainerHealthMonitor {
  private stopped = false;
  private cancelTimer: () => void = () => undefined;
  private inFlight?: AbortController;
  private readonly timings: HealthTimings;

  constructor(
    private readonly record: ContainerRecord,
    private readonly cmd: string[],
    private readonly deps: HealthMonitorDeps & { clock: HealthClock },
  ) {
    this.timings = healthTimings(record.Config.Healthcheck ?? {});
  }

  start(): void {
    this.cancelTimer = this.deps.clock.after(this.timings.intervalMs, () => void this.probeOnce());
  }

  stop(): void {
    this.stopped = true;
    this.cancelTimer();
    this.inFlight?.abort();
  }

  private async probeOnce(): Promise<void> {
    if (this.stopped) return;
    const result = await this.runProbe();
    if (this.stopped) return;
    await this.recordResult(result);
    if (!this.stopped) this.start();
  }

  /** The probe's result, or Docker's timeout result once the timeout passes (the probe is then killed). */
  private runProbe(): Promise<HealthcheckResult> {
    const { clock, probe } = this.deps;
    const start = clock.now();
    const abort = new AbortController();
    this.inFlight = abort;
    const finished = (exitCode: number, output: string): HealthcheckResult => ({
      Start: start.toISOString(),
      End: clock.now().toISOString(),
      ExitCode: exitCode,
      Output: output,
    });
    return new Promise<HealthcheckResult>((resolve) => {
      const cancelTimeout = clock.after(this.timings.timeoutMs, () => {
        resolve(finished(-1, `Health check exceeded timeout (${goDurationString(this.timings.timeoutMs)})`));
        abort.abort();
      });
      probe.run(this.record, this.cmd, abort.signal).then(
        (r) => resolve(finished(r.exitCode, truncateOutput(r.output))),
        (err: Error) => resolve(finished(-1, err.message)),
      ).finally(() => {
        cancelTimeout();
        if (this.inFlight === abort) this.inFlight = undefined;
      });
    });
  }

  private async recordResult(result: HealthcheckResult): Promise<void> {
    const { record } = this;
    const before = record.State.Health ?? startingHealth(undefined);
    const after = applyProbeResult(before, result, this.timings, new Date(record.State.StartedAt));
    record.State = { ...record.State, Health: after };
    await this.deps.save(record).catch((err: Error) => this.deps.logger.error({ id: record.Id, err: err.message }, 'could not record the health status'));
    if (after.Status !== before.Status) {
      this.deps.logger.info({ id: record.Id, status: after.Status }, 'container health changed');
      this.deps.publishHealthStatus?.(record, after.Status);
    }
  }
}

/**
 * The monitors of ced's containers. The container service calls reset at a
 * start, resume when the container runs (start, unpause, recovery) and
 * stop when it does not (exit, pause, removal).
 */
export class HealthMonitors {
  private readonly monitors = new Map<string, ContainerHealthMonitor>();
  private readonly deps: HealthMonitorDeps & { clock: HealthClock };

  constructor(deps: HealthMonitorDeps) {
    this.deps = { ...deps, clock: deps.clock ?? systemHealthClock };
  }

  /** A start: Health back to `starting` with no failures (its log kept), for containers with a probe. */
  reset(record: ContainerRecord): void {
    this.stop(record.Id);
    if (this.command(record)) record.State = { ...record.State, Health: startingHealth(record.State.Health) };
  }

  /** Probes a running container from now on, one interval after; nothing if it has no probe or is monitored already. */
  resume(record: ContainerRecord): void {
    if (record.State.Status !== 'running' || this.monitors.has(record.Id)) return;
    const cmd = this.command(record);
    if (!cmd) return;
    if (!record.State.Health) record.State = { ...record.State, Health: startingHealth(undefined) };
    const monitor = new ContainerHealthMonitor(record, cmd, this.deps);
    this.monitors.set(record.Id, monitor);
    monitor.start();
  }

  /** No more probes; one in flight is killed and its result dropped. */
  stop(id: string): void {
    this.monitors.get(id)?.stop();
    this.monitors.delete(id);
  }

  close(): void {
    for (const id of [...this.monitors.keys()]) this.stop(id);
  }

  private command(record: ContainerRecord): string[] | undefined {
    return probeCommand(record.Config.Healthcheck, undefined);
  }
}
