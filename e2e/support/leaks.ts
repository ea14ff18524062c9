import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Mount points at or below `dir`. */
export function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((p): p is string => !!p && (p === dir || p.startsWith(`${dir}/`)));
}

/** Processes whose command line mentions `text` (a test's temporary folder). */
export function processesMentioning(text: string, exceptPids: number[] = []): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    if (exceptPids.includes(Number(pid)) || Number(pid) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(text)) found.push(`${pid}: ${cmd}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** cgroups that the engine created for these container ids, on any hierarchy. */
export function cgroupsFor(ids: string[]): string[] {
  const found: string[] = [];
  const base = '/sys/fs/cgroup';
  const hierarchies = existsSync(join(base, 'cgroup.controllers')) ? [''] : readdirSync(base);
  for (const h of hierarchies) {
    const dir = join(base, h, 'ce');
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir)) if (ids.some((id) => entry.includes(id))) found.push(join(dir, entry));
  }
  return found;
}

/** Files left in a folder (sockets, logs), empty when the folder is gone. */
export function filesIn(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir) : [];
}
