import { withMounts } from './mounts.js';
import type { SpecOpt } from './spec-opt.js';

/** Host paths of the files that stand in for the image's own /etc/resolv.conf, /etc/hostname and /etc/hosts. */
export interface HostsFiles {
  resolvConf?: string;
  hostname?: string;
  hosts?: string;
}

/**
 * Bind-mounts the engine's own resolv.conf, hostname and hosts files over the
 * image's, as Docker 20.10 does (in that order, rbind, rprivate; read-only
 * with `readonly`, as under --read-only: seen in a container's mountinfo).
 * The files must exist before the container starts.
 */
export function withHostsFiles(files: HostsFiles, readonly = false): SpecOpt {
  const targets: [keyof HostsFiles, string][] = [
    ['resolvConf', '/etc/resolv.conf'],
    ['hostname', '/etc/hostname'],
    ['hosts', '/etc/hosts'],
  ];
  for (const [key] of targets) {
    const source = files[key];
    if (source !== undefined && !source.startsWith('/')) throw new Error(`withHostsFiles: the ${key} file '${source}' is not an absolute host path`);
  }
  const options = readonly ? ['rbind', 'rprivate', 'ro'] : ['rbind', 'rprivate'];
  return withMounts(targets.filter(([key]) => files[key] !== undefined).map(([key, destination]) => ({ destination, type: 'bind', source: files[key]!, options })));
}
