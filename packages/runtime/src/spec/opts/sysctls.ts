import type { SpecOpt } from './spec-opt.js';

/** Sets namespaced sysctls (net.*, kernel.shm*, ...); the values given replace the spec's. */
export function withSysctls(sysctls: Record<string, string>): SpecOpt {
  return (spec) => {
    spec.linux = { ...spec.linux, sysctl: { ...(spec.linux?.sysctl ?? {}), ...sysctls } };
  };
}

/** Sets sysctls only where the spec has none yet: defaults that a caller's own sysctls win over. */
export function withDefaultSysctls(sysctls: Record<string, string>): SpecOpt {
  return (spec) => {
    spec.linux = { ...spec.linux, sysctl: { ...sysctls, ...(spec.linux?.sysctl ?? {}) } };
  };
}
