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

it('mounts an overlay whose lowerdir list is longer than a page from the layers\' common parent, with relative paths', () => {
  const target = mkdtempSync(join(tmpdir(), 'ce-native-test-'));
  dirs.push(target);
  const lowers = Array.from({ length: 130 }, (_, i) => `/var/lib/ce/image-store/snapshots/${i + 1}/fs`);
  const options = [`lowerdir=${lowers.join(':')}`, 'upperdir=/var/lib/ce/image-store/snapshots/200/fs', 'workdir=/var/lib/ce/image-store/snapshots/200/work'];
  expect(options.join(',').length).toBeGreaterThan(4095);
  const calls: unknown[][] = [];
  const cwds: string[] = [];
  const before = process.cwd();
  mountAllWith((...args) => calls.push([...args, cwds.at(-1)]), () => undefined, [{ type: 'overlay', source: 'overlay', target: '', options }], target, (dir) => cwds.push(dir));
  const relative = lowers.map((_, i) => `${i + 1}/fs`).join(':');
  expect(calls).toEqual([
    ['overlay', target, 'overlay', 0, `lowerdir=${relative},upperdir=/var/lib/ce/image-store/snapshots/200/fs,workdir=/var/lib/ce/image-store/snapshots/200/work`, '/var/lib/ce/image-store/snapshots'],
  ]);
  expect(cwds).toEqual(['/var/lib/ce/image-store/snapshots', before]);

  // Layers with no common parent but "/" cannot be shortened: a clear error, no mount.
  const scattered = Array.from({ length: 300 }, (_, i) => `/l${i}/a-long-directory-name-for-layer/fs`);
  expect(() => mountAllWith(() => calls.push(['unexpected']), () => undefined, [{ type: 'overlay', source: 'overlay', options: [`lowerdir=${scattered.join(':')}`] }], target, () => undefined)).toThrow(
    /mount options for .* are \d+ bytes, more than mount\(2\) takes \(4095\)/,
  );
  expect(calls).toHaveLength(1);
});
