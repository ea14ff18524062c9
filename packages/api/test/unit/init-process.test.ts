import { buildSpecSync, withMounts, withProcessArgs } from '@ce/runtime/spec';
import { describe, expect, it } from 'vitest';
import { CONTAINER_INIT_PATH, usesInit, withContainerInit } from '../../src/containers/init-process.js';

describe('--init in the spec, as Docker 20.10 writes it', () => {
  it('runs /sbin/docker-init -- <process> and mounts the host init there read-only', () => {
    const spec = buildSpecSync([withProcessArgs(['sh', '-c', 'echo hi']), withContainerInit('/opt/ce/ce-container-init')]);
    expect(spec.process!.args).toEqual(['/sbin/docker-init', '--', 'sh', '-c', 'echo hi']);
    expect(spec.mounts!.at(-1)).toEqual({ destination: CONTAINER_INIT_PATH, type: 'bind', source: '/opt/ce/ce-container-init', options: ['bind', 'ro'] });
    expect(spec.mounts!.filter((m) => m.destination === CONTAINER_INIT_PATH)).toHaveLength(1);
  });

  it('keeps the mounts before it', () => {
    const volume = { destination: '/data', type: 'bind', source: '/srv', options: ['rbind'] };
    const spec = buildSpecSync([withMounts([volume]), withProcessArgs(['true']), withContainerInit('/i')]);
    expect(spec.mounts!.map((m) => m.destination).slice(-2)).toEqual(['/data', '/sbin/docker-init']);
  });

  it('refuses a relative host path', () => {
    expect(() => withContainerInit('ce-container-init')).toThrow(/not absolute/);
  });

  it("the container's --init wins over the daemon's default", () => {
    expect(usesInit(undefined, false)).toBe(false);
    expect(usesInit(undefined, true)).toBe(true);
    expect(usesInit(false, true)).toBe(false);
    expect(usesInit(true, false)).toBe(true);
  });
});
