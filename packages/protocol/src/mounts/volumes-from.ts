// --volumes-from container[:mode] (moby's linuxParser.ParseVolumesFrom).
import { invalidArgument } from '../errors/index.js';
import { invalidMode } from './errors.js';
import { isValidMountMode } from './volume-spec.js';
import { PROPAGATION_MODES } from './types.js';

/** The container and the mode (rw unless given); propagation and copy modes are refused, as Docker does. */
export function parseVolumesFrom(spec: string): { container: string; mode: string } {
  if (spec === '') throw invalidArgument('volumes-from specification cannot be an empty string');
  const colon = spec.indexOf(':');
  if (colon < 0) return { container: spec, mode: 'rw' };
  const mode = spec.slice(colon + 1);
  const words = mode.split(',');
  if (!isValidMountMode(mode) || words.some((w) => (PROPAGATION_MODES as readonly string[]).includes(w) || w === 'nocopy')) throw invalidMode(mode);
  return { container: spec.slice(0, colon), mode };
}

/** Whether a mode lets a mount stay writable (anything without ro). */
export function modeIsWritable(mode: string): boolean {
  return !mode.split(',').includes('ro');
}
