import { describe, expect, it } from 'vitest';
import { HealthMonitors, type HealthClock, type HealthProbe } from '../../src/containers/health-monitor.js';
import { applyProbeResult, checkHealthcheck, goDurationString, healthTimings, probeCommand, truncateOutput } from '../../src/containers/health-state.js';
import { createdState, runningState, withStatus, type HealthConfig, type HealthStatus } from '../../src/containers/model/index.js';
import type { ContainerRecord } from '../../src/containers/record.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} } as never;
const S = 1_000_000_000;

/** A clock whose time moves only when the test says so. */
class FakeClock implements HealthClock {
  ms = Date.parse('2026-01-01T00:00:00Z');
  private timers: { at: number; fn: () => void }[] = [];
  now(): Date {
    return new Date(this.ms);
  }
  after(ms: number, fn: () => void): () => void {
    const timer = { at: this.ms + ms, fn };
    this.timers.push(timer);
    return () => (this.timers = this.timers.filter((t) => t !== timer));
  }
  /** Moves time on by `ms`, firing due timers and letting the promises they start settle. */
  async advance(ms: number): Promise<void> {
    const end = this.ms + ms;
    for (;;) {
      await settle();
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.ms = due.at;
      due.fn();
    }
    this.ms = end;
    await settle();
  }
  get pending(): number {
    return this.timers.length;
  }
}

const settle = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

/** A probe answering from a script: exit codes, or 'hang' for a probe that only ends when killed. */
class ScriptedProbe implements HealthProbe {
  answers: (number | 'hang' | Error)[] = [];
  runs: string[][] = [];
  killed = 0;
  output = Buffer.from('ok\n');
  async run(_record: ContainerRecord, cmd: string[], signal: AbortSignal): Promise<{ exitCode: number; output: Buffer }> {
    this.runs.push(cmd);
    const answer = this.answers.shift() ?? 0;
    if (answer instanceof Error) throw answer;
    if (answer === 'hang') {
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      this.killed++;
      return { exitCode: 137, output: Buffer.alloc(0) };
    }
    return { exitCode: answer, output: this.output };
  }
}

function runningRecord(healthcheck: HealthConfig | undefined, clock: FakeClock): ContainerRecord {
  return {
    Id: 'c1',
    Config: { Healthcheck: healthcheck },
    State: runningState(createdState(), 42, clock.now()),
  } as unknown as ContainerRecord;
}

function setup(healthcheck: HealthConfig | undefined) {
  const clock = new FakeClock();
  const probe = new ScriptedProbe();
  const saved: string[] = [];
  const events: HealthStatus[] = [];
  const monitors = new HealthMonitors({
    probe,
    clock,
    logger: silent,
    save: async (r) => void saved.push(r.State.Health?.Status ?? 'none'),
    publishHealthStatus: (_r, status) => void events.push(status),
  });
  const record = runningRecord(healthcheck, clock);
  monitors.reset(record);
  monitors.resume(record);
  return { clock, probe, saved, events, monitors, record };
}

const shell = (cmd: string, extra: HealthConfig = {}): HealthConfig => ({ Test: ['CMD-SHELL', cmd], ...extra });

