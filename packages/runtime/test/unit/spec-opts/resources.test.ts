import { expect, it } from 'vitest';
import { buildSpecSync, defaultSpec, withResources } from '../../../src/spec/index.js';

it('withResources merges each section field by field and keeps the device rules', () => {
  const spec = buildSpecSync([withResources({ memory: { limit: 64 << 20 }, pids: { limit: 100 } }), withResources({ memory: { swap: 128 << 20 }, cpu: { shares: 512 } })]);
  expect(spec.linux!.resources!.memory).toEqual({ limit: 64 << 20, swap: 128 << 20 });
  expect(spec.linux!.resources!.pids).toEqual({ limit: 100 });
  expect(spec.linux!.resources!.cpu).toEqual({ shares: 512 });
  expect(spec.linux!.resources!.devices).toEqual(defaultSpec().linux!.resources!.devices);
});
