// Compiles config.json's linux.seccomp into a classic BPF program with the
// semantics of libseccomp as runc drives it.
import { RuntimeError } from '../errors.js';
import type { LinuxSeccomp, LinuxSeccompAction, LinuxSeccompArg } from '../spec/types.js';
import { ARCHES, ARCHES_WITHOUT_TABLE, nativeArch, X32_SYSCALL_BIT, type SeccompArch } from './arch.js';
import { Assembler, BPF, encodeProgram, SeccompProgramTooLongError } from './bpf.js';
import { SECCOMP_FLAGS, seccompProblems } from './validate.js';

/** linux/seccomp.h return values. */
export const SECCOMP_RET = {
  KILL_PROCESS: 0x80000000,
  KILL_THREAD: 0x00000000,
  TRAP: 0x00030000,
  ERRNO: 0x00050000,
  TRACE: 0x7ff00000,
  LOG: 0x7ffc0000,
  ALLOW: 0x7fff0000,
} as const;
const EPERM = 1;
const ENOSYS = 38;
/** What a syscall of an architecture the filter does not list gets (libseccomp's default bad-arch action). */
const BAD_ARCH_ACTION = SECCOMP_RET.KILL_THREAD;

/** struct seccomp_data offsets: nr, arch, instruction_pointer, args[6] (u64, little-endian halves). */
const DATA_NR = 0;
const DATA_ARCH = 4;
const argLow = (index: number) => 16 + 8 * index;
const argHigh = (index: number) => 16 + 8 * index + 4;

export interface CompiledSeccomp {
  /** seccomp(2) filter flags (SECCOMP_FILTER_FLAG_*). */
  flags: number;
  /** struct sock_filter[] in host byte order. */
  program: Buffer;
  /** Number of instructions. */
  length: number;
}

export interface SeccompCompileOptions {
  /** The machine's architecture, always part of the filter (libseccomp's native arch); default: this process's. */
  native?: SeccompArch;
  logger?: { debug(obj: unknown, msg?: string): void };
}

/** The SECCOMP_RET_* value of an action (errno is the errnoRet, EPERM when unset). */
export function actionValue(action: LinuxSeccompAction, errnoRet: number | undefined): number {
  switch (action) {
    case 'SCMP_ACT_KILL':
    case 'SCMP_ACT_KILL_THREAD':
      return SECCOMP_RET.KILL_THREAD;
    case 'SCMP_ACT_KILL_PROCESS':
      return SECCOMP_RET.KILL_PROCESS;
    case 'SCMP_ACT_TRAP':
      return SECCOMP_RET.TRAP;
    case 'SCMP_ACT_ERRNO':
      return (SECCOMP_RET.ERRNO | ((errnoRet ?? EPERM) & 0xffff)) >>> 0;
    case 'SCMP_ACT_TRACE':
      return (SECCOMP_RET.TRACE | ((errnoRet ?? EPERM) & 0xffff)) >>> 0;
    case 'SCMP_ACT_LOG':
      return SECCOMP_RET.LOG;
    case 'SCMP_ACT_ALLOW':
      return SECCOMP_RET.ALLOW;
    default:
      throw new RuntimeError('InvalidArgument', `seccomp: unsupported action ${JSON.stringify(action)}`);
  }
}

interface Rule {
  action: number;
  /** ANDed; empty = unconditional. */
  conds: LinuxSeccompArg[];
}

/**
 * runc's rule for one syscall entry: its conditions are ANDed, unless two of
 * them test the same argument; then each condition is a rule of its own (ORed).
 */
function rulesOf(conds: readonly LinuxSeccompArg[], action: number): Rule[] {
  const indexes = new Set(conds.map((c) => c.index));
  if (indexes.size < conds.length) return conds.map((c) => ({ action, conds: [c] }));
  return [{ action, conds: [...conds] }];
}

/** JSON cannot carry every u64 exactly; a value that rounded past the top is the top. */
function u64(v: number | undefined): bigint {
  const b = BigInt(Math.trunc(v ?? 0));
  return b >= 1n << 64n ? (1n << 64n) - 1n : b;
}
const lo32 = (v: bigint) => Number(v & 0xffffffffn);
const hi32 = (v: bigint) => Number((v >> 32n) & 0xffffffffn);

