import type { Mount } from '../types.js';
import type { SpecOpt } from './spec-opt.js';

/**
 * Adds mounts after the spec's own; a mount at a destination the spec already
 * mounts replaces that one (as a Docker volume on /dev/shm replaces the default).
 */
export function withMounts(mounts: readonly Mount[]): SpecOpt {
  for (const m of mounts) {
    if (!m.destination.startsWith('/')) throw new Error(`withMounts: the destination '${m.destination}' is not an absolute path`);
  }
  return (spec) => {
    const given = new Set(mounts.map((m) => m.destination));
    spec.mounts = [...(spec.mounts ?? []).filter((m) => !given.has(m.destination)), ...mounts.map((m) => ({ ...m, options: m.options && [...m.options] }))];
  };
}
