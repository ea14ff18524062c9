// Each setup step pushes its undo; when a later step fails, the undos run in
// reverse and the first error is rethrown, so nothing is left half-done.
import type { Logger } from '@ce/protocol';

export class UndoStack {
  private readonly undos: Array<{ what: string; undo: () => Promise<unknown> }> = [];

  constructor(private readonly log?: Logger) {}

  push(what: string, undo: () => Promise<unknown>): void {
    this.undos.push({ what, undo });
  }

  /** Runs every undo, newest first; an undo that fails is logged and the rest still run. */
  async unwind(): Promise<void> {
    for (const { what, undo } of this.undos.reverse()) {
      try {
        await undo();
      } catch (err) {
        this.log?.warn({ err }, `undo of "${what}" failed`);
      }
    }
    this.undos.length = 0;
  }

  /** Runs `steps` with this stack; on failure unwinds and rethrows. */
  async guard<T>(steps: () => Promise<T>): Promise<T> {
    try {
      return await steps();
    } catch (err) {
      await this.unwind();
      throw err;
    }
  }
}