/** Jumps to `fail` unless the condition holds; falls through when it does. A is clobbered. */
function emitCondition(asm: Assembler, cond: LinuxSeccompArg, bits: 32 | 64, fail: string): void {
  const value = u64(cond.value);
  const ok = asm.newLabel('cond-ok');
  const wide = bits === 64;
  const [vlo, vhi] = [lo32(value), hi32(value)];
  switch (cond.op) {
    case 'SCMP_CMP_EQ':
    case 'SCMP_CMP_MASKED_EQ': {
      const masked = cond.op === 'SCMP_CMP_MASKED_EQ';
      // MASKED_EQ: (arg & value) == valueTwo
      const datum = masked ? u64(cond.valueTwo) : value;
      if (wide) {
        asm.loadAbs(argHigh(cond.index));
        if (masked) asm.and(vhi);
        asm.jump(BPF.JMP_JEQ_K, hi32(datum), null, fail);
      }
      asm.loadAbs(argLow(cond.index));
      if (masked) asm.and(vlo);
      asm.jump(BPF.JMP_JEQ_K, lo32(datum), null, fail);
      break;
    }
    case 'SCMP_CMP_NE':
      if (wide) {
        asm.loadAbs(argHigh(cond.index));
        asm.jump(BPF.JMP_JEQ_K, vhi, null, ok);
      }
      asm.loadAbs(argLow(cond.index));
      asm.jump(BPF.JMP_JEQ_K, vlo, fail, null);
      break;
    case 'SCMP_CMP_GT':
    case 'SCMP_CMP_GE': {
      if (wide) {
        asm.loadAbs(argHigh(cond.index));
        asm.jump(BPF.JMP_JGT_K, vhi, ok, null);
        asm.jump(BPF.JMP_JEQ_K, vhi, null, fail);
      }
      asm.loadAbs(argLow(cond.index));
      asm.jump(cond.op === 'SCMP_CMP_GT' ? BPF.JMP_JGT_K : BPF.JMP_JGE_K, vlo, null, fail);
      break;
    }
    case 'SCMP_CMP_LT':
    case 'SCMP_CMP_LE': {
      if (wide) {
        asm.loadAbs(argHigh(cond.index));
        asm.jump(BPF.JMP_JGT_K, vhi, fail, null);
        asm.jump(BPF.JMP_JEQ_K, vhi, null, ok);
      }
      asm.loadAbs(argLow(cond.index));
      // LT fails on >=, LE fails on >
      asm.jump(cond.op === 'SCMP_CMP_LT' ? BPF.JMP_JGE_K : BPF.JMP_JGT_K, vlo, fail, null);
      break;
    }
    default:
      throw new RuntimeError('InvalidArgument', `seccomp: unknown operator ${JSON.stringify(cond.op)}`);
  }
  asm.label(ok);
}

/** The rules of one syscall, in order: the first whose conditions all hold decides; none: the default action. */
function emitSyscall(asm: Assembler, rules: readonly Rule[], bits: 32 | 64, defaultAction: number): void {
  for (const rule of rules) {
    if (rule.conds.length === 0) {
      asm.ret(rule.action);
      return; // later rules are unreachable
    }
    const next = asm.newLabel('rule-next');
    for (const c of rule.conds) emitCondition(asm, c, bits, next);
    asm.ret(rule.action);
    asm.label(next);
  }
  asm.ret(defaultAction);
}

/**
 * runc's -ENOSYS stub: a syscall newer than every syscall the profile names
 * fails with ENOSYS instead of the default action, so that a C library
 * falls back to an older call (clone3 → clone) on a kernel newer than the
 * profile. Not for profiles whose default lets calls through or already
 * returns ENOSYS.
 */
function wantsEnosysStub(seccomp: LinuxSeccomp): boolean {
  if (['SCMP_ACT_ALLOW', 'SCMP_ACT_LOG', 'SCMP_ACT_TRACE'].includes(seccomp.defaultAction)) return false;
  return !(seccomp.defaultAction === 'SCMP_ACT_ERRNO' && seccomp.defaultErrnoRet === ENOSYS);
}

/** With A = nr: jumps to `enosys` when nr is above the profile's last syscall of its architecture (x32 by its bit). */
function emitEnosysStub(asm: Assembler, members: readonly SeccompArch[], names: readonly string[], enosys: string): void {
  const last = (a: SeccompArch) => Math.max(-1, ...names.map((n) => a.syscalls[n] ?? -1));
  const x32 = members.find((m) => m.name === 'SCMP_ARCH_X32');
  const others = members.filter((m) => m !== x32);
  const check = (a: SeccompArch | undefined, after: string | null) => {
    const max = a ? last(a) : -1;
    if (max >= 0) asm.jump(BPF.JMP_JGT_K, max, enosys, after);
    else if (after) asm.ja(after);
  };
  if (x32 && others.length) {
    const x32Check = asm.newLabel('enosys-x32');
    const done = asm.newLabel('enosys-done');
    asm.jump(BPF.JMP_JGE_K, X32_SYSCALL_BIT, x32Check, null);
    check(others[0], done);
    asm.label(x32Check);
    check(x32, null);
    asm.label(done);
  } else {
    check(others[0] ?? x32, null);
  }
}

