// The architectures a filter can check (seccomp_data.arch), as libseccomp names them.
import { SYSCALL_TABLES } from './syscall-tables.js';

const AUDIT_ARCH_64BIT = 0x80000000;
const AUDIT_ARCH_LE = 0x40000000;
/** x32 shares x86_64's audit arch; its syscall numbers carry this bit. */
export const X32_SYSCALL_BIT = 0x40000000;

export interface SeccompArch {
  /** libseccomp's name, e.g. SCMP_ARCH_X86_64. */
  name: string;
  /** AUDIT_ARCH_* (linux/audit.h): what the kernel puts in seccomp_data.arch. */
  auditArch: number;
  /** Argument width: on 32-bit architectures only the low half of an argument is compared (as libseccomp does). */
  bits: 32 | 64;
  syscalls: Readonly<Record<string, number>>;
}

function arch(name: string, elfMachine: number, bits: 32 | 64, table: string): SeccompArch {
  const auditArch = (elfMachine | AUDIT_ARCH_LE | (bits === 64 ? AUDIT_ARCH_64BIT : 0)) >>> 0;
  return { name, auditArch, bits, syscalls: SYSCALL_TABLES[table]! };
}

/** The architectures with syscall tables (ELF machine numbers from linux/elf-em.h). */
export const ARCHES: ReadonlyMap<string, SeccompArch> = new Map(
  [
    arch('SCMP_ARCH_X86_64', 62, 64, 'x86_64'),
    arch('SCMP_ARCH_X86', 3, 32, 'x86'),
    arch('SCMP_ARCH_X32', 62, 64, 'x32'),
    arch('SCMP_ARCH_AARCH64', 183, 64, 'aarch64'),
    arch('SCMP_ARCH_ARM', 40, 32, 'arm'),
  ].map((a) => [a.name, a]),
);

/**
 * Architectures the runtime-spec lists that ce has no syscall table for. A
 * profile may name them (Docker's profiles list every architecture of a
 * family); they are left out of the filter, so their syscalls get the
 * bad-architecture action, as on a libseccomp that does not know them.
 */
export const ARCHES_WITHOUT_TABLE: ReadonlySet<string> = new Set([
  'SCMP_ARCH_MIPS',
  'SCMP_ARCH_MIPS64',
  'SCMP_ARCH_MIPS64N32',
  'SCMP_ARCH_MIPSEL',
  'SCMP_ARCH_MIPSEL64',
  'SCMP_ARCH_MIPSEL64N32',
  'SCMP_ARCH_PPC',
  'SCMP_ARCH_PPC64',
  'SCMP_ARCH_PPC64LE',
  'SCMP_ARCH_S390',
  'SCMP_ARCH_S390X',
  'SCMP_ARCH_PARISC',
  'SCMP_ARCH_PARISC64',
  'SCMP_ARCH_RISCV64',
  'SCMP_ARCH_LOONGARCH64',
  'SCMP_ARCH_M68K',
  'SCMP_ARCH_SH',
  'SCMP_ARCH_SHEB',
]);

/** The architecture of this Node process, which every filter includes (libseccomp's native arch). */
export function nativeArch(nodeArch: string = process.arch): SeccompArch {
  const name = { x64: 'SCMP_ARCH_X86_64', ia32: 'SCMP_ARCH_X86', arm64: 'SCMP_ARCH_AARCH64', arm: 'SCMP_ARCH_ARM' }[nodeArch];
  const a = name ? ARCHES.get(name) : undefined;
  if (!a) throw new Error(`seccomp: no syscall table for this machine's architecture (${nodeArch})`);
  return a;
}
