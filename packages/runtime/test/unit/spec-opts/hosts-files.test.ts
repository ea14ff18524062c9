import { expect, it } from 'vitest';
import { buildSpecSync, defaultSpec, withHostsFiles } from '../../../src/spec/index.js';

it('withHostsFiles bind-mounts the given files over /etc, read-only on request', () => {
  const spec = buildSpecSync([withHostsFiles({ resolvConf: '/c/resolv.conf', hosts: '/c/hosts' })]);
  expect(spec.mounts!.slice(defaultSpec().mounts!.length)).toEqual([
    { destination: '/etc/resolv.conf', type: 'bind', source: '/c/resolv.conf', options: ['rbind', 'rprivate'] },
    { destination: '/etc/hosts', type: 'bind', source: '/c/hosts', options: ['rbind', 'rprivate'] },
  ]);
  const ro = buildSpecSync([withHostsFiles({ hostname: '/c/hostname' }, true)]);
  expect(ro.mounts!.at(-1)).toEqual({ destination: '/etc/hostname', type: 'bind', source: '/c/hostname', options: ['rbind', 'rprivate', 'ro'] });
});

it('withHostsFiles refuses a relative host path', () => {
  expect(() => withHostsFiles({ hosts: 'hosts' })).toThrow("withHostsFiles: the hosts file 'hosts' is not an absolute host path");
});
