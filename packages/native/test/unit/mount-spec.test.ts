import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { MNT_DETACH, MS } from '../../src/constants.js';
import { parseMountOptions } from '../../src/mount-options.js';
import { mountAllWith } from '../../src/mount-spec.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

it('splits mount(8) options into flags, propagation and data', () => {
  expect(parseMountOptions(['ro', 'nosuid', 'rprivate', 'lowerdir=/a', 'upperdir=/b', 'tmpcopyup'])).toEqual({
    flags: MS.RDONLY | MS.NOSUID,
    propagation: [MS.PRIVATE | MS.REC],
    data: 'lowerdir=/a,upperdir=/b',
  });
  expect(parseMountOptions(['ro', 'rw']).flags).toBe(0);
});

it('remounts a read-only bind, applies propagation, and undoes what it mounted when a later mount fails', () => {
  const target = mkdtempSync(join(tmpdir(), 'ce-native-test-'));
  dirs.push(target);
  const calls: unknown[][] = [];
  const unmounted: string[] = [];
  const mount = (...args: unknown[]) => {
    calls.push(args);
    if (args[2] === 'broken') throw new Error('mount broken: No such device');
  };
  expect(() =>
    mountAllWith(mount, (t, flags) => (expect(flags).toBe(MNT_DETACH), unmounted.push(t)), [
      { type: 'bind', source: '/src', target: 'data', options: ['rbind', 'ro', 'rslave'] },
      { type: 'broken', source: 'x', target: 'x', options: [] },
    ], target),
  ).toThrow('mount broken');
  expect(calls).toEqual([
    ['/src', join(target, 'data'), null, MS.BIND | MS.REC, null],
    [null, join(target, 'data'), null, MS.BIND | MS.REC | MS.RDONLY | MS.REMOUNT, null],
    [null, join(target, 'data'), null, MS.SLAVE | MS.REC, null],
    ['x', join(target, 'x'), 'broken', 0, null],
  ]);
  expect(unmounted).toEqual([join(target, 'data')]);
});
