import { expect, it } from 'vitest';
import { buildSpecSync, withHostNamespace, withNamespace, withNetnsPath } from '../../../src/spec/index.js';

it('withNetnsPath joins a namespace by path, replacing the new one', () => {
  const spec = buildSpecSync([withNetnsPath('/run/netns/ce-1')]);
  expect(spec.linux!.namespaces!.filter((n) => n.type === 'network')).toEqual([{ type: 'network', path: '/run/netns/ce-1' }]);
  expect(spec.linux!.namespaces).toHaveLength(5);
});

it('withNamespace adds a new namespace once', () => {
  const spec = buildSpecSync([withNamespace('cgroup'), withNamespace('cgroup')]);
  expect(spec.linux!.namespaces!.map((n) => n.type)).toEqual(['pid', 'ipc', 'uts', 'mount', 'network', 'cgroup']);
  expect(() => withNamespace('pid', 'proc/1/ns/pid')).toThrow("withNamespace: the pid namespace path 'proc/1/ns/pid' is not absolute");
});

it("withHostNamespace drops the namespace so the container shares the host's", () => {
  expect(buildSpecSync([withHostNamespace('network')]).linux!.namespaces!.map((n) => n.type)).toEqual(['pid', 'ipc', 'uts', 'mount']);
});
