// Resolves a Docker-format seccomp profile for one container, as dockerd's
// setupSeccomp does: the native architecture's archMap entry, and the syscall
// groups whose includes/excludes match the container's capabilities, the
// architecture and the host's kernel.
import { release } from 'node:os';
import type { LinuxSeccomp } from './types.js';
import type { DockerSeccompFilter, DockerSeccompProfile } from './docker-seccomp-profile.js';
import { defaultSeccompProfile } from './default-seccomp-profile.js';
import { DEFAULT_CAPABILITIES } from './default-spec.js';

export interface SeccompTarget {
  /** The container's bounding capability set (CAP_* names). */
  capabilities: readonly string[];
  /** Go architecture name (amd64, arm64, arm, x86); default: this machine's. */
  arch?: string;
  /** The host kernel's release (uname -r); default: this machine's. */
  kernel?: string;
}

/** Node's process.arch as the Go name Docker profiles use. */
export function profileArch(nodeArch: string = process.arch): string {
  const arch = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: 'x86' }[nodeArch];
  if (!arch) throw new Error(`seccomp: no profile architecture for ${nodeArch}`);
  return arch;
}

/** The libseccomp name of a profile architecture (archMap's key). */
const NATIVE_SCMP_ARCH: Record<string, string> = {
  amd64: 'SCMP_ARCH_X86_64',
  x86: 'SCMP_ARCH_X86',
  arm64: 'SCMP_ARCH_AARCH64',
  arm: 'SCMP_ARCH_ARM',
};

/** [major, minor] of a kernel release such as "6.1.0-18-amd64" or a minKernel such as "4.8". */
function kernelVersion(text: string): [number, number] {
  const m = /^(\d+)\.(\d+)/.exec(text);
  if (!m) throw new Error(`seccomp: cannot read a kernel version from ${JSON.stringify(text)}`);
  return [Number(m[1]), Number(m[2])];
}

function atLeast(kernel: string, min: string): boolean {
  const [a, b] = kernelVersion(kernel);
  const [x, y] = kernelVersion(min);
  return a > x || (a === x && b >= y);
}

const has = (list: readonly string[] | null | undefined) => (list ?? []).length > 0;

function excluded(f: DockerSeccompFilter | undefined, caps: ReadonlySet<string>, arch: string, kernel: string): boolean {
  if (!f) return false;
  if (has(f.arches) && f.arches!.includes(arch)) return true;
  if (has(f.caps) && f.caps!.some((c) => caps.has(c))) return true;
  return !!f.minKernel && atLeast(kernel, f.minKernel);
}

function included(f: DockerSeccompFilter | undefined, caps: ReadonlySet<string>, arch: string, kernel: string): boolean {
  if (!f) return true;
  if (has(f.arches) && !f.arches!.includes(arch)) return false;
  if (has(f.caps) && !f.caps!.every((c) => caps.has(c))) return false;
  return !f.minKernel || atLeast(kernel, f.minKernel);
}

/** The OCI linux.seccomp of a container under `profile` (validate the profile first: dockerSeccompProblems). */
export function seccompForContainer(profile: DockerSeccompProfile, target: SeccompTarget): LinuxSeccomp {
  const arch = target.arch ?? profileArch();
  const kernel = target.kernel ?? release();
  const caps = new Set(target.capabilities);
  const native = NATIVE_SCMP_ARCH[arch];
  const architectures = [...(profile.architectures ?? [])];
  for (const entry of profile.archMap ?? []) {
    if (entry.architecture === native) architectures.push(entry.architecture, ...(entry.subArchitectures ?? []));
  }
  const seccomp: LinuxSeccomp = { defaultAction: profile.defaultAction, architectures, syscalls: [] };
  if (profile.defaultErrnoRet !== undefined) seccomp.defaultErrnoRet = profile.defaultErrnoRet;
  if (profile.flags?.length) seccomp.flags = [...profile.flags];
  if (profile.listenerPath) seccomp.listenerPath = profile.listenerPath;
  if (profile.listenerMetadata) seccomp.listenerMetadata = profile.listenerMetadata;
  for (const s of profile.syscalls ?? []) {
    if (excluded(s.excludes, caps, arch, kernel) || !included(s.includes, caps, arch, kernel)) continue;
    const names = s.name ? [s.name] : [...(s.names ?? [])];
    const syscall: NonNullable<LinuxSeccomp['syscalls']>[number] = { names, action: s.action };
    if (s.errnoRet !== undefined) syscall.errnoRet = s.errnoRet;
    if (s.args?.length) syscall.args = s.args.map((a) => ({ ...a }));
    seccomp.syscalls!.push(syscall);
  }
  return seccomp;
}

/** The filter of a default container on this machine: Docker's default profile with Docker's default capabilities. */
export function defaultContainerSeccomp(): LinuxSeccomp {
  return seccompForContainer(defaultSeccompProfile(), { capabilities: DEFAULT_CAPABILITIES });
}
