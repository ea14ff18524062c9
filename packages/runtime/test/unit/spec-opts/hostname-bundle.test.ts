import { expect, it } from 'vitest';
import { buildSpecSync, withAnnotations, withCgroupsPath, withHostname, withRoot } from '../../../src/spec/index.js';

it('withHostname sets the UTS hostname', () => {
  expect(buildSpecSync([withHostname('web1')]).hostname).toBe('web1');
});

it('withRoot sets the root path and whether it is read-only', () => {
  expect(buildSpecSync([withRoot('/abs/rootfs', true)]).root).toEqual({ path: '/abs/rootfs', readonly: true });
  expect(buildSpecSync([withRoot('rootfs')]).root).toEqual({ path: 'rootfs', readonly: false });
});

it('withAnnotations adds annotations, a later value replacing an earlier one', () => {
  const spec = buildSpecSync([withAnnotations({ a: '1', b: '2' }), withAnnotations({ b: '3' })]);
  expect(spec.annotations).toEqual({ a: '1', b: '3' });
});

it('withCgroupsPath sets the cgroup and keeps the rest of linux', () => {
  const spec = buildSpecSync([withCgroupsPath('/ce/abc')]);
  expect(spec.linux!.cgroupsPath).toBe('/ce/abc');
  expect(spec.linux!.namespaces).toHaveLength(5);
});
