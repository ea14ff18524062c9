import { existsSync, readFileSync } from 'node:fs';
import type { ContainerStatus } from '../spec/types.js';
import type { StoredState } from './store.js';

/** What /proc says about a pid. */
export interface ProcInfo {
  /** Field 3 of /proc/<pid>/stat: R, S, D, Z, T... */
  state: string;
  /** Field 22: start time in clock ticks since boot. */
  startTime: string;
}

/** The facts status is derived from; a real and a fake implementation. */
export interface StatusFacts {
  proc(pid: number): ProcInfo | undefined;
  fifoExists(id: string): boolean;
  /** Is the container's cgroup frozen? Without this fact nothing is ever paused. */
  frozen?(state: Pick<StoredState, 'cgroupsPath'>): boolean;
}

/** Parses /proc/<pid>/stat; the command name may hold spaces and parentheses. */
export function parseProcStat(text: string): ProcInfo | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const rest = text.slice(close + 2).split(' ');
  // rest[0] is field 3 (state); field 22 is rest[19]
  const state = rest[0];
  const startTime = rest[19];
  if (!state || !startTime) return undefined;
  return { state, startTime };
}

export function readProcInfo(pid: number): ProcInfo | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Is `pid` the live process recorded (not a zombie, not a reused pid)? */
export function isAlive(info: ProcInfo | undefined, recordedStartTime: string | undefined): boolean {
  if (!info) return false;
  if (info.state === 'Z' || info.state === 'X' || info.state === 'x') return false;
  return recordedStartTime === undefined || info.startTime === recordedStartTime;
}

/**
 * runc's rule, from facts: no pid yet ⇒ creating; the recorded process alive
 * and the exec fifo present ⇒ created; alive in a frozen cgroup ⇒ paused;
 * alive ⇒ running; otherwise stopped.
 */
export function deriveStatus(state: Pick<StoredState, 'id' | 'pid' | 'pidStartTime' | 'cgroupsPath'>, facts: StatusFacts): ContainerStatus {
  if (!state.pid) return 'creating';
  if (!isAlive(facts.proc(state.pid), state.pidStartTime)) return 'stopped';
  if (facts.fifoExists(state.id)) return 'created';
  return facts.frozen?.(state) ? 'paused' : 'running';
}

export function realFacts(fifoPath: (id: string) => string, frozen?: StatusFacts['frozen']): StatusFacts {
  return { proc: readProcInfo, fifoExists: (id) => existsSync(fifoPath(id)), frozen };
}
