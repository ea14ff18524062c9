import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ARCHES, BPF_MAXINSNS, compileSeccomp, SECCOMP_RET } from '../../src/seccomp/index.js';
import {
  CLONE_NAMESPACE_FLAGS,
  DEFAULT_CAPABILITIES,
  ALL_CAPABILITIES,
  defaultSeccompProfile,
  dockerSeccompProblems,
  parseDockerSeccompProfile,
  seccompForContainer,
  type DockerSeccompProfile,
} from '../../src/spec/index.js';
import type { LinuxSeccomp } from '../../src/spec/types.js';
import { runFilter } from '../helpers/bpf-interpreter.js';

const X86_64 = ARCHES.get('SCMP_ARCH_X86_64')!;
const AARCH64 = ARCHES.get('SCMP_ARCH_AARCH64')!;
const EPERM = SECCOMP_RET.ERRNO | 1;
const ENOSYS = SECCOMP_RET.ERRNO | 38;
const KERNEL = '6.1.0-18-amd64';

const forCaps = (capabilities: readonly string[], arch = 'amd64', kernel = KERNEL) =>
  seccompForContainer(defaultSeccompProfile(), { capabilities, arch, kernel });
const names = (s: LinuxSeccomp) => new Set(s.syscalls!.flatMap((c) => c.names));
const rulesFor = (s: LinuxSeccomp, name: string) => s.syscalls!.filter((c) => c.names.includes(name));

function verdict(seccomp: LinuxSeccomp, name: string, args: number[] = [], arch = X86_64): number {
  const { program } = compileSeccomp(seccomp, { native: arch });
  return runFilter(program, { nr: arch.syscalls[name]!, arch: arch.auditArch, args }) >>> 0;
}

describe('defaultSeccompProfile', () => {
  // The profile Docker 20.10 ships, kept beside the project (../shared/specs); the facts must match it.
  const reference = fileURLToPath(new URL('../../../../../shared/specs/seccomp/docker-default.json', import.meta.url));
  it.skipIf(!existsSync(reference))('has the same semantics as Docker 20.10\'s default.json', () => {
    const docker = JSON.parse(readFileSync(reference, 'utf8')) as DockerSeccompProfile;
    const normalize = (p: DockerSeccompProfile) => ({
      defaultAction: p.defaultAction,
      defaultErrnoRet: p.defaultErrnoRet,
      archMap: p.archMap,
      syscalls: p.syscalls!.map((s) => ({
        names: s.names,
        action: s.action,
        errnoRet: s.errnoRet,
        args: (s.args ?? []).map((a) => ({ index: a.index, value: a.value, valueTwo: a.valueTwo ?? 0, op: a.op })),
        includes: { caps: [], arches: [], minKernel: '', ...s.includes },
        excludes: { caps: [], arches: [], minKernel: '', ...s.excludes },
      })),
    });
    expect(normalize(defaultSeccompProfile())).toEqual(normalize(docker));
  });

  it('is a valid profile', () => {
    expect(dockerSeccompProblems(defaultSeccompProfile())).toEqual([]);
  });
});

