/** Signals runc forwards to the container's process while it waits for it (runc's signalHandler). */
const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH', 'SIGCONT', 'SIGTSTP', 'SIGTTIN', 'SIGTTOU'];

/**
 * Passes the signals ce-runc receives to the process it runs in the
 * foreground. Installed before the process starts (a signal arriving between
 * start and the wait must not kill ce-runc instead); signals that come before
 * the pid is known are kept and delivered once it is.
 */
export class SignalForwarder {
  private pid = 0;
  private readonly pending: NodeJS.Signals[] = [];
  private readonly handler = (sig: NodeJS.Signals) => {
    if (this.pid) this.send(sig);
    else this.pending.push(sig);
  };

  constructor() {
    for (const s of FORWARDED) process.on(s, this.handler);
  }

  private send(sig: NodeJS.Signals): void {
    try {
      process.kill(this.pid, sig);
    } catch {
      // it exited meanwhile
    }
  }

  target(pid: number): void {
    this.pid = pid;
    for (const sig of this.pending.splice(0)) this.send(sig);
  }

  stop(): void {
    for (const s of FORWARDED) process.off(s, this.handler);
  }
}
