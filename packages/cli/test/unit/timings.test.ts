import { afterEach, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

it('notes nothing unless CE_TRACE_TIMINGS=1', async () => {
  vi.stubEnv('CE_TRACE_TIMINGS', '');
  const { mark, timingsLine } = await import('../../src/timings.js');
  mark('loaded');
  expect(timingsLine()).toBeUndefined();
});

it('with CE_TRACE_TIMINGS=1, gives each mark in ms since the process started, in order, after the start as epoch ms', async () => {
  vi.stubEnv('CE_TRACE_TIMINGS', '1');
  const { mark, timingsLine } = await import('../../src/timings.js');
  const before = performance.now();
  mark('loaded');
  mark('parsed');
  const line = timingsLine()!;
  const m = /^ce timings: start (\d+) \(epoch ms\) \| loaded (\d+\.\d) \| parsed (\d+\.\d)$/.exec(line);
  expect(m, line).not.toBeNull();
  expect(Math.abs(Number(m![1]) - performance.timeOrigin)).toBeLessThanOrEqual(1);
  expect(Number(m![2])).toBeGreaterThanOrEqual(Math.floor(before * 10) / 10);
  expect(Number(m![3])).toBeGreaterThanOrEqual(Number(m![2]));
});