describe('seccompForContainer: capability-conditional groups', () => {
  it('with Docker\'s default capabilities: no mount, unshare, setns or ptrace of others; clone only without namespace flags; clone3 ENOSYS', () => {
    const s = forCaps(DEFAULT_CAPABILITIES);
    const allowed = names(s);
    for (const n of ['mount', 'umount2', 'unshare', 'setns', 'bpf', 'process_vm_readv', 'reboot', 'init_module', 'acct', 'settimeofday']) {
      expect(allowed.has(n), n).toBe(false);
    }
    expect(allowed.has('chroot')).toBe(true); // CAP_SYS_CHROOT is a default capability
    expect(rulesFor(s, 'clone')).toEqual([
      { names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: CLONE_NAMESPACE_FLAGS, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] },
    ]);
    expect(rulesFor(s, 'clone3')).toEqual([{ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 }]);
    expect(s.defaultAction).toBe('SCMP_ACT_ERRNO');
    expect(s.defaultErrnoRet).toBeUndefined(); // EPERM
  });

  it('with CAP_SYS_ADMIN: mount, unshare and clone with any flags; no clone3 ENOSYS rule', () => {
    const s = forCaps([...DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN']);
    expect(rulesFor(s, 'clone')).toEqual([expect.objectContaining({ action: 'SCMP_ACT_ALLOW' })]);
    expect(rulesFor(s, 'clone')[0]!.args).toBeUndefined();
    expect(rulesFor(s, 'clone3').every((r) => r.action === 'SCMP_ACT_ALLOW')).toBe(true);
    expect(names(s).has('mount')).toBe(true);
    expect(names(s).has('unshare')).toBe(true);
  });

  it('without CAP_SYS_CHROOT chroot is not allowed; each capability opens only its group', () => {
    expect(names(forCaps(['CAP_KILL'])).has('chroot')).toBe(false);
    const ptrace = forCaps(['CAP_SYS_PTRACE']);
    expect(names(ptrace).has('process_vm_writev')).toBe(true);
    expect(names(ptrace).has('mount')).toBe(false);
    expect(names(forCaps(['CAP_SYS_TIME'])).has('clock_settime')).toBe(true);
    expect(names(forCaps(['CAP_DAC_READ_SEARCH'])).has('open_by_handle_at')).toBe(true);
  });

  it('picks the architectures of the native archMap entry and the arch-only groups', () => {
    const amd64 = forCaps(DEFAULT_CAPABILITIES, 'amd64');
    expect(amd64.architectures).toEqual(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
    expect(names(amd64).has('arch_prctl')).toBe(true);
    expect(names(amd64).has('modify_ldt')).toBe(true);
    expect(names(amd64).has('set_tls')).toBe(false);
    const arm64 = forCaps(DEFAULT_CAPABILITIES, 'arm64');
    expect(arm64.architectures).toEqual(['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
    expect(names(arm64).has('set_tls')).toBe(true);
    expect(names(arm64).has('arch_prctl')).toBe(false);
  });

  it('allows ptrace without CAP_SYS_PTRACE only from kernel 4.8 on (minKernel)', () => {
    expect(names(forCaps(DEFAULT_CAPABILITIES, 'amd64', '4.8.0')).has('ptrace')).toBe(true);
    expect(names(forCaps(DEFAULT_CAPABILITIES, 'amd64', '4.4.0-210-generic')).has('ptrace')).toBe(false);
  });

  it('honours excludes.minKernel and the legacy single "name"', () => {
    const profile: DockerSeccompProfile = {
      defaultAction: 'SCMP_ACT_ERRNO',
      architectures: ['SCMP_ARCH_X86_64'],
      syscalls: [
        { name: 'getpid', action: 'SCMP_ACT_ALLOW' },
        { names: ['getppid'], action: 'SCMP_ACT_ALLOW', excludes: { minKernel: '5.0' } },
      ],
    };
    expect(seccompForContainer(profile, { capabilities: [], arch: 'amd64', kernel: '4.19.0' }).syscalls!.map((s) => s.names)).toEqual([['getpid'], ['getppid']]);
    expect(seccompForContainer(profile, { capabilities: [], arch: 'amd64', kernel: '5.10.0' }).syscalls!.map((s) => s.names)).toEqual([['getpid']]);
  });
});

describe('the compiled default filter', () => {
  it('fits the kernel\'s BPF limit with every capability and with none', () => {
    for (const caps of [[], DEFAULT_CAPABILITIES, ALL_CAPABILITIES]) {
      for (const arch of [X86_64, AARCH64]) {
        const { length } = compileSeccomp(forCaps(caps, arch === X86_64 ? 'amd64' : 'arm64'), { native: arch });
        expect(length).toBeLessThanOrEqual(BPF_MAXINSNS);
      }
    }
  });

  it('applies the argument rules: clone flags and personality values', () => {
    const s = forCaps(DEFAULT_CAPABILITIES);
    const SIGCHLD = 17;
    const CLONE_NEWUSER = 0x10000000;
    expect(verdict(s, 'clone', [SIGCHLD])).toBe(SECCOMP_RET.ALLOW);
    expect(verdict(s, 'clone', [SIGCHLD | CLONE_NEWUSER])).toBe(EPERM);
    expect(verdict(s, 'clone3')).toBe(ENOSYS);
    expect(verdict(s, 'unshare', [CLONE_NEWUSER])).toBe(EPERM);
    expect(verdict(s, 'mount')).toBe(EPERM);
    expect(verdict(s, 'personality', [0x0])).toBe(SECCOMP_RET.ALLOW);
    expect(verdict(s, 'personality', [0xffffffff])).toBe(SECCOMP_RET.ALLOW);
    expect(verdict(s, 'personality', [0x0040000])).toBe(EPERM); // ADDR_NO_RANDOMIZE
    expect(verdict(s, 'getpid')).toBe(SECCOMP_RET.ALLOW);
    const admin = forCaps([...DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN']);
    expect(verdict(admin, 'clone', [SIGCHLD | CLONE_NEWUSER])).toBe(SECCOMP_RET.ALLOW);
    expect(verdict(admin, 'mount')).toBe(SECCOMP_RET.ALLOW);
  });
});

describe('parseDockerSeccompProfile', () => {
  it('names the source and every problem', () => {
    expect(() => parseDockerSeccompProfile('{', '/tmp/p.json')).toThrow(/^\/tmp\/p\.json: not valid JSON/);
    const bad = JSON.stringify({
      defaultAction: 'SCMP_ACT_NOPE',
      architectures: ['SCMP_ARCH_X86_64'],
      archMap: [{ architecture: 'SCMP_ARCH_X86_64' }],
      syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: 'new' } }, { name: 'x', names: ['y'], action: 'SCMP_ACT_ALLOW' }],
    });
    let message = '';
    try {
      parseDockerSeccompProfile(bad, 'p.json');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^p\.json: /);
    expect(message).toContain("'architectures' and 'archMap' were both given");
    expect(message).toContain('defaultAction: unknown action "SCMP_ACT_NOPE"');
    expect(message).toContain('syscalls[0].includes.minKernel: must be "<major>.<minor>"');
    expect(message).toContain("syscalls[1]: 'name' and 'names' were both given");
  });

  it('accepts an OCI-form profile', () => {
    const p = parseDockerSeccompProfile(JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }] }));
    expect(seccompForContainer(p, { capabilities: [], arch: 'amd64', kernel: KERNEL })).toEqual({
      defaultAction: 'SCMP_ACT_ALLOW',
      architectures: [],
      syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }],
    });
  });
});
