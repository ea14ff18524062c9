import { describe, expect, it } from 'vitest';
import { ARCHES, compileSeccomp, decodeProgram, SECCOMP_RET } from '../../src/seccomp/index.js';
import { Assembler, BPF } from '../../src/seccomp/bpf.js';
import type { LinuxSeccomp, LinuxSeccompArg } from '../../src/spec/types.js';
import { runFilter } from '../helpers/bpf-interpreter.js';
import { CLONE_NAMESPACE_FLAGS, dockerDefaultSeccomp } from '../fixtures/docker-default-seccomp.js';

const X86_64 = ARCHES.get('SCMP_ARCH_X86_64')!;
const X86 = ARCHES.get('SCMP_ARCH_X86')!;
const X32 = ARCHES.get('SCMP_ARCH_X32')!;
const AARCH64 = ARCHES.get('SCMP_ARCH_AARCH64')!;
const ARM = ARCHES.get('SCMP_ARCH_ARM')!;
const ERRNO = (e: number) => SECCOMP_RET.ERRNO | e;
const EPERM = 1;

/** Compiles with x86_64 as the native architecture, whatever this machine is. */
function compile(profile: LinuxSeccomp, logger?: { debug(obj: unknown, msg?: string): void }) {
  return compileSeccomp(profile, { native: X86_64, logger });
}

/** The verdict for syscall `name` of `arch` with `args`. */
function verdict(program: Buffer, name: string, args: Array<number | bigint> = [], arch = X86_64): number {
  const nr = arch.syscalls[name];
  if (nr === undefined) throw new Error(`${name} is not a syscall of ${arch.name}`);
  return runFilter(program, { nr, arch: arch.auditArch, args });
}

describe('syscall tables', () => {
  it('hold the kernel\'s numbers for each architecture (x32 with __X32_SYSCALL_BIT; arm\'s private calls)', () => {
    const pick = (a: typeof X86_64) => [a.syscalls.read, a.syscalls.execve, a.syscalls.socket, a.syscalls.clone3];
    expect(pick(X86_64)).toEqual([0, 59, 41, 435]);
    expect(pick(X86)).toEqual([3, 11, 359, 435]);
    expect(pick(X32)).toEqual([0x40000000, 0x40000000 + 520, 0x40000000 + 41, 0x40000000 + 435]);
    expect(pick(AARCH64)).toEqual([63, 221, 198, 435]);
    expect(pick(ARM)).toEqual([3, 11, 281, 435]);
    expect(ARM.syscalls.set_tls).toBe(0x0f0005);
    expect(AARCH64.syscalls.mkdir).toBeUndefined(); // only mkdirat there
    expect(X86_64.auditArch >>> 0).toBe(0xc000003e);
    expect(X86.auditArch >>> 0).toBe(0x40000003);
    expect(AARCH64.auditArch >>> 0).toBe(0xc00000b7);
    expect(ARM.auditArch >>> 0).toBe(0x40000028);
  });
});

