import { describe, expect, it } from 'vitest';
import { pruneFilter, untilTime } from '../../src/prune-filter.js';

const NOW = Date.parse('2026-12-06T12:00:00Z');
const KEYS = ['dangling', 'until', 'label', 'label!'];

describe("Docker's prune filters", () => {
  it('keeps what was created before until, in every form Docker takes', () => {
    expect(untilTime('1796601600', NOW)).toBe(1796601600_000);
    expect(untilTime('2026-12-06T11:00:00Z', NOW)).toBe(NOW - 3_600_000);
    expect(untilTime('90m', NOW)).toBe(NOW - 5_400_000);
    const f = pruneFilter([{ key: 'until', value: '1h' }], KEYS, NOW);
    expect(f.matches({ created: NOW - 7_200_000, labels: {} })).toBe(true);
    expect(f.matches({ created: NOW - 60_000, labels: {} })).toBe(false);
  });

  it('matches label and label! as keys or key=value', () => {
    const f = pruneFilter([{ key: 'label', value: 'app' }, { key: 'label!', value: 'keep=yes' }], KEYS, NOW);
    expect(f.matches({ created: 0, labels: { app: 'x' } })).toBe(true);
    expect(f.matches({ created: 0, labels: { app: 'x', keep: 'yes' } })).toBe(false);
    expect(f.matches({ created: 0, labels: { app: 'x', keep: 'no' } })).toBe(true);
    expect(f.matches({ created: 0, labels: null })).toBe(false);
  });

  it('reads dangling as a boolean', () => {
    expect(pruneFilter([{ key: 'dangling', value: 'false' }], KEYS).dangling).toBe(false);
    expect(pruneFilter([{ key: 'dangling', value: '1' }], KEYS).dangling).toBe(true);
    expect(pruneFilter([], KEYS).dangling).toBeUndefined();
  });

  it("refuses what dockerd refuses, in its words", () => {
    expect(() => pruneFilter([{ key: 'foo', value: '1' }], KEYS)).toThrow("Invalid filter 'foo'");
    expect(() => pruneFilter([{ key: 'dangling', value: '1' }], ['until'])).toThrow("Invalid filter 'dangling'");
    expect(() => pruneFilter([{ key: 'until', value: 'xx' }], KEYS)).toThrow('failed to parse value as time or duration: "xx"');
    expect(() => pruneFilter([{ key: 'until', value: '1h' }, { key: 'until', value: '2h' }], KEYS)).toThrow('more than one until filter specified');
  });
});
