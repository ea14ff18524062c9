import { existsSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';

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

function readdirOrNone(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** cgroups that the engine created for these container ids, on any hierarchy. */
export function cgroupsFor(allIds: string[]): string[] {
  const ids = allIds.filter(Boolean); // an empty id would match every cgroup
  const found: string[] = [];
  const base = '/sys/fs/cgroup';
  const hierarchies = existsSync(join(base, 'cgroup.controllers')) ? [''] : readdirSync(base);
  for (const h of hierarchies) {
    const dir = join(base, h, 'ce');
    if (!existsSync(dir)) continue;
    // <h>/ce/<namespace>/<id>; older ced: <h>/ce/<id>.
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      if (ids.some((id) => entry.name.includes(id))) found.push(join(dir, entry.name));
      // Another daemon's run may remove its namespace folder meanwhile.
      else for (const sub of readdirOrNone(join(dir, entry.name))) if (ids.some((id) => sub.includes(id))) found.push(join(dir, entry.name, sub));
    }
  }
  return found;
}

/**
 * The shims that stand while ced runs, whatever it runs: not leaks. With a
 * shim per container, the supervisor keeps one idle shim started ahead of
 * need; a process is that spare while its log still has the spare's name (the
 * supervisor creates the log before the shim starts, and renames it with the
 * socket when it gives the shim a task; the command line stays as it was). In
 * host mode (ced's default), the shim host serves every container and stays.
 */
export const notStandingShimProcess = (entry: string): boolean => {
  if (/ce-shim\S* .*--host\b/.test(entry)) return false;
  const log = /--log (\S+)/.exec(entry)?.[1];
  return !(log && log.includes('/.spare-') && existsSync(log));
};

/**
 * The standing shims' files in the shims folder (the spare's socket and log,
 * the host's), and a socket being bound: serveUnix binds under `.b<8 hex>` and
 * renames it into place at once.
 */
export const notStandingShimFile = (name: string): boolean => !name.startsWith('.spare-') && name !== 'host.sock' && name !== 'host.log' && !/^\.b[0-9a-f]{8}$/.test(name);

/** Files left in a folder (sockets, logs), empty when the folder is gone. */
export function filesIn(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir) : [];
}

/**
 * Last resort after a failed test: kills processes that mention `dir` (and
 * their containers' cgroups), unmounts what is mounted below it. Whatever it
 * had to do is a leak the assertions report separately.
 */
export function sweep(dir: string): void {
  for (const line of processesMentioning(dir)) {
    try {
      process.kill(Number(line.split(':')[0]), 'SIGKILL');
    } catch {
      // gone
    }
  }
  // The containers a test daemon knew of: their processes and cgroups. The CRI's pods and containers are
  // <id>.json records, and a task without a record (a RunPodSandbox cut short) still has its runtime folder.
  const records = (folder: string) => filesIn(join(dir, folder)).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length));
  const ids = [
    ...filesIn(join(dir, 'root/containers')),
    ...filesIn(join(dir, 'state/tasks')),
    ...records('root/cri/sandboxes'),
    ...records('root/cri/containers'),
    ...filesIn(join(dir, 'state/runtime')),
  ];
  for (const cg of cgroupsFor(ids)) {
    for (const p of readFileSync(join(cg, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) {
      try {
        process.kill(Number(p), 'SIGKILL');
      } catch {
        // gone
      }
    }
    for (let i = 0; i < 100; i++) {
      try {
        rmdirSync(cg);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EBUSY') break;
        execFileSync('sleep', ['0.01']);
      }
    }
    // As the runtime prunes after a delete: the namespace folder and the shared "ce" parent, while empty.
    const ceFolder = cg.slice(0, cg.lastIndexOf('/ce/') + '/ce'.length);
    for (let d = dirname(cg); d.length >= ceFolder.length; d = dirname(d)) {
      try {
        rmdirSync(d);
      } catch {
        break; // in use by another daemon's containers, or gone
      }
    }
  }
  for (const point of mountsUnder(dir).sort((a, b) => b.length - a.length)) {
    execFileSync('umount', ['-l', point]);
  }
}
