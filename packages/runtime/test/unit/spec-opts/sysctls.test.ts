import { expect, it } from 'vitest';
import { buildSpecSync, withDefaultSysctls, withSysctls } from '../../../src/spec/index.js';

it('withSysctls sets values, replacing earlier ones', () => {
  const spec = buildSpecSync([withSysctls({ 'net.core.somaxconn': '128' }), withSysctls({ 'net.core.somaxconn': '1024', 'kernel.shmmax': '1' })]);
  expect(spec.linux!.sysctl).toEqual({ 'net.core.somaxconn': '1024', 'kernel.shmmax': '1' });
});

it('withDefaultSysctls leaves the values already set', () => {
  const spec = buildSpecSync([withSysctls({ a: 'mine' }), withDefaultSysctls({ a: 'default', b: 'default' })]);
  expect(spec.linux!.sysctl).toEqual({ a: 'mine', b: 'default' });
});