describe('compileSeccomp: actions', () => {
  it('denies a listed syscall with EPERM and allows the rest under an allowing default', () => {
    const { program } = compile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' }] });
    expect(verdict(program, 'mkdir')).toBe(ERRNO(EPERM));
    expect(verdict(program, 'mkdirat')).toBe(ERRNO(EPERM));
    expect(verdict(program, 'read')).toBe(SECCOMP_RET.ALLOW);
    expect(verdict(program, 'rmdir')).toBe(SECCOMP_RET.ALLOW);
  });

  it('returns errnoRet and defaultErrnoRet', () => {
    const { program } = compile({
      defaultAction: 'SCMP_ACT_ERRNO',
      defaultErrnoRet: 38,
      syscalls: [
        { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' },
        { names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 },
      ],
    });
    expect(verdict(program, 'mkdir')).toBe(ERRNO(13));
    expect(verdict(program, 'getpid')).toBe(ERRNO(38));
    expect(verdict(program, 'write')).toBe(SECCOMP_RET.ALLOW);
  });

  it.each([
    ['SCMP_ACT_KILL', SECCOMP_RET.KILL_THREAD],
    ['SCMP_ACT_KILL_THREAD', SECCOMP_RET.KILL_THREAD],
    ['SCMP_ACT_KILL_PROCESS', SECCOMP_RET.KILL_PROCESS],
    ['SCMP_ACT_TRAP', SECCOMP_RET.TRAP],
    ['SCMP_ACT_LOG', SECCOMP_RET.LOG],
    ['SCMP_ACT_TRACE', SECCOMP_RET.TRACE | EPERM],
    ['SCMP_ACT_ERRNO', SECCOMP_RET.ERRNO | EPERM],
  ] as const)('%s returns %d', (action, value) => {
    const { program } = compile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getpid'], action }] });
    expect(verdict(program, 'getpid') >>> 0).toBe(value >>> 0);
    expect(verdict(program, 'getppid')).toBe(SECCOMP_RET.ALLOW);
  });

  it('sets the filter flags', () => {
    const base: LinuxSeccomp = { defaultAction: 'SCMP_ACT_ALLOW' };
    expect(compile(base).flags).toBe(0);
    expect(compile({ ...base, flags: ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW'] }).flags).toBe(7);
  });

  it('skips unknown syscall names with a debug log, as runc does', () => {
    const logged: unknown[] = [];
    const { program } = compile(
      { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['no_such_call', 'mkdir'], action: 'SCMP_ACT_ERRNO' }] },
      { debug: (obj) => logged.push(obj) },
    );
    expect(verdict(program, 'mkdir')).toBe(ERRNO(EPERM));
    expect(logged).toContainEqual({ syscall: 'no_such_call' });
  });
});

describe('compileSeccomp: architectures', () => {
  const profile = (architectures: string[]): LinuxSeccomp => ({
    defaultAction: 'SCMP_ACT_ALLOW',
    architectures,
    syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }],
  });

  it('kills syscalls of an architecture the filter does not list', () => {
    const { program } = compile(profile(['SCMP_ARCH_X86_64']));
    expect(verdict(program, 'mkdirat', [], AARCH64)).toBe(SECCOMP_RET.KILL_THREAD);
    expect(verdict(program, 'mkdir', [], X86)).toBe(SECCOMP_RET.KILL_THREAD);
    // x32 shares x86_64's audit arch: told apart by __X32_SYSCALL_BIT
    expect(verdict(program, 'mkdir', [], X32)).toBe(SECCOMP_RET.KILL_THREAD);
    expect(verdict(program, 'mkdir')).toBe(ERRNO(EPERM));
  });

  it('applies the rules with each architecture’s own numbers', () => {
    const { program } = compile(profile(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']));
    for (const arch of [X86_64, X86, X32]) {
      expect(verdict(program, 'mkdir', [], arch)).toBe(ERRNO(EPERM));
      expect(verdict(program, 'rmdir', [], arch)).toBe(SECCOMP_RET.ALLOW);
    }
    // i386's mkdir (39) is x86_64's getpid: each arch block has its own table
    expect(X86.syscalls.mkdir).toBe(X86_64.syscalls.getpid);
    expect(verdict(program, 'getpid')).toBe(SECCOMP_RET.ALLOW);
  });

  it('always includes the native architecture (libseccomp does) and covers arm', () => {
    const { program } = compileSeccomp(profile(['SCMP_ARCH_ARM']), { native: AARCH64 });
    expect(verdict(program, 'mkdirat', [], AARCH64)).toBe(SECCOMP_RET.ALLOW);
    expect(verdict(program, 'mkdir', [], ARM)).toBe(ERRNO(EPERM));
    expect(verdict(program, 'mkdir', [], X86_64)).toBe(SECCOMP_RET.KILL_THREAD);
  });

  it('leaves out architectures it has no table for', () => {
    const logged: unknown[] = [];
    const { program } = compile(profile(['SCMP_ARCH_S390X']), { debug: (o) => logged.push(o) });
    expect(verdict(program, 'mkdir')).toBe(ERRNO(EPERM));
    expect(runFilter(program, { nr: 39, arch: 0x80000016 })).toBe(SECCOMP_RET.KILL_THREAD);
    expect(logged).toContainEqual({ architecture: 'SCMP_ARCH_S390X' });
  });
});

describe('compileSeccomp: argument conditions', () => {
  const ops = ['SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT'] as const;
  const holds = (op: (typeof ops)[number], a: bigint, v: bigint) =>
    ({ SCMP_CMP_NE: a !== v, SCMP_CMP_LT: a < v, SCMP_CMP_LE: a <= v, SCMP_CMP_EQ: a === v, SCMP_CMP_GE: a >= v, SCMP_CMP_GT: a > v })[op];
  const values = [0n, 5n, 0xffffffffn, 0x100000000n, 0x100000005n, 0x200000000n, 0xfffffffffffffn];
  const samples = [...values, ...values.map((v) => v + 1n), ...values.filter((v) => v > 0n).map((v) => v - 1n)];

  it.each(ops)('%s compares all 64 bits, on both 32-bit halves', (op) => {
    for (const v of values) {
      const { program } = compile({
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [{ names: ['lseek'], action: 'SCMP_ACT_ERRNO', args: [{ index: 1, value: Number(v), op }] }],
      });
      for (const a of samples) {
        const expected = holds(op, a, v) ? ERRNO(EPERM) : SECCOMP_RET.ALLOW;
        expect(verdict(program, 'lseek', [7, a]), `${a} ${op} ${v}`).toBe(expected);
      }
    }
  });

  it('SCMP_CMP_MASKED_EQ tests (arg & value) == valueTwo', () => {
    const { program } = compile({
      defaultAction: 'SCMP_ACT_ERRNO',
      syscalls: [{ names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: CLONE_NAMESPACE_FLAGS, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] }],
    });
    expect(verdict(program, 'clone', [0x11 /* SIGCHLD */ | 0x01000000])).toBe(SECCOMP_RET.ALLOW);
    expect(verdict(program, 'clone', [0x10000000 /* CLONE_NEWUSER */ | 0x11])).toBe(ERRNO(EPERM));
    const high = compile({
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [{ names: ['mmap'], action: 'SCMP_ACT_ERRNO', args: [{ index: 2, value: 0xff00000000, valueTwo: 0x1200000000, op: 'SCMP_CMP_MASKED_EQ' }] }],
    }).program;
    expect(verdict(high, 'mmap', [0, 0, 0x12ffffffffn])).toBe(ERRNO(EPERM));
    expect(verdict(high, 'mmap', [0, 0, 0x13ffffffffn])).toBe(SECCOMP_RET.ALLOW);
  });

  it('blocks socket(AF_INET) but not socket(AF_UNIX)', () => {
    const { program } = compile({
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [{ names: ['socket'], action: 'SCMP_ACT_ERRNO', errnoRet: 97, args: [{ index: 0, value: 2, op: 'SCMP_CMP_EQ' }] }],
    });
    expect(verdict(program, 'socket', [2, 1, 0])).toBe(ERRNO(97));
    expect(verdict(program, 'socket', [1, 1, 0])).toBe(SECCOMP_RET.ALLOW);
  });

  it('ANDs the conditions of one rule and tries the rules of a syscall in order', () => {
    const cond = (index: number, value: number, op: LinuxSeccompArg['op'] = 'SCMP_CMP_EQ'): LinuxSeccompArg => ({ index, value, op });
    const { program } = compile({
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [
        { names: ['kill'], action: 'SCMP_ACT_ERRNO', errnoRet: 1, args: [cond(0, 1), cond(1, 9)] },
        { names: ['kill'], action: 'SCMP_ACT_ERRNO', errnoRet: 2, args: [cond(1, 9)] },
        { names: ['kill'], action: 'SCMP_ACT_ERRNO', errnoRet: 3 },
        { names: ['kill'], action: 'SCMP_ACT_ERRNO', errnoRet: 4, args: [cond(0, 5)] },
      ],
    });
    expect(verdict(program, 'kill', [1, 9])).toBe(ERRNO(1));
    expect(verdict(program, 'kill', [2, 9])).toBe(ERRNO(2));
    expect(verdict(program, 'kill', [5, 15])).toBe(ERRNO(3));
  });

  it('ORs the conditions of a rule that tests one argument twice (runc)', () => {
    const { program } = compile({
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [{ names: ['personality'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }, { index: 0, value: 9, op: 'SCMP_CMP_EQ' }] }],
    });
    expect(verdict(program, 'personality', [8])).toBe(ERRNO(EPERM));
    expect(verdict(program, 'personality', [9])).toBe(ERRNO(EPERM));
    expect(verdict(program, 'personality', [10])).toBe(SECCOMP_RET.ALLOW);
  });

  it('compares only the low half of an argument on a 32-bit architecture (libseccomp)', () => {
    const { program } = compile({
      defaultAction: 'SCMP_ACT_ALLOW',
      architectures: ['SCMP_ARCH_X86'],
      syscalls: [{ names: ['personality'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 0xffffffff, op: 'SCMP_CMP_EQ' }] }],
    });
    expect(verdict(program, 'personality', [0xffffffffffffffffn], X86)).toBe(ERRNO(EPERM));
    expect(verdict(program, 'personality', [0xffffffffffffffffn], X86_64)).toBe(SECCOMP_RET.ALLOW);
    expect(verdict(program, 'personality', [0xffffffff], X86_64)).toBe(ERRNO(EPERM));
  });
});

