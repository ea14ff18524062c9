import { describe, expect, it } from 'vitest';
import { parseGoDuration } from '../../../src/dockerfile/index.js';

// What Docker 20.10 stored as HEALTHCHECK --interval for these values, or its error.
describe('parseGoDuration', () => {
  it('reads Go durations to nanoseconds', () => {
    const cases: [string, number][] = [
      ['.5s', 500e6],
      ['5.s', 5e9],
      ['1.5h', 5400e9],
      ['1h30m2.25s', 5402.25e9],
      ['+2s', 2e9],
      ['1000us', 1e6],
      ['0.3s', 300e6],
      ['1µs', 1e3],
      ['1μs', 1e3],
      ['7ns', 7],
      ['0', 0],
      ['-1s', -1e9],
    ];
    for (const [text, ns] of cases) expect(parseGoDuration(text), text).toBe(ns);
  });

  it("refuses bad ones in Go's words", () => {
    const cases: [string, string][] = [
      ['5', 'time: missing unit in duration "5"'],
      ['1..5s', 'time: missing unit in duration "1..5s"'],
      ['5x', 'time: unknown unit "x" in duration "5x"'],
      ['1e3s', 'time: unknown unit "e" in duration "1e3s"'],
      ['abc', 'time: invalid duration "abc"'],
      ['', 'time: invalid duration ""'],
      ['1Âs', 'time: unknown unit "\\xc3\\x82s" in duration "1\\xc3\\x82s"'],
    ];
    for (const [text, message] of cases) expect(() => parseGoDuration(text), text).toThrow(message);
  });
});