describe('health monitor', () => {
  it('is starting until the first success, then healthy; probes every interval through /bin/sh -c', async () => {
    const { clock, probe, record, events } = setup(shell('test -f /tmp/ok', { Interval: 1 * S }));
    expect(record.State.Health).toEqual({ Status: 'starting', FailingStreak: 0, Log: [] });
    probe.answers = [1, 0];
    await clock.advance(999);
    expect(probe.runs).toHaveLength(0);
    await clock.advance(1);
    expect(probe.runs).toEqual([['/bin/sh', '-c', 'test -f /tmp/ok']]);
    expect(record.State.Health).toMatchObject({ Status: 'starting', FailingStreak: 1 });
    await clock.advance(1000);
    expect(record.State.Health).toMatchObject({ Status: 'healthy', FailingStreak: 0 });
    expect(record.State.Health!.Log.map((r) => r.ExitCode)).toEqual([1, 0]);
    expect(record.State.Health!.Log[1]!.Output).toBe('ok\n');
    expect(events).toEqual(['healthy']);
  });

  it('turns unhealthy once failures reach retries, and healthy again on a success', async () => {
    const { clock, probe, record, events } = setup({ Test: ['CMD', 'check'], Interval: 1 * S, Retries: 2 });
    probe.answers = [0, 1, 1, 0];
    await clock.advance(1000);
    expect(probe.runs[0]).toEqual(['check']);
    expect(record.State.Health!.Status).toBe('healthy');
    await clock.advance(1000);
    expect(record.State.Health).toMatchObject({ Status: 'healthy', FailingStreak: 1 });
    await clock.advance(1000);
    expect(record.State.Health).toMatchObject({ Status: 'unhealthy', FailingStreak: 2 });
    await clock.advance(1000);
    expect(record.State.Health).toMatchObject({ Status: 'healthy', FailingStreak: 0 });
    expect(events).toEqual(['healthy', 'unhealthy', 'healthy']);
  });

  it("uses Docker's defaults: every 30s, unhealthy after 3 failures", async () => {
    const { clock, probe, record } = setup(shell('false'));
    probe.answers = [1, 1, 1];
    await clock.advance(60_000);
    expect(record.State.Health).toMatchObject({ Status: 'starting', FailingStreak: 2 });
    await clock.advance(30_000);
    expect(record.State.Health).toMatchObject({ Status: 'unhealthy', FailingStreak: 3 });
    expect(probe.runs).toHaveLength(3);
  });

  it('does not count failures that start within the start period while starting', async () => {
    const { clock, probe, record } = setup(shell('false', { Interval: 1 * S, StartPeriod: 3 * S, Retries: 1 }));
    probe.answers = [1, 1, 1];
    await clock.advance(2000);
    expect(record.State.Health).toMatchObject({ Status: 'starting', FailingStreak: 0 });
    expect(record.State.Health!.Log).toHaveLength(2);
    await clock.advance(1000);
    expect(record.State.Health).toMatchObject({ Status: 'unhealthy', FailingStreak: 1 });
  });

  it('kills a probe past its timeout and records the failure in Docker\'s words', async () => {
    const { clock, probe, record } = setup(shell('sleep 100', { Interval: 1 * S, Timeout: 2 * S, Retries: 1 }));
    probe.answers = ['hang'];
    await clock.advance(1000);
    expect(probe.runs).toHaveLength(1);
    await clock.advance(1999);
    expect(record.State.Health!.Log).toHaveLength(0);
    await clock.advance(1);
    expect(probe.killed).toBe(1);
    expect(record.State.Health).toMatchObject({ Status: 'unhealthy', FailingStreak: 1 });
    expect(record.State.Health!.Log[0]).toMatchObject({ ExitCode: -1, Output: 'Health check exceeded timeout (2s)' });
  });

  it('records a probe that cannot start as exit -1 with its error', async () => {
    const { clock, probe, record } = setup({ Test: ['CMD', 'nope'], Interval: 1 * S });
    probe.answers = [new Error('OCI runtime exec failed: exec failed: "nope": executable file not found in $PATH: unknown')];
    await clock.advance(1000);
    expect(record.State.Health!.Log[0]).toMatchObject({ ExitCode: -1, Output: expect.stringContaining('executable file not found') });
  });

  it('keeps the last 5 results, each output bounded to 4096 bytes', async () => {
    const { clock, probe, record } = setup(shell('x', { Interval: 1 * S }));
    probe.answers = [1, 2, 3, 4, 5, 6, 7];
    probe.output = Buffer.alloc(5000, 'a');
    await clock.advance(7000);
    const log = record.State.Health!.Log;
    expect(log.map((r) => r.ExitCode)).toEqual([3, 4, 5, 6, 7]);
    expect(log[0]!.Output).toBe(`${'a'.repeat(4096)}...`);
  });

  it('stops probing on stop (exit, pause) and resumes without resetting on resume (unpause)', async () => {
    const { clock, probe, record, monitors } = setup({ Test: ['CMD', 'check'], Interval: 1 * S, Retries: 1 });
    probe.answers = [1];
    await clock.advance(1000);
    expect(record.State.Health!.Status).toBe('unhealthy');
    monitors.stop(record.Id);
    record.State = withStatus(record.State, 'paused');
    await clock.advance(5000);
    expect(probe.runs).toHaveLength(1);
    expect(clock.pending).toBe(0);
    record.State = withStatus(record.State, 'running');
    monitors.resume(record);
    expect(record.State.Health!.Status).toBe('unhealthy');
    probe.answers = [0];
    await clock.advance(1000);
    expect(record.State.Health!.Status).toBe('healthy');
  });

  it('drops the result of a probe in flight when stopped, and kills it', async () => {
    const { clock, probe, record, monitors } = setup(shell('x', { Interval: 1 * S }));
    probe.answers = ['hang'];
    await clock.advance(1000);
    monitors.stop(record.Id);
    await clock.advance(60_000);
    expect(probe.killed).toBe(1);
    expect(record.State.Health!.Log).toHaveLength(0);
    expect(clock.pending).toBe(0);
  });

  it('reset at a start: starting again, the streak cleared, the log kept', async () => {
    const { clock, probe, record, monitors } = setup({ Test: ['CMD', 'check'], Interval: 1 * S, Retries: 1 });
    probe.answers = [1];
    await clock.advance(1000);
    monitors.reset(record);
    expect(record.State.Health).toMatchObject({ Status: 'starting', FailingStreak: 0 });
    expect(record.State.Health!.Log).toHaveLength(1);
  });

  it('has no Health and runs nothing without a probe: none, NONE, empty or unknown tests', async () => {
    for (const hc of [undefined, { Test: ['NONE'] }, { Interval: 1 * S }, { Test: ['BOGUS', 'x'] }]) {
      const { clock, probe, record } = setup(hc);
      await clock.advance(100_000);
      expect(record.State.Health).toBeUndefined();
      expect(probe.runs).toHaveLength(0);
    }
  });
});