describe('compileSeccomp: runc\'s -ENOSYS stub', () => {
  const raw = (program: Buffer, nr: number, arch = X86_64) => runFilter(program, { nr, arch: arch.auditArch });

  it('answers ENOSYS for syscalls newer than every syscall the profile names, per architecture', () => {
    const { program } = compile(dockerDefaultSeccomp());
    const last = X86_64.syscalls.futex_waitv!; // the newest syscall the profile names
    expect(raw(program, last)).toBe(SECCOMP_RET.ALLOW);
    expect(raw(program, last + 1)).toBe(ERRNO(38));
    expect(raw(program, 500)).toBe(ERRNO(38));
    expect(raw(program, X86_64.syscalls.mount!)).toBe(ERRNO(EPERM)); // older and not allowed: the default
    expect(raw(program, X86.syscalls.futex_waitv! + 1, X86)).toBe(ERRNO(38));
    // x32 is measured against its own numbers (its compat calls sit at 512+)
    expect(raw(program, 0x40000000 + 600, X32)).toBe(ERRNO(38));
    expect(raw(program, X32.syscalls.execve!, X32)).toBe(SECCOMP_RET.ALLOW);
  });

  it('counts every syscall the profile names, also those whose rule is the default action', () => {
    const { program } = compile({
      defaultAction: 'SCMP_ACT_ERRNO',
      syscalls: [
        { names: ['read'], action: 'SCMP_ACT_ALLOW' },
        { names: ['futex_waitv'], action: 'SCMP_ACT_ERRNO' },
      ],
    });
    expect(raw(program, X86_64.syscalls.futex_waitv! - 1)).toBe(ERRNO(EPERM));
    expect(raw(program, X86_64.syscalls.futex_waitv! + 1)).toBe(ERRNO(38));
  });

  it('applies to a killing default, not to a permissive one or one that already says ENOSYS', () => {
    const syscalls = [{ names: ['read'], action: 'SCMP_ACT_ALLOW' as const }];
    expect(raw(compile({ defaultAction: 'SCMP_ACT_KILL_PROCESS', syscalls }).program, 500)).toBe(ERRNO(38));
    expect(raw(compile({ defaultAction: 'SCMP_ACT_KILL_PROCESS', syscalls: [{ names: ['openat'], action: 'SCMP_ACT_ALLOW' }] }).program, 100) >>> 0).toBe(SECCOMP_RET.KILL_PROCESS);
    expect(raw(compile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ERRNO' }] }).program, 500)).toBe(SECCOMP_RET.ALLOW);
    expect(raw(compile({ defaultAction: 'SCMP_ACT_LOG', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ERRNO' }] }).program, 500)).toBe(SECCOMP_RET.LOG);
    expect(raw(compile({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 38, syscalls }).program, 500)).toBe(ERRNO(38));
    expect(raw(compile({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 13, syscalls }).program, 500)).toBe(ERRNO(38));
  });
});

describe('compileSeccomp: program structure', () => {
  it('reaches targets more than 255 instructions away through long jumps', () => {
    // 80 rules of 6 instructions each for one syscall: its skip jump spans ~480 instructions
    const rules = Array.from({ length: 80 }, (_, i) => ({
      names: ['ioctl'],
      action: 'SCMP_ACT_ERRNO' as const,
      errnoRet: i + 1,
      args: [{ index: 1, value: 0x5400 + i, op: 'SCMP_CMP_EQ' as const }],
    }));
    const { program, length } = compile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [...rules, { names: ['write'], action: 'SCMP_ACT_KILL_PROCESS' }] });
    const insns = decodeProgram(program);
    expect(length).toBe(insns.length);
    expect(insns.some((i) => i.code === BPF.JMP_JA && i.k > 255)).toBe(true);
    for (const i of [0, 41, 79]) expect(verdict(program, 'ioctl', [3, 0x5400 + i])).toBe(ERRNO(i + 1));
    expect(verdict(program, 'ioctl', [3, 0x9999])).toBe(SECCOMP_RET.ALLOW);
    expect(verdict(program, 'write') >>> 0).toBe(SECCOMP_RET.KILL_PROCESS);
    expect(verdict(program, 'read')).toBe(SECCOMP_RET.ALLOW);
  });

  it('assembles conditional jumps whose both targets are far', () => {
    const asm = new Assembler();
    asm.loadAbs(0);
    asm.jump(BPF.JMP_JEQ_K, 1, 'one', 'other');
    for (let i = 0; i < 300; i++) asm.ret(100 + i);
    asm.label('one');
    asm.ret(1);
    for (let i = 0; i < 300; i++) asm.ret(500 + i);
    asm.label('other');
    asm.ret(2);
    const insns = asm.assemble();
    expect(runFilter(insns, { nr: 1, arch: 0 })).toBe(1);
    expect(runFilter(insns, { nr: 7, arch: 0 })).toBe(2);
  });

  it('refuses a program longer than the kernel accepts, saying so', () => {
    const rules = Array.from({ length: 1000 }, (_, i) => ({
      names: ['ioctl'],
      action: 'SCMP_ACT_ERRNO' as const,
      args: [{ index: 1, value: i, op: 'SCMP_CMP_EQ' as const }],
    }));
    expect(() => compile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: rules })).toThrow(
      /^linux\.seccomp: the seccomp filter has \d+ instructions, more than the kernel's limit of 4096$/,
    );
  });
});

describe('compileSeccomp: Docker’s default profile', () => {
  const { program, length } = compile(dockerDefaultSeccomp());

  it('fits the kernel limit and allows what a shell needs', () => {
    expect(length).toBeLessThanOrEqual(4096);
    for (const name of ['execve', 'read', 'write', 'openat', 'clone', 'wait4', 'exit_group', 'rt_sigaction', 'newfstatat', 'close_range']) {
      expect(verdict(program, name, [0x11]), name).toBe(SECCOMP_RET.ALLOW);
    }
    expect(verdict(program, 'read', [], X86)).toBe(SECCOMP_RET.ALLOW);
    expect(verdict(program, 'read', [], X32)).toBe(SECCOMP_RET.ALLOW);
  });

  it('denies what it denies', () => {
    expect(verdict(program, 'mount')).toBe(ERRNO(EPERM));
    expect(verdict(program, 'unshare')).toBe(ERRNO(EPERM));
    expect(verdict(program, 'clone', [0x10000000 | 0x11])).toBe(ERRNO(EPERM));
    expect(verdict(program, 'clone3')).toBe(ERRNO(38));
    expect(verdict(program, 'socket', [40, 1, 0])).toBe(ERRNO(EPERM));
    expect(verdict(program, 'socket', [2, 1, 0])).toBe(SECCOMP_RET.ALLOW);
    expect(verdict(program, 'personality', [0xffffffff])).toBe(SECCOMP_RET.ALLOW);
    expect(verdict(program, 'personality', [1])).toBe(ERRNO(EPERM));
    expect(verdict(program, 'read', [], AARCH64)).toBe(SECCOMP_RET.KILL_THREAD);
  });
});

describe('compileSeccomp: bad profiles', () => {
  const bad = (profile: unknown) => () => compile(profile as LinuxSeccomp);
  it('names the JSON path of each problem', () => {
    const syscalls = [
      { names: ['read'], action: 'SCMP_ACT_ALLOW' },
      { names: ['write'], action: 'SCMP_ACT_ALLOW' },
      { names: ['open'], action: 'SCMP_ACT_ALLOW' },
      { names: ['close'], action: 'X' },
    ];
    expect(bad({ defaultAction: 'SCMP_ACT_ERRNO', syscalls })).toThrow('linux.seccomp.syscalls[3].action: unknown action "X"');
    expect(bad({ defaultAction: 'SCMP_ACT_NOPE' })).toThrow('linux.seccomp.defaultAction: unknown action "SCMP_ACT_NOPE"');
    expect(bad({})).toThrow('linux.seccomp.defaultAction: is required');
    expect(bad({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_VAX'] })).toThrow('linux.seccomp.architectures[0]: unknown architecture "SCMP_ARCH_VAX"');
    expect(bad({ defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_NEW_LISTENER'] })).toThrow(
      'linux.seccomp.flags[0]: unknown or unsupported flag "SECCOMP_FILTER_FLAG_NEW_LISTENER"',
    );
    expect(bad({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: [], action: 'SCMP_ACT_ERRNO' }] })).toThrow('linux.seccomp.syscalls[0].names: must be a non-empty array');
    expect(bad({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ERRNO', args: [{ index: 6, value: 0, op: 'SCMP_CMP_EQ' }] }] })).toThrow(
      'linux.seccomp.syscalls[0].args[0].index: must be an integer from 0 to 5',
    );
    expect(bad({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 0, op: 'SCMP_CMP_SOON' }] }] })).toThrow(
      'linux.seccomp.syscalls[0].args[0].op: unknown operator "SCMP_CMP_SOON"',
    );
    expect(bad({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_KILL', errnoRet: 5 }] })).toThrow(
      'linux.seccomp.syscalls[0].errnoRet: is only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE',
    );
  });

  it('refuses seccomp notification clearly', () => {
    expect(bad({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }] })).toThrow(
      'linux.seccomp.syscalls[0].action: SCMP_ACT_NOTIFY is not supported',
    );
    expect(bad({ defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/run/agent.sock' })).toThrow('linux.seccomp.listenerPath: SCMP_ACT_NOTIFY is not supported');
  });
});
