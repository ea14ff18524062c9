// The byte stream of a layer given to `docker import`: decompressed when it is
// gzip, bzip2, xz or zstd (as dockerd's DecompressStream), and checked to be a
// tar as it passes, so a non-tar is refused, in dockerd's words (its untar
// child's "Error processing tar file(exit status 1): <Go's archive/tar error>").
import { Readable } from 'node:stream';
import { internal } from '@ce/protocol';
import { COMPRESSION_HEAD_BYTES, decompressor, detectCompression } from '@ce/protocol/decompress';
import * as tar from 'tar-stream';

/** Yields the source's bytes, decompressed when they are compressed. */
export async function* decompressedLayer(source: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  const it = source[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  let done = false;
  while (head.length < COMPRESSION_HEAD_BYTES && !done) {
    const next = await it.next();
    if (next.done) done = true;
    else head = Buffer.concat([head, next.value]);
  }
  if (head.length === 0) {
    // Docker imports nothing as an empty image: an empty tar is two zero blocks.
    yield Buffer.alloc(1024);
    return;
  }
  const rest = async function* () {
    yield head;
    if (done) return;
    for (;;) {
      const next = await it.next();
      if (next.done) return;
      yield Buffer.from(next.value);
    }
  };
  const format = detectCompression(head);
  const inflate = decompressor(format);
  if (!inflate) {
    yield* rest();
    return;
  }
  // A failure of the upload itself is not the data's: it goes up as it is.
  let uploadError: Error | undefined;
  const compressed = Readable.from(rest());
  compressed.on('error', (err) => inflate.destroy((uploadError = err)));
  try {
    for await (const chunk of compressed.pipe(inflate)) yield chunk as Buffer;
  } catch (err) {
    if (uploadError) throw uploadError;
    // dockerd's untar child sees its input end early; dockerd says no more (a 500, as dockerd's).
    throw internal('Error processing tar file(unexpected EOF): ', err);
  } finally {
    inflate.destroy();
    compressed.destroy();
  }
}

/** tar-stream's complaint as Go's archive/tar words it. */
function goTarError(err: Error): string {
  if (/^Invalid tar header/.test(err.message)) return 'archive/tar: invalid tar header';
  if (/^Unexpected end of data/.test(err.message)) return 'unexpected EOF';
  return err.message;
}

/** Passes the bytes through while parsing them as a tar; throws dockerd's error (a 500, as dockerd's) when they are not one. */
export async function* checkedTar(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const extract = tar.extract();
  let failure: Error | undefined;
  const finished = new Promise<void>((resolve, reject) => {
    extract.on('entry', (_header, stream, next) => {
      stream.on('end', () => next(undefined));
      // A tar cut inside this entry fails the entry's stream too; the extract's own error reports it.
      stream.on('error', () => undefined);
      stream.resume();
    });
    extract.on('finish', resolve);
    extract.on('error', (err) => {
      failure = err;
      reject(err);
    });
  });
  finished.catch(() => undefined); // awaited below
  const notTar = (err: Error) => internal(`Error processing tar file(exit status 1): ${goTarError(err)}`, err);
  for await (const chunk of source) {
    if (failure) throw notTar(failure);
    extract.write(chunk);
    yield chunk;
  }
  extract.end(undefined);
  await finished.catch((err: Error) => {
    throw notTar(err);
  });
}
