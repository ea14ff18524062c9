// docker run --tmpfs /path[:options] (HostConfig.Tmpfs) and the daemon's check of its paths.
import { invalidArgument } from '../errors/index.js';
import { destinationProblem } from './paths.js';

/** --tmpfs values as HostConfig.Tmpfs: destination → mount options ('' for none); the CLI does not check them. */
export function tmpfsFlags(values: readonly string[]): Record<string, string> {
  const tmpfs: Record<string, string> = {};
  for (const value of values) {
    const colon = value.indexOf(':');
    if (colon < 0) tmpfs[value] = '';
    else tmpfs[value.slice(0, colon)] = value.slice(colon + 1);
  }
  return tmpfs;
}

/** Throws Docker's error for a HostConfig.Tmpfs destination that is not absolute, or is "/". */
export function validateTmpfsDestination(destination: string): void {
  const problem = destinationProblem(destination);
  if (problem) throw invalidArgument(problem);
}
