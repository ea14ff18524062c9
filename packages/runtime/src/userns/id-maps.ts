import { writeFileSync } from 'node:fs';
import { RuntimeError } from '../errors.js';
import type { LinuxIDMapping } from '../spec/types.js';

/** The text of /proc/<pid>/uid_map or gid_map: one "inside outside count" line per mapping. */
export function idMapText(mappings: readonly LinuxIDMapping[]): string {
  return mappings.map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join('');
}

/**
 * Writes the id maps of the user namespace that process `pid` just
 * unshared. Each file takes a single write(2), once; setgroups stays allowed
 * (we write as root of the parent namespace), so the container may set its
 * supplementary groups.
 */
export function writeIdMaps(pid: number, uidMappings: readonly LinuxIDMapping[], gidMappings: readonly LinuxIDMapping[]): void {
  for (const [file, field, maps] of [
    ['uid_map', 'linux.uidMappings', uidMappings],
    ['gid_map', 'linux.gidMappings', gidMappings],
  ] as const) {
    const path = `/proc/${pid}/${file}`;
    try {
      writeFileSync(path, idMapText(maps));
    } catch (err) {
      throw new RuntimeError('InvalidArgument', `${field}: write ${path}: ${(err as Error).message}`, { cause: err });
    }
  }
}
