import type { ExitInfo } from '../init-process.js';

/** Signals runc forwards to the container's process while it waits for it (runc's signalHandler). */
const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH', 'SIGCONT', 'SIGTSTP', 'SIGTTIN', 'SIGTTOU'];

/** Waits for a process run in the foreground, passing it the signals ce-runc receives; resolves with its exit status. */
export async function waitForeground(pid: number, exited: Promise<ExitInfo>): Promise<number> {
  const forward = (sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig);
    } catch {
      // it exited meanwhile
    }
  };
  for (const s of FORWARDED) process.on(s, forward);
  try {
    return (await exited).exitStatus;
  } finally {
    for (const s of FORWARDED) process.off(s, forward);
  }
}