describe('health state', () => {
  it('fills defaults for zero fields', () => {
    expect(healthTimings({})).toEqual({ intervalMs: 30_000, timeoutMs: 30_000, startPeriodMs: 0, retries: 3 });
    expect(healthTimings({ Interval: 1500 * 1e6, Retries: 2 })).toMatchObject({ intervalMs: 1500, retries: 2 });
  });

  it('builds the probe command', () => {
    expect(probeCommand({ Test: ['CMD', 'a', 'b c'] }, undefined)).toEqual(['a', 'b c']);
    expect(probeCommand({ Test: ['CMD-SHELL', 'a && b'] }, undefined)).toEqual(['/bin/sh', '-c', 'a && b']);
    expect(probeCommand({ Test: ['NONE'] }, undefined)).toBeUndefined();
  });

  it('prints durations as Go does', () => {
    expect(goDurationString(30_000)).toBe('30s');
    expect(goDurationString(500)).toBe('500ms');
    expect(goDurationString(1500)).toBe('1.5s');
    expect(goDurationString(90_000)).toBe('1m30s');
    expect(goDurationString(3_600_000)).toBe('1h0m0s');
  });

  it('truncates output as Docker does', () => {
    expect(truncateOutput(Buffer.from('x'))).toBe('x');
    expect(truncateOutput(Buffer.alloc(4097, 'b'))).toBe(`${'b'.repeat(4096)}...`);
  });

  it('a failure while healthy counts even inside the start period', () => {
    const started = new Date('2026-01-01T00:00:00Z');
    const result = { Start: '2026-01-01T00:00:01Z', End: '2026-01-01T00:00:01Z', ExitCode: 1, Output: '' };
    const timings = { intervalMs: 1000, timeoutMs: 1000, startPeriodMs: 60_000, retries: 1 };
    expect(applyProbeResult({ Status: 'healthy', FailingStreak: 0, Log: [] }, result, timings, started).Status).toBe('unhealthy');
    expect(applyProbeResult({ Status: 'starting', FailingStreak: 0, Log: [] }, result, timings, started).Status).toBe('starting');
  });

  it("refuses what dockerd refuses, in its words", () => {
    expect(() => checkHealthcheck({ Interval: 1000 })).toThrow('Interval in Healthcheck cannot be less than 1ms');
    expect(() => checkHealthcheck({ Timeout: 5 })).toThrow('Timeout in Healthcheck cannot be less than 1ms');
    expect(() => checkHealthcheck({ StartPeriod: 5 })).toThrow('StartPeriod in Healthcheck cannot be less than 1ms');
    expect(() => checkHealthcheck({ Retries: -1 })).toThrow('Retries in Healthcheck cannot be negative');
    expect(() => checkHealthcheck({ Interval: 1 * S, Timeout: 0 })).not.toThrow();
    // A null field is Go's zero value, as docker-compose 1.29 sends an unset start_period.
    expect(() => checkHealthcheck({ Interval: 1 * S, StartPeriod: null, Timeout: null } as never)).not.toThrow();
  });
});
