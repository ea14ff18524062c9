import { DeferredAttach, type AttachOptions, type AttachSession } from '@ce/protocol';
import type { TaskStdio } from '../io/stdio-hub.js';
import { monitorRequest } from './monitor-client.js';
import { MonitorStdio } from './monitor-stdio.js';

/**
 * An exec's stdio under a ce-monitor of its own (decision 0029). An exec runs
 * as soon as it is started, and is attached before that: such sessions are
 * held (DeferredAttach) until its monitor exists, then each becomes a
 * connection to the monitor, which reads none of the exec's output until they
 * are all in place and it is released (`--hold-output`). From then on this is
 * the monitor's MonitorStdio.
 */
export class ExecMonitorStdio implements TaskStdio {
  private monitor: MonitorStdio | undefined;
  private readonly pending = new Set<DeferredAttach>();
  private abandoned = false;
  private stdinClosed = false;
  private size: { width: number; height: number } | undefined;

  attach(options: AttachOptions): AttachSession {
    if (this.monitor) return this.monitor.attach(options);
    const deferred: DeferredAttach = new DeferredAttach(options, () => this.pending.delete(deferred));
    if (this.abandoned) deferred.abandon();
    else this.pending.add(deferred);
    return deferred;
  }

  /** The exec started under the monitor at `socket`: joins the held sessions to it, then releases its output. */
  async connect(socket: string, done: Promise<void>): Promise<void> {
    const monitor = new MonitorStdio(socket, done);
    this.monitor = monitor;
    const pending = [...this.pending];
    this.pending.clear();
    let closeStdin = this.stdinClosed;
    // A CloseIO before the start goes after the stdin a session held, on that session's own connection (in order).
    const writer = pending.find((d) => d.options.stdin && !d.isClosed);
    if (closeStdin && writer) {
      writer.closeStdin();
      closeStdin = false;
    }
    await Promise.all(pending.map((d) => d.connect(monitor.attach(d.options))));
    if (closeStdin) await monitor.closeStdin();
    if (this.size) await monitor.resize(this.size.width, this.size.height);
    // A monitor that is gone (it died) is the caller's to learn from the exit.
    await monitorRequest(socket, 'release').catch(() => undefined);
  }

  whenDrained(): Promise<void> {
    return this.monitor?.whenDrained() ?? Promise.resolve();
  }

  abandon(): void {
    this.abandoned = true;
    for (const d of this.pending) d.abandon();
    this.pending.clear();
  }

  async resize(width: number, height: number): Promise<void> {
    if (this.monitor) await this.monitor.resize(width, height);
    else this.size = { width, height };
  }

  async closeStdin(): Promise<void> {
    if (this.monitor) await this.monitor.closeStdin();
    else this.stdinClosed = true;
  }
}
