import { describe, expect, it } from 'vitest';
import { FirstUseGate } from '../../../src/cni/first-use.js';

function deferred<T = string>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every promise chain that can move do so. */
const settle = () => new Promise<void>((r) => setImmediate(r));

describe('FirstUseGate', () => {
  it('holds a second call while the first is running, then runs later calls side by side', async () => {
    const gate = new FirstUseGate();
    const first = deferred();
    const started: string[] = [];
    const a = gate.run('portmap', () => (started.push('a'), first.promise));
    const b = gate.run('portmap', async () => (started.push('b'), 'b'));
    await settle();
    expect(started).toEqual(['a']);
    first.resolve('a');
    expect(await Promise.all([a, b])).toEqual(['a', 'b']);

    const c = deferred();
    const d = deferred();
    const both = [gate.run('portmap', () => (started.push('c'), c.promise)), gate.run('portmap', () => (started.push('d'), d.promise))];
    await settle();
    expect(started).toEqual(['a', 'b', 'c', 'd']);
    c.resolve('c');
    d.resolve('d');
    await Promise.all(both);
  });

  it('runs the next call alone again when the first failed, and gives each caller its own outcome', async () => {
    const gate = new FirstUseGate();
    const first = deferred();
    const second = deferred();
    const started: string[] = [];
    const a = gate.run('firewall', () => (started.push('a'), first.promise));
    const b = gate.run('firewall', () => (started.push('b'), second.promise));
    const c = gate.run('firewall', async () => (started.push('c'), 'c'));
    first.reject(new Error('CHAIN_USER_ADD failed (File exists)'));
    await expect(a).rejects.toThrow(/File exists/);
    await settle();
    expect(started).toEqual(['a', 'b']);
    second.resolve('b');
    expect(await Promise.all([b, c])).toEqual(['b', 'c']);
  });

  it('keeps keys apart: one plugin\'s first call does not hold another\'s', async () => {
    const gate = new FirstUseGate();
    const held = deferred();
    const a = gate.run('portmap', () => held.promise);
    expect(await gate.run('bridge', async () => 'bridge')).toBe('bridge');
    held.resolve('portmap');
    expect(await a).toBe('portmap');
  });
});
