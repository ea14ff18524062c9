import { describe, expect, it } from 'vitest';
import {
  buildSpecSync,
  defaultSpec,
  withCapabilities,
  withMaskedPaths,
  withNoNewPrivileges,
  withReadonlyPaths,
  withSeccomp,
  withWritableSysfs,
} from '../../../src/spec/index.js';

describe('security options', () => {
  it('withCapabilities sets bounding, effective and permitted alike', () => {
    expect(buildSpecSync([withCapabilities(['CAP_KILL'])]).process!.capabilities).toEqual({ bounding: ['CAP_KILL'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'] });
    expect(() => withCapabilities(['KILL'])).toThrow('withCapabilities: "KILL" is not a CAP_* name');
  });
  it('withNoNewPrivileges sets the bit', () => {
    expect(buildSpecSync([withNoNewPrivileges(true)]).process!.noNewPrivileges).toBe(true);
  });
  it('withSeccomp sets a filter, and undefined removes it', () => {
    const filter = { defaultAction: 'SCMP_ACT_ERRNO' as const, architectures: ['SCMP_ARCH_X86_64'], syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW' as const }] };
    expect(buildSpecSync([withSeccomp(filter)]).linux!.seccomp).toEqual(filter);
    const spec = buildSpecSync([withSeccomp(filter), withSeccomp(undefined)]);
    expect(spec.linux).not.toHaveProperty('seccomp');
  });
  it('withMaskedPaths and withReadonlyPaths replace the lists', () => {
    const spec = buildSpecSync([withMaskedPaths(['/proc/kcore']), withReadonlyPaths([])]);
    expect(spec.linux!.maskedPaths).toEqual(['/proc/kcore']);
    expect(spec.linux!.readonlyPaths).toEqual([]);
  });
  it('withWritableSysfs drops ro from /sys and the mounts under it only', () => {
    const spec = buildSpecSync([withWritableSysfs()]);
    const byDest = Object.fromEntries(spec.mounts!.map((m) => [m.destination, m.options]));
    expect(byDest['/sys']).toEqual(['nosuid', 'noexec', 'nodev']);
    expect(byDest['/sys/fs/cgroup']).toEqual(['nosuid', 'noexec', 'nodev']);
    expect(byDest['/proc']).toEqual(defaultSpec().mounts!.find((m) => m.destination === '/proc')!.options);
  });
});
