import { expect, it } from 'vitest';
import { buildSpecSync, defaultSpec, withMounts } from '../../../src/spec/index.js';

it('withMounts adds mounts after the defaults and replaces one at the same destination', () => {
  const spec = buildSpecSync([
    withMounts([
      { destination: '/data', type: 'bind', source: '/srv/data', options: ['rbind', 'rw'] },
      { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['size=1g'] },
    ]),
  ]);
  const defaults = defaultSpec().mounts!;
  expect(spec.mounts).toHaveLength(defaults.length + 1);
  expect(spec.mounts!.filter((m) => m.destination === '/dev/shm')).toEqual([{ destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['size=1g'] }]);
  expect(spec.mounts!.at(-1)).toEqual({ destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['size=1g'] });
  expect(spec.mounts!.find((m) => m.destination === '/data')!.source).toBe('/srv/data');
});

it('withMounts refuses a relative destination', () => {
  expect(() => withMounts([{ destination: 'data', type: 'bind', source: '/x' }])).toThrow("withMounts: the destination 'data' is not an absolute path");
});
