import type { LinuxResources } from '../types.js';
import type { SpecOpt } from './spec-opt.js';

/**
 * Cgroup limits: each section given (memory, cpu, pids, blockIO, ...) is
 * merged field by field into the spec's; device rules are left to withDevices.
 */
export function withResources(resources: Omit<LinuxResources, 'devices'>): SpecOpt {
  return (spec) => {
    const current: Record<string, unknown> = { ...(spec.linux?.resources ?? {}) };
    for (const [key, value] of Object.entries(resources)) {
      if (value === undefined) continue;
      current[key] = typeof value === 'object' && !Array.isArray(value) ? { ...(current[key] as object | undefined), ...value } : value;
    }
    spec.linux = { ...spec.linux, resources: current as LinuxResources };
  };
}
