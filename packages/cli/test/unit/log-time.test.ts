import { describe, expect, it } from 'vitest';
import { goDurationNanos, logTimestamp } from '../../src/log-time.js';

// What docker logs --since/--until send to the daemon (api/types/time GetTimestamp).
describe('ce logs --since/--until values', () => {
  const now = new Date('2026-12-06T12:00:00.750Z');

  it.each([
    ['10m', String(Date.parse('2026-12-06T11:50:00Z') / 1000)],
    ['1h30m', String(Date.parse('2026-12-06T10:30:00Z') / 1000)],
    ['1.5h', String(Date.parse('2026-12-06T10:30:00Z') / 1000)],
    ['90s', String(Date.parse('2026-12-06T11:58:30Z') / 1000)],
    ['-5m', String(Date.parse('2026-12-06T12:05:00Z') / 1000)],
    ['500ms', String(Date.parse('2026-12-06T12:00:00Z') / 1000)],
  ])('a duration %s counts back from now in whole seconds', (value, expected) => {
    expect(logTimestamp(value, now)).toBe(expected);
  });

  it.each([
    ['2026-12-06T11:00:00Z', '1796554800.000000000'],
    ['2026-12-06T11:00:00.5Z', '1796554800.500000000'],
    ['2026-12-06T11:00:00.123456789Z', '1796554800.123456789'],
    ['2026-12-06T13:00:00+02:00', '1796554800.000000000'],
    ['2026-12-06T08:30:00-02:30', '1796554800.000000000'],
    ['2026-12-06T11Z', '1796554800.000000000'],
    ['2026-12-06T11:00Z', '1796554800.000000000'],
    ['2026-12-06Z', '1796515200.000000000'],
  ])('an RFC 3339 time %s becomes Unix seconds with nine fraction digits', (value, expected) => {
    expect(logTimestamp(value, now)).toBe(expected);
  });

  it('a time without a zone is local time', () => {
    const local = new Date(2026, 11, 6, 11, 0, 0).getTime() / 1000;
    expect(logTimestamp('2026-12-06T11:00:00', now)).toBe(`${local}.000000000`);
    expect(logTimestamp('2026-12-06', now)).toBe(`${new Date(2026, 11, 6).getTime() / 1000}.000000000`);
  });

  it.each(['1796554800', '1796554800.5', '1796554800.123456789', '0'])('Unix seconds %s pass as they are', (value) => {
    expect(logTimestamp(value, now)).toBe(value);
  });

  it('refuses what is neither', () => {
    expect(() => logTimestamp('yesterday', now)).toThrow('failed to parse value as time or duration: "yesterday"');
    expect(() => logTimestamp('10', now)).not.toThrow(); // Unix seconds, not a duration without a unit
    expect(() => logTimestamp('2026-13-01', now)).toThrow(/parsing time "2026-13-01"/);
    expect(() => logTimestamp('2026-12-06T11:00:00.5', now)).not.toThrow();
    expect(() => logTimestamp('2026-12-6', now)).toThrow(/parsing time/);
  });

  it('parses Go durations', () => {
    expect(goDurationNanos('1h30m')).toBe(5400e9);
    expect(goDurationNanos('1m0.5s')).toBe(60.5e9);
    expect(goDurationNanos('+2us')).toBe(2000);
    expect(goDurationNanos('0')).toBe(0);
    expect(goDurationNanos('10')).toBeUndefined();
    expect(goDurationNanos('m')).toBeUndefined();
    expect(goDurationNanos('1d')).toBeUndefined();
    expect(goDurationNanos('')).toBeUndefined();
  });
});

describe("logTimestamp's range errors", () => {
  it("names the field out of range as Go's time.Parse does, then a day past its month's end", () => {
    expect(() => logTimestamp('2001-13-01')).toThrow('parsing time "2001-13-01": month out of range');
    expect(() => logTimestamp('2001-02-30T25:00:00')).toThrow('parsing time "2001-02-30T25:00:00": hour out of range');
    expect(() => logTimestamp('2001-02-30T10:00:00Z')).toThrow('parsing time "2001-02-30T10:00:00Z": day out of range');
    expect(() => logTimestamp('2004-02-29T10:00:61Z')).toThrow('second out of range');
    expect(logTimestamp('2004-02-29T10:00:00Z')).toBe('1078048800.000000000');
  });
});
