/** Bytes of a layer that may wait between its download and its extraction before the download waits. */
export const LAYER_FEED_HIGH_WATER = 4 << 20;

/**
 * A layer's bytes handed from its download to its extraction, in order, as
 * they are written to the ingest. write() resolves once the queue is below its
 * high-water mark, so a slow extraction slows its download and memory stays
 * bounded. Once the reader stops (the extraction failed), writes are dropped:
 * the download goes on into the ingest, so its digest still gets checked.
 */
export class LayerFeed implements AsyncIterable<Buffer> {
  private chunks: Buffer[] = [];
  private queued = 0;
  private ended = false;
  private failure: { err: unknown } | undefined;
  private stopped = false;
  private wakeReader: (() => void) | undefined;
  private wakeWriter: (() => void) | undefined;

  constructor(private readonly highWater = LAYER_FEED_HIGH_WATER) {}

  async write(chunk: Buffer): Promise<void> {
    if (this.stopped || this.ended) return;
    this.chunks.push(chunk);
    this.queued += chunk.length;
    this.wake('reader');
    while (this.queued > this.highWater && !this.stopped && !this.failure) {
      await new Promise<void>((resolve) => (this.wakeWriter = resolve));
    }
  }

  /** Every byte has been written. */
  end(): void {
    this.ended = true;
    this.wake('reader');
  }

  /** The download failed: the reader gets `err` at its next read, whatever is still queued. */
  fail(err: unknown): void {
    if (this.ended && !this.chunks.length) return;
    this.failure ??= { err };
    this.ended = true;
    this.wake('reader');
    this.wake('writer');
  }

  private wake(who: 'reader' | 'writer'): void {
    const fn = who === 'reader' ? this.wakeReader : this.wakeWriter;
    if (who === 'reader') this.wakeReader = undefined;
    else this.wakeWriter = undefined;
    fn?.();
  }

  private stop(): void {
    this.stopped = true;
    this.chunks = [];
    this.queued = 0;
    this.wake('writer');
    this.wake('reader');
  }

  [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    const next = async (): Promise<IteratorResult<Buffer>> => {
      for (;;) {
        if (this.stopped) return { value: undefined, done: true };
        if (this.failure) {
          this.stop();
          throw this.failure.err;
        }
        const chunk = this.chunks.shift();
        if (chunk) {
          this.queued -= chunk.length;
          if (this.queued <= this.highWater) this.wake('writer');
          return { value: chunk, done: false };
        }
        if (this.ended) return { value: undefined, done: true };
        await new Promise<void>((resolve) => (this.wakeReader = resolve));
      }
    };
    return {
      next,
      return: async () => {
        this.stop();
        return { value: undefined, done: true };
      },
    };
  }
}
