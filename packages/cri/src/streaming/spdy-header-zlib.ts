// SPDY's header compression: one zlib stream per direction for the whole
// connection, primed with the SPDY dictionary, each header block flushed with
// Z_SYNC_FLUSH so the other end can read it at once.
import { constants, createDeflate, createInflate, type Deflate, type Inflate } from 'node:zlib';
import { SPDY_HEADER_DICTIONARY } from './spdy-dictionary.js';

class ZlibBlocks {
  private output: Buffer[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private failure: Error | undefined;

  constructor(private readonly stream: Deflate | Inflate) {
    stream.on('data', (chunk: Buffer) => this.output.push(chunk));
    stream.on('error', (err: Error) => (this.failure = err));
  }

  /** The bytes `input` turns into, in call order. */
  run(input: Buffer): Promise<Buffer> {
    const next = this.queue.then(
      () =>
        new Promise<Buffer>((resolve, reject) => {
          if (this.failure) return reject(this.failure);
          this.stream.write(input);
          this.stream.flush(constants.Z_SYNC_FLUSH, () => {
            if (this.failure) return reject(this.failure);
            const out = Buffer.concat(this.output);
            this.output = [];
            resolve(out);
          });
        }),
    );
    this.queue = next.catch(() => undefined);
    return next;
  }

  close(): void {
    this.stream.destroy();
  }
}

export class HeaderCompressor {
  private readonly blocks = new ZlibBlocks(createDeflate({ dictionary: SPDY_HEADER_DICTIONARY }));
  compress = (block: Buffer) => this.blocks.run(block);
  close = () => this.blocks.close();
}

export class HeaderDecompressor {
  private readonly blocks = new ZlibBlocks(createInflate({ dictionary: SPDY_HEADER_DICTIONARY }));
  decompress = (block: Buffer) => this.blocks.run(block);
  close = () => this.blocks.close();
}
