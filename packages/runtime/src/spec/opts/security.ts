// The security concern of a spec: capabilities, no_new_privs, seccomp, the
// masked and read-only paths of /proc and /sys, and what --privileged lifts.
import type { LinuxSeccomp } from '../types.js';
import { processOf } from './process.js';
import type { SpecOpt } from './spec-opt.js';

/** The bounding, effective and permitted sets (CAP_* names); inheritable and ambient stay empty, as Docker leaves them. */
export function withCapabilities(caps: readonly string[]): SpecOpt {
  for (const c of caps) if (!c.startsWith('CAP_')) throw new Error(`withCapabilities: ${JSON.stringify(c)} is not a CAP_* name`);
  return (spec) => {
    processOf(spec).capabilities = { bounding: [...caps], effective: [...caps], permitted: [...caps] };
  };
}

/** The no_new_privs bit: setuid binaries and file capabilities then give nothing. */
export function withNoNewPrivileges(on: boolean): SpecOpt {
  return (spec) => {
    processOf(spec).noNewPrivileges = on;
  };
}

/** A resolved seccomp filter (seccompForContainer), or none with `undefined` (unconfined). */
export function withSeccomp(seccomp: LinuxSeccomp | undefined): SpecOpt {
  return (spec) => {
    const linux = { ...spec.linux };
    delete linux.seccomp;
    if (seccomp) linux.seccomp = seccomp;
    spec.linux = linux;
  };
}

/** The paths a container sees as empty (over /proc and /sys files that leak host state). */
export function withMaskedPaths(paths: readonly string[]): SpecOpt {
  return (spec) => {
    spec.linux = { ...spec.linux, maskedPaths: [...paths] };
  };
}

/** The paths a container sees read-only. */
export function withReadonlyPaths(paths: readonly string[]): SpecOpt {
  return (spec) => {
    spec.linux = { ...spec.linux, readonlyPaths: [...paths] };
  };
}

/** /sys and the mounts under it (the cgroup fs) mounted read-write, as --privileged mounts them. */
export function withWritableSysfs(): SpecOpt {
  return (spec) => {
    spec.mounts = spec.mounts?.map((m) =>
      m.destination === '/sys' || m.destination.startsWith('/sys/') ? { ...m, options: m.options?.filter((o) => o !== 'ro') } : m,
    );
  };
}
