// Docker's health state machine (moby daemon/health.go handleProbeResult),
// pure: the monitor feeds it probe results, it says what Health becomes.
import { invalidArgument } from '@ce/protocol';
import type { Health, HealthConfig, HealthcheckResult } from './model/index.js';

const SECOND_NS = 1_000_000_000;
/** Docker's defaults for a Healthcheck field left at 0. */
export const DEFAULT_INTERVAL_NS = 30 * SECOND_NS;
export const DEFAULT_TIMEOUT_NS = 30 * SECOND_NS;
export const DEFAULT_START_PERIOD_NS = 0;
export const DEFAULT_RETRIES = 3;
/** Results kept in Health.Log, and bytes of output kept per result. */
export const MAX_LOG_ENTRIES = 5;
export const MAX_OUTPUT_BYTES = 4096;

export interface HealthTimings {
  intervalMs: number;
  timeoutMs: number;
  startPeriodMs: number;
  retries: number;
}

const orDefault = (value: number | undefined, fallback: number) => (value && value > 0 ? value : fallback);

export function healthTimings(config: HealthConfig): HealthTimings {
  return {
    intervalMs: orDefault(config.Interval, DEFAULT_INTERVAL_NS) / 1e6,
    timeoutMs: orDefault(config.Timeout, DEFAULT_TIMEOUT_NS) / 1e6,
    startPeriodMs: orDefault(config.StartPeriod, DEFAULT_START_PERIOD_NS) / 1e6,
    retries: orDefault(config.Retries, DEFAULT_RETRIES),
  };
}

/**
 * The command a Healthcheck runs: `CMD` runs its arguments, `CMD-SHELL` its
 * string through the container's shell; `NONE`, an empty test or an unknown
 * kind run nothing (Docker logs the unknown kind and runs nothing too).
 */
export function probeCommand(config: HealthConfig | undefined, shell: readonly string[] | undefined): string[] | undefined {
  const test = config?.Test;
  if (!test || test.length === 0) return undefined;
  if (test[0] === 'CMD' && test.length > 1) return test.slice(1);
  if (test[0] === 'CMD-SHELL' && test.length > 1) return [...(shell && shell.length > 0 ? shell : ['/bin/sh', '-c']), ...test.slice(1)];
  return undefined;
}

/** A fresh Health for a (re)started container, as Docker's initHealthMonitor: starting, no failures, the log kept. */
export function startingHealth(previous: Health | undefined): Health {
  return { Status: 'starting', FailingStreak: 0, Log: previous?.Log ?? [] };
}

/** Output as Docker's limitedBuffer keeps it: the first 4096 bytes, then "..." when there was more. */
export function truncateOutput(output: Buffer): string {
  if (output.length <= MAX_OUTPUT_BYTES) return output.toString('utf8');
  return `${output.subarray(0, MAX_OUTPUT_BYTES).toString('utf8')}...`;
}

/**
 * Health after one probe: exit 0 is healthy and clears the streak; any other
 * result is a failure that counts (except while starting within the start
 * period) and turns the container unhealthy once the streak reaches retries.
 */
export function applyProbeResult(health: Health, result: HealthcheckResult, timings: HealthTimings, startedAt: Date): Health {
  const log = [...health.Log, result].slice(-MAX_LOG_ENTRIES);
  if (result.ExitCode === 0) return { Status: 'healthy', FailingStreak: 0, Log: log };
  const withinStartPeriod = health.Status === 'starting' && Date.parse(result.Start) - startedAt.getTime() < timings.startPeriodMs;
  if (withinStartPeriod) return { ...health, Log: log };
  const streak = health.FailingStreak + 1;
  return { Status: streak >= timings.retries ? 'unhealthy' : health.Status, FailingStreak: streak, Log: log };
}

/** Go's time.Duration.String() for whole milliseconds: 30s, 1m30s, 500ms, 1h0m0s. */
export function goDurationString(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  const seconds = `${Number.isInteger(s) ? s : s.toFixed(3).replace(/0+$/, '')}s`;
  if (h > 0) return `${h}h${m}m${seconds}`;
  if (m > 0) return `${m}m${seconds}`;
  return seconds;
}

const MINIMUM_DURATION_NS = 1_000_000;

/** dockerd's checks of a create's Healthcheck (verifyContainerSettings), with its words. */
export function checkHealthcheck(config: HealthConfig | undefined): void {
  if (!config) return;
  const tooShort = (value: number | null | undefined) => value !== undefined && value !== null && value !== 0 && value < MINIMUM_DURATION_NS;
  if (tooShort(config.Interval)) throw invalidArgument('Interval in Healthcheck cannot be less than 1ms');
  if (tooShort(config.Timeout)) throw invalidArgument('Timeout in Healthcheck cannot be less than 1ms');
  if ((config.Retries ?? 0) < 0) throw invalidArgument('Retries in Healthcheck cannot be negative');
  if (tooShort(config.StartPeriod)) throw invalidArgument('StartPeriod in Healthcheck cannot be less than 1ms');
}
