// The byte stream of a layer given to `docker import`: decompressed when it is
// gzip (Docker also takes bzip2 and xz, which Node cannot inflate), and checked
// to be a tar as it passes, so a non-tar is refused with a clear error.
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { invalidArgument } from '@ce/protocol';
import * as tar from 'tar-stream';

const startsWith = (buf: Buffer, magic: number[]) => magic.every((b, i) => buf[i] === b);

/** Yields the source's bytes, gunzipped when they are gzip; refuses other compressions. */
export async function* decompressedLayer(source: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  const it = source[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  let done = false;
  while (head.length < 6 && !done) {
    const next = await it.next();
    if (next.done) done = true;
    else head = Buffer.concat([head, next.value]);
  }
  if (head.length === 0) {
    // Docker imports nothing as an empty image: an empty tar is two zero blocks.
    yield Buffer.alloc(1024);
    return;
  }
  if (startsWith(head, [0x42, 0x5a, 0x68]) || startsWith(head, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]) || startsWith(head, [0x28, 0xb5, 0x2f, 0xfd])) {
    throw invalidArgument('the import is compressed with bzip2, xz or zstd, which ce does not read: give a plain or gzip-compressed tar');
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
  if (!startsWith(head, [0x1f, 0x8b])) {
    yield* rest();
    return;
  }
  const gunzip = Readable.from(rest()).pipe(createGunzip());
  try {
    for await (const chunk of gunzip) yield chunk as Buffer;
  } catch (err) {
    throw invalidArgument(`the import is not a valid gzip stream: ${(err as Error).message}`);
  }
}

/** Passes the bytes through while parsing them as a tar; throws InvalidArgument when they are not one. */
export async function* checkedTar(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const extract = tar.extract();
  let failure: Error | undefined;
  const finished = new Promise<void>((resolve, reject) => {
    extract.on('entry', (_header, stream, next) => {
      stream.on('end', () => next(undefined));
      stream.resume();
    });
    extract.on('finish', resolve);
    extract.on('error', (err) => {
      failure = err;
      reject(err);
    });
  });
  finished.catch(() => undefined); // awaited below
  const notTar = (err: Error) => invalidArgument(`the import is not a tar archive: ${err.message}`);
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
