import { createHash } from 'node:crypto';
import { join } from 'node:path';

/**
 * Where an exec's ce-monitor lives (decision 0029): its socket beside the
 * task's in the monitor folder, named by a hash (an exec id and a task id
 * together would not fit a unix socket's 107 bytes), and the folder of its
 * exit status and diagnostics in the task's bundle.
 */
export function execMonitorPaths(monitorDir: string, bundle: string, id: string, execId: string): { socket: string; exitDir: string } {
  const key = createHash('sha256').update(`${id}\0${execId}`).digest('hex').slice(0, 20);
  return { socket: join(monitorDir, `${key}.exec.mon`), exitDir: join(bundle, EXECS_DIR, key) };
}

/** The folder in a task's bundle that holds its execs' exit status folders. */
export const EXECS_DIR = 'execs';
