import type { POSIXRlimit } from '../types.js';
import { processOf } from './process.js';
import type { SpecOpt } from './spec-opt.js';

/** Sets resource limits (RLIMIT_NOFILE, ...); a limit of a type the spec has replaces it, others stay. */
export function withRlimits(rlimits: readonly POSIXRlimit[]): SpecOpt {
  for (const r of rlimits) {
    if (!r.type.startsWith('RLIMIT_')) throw new Error(`withRlimits: unknown rlimit type ${JSON.stringify(r.type)} (expected RLIMIT_*)`);
    if (r.soft > r.hard) throw new Error(`withRlimits: ${r.type} soft limit ${r.soft} is above its hard limit ${r.hard}`);
  }
  return (spec) => {
    const proc = processOf(spec);
    const given = new Set(rlimits.map((r) => r.type));
    proc.rlimits = [...(proc.rlimits ?? []).filter((r) => !given.has(r.type)), ...rlimits.map((r) => ({ ...r }))];
  };
}
