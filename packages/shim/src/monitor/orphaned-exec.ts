import { readFileSync } from 'node:fs';
import { waitPid } from '@ce/native';

function parentOf(pid: number): number | undefined {
  try {
    return Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  } catch {
    return undefined;
  }
}

/**
 * Kills an exec whose ce-monitor died: nobody holds its stdio or will report
 * its exit. An orphan comes to this process when it started the monitor (a
 * subreaper): it is then reaped here too, as a zombie left in the container's
 * pid namespace would keep its init from ever finishing its exit. Otherwise it
 * is killed only while it is one of the container's processes
 * (`containerPids`): its pid may be another process's by now.
 */
export async function killOrphanedExec(pid: number, containerPids: () => Promise<number[]>): Promise<void> {
  const ours = parentOf(pid) === process.pid;
  if (!ours && !(await containerPids().catch(() => [] as number[])).includes(pid)) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return; // gone meanwhile
  }
  if (ours) await waitPid(pid).catch(() => undefined);
}
