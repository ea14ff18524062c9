// Kernel settings under /proc/sys, in ced's network namespace or in a
// pinned one. /proc/sys/net shows the namespace of the process that opens
// it, so inside a pinned namespace a short nsenter'd process reads or writes.
import { readFile, writeFile } from 'node:fs/promises';
import type { CommandRunner } from './command.js';

export interface Sysctls {
  /** `path` under /proc/sys, e.g. 'net/ipv4/ip_forward'; null when the setting does not exist. */
  read(path: string): Promise<string | null>;
  write(path: string, value: string): Promise<void>;
}

function checkPath(path: string): string {
  if (!/^[A-Za-z0-9_./-]+$/.test(path) || path.split('/').includes('..')) throw new Error(`invalid sysctl path ${JSON.stringify(path)}`);
  return `/proc/sys/${path}`;
}

export function procSysctls(netns: string | undefined, runner: CommandRunner): Sysctls {
  if (!netns) {
    return {
      async read(path) {
        try {
          return (await readFile(checkPath(path), 'utf8')).trim();
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
          throw err;
        }
      },
      write: (path, value) => writeFile(checkPath(path), value),
    };
  }
  return {
    async read(path) {
      const out = await runner.run(['sh', '-c', 'if [ -e "$1" ]; then cat "$1"; else echo "<absent>"; fi', 'sh', checkPath(path)]);
      return out.trim() === '<absent>' ? null : out.trim();
    },
    async write(path, value) {
      await runner.run(['sh', '-c', 'printf %s "$2" > "$1"', 'sh', checkPath(path), value]);
    },
  };
}
