import type { Container } from '@ce/protocol/gen/ce/api/v1/containers';
import { describe, expect, it } from 'vitest';
import { healthConfig } from '../../src/health-flags.js';
import { statusText } from '../../src/ps-format.js';

const S = 1_000_000_000;

describe('--health-* flags, as docker run/create 20.10', () => {
  it('none given: no Healthcheck (the image keeps its own)', () => {
    expect(healthConfig({})).toBeUndefined();
  });

  it('--health-cmd is a CMD-SHELL test; durations are Go durations in nanoseconds', () => {
    expect(healthConfig({ healthCmd: 'test -f /tmp/ok', healthInterval: '1s', healthTimeout: '1m30s', healthStartPeriod: '500ms', healthRetries: '2' })).toEqual({
      Test: ['CMD-SHELL', 'test -f /tmp/ok'],
      Interval: 1 * S,
      Timeout: 90 * S,
      StartPeriod: S / 2,
      Retries: 2,
    });
  });

  it('timings without a command keep the image test (no Test)', () => {
    expect(healthConfig({ healthInterval: '5s' })).toEqual({ Interval: 5 * S });
  });

  it('--no-healthcheck is Test NONE, and conflicts with any other health flag', () => {
    expect(healthConfig({ healthcheck: false })).toEqual({ Test: ['NONE'] });
    expect(() => healthConfig({ healthcheck: false, healthCmd: 'true' })).toThrow('--no-healthcheck conflicts with --health-* options.');
    expect(() => healthConfig({ healthcheck: false, healthRetries: '1' })).toThrow('--no-healthcheck conflicts with --health-* options.');
  });

  it("refuses bad values in Docker's words", () => {
    expect(() => healthConfig({ healthInterval: '30' })).toThrow('invalid argument "30" for "--health-interval" flag: time: missing unit in duration "30"');
    expect(() => healthConfig({ healthInterval: '3x' })).toThrow('invalid argument "3x" for "--health-interval" flag: time: unknown unit "x" in duration "3x"');
    expect(() => healthConfig({ healthTimeout: 'abc' })).toThrow('invalid argument "abc" for "--health-timeout" flag: time: invalid duration "abc"');
    expect(() => healthConfig({ healthRetries: 'x' })).toThrow('invalid argument "x" for "--health-retries" flag: strconv.ParseInt: parsing "x": invalid syntax');
    expect(() => healthConfig({ healthInterval: '-1s' })).toThrow('--health-interval cannot be negative.');
    expect(() => healthConfig({ healthRetries: '-1' })).toThrow('--health-retries cannot be negative.');
    expect(() => healthConfig({ healthStartPeriod: '-2m' })).toThrow('--health-start-period cannot be negative.');
  });
});

describe('ps STATUS with health', () => {
  const running = (health: string): Container =>
    ({ state: { status: 'running', running: true, pid: 1, exitCode: 0, startedAt: new Date(0), error: '', health } }) as Container;
  it('shows the health after the uptime, as Docker', () => {
    expect(statusText(running('starting'), 3000)).toBe('Up 3 seconds (health: starting)');
    expect(statusText(running('healthy'), 3000)).toBe('Up 3 seconds (healthy)');
    expect(statusText(running('unhealthy'), 3000)).toBe('Up 3 seconds (unhealthy)');
    expect(statusText(running(''), 3000)).toBe('Up 3 seconds');
  });
});
