import type { AttachOptions, AttachSession, OutputChunk } from './attach.js';

/**
 * An attach to a process that does not run yet (docker run attaches before
 * it starts; so does an exec). ced holds it and, at start, connects it to the task's real
 * session before the process is released, so no output is lost; the shim
 * does the same for an exec under ce-monitor. Output is read straight from
 * the real session, so its back-pressure reaches the process.
 */
export class DeferredAttach implements AttachSession {
  readonly ready = Promise.resolve();
  readonly output: AsyncIterable<OutputChunk>;
  private real: AttachSession | undefined;
  private pendingStdin: Buffer[] = [];
  private stdinClosed = false;
  /** The viewer's terminal size, given before the process runs: its pty has it from the start. */
  private pendingSize: { width: number; height: number } | undefined;
  private closed = false;
  private settle!: (real: AttachSession | undefined, error?: unknown) => void;
  private readonly connected: Promise<AttachSession | undefined>;

  /** `options`: what the viewer asked to attach, for the session made at start. */
  constructor(
    readonly options: AttachOptions,
    private readonly onClose: () => void,
  ) {
    this.connected = new Promise((resolve, reject) => {
      this.settle = (real, error) => (error ? reject(error) : resolve(real));
    });
    this.connected.catch(() => undefined);
    const connected = this.connected;
    this.output = {
      async *[Symbol.asyncIterator]() {
        const real = await connected;
        if (real) yield* real.output;
      },
    };
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Joins the task's session. A viewer that went away meanwhile only ends its
   * own attach: it never fails the container's start.
   */
  async connect(real: AttachSession): Promise<void> {
    if (this.closed) return real.close();
    try {
      await real.ready;
    } catch {
      real.close();
      this.close();
      return;
    }
    this.real = real;
    if (this.pendingSize) real.resize(this.pendingSize.width, this.pendingSize.height);
    for (const data of this.pendingStdin.splice(0)) real.writeStdin(data);
    if (this.stdinClosed) real.closeStdin();
    this.settle(real);
  }

  /** The container will not run (its start failed): end the session. */
  abandon(error?: unknown): void {
    this.settle(undefined, error);
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
    if (this.real) this.real.resize(width, height);
    else this.pendingSize = { width, height };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.real?.close();
    this.settle(undefined);
    this.onClose();
  }
}
