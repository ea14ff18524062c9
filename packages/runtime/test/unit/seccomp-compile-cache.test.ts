import { describe, expect, it } from 'vitest';
import { compileSeccomp } from '../../src/seccomp/compile.js';
import { compileSeccompCached, warmSeccomp } from '../../src/seccomp/compile-cache.js';
import type { LinuxSeccomp } from '../../src/spec/types.js';
import { defaultContainerSeccomp } from '../../src/spec/index.js';

const denying = (name: string): LinuxSeccomp => ({
  defaultAction: 'SCMP_ACT_ALLOW',
  architectures: ['SCMP_ARCH_X86_64'],
  syscalls: [{ names: [name], action: 'SCMP_ACT_ERRNO' }],
});

describe('compileSeccompCached', () => {
  it('compiles what compileSeccomp compiles, and reuses it for an equal filter read back from JSON', () => {
    const filter = defaultContainerSeccomp();
    const first = compileSeccompCached(filter);
    expect(first.program.equals(compileSeccomp(filter).program)).toBe(true);
    const debug: string[] = [];
    const again = compileSeccompCached(JSON.parse(JSON.stringify(filter)) as LinuxSeccomp, { logger: { debug: (_o, msg) => debug.push(msg ?? '') } });
    expect(again).toBe(first);
    expect(debug).toEqual(['seccomp: filter compiled ahead of need']);
  });

  it('compiles a different filter anew and keeps only the last few', () => {
    const mountDenied = compileSeccompCached(denying('mount'));
    const chrootDenied = compileSeccompCached(denying('chroot'));
    expect(chrootDenied.program.equals(mountDenied.program)).toBe(false);
    for (const name of ['umount2', 'pivot_root', 'swapon', 'swapoff']) compileSeccompCached(denying(name));
    expect(compileSeccompCached(denying('mount'))).not.toBe(mountDenied);
  });

  it('warmSeccomp leaves a bad filter to the create that uses it, which still gets the error', () => {
    const bad = denying('no_such_syscall_at_all');
    bad.defaultAction = 'SCMP_ACT_NONSENSE' as LinuxSeccomp['defaultAction'];
    expect(() => warmSeccomp(bad)).not.toThrow();
    expect(() => compileSeccompCached(bad)).toThrow();
  });
});
