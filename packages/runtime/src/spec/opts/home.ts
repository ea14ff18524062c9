import { withHomeEnv } from '../home-env.js';
import { processOf } from './process.js';
import type { SpecOpt } from './spec-opt.js';

/**
 * runc's rule as an option: when the environment has no HOME, adds the home
 * of the process's uid from the container's /etc/passwd ("/" if it has none).
 * Reads ctx.rootfs, so the spec must be built with buildSpec.
 */
export function withHomeFromPasswd(): SpecOpt {
  return async (spec, ctx) => {
    if (!ctx.rootfs) throw new Error('withHomeFromPasswd: the spec context has no rootfs to read /etc/passwd from');
    const proc = processOf(spec);
    proc.env = (await withHomeEnv(proc, ctx.rootfs)).env;
  };
}
