import type { Writable } from 'node:stream';
import type { OutputChunk } from '@ce/protocol';
import { STDCOPY_STDERR, STDCOPY_STDOUT, stdcopyFrame } from './stdcopy.js';

/**
 * Where a container's output goes on a Docker stream: stdcopy frames when the
 * process has no TTY (Docker's StdWriter), its bytes as they are with one.
 * Writes wait while the client is slow, so the container is slowed rather
 * than its output piling up here.
 */
export class OutputSink {
  constructor(
    private readonly out: Writable,
    readonly multiplexed: boolean,
  ) {}

  /** The client is gone (or the stream was ended): nothing more can be written. */
  get closed(): boolean {
    return this.out.destroyed || this.out.writableEnded;
  }

  /** A chunk's bytes as they go on the stream. */
  bytes(chunk: OutputChunk): Uint8Array {
    return this.multiplexed ? stdcopyFrame(chunk.stream === 'stderr' ? STDCOPY_STDERR : STDCOPY_STDOUT, chunk.data) : chunk.data;
  }

  async write(chunk: OutputChunk): Promise<void> {
    if (this.closed || chunk.data.length === 0) return;
    if (this.out.write(this.bytes(chunk))) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.out.off('drain', done);
        this.out.off('close', done);
        resolve();
      };
      this.out.on('drain', done);
      this.out.on('close', done);
    });
  }
}
