import { OutputQueue, type AttachSession, type OutputChunk } from '@ce/protocol';

/**
 * An attach to a container that has no task yet (docker run attaches before
 * it starts). ced holds it and, at start, connects it to the task's real
 * session before the process is released, so no output is lost.
 */
export class DeferredAttach implements AttachSession {
  readonly ready = Promise.resolve();
  readonly output = new OutputQueue<OutputChunk>();
  private real: AttachSession | undefined;
  private pendingStdin: Buffer[] = [];
  private stdinClosed = false;
  private closed = false;

  constructor(private readonly onClose: () => void) {}

  get isClosed(): boolean {
    return this.closed;
  }

  /** Joins the task's session; output flows from it until it ends. */
  async connect(real: AttachSession): Promise<void> {
    if (this.closed) return real.close();
    this.real = real;
    await real.ready;
    for (const data of this.pendingStdin.splice(0)) real.writeStdin(data);
    if (this.stdinClosed) real.closeStdin();
    void (async () => {
      try {
        for await (const chunk of real.output) this.output.push(chunk);
        this.output.end();
      } catch (err) {
        this.output.end(err);
      }
    })();
  }

  /** The container will not run (its start failed): end the session. */
  abandon(error?: unknown): void {
    this.output.end(error);
  }

  writeStdin(data: Buffer): void {
    if (this.real) this.real.writeStdin(data);
    else this.pendingStdin.push(data);
  }

  closeStdin(): void {
    if (this.real) this.real.closeStdin();
    else this.stdinClosed = true;
  }

  resize(width: number, height: number): void {
    this.real?.resize(width, height);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.real?.close();
    this.output.end();
    this.onClose();
  }
}
