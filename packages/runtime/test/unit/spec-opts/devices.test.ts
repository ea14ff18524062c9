import { expect, it } from 'vitest';
import { buildSpecSync, defaultSpec, withAllDevices, withDevices } from '../../../src/spec/index.js';

const fuse = { path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o666, uid: 0, gid: 0 };

it('withDevices creates the node and allows it in the device cgroup after the defaults', () => {
  const spec = buildSpecSync([withDevices([fuse], 'rw')]);
  expect(spec.linux!.devices).toEqual([fuse]);
  const rules = spec.linux!.resources!.devices!;
  expect(rules.slice(0, -1)).toEqual(defaultSpec().linux!.resources!.devices);
  expect(rules.at(-1)).toEqual({ allow: true, type: 'c', major: 10, minor: 229, access: 'rw' });
});

it('withDevices refuses a path outside /dev, an unknown type and bad access', () => {
  expect(() => withDevices([{ ...fuse, path: '/tmp/fuse' }])).toThrow("withDevices: the device path '/tmp/fuse' is not under /dev");
  expect(() => withDevices([{ ...fuse, type: 'x' }])).toThrow('withDevices: /dev/fuse has unknown type "x" (expected c, b, u or p)');
  expect(() => withDevices([fuse], 'rx')).toThrow('withDevices: invalid cgroup access "rx" (expected letters of rwm)');
});

it('withAllDevices passes every host device and allows all in the device cgroup', () => {
  const spec = buildSpecSync([withAllDevices([fuse])]);
  expect(spec.linux!.devices).toEqual([fuse]);
  expect(spec.linux!.resources!.devices).toEqual([{ allow: true, access: 'rwm' }]);
});
