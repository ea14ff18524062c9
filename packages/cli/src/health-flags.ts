// docker run/create's health flags, as the Config.Healthcheck they set
// (docker/cli opts.go parse: its checks and words; run/create end them with a period).
import type { Command } from 'commander';
import { parseIntFlag } from './int-flag.js';
import { goDurationNanos } from './log-time.js';

export interface HealthFlags {
  healthCmd?: string;
  healthInterval?: string;
  healthTimeout?: string;
  healthStartPeriod?: string;
  healthRetries?: string;
  healthcheck?: boolean;
}

export function addHealthFlags(cmd: Command): Command {
  return cmd
    .option('--health-cmd <string>', 'Command to run to check health')
    .option('--health-interval <duration>', 'Time between running the check (ms|s|m|h) (default 0s)')
    .option('--health-timeout <duration>', 'Maximum time to allow one check to run (ms|s|m|h) (default 0s)')
    .option('--health-start-period <duration>', 'Start period for the container to initialize before starting health-retries countdown (ms|s|m|h) (default 0s)')
    .option('--health-retries <int>', 'Consecutive failures needed to report unhealthy')
    .option('--no-healthcheck', 'Disable any container-specified HEALTHCHECK');
}

/** A duration flag as pflag's DurationVar parses it (Go's time.ParseDuration), in nanoseconds. */
function durationFlag(value: string | undefined, flag: string): number {
  if (value === undefined) return 0;
  const ns = goDurationNanos(value);
  if (ns === undefined) throw new Error(`invalid argument "${value}" for "${flag}" flag: ${goDurationError(value)}`);
  return Math.trunc(ns);
}

/** The Config.Healthcheck the flags ask for, or undefined when none is given. Throws with Docker's words. */
export function healthConfig(opts: HealthFlags): Record<string, unknown> | undefined {
  const interval = durationFlag(opts.healthInterval, '--health-interval');
  const timeout = durationFlag(opts.healthTimeout, '--health-timeout');
  const startPeriod = durationFlag(opts.healthStartPeriod, '--health-start-period');
  const retries = opts.healthRetries === undefined ? 0 : parseIntFlag(opts.healthRetries, '--health-retries');
  const haveHealthSettings = !!opts.healthCmd || interval !== 0 || timeout !== 0 || startPeriod !== 0 || retries !== 0;
  // commander's --no-healthcheck sets `healthcheck` to false.
  if (opts.healthcheck === false) {
    if (haveHealthSettings) throw new Error('--no-healthcheck conflicts with --health-* options.');
    return { Test: ['NONE'] };
  }
  if (!haveHealthSettings) return undefined;
  if (interval < 0) throw new Error('--health-interval cannot be negative.');
  if (timeout < 0) throw new Error('--health-timeout cannot be negative.');
  if (retries < 0) throw new Error('--health-retries cannot be negative.');
  if (startPeriod < 0) throw new Error('--health-start-period cannot be negative.');
  // Docker's HealthConfig leaves zero fields out of its JSON (omitempty): zero means "the image's, or the default".
  const config = { Test: opts.healthCmd ? ['CMD-SHELL', opts.healthCmd] : undefined, Interval: interval, Timeout: timeout, StartPeriod: startPeriod, Retries: retries };
  return Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined && v !== 0));
}

const GO_UNITS = new Set(['ns', 'us', 'µs', 'μs', 'ms', 's', 'm', 'h']);

/** Go's time.ParseDuration error for a value it refuses: a missing or unknown unit is named, the rest is invalid. */
function goDurationError(value: string): string {
  const quoted = JSON.stringify(value);
  const part = /(\d*\.?\d*)([^\d.]*)/y;
  let at = /^[+-]/.test(value) ? 1 : 0;
  if (at === value.length) return `time: invalid duration ${quoted}`;
  while (at < value.length) {
    part.lastIndex = at;
    const m = part.exec(value);
    if (!m || m[1] === '' || m[1] === '.') return `time: invalid duration ${quoted}`;
    if (m[2] === '') return `time: missing unit in duration ${quoted}`;
    if (!GO_UNITS.has(m[2]!)) return `time: unknown unit ${JSON.stringify(m[2])} in duration ${quoted}`;
    at = part.lastIndex;
  }
  return `time: invalid duration ${quoted}`;
}
