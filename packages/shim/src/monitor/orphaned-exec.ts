import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitPid } from '@ce/native';

/** How long an orphan may wait to be reparented from its dying monitor. */
const REPARENT_WAIT_MS = 1000;
const REPARENT_POLL_MS = 5;

/** What killOrphanedExec reads of the system and does to it (real ones by default; fakes in tests). */
export interface OrphanSystem {
  /** The process's parent, undefined when the process is gone. */
  parentOf(pid: number): number | undefined;
  /** Is the process exiting or gone (a zombie, or no more)? */
  isDying(pid: number): boolean;
  kill(pid: number): void;
  reap(pid: number): Promise<void>;
  self: number;
}

function status(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
}

const realSystem: OrphanSystem = {
  parentOf: (pid) => {
    const ppid = /^PPid:\s+(\d+)/m.exec(status(pid) ?? '')?.[1];
    return ppid === undefined ? undefined : Number(ppid);
  },
  isDying: (pid) => {
    const text = status(pid);
    return text === undefined || /^State:\s+[ZX]/m.test(text);
  },
  kill: (pid) => process.kill(pid, 'SIGKILL'),
  reap: (pid) => waitPid(pid).then(() => undefined),
  self: process.pid,
};

/**
 * Kills an exec whose ce-monitor died: nobody holds its stdio or will report
 * its exit. An orphan comes to this process when it started the monitor (a
 * subreaper): it is then reaped here too, as a zombie left in the container's
 * pid namespace would keep its init from ever finishing its exit. The monitor's
 * socket closes before the kernel hands its children on, so the orphan may
 * still name its dying monitor as parent for a moment: that is waited out.
 * Otherwise it is killed only while it is one of the container's processes
 * (`containerPids`): its pid may be another process's by now.
 */
export async function killOrphanedExec(pid: number, containerPids: () => Promise<number[]>, system: OrphanSystem = realSystem): Promise<void> {
  let parent = system.parentOf(pid);
  for (const deadline = Date.now() + REPARENT_WAIT_MS; parent !== undefined && parent !== system.self && system.isDying(parent) && Date.now() < deadline; ) {
    await sleep(REPARENT_POLL_MS);
    parent = system.parentOf(pid);
  }
  if (parent === undefined) return; // gone already
  const ours = parent === system.self;
  if (!ours && !(await containerPids().catch(() => [] as number[])).includes(pid)) return;
  try {
    system.kill(pid);
  } catch {
    return; // gone meanwhile
  }
  if (ours) await system.reap(pid).catch(() => undefined);
}