/**
 * Compiles a validated profile (see seccompProblems). Throws RuntimeError
 * InvalidArgument naming the JSON path for a bad profile, and for a program
 * longer than the kernel accepts.
 */
export function compileSeccomp(seccomp: LinuxSeccomp, opts: SeccompCompileOptions = {}): CompiledSeccomp {
  const problems = seccompProblems(seccomp);
  if (problems.length) throw new RuntimeError('InvalidArgument', `invalid seccomp profile: ${problems.join('; ')}`);
  const log = opts.logger;
  const defaultAction = actionValue(seccomp.defaultAction, seccomp.defaultErrnoRet);

  const arches: SeccompArch[] = [opts.native ?? nativeArch()];
  for (const name of seccomp.architectures ?? []) {
    if (ARCHES_WITHOUT_TABLE.has(name)) {
      log?.debug({ architecture: name }, 'seccomp: no syscall table for this architecture; its syscalls get the bad-architecture action');
      continue;
    }
    const a = ARCHES.get(name)!;
    if (!arches.includes(a)) arches.push(a);
  }

  // Every name the profile mentions, whatever its action: the -ENOSYS stub's horizon (runc).
  const named = [...new Set((seccomp.syscalls ?? []).flatMap((s) => s.names))];
  // Rules per syscall name, in the profile's order.
  const byName = new Map<string, Rule[]>();
  (seccomp.syscalls ?? []).forEach((s) => {
    const action = actionValue(s.action, s.errnoRet);
    if (action === defaultAction) return; // libseccomp refuses a rule that does the default; runc skips it
    for (const name of s.names) {
      if (![...ARCHES.values()].some((a) => name in a.syscalls)) {
        log?.debug({ syscall: name }, 'seccomp: unknown syscall skipped');
        continue;
      }
      const list = byName.get(name) ?? [];
      list.push(...rulesOf(s.args ?? [], action));
      byName.set(name, list);
    }
  });

  // One block per audit arch (x86_64 and x32 share one, told apart by __X32_SYSCALL_BIT).
  const groups = new Map<number, SeccompArch[]>();
  for (const a of arches) groups.set(a.auditArch, [...(groups.get(a.auditArch) ?? []), a]);

  const asm = new Assembler();
  const badArch = asm.newLabel('bad-arch');
  const enosys = asm.newLabel('enosys');
  const stub = wantsEnosysStub(seccomp);
  const blocks = [...groups.entries()].map(([auditArch, members]) => ({ auditArch, members, label: asm.newLabel('arch') }));
  asm.loadAbs(DATA_ARCH);
  for (const b of blocks) asm.jump(BPF.JMP_JEQ_K, b.auditArch, b.label, null);
  asm.ret(BAD_ARCH_ACTION);

  for (const b of blocks) {
    asm.label(b.label);
    asm.loadAbs(DATA_NR);
    const names = new Set(b.members.map((m) => m.name));
    if (names.has('SCMP_ARCH_X86_64') && !names.has('SCMP_ARCH_X32')) asm.jump(BPF.JMP_JGE_K, X32_SYSCALL_BIT, badArch, null);
    if (names.has('SCMP_ARCH_X32') && !names.has('SCMP_ARCH_X86_64')) asm.jump(BPF.JMP_JGE_K, X32_SYSCALL_BIT, null, badArch);
    if (stub) emitEnosysStub(asm, b.members, named, enosys);
    const bits = b.members[0]!.bits;
    const byNr = new Map<number, Rule[]>();
    for (const [name, rules] of byName) {
      for (const m of b.members) {
        const nr = m.syscalls[name];
        if (nr !== undefined && !byNr.has(nr)) byNr.set(nr, rules);
      }
    }
    for (const [nr, rules] of [...byNr.entries()].sort(([x], [y]) => x - y)) {
      const next = asm.newLabel('syscall-next');
      asm.jump(BPF.JMP_JEQ_K, nr, null, next);
      emitSyscall(asm, rules, bits, defaultAction);
      asm.label(next);
    }
    asm.ret(defaultAction);
  }
  asm.label(badArch);
  asm.ret(BAD_ARCH_ACTION);
  if (stub) {
    asm.label(enosys);
    asm.ret(actionValue('SCMP_ACT_ERRNO', ENOSYS));
  }

  let insns;
  try {
    insns = asm.assemble();
  } catch (err) {
    if (err instanceof SeccompProgramTooLongError) throw new RuntimeError('InvalidArgument', `linux.seccomp: ${err.message}`);
    throw err;
  }
  const flags = (seccomp.flags ?? []).reduce((f, name) => f | SECCOMP_FLAGS[name]!, 0);
  return { flags, program: encodeProgram(insns), length: insns.length };
}
