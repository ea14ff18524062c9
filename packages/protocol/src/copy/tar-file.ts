// A regular file's entry in a tar being written (cp's archives, a layer's
// diff): the file read through its descriptor, whole or in 1 MiB pieces, into
// buffers of their exact size; no read stream, whose 64 KiB buffers and
// events cost more CPU than the copy itself (decision 0060).
import { closeSync, constants, openSync, read } from 'node:fs';
import type * as tar from 'tar-stream';

const READ_BYTES = 1024 * 1024;

/** `length` bytes of `fd` from `offset`; a file that shrank since its lstat fails the archive (its header holds the size). */
async function readExactly(fd: number, hostPath: string, offset: number, length: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(length);
  let filled = 0;
  while (filled < length) {
    const bytesRead = await new Promise<number>((resolve, reject) => read(fd, buffer, filled, length - filled, offset + filled, (err, n) => (err ? reject(err) : resolve(n))));
    if (bytesRead === 0) throw new Error(`${hostPath} shrank while being archived`);
    filled += bytesRead;
  }
  return buffer;
}

/** Adds the file at `hostPath` to `pack` under `header` (its size from the caller's lstat); resolves once its bytes are in the pack. */
export async function packFile(pack: tar.Pack, header: Partial<tar.Header> & { name: string; size: number }, hostPath: string): Promise<void> {
  // O_NOFOLLOW: a file swapped for a symlink since its lstat is not read through. Opening and closing
  // skip the thread pool (cheaper than the trip); the reads go through it.
  const fd = openSync(hostPath, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    if (header.size <= READ_BYTES) {
      const data = await readExactly(fd, hostPath, 0, header.size);
      return await new Promise<void>((resolve, reject) => pack.entry(header, data, (err) => (err ? reject(err) : resolve())));
    }
    await new Promise<void>((resolve, reject) => {
      const sink = pack.entry(header, (err) => (err ? reject(err) : resolve()));
      (async () => {
        for (let offset = 0; offset < header.size; offset += READ_BYTES) {
          const piece = await readExactly(fd, hostPath, offset, Math.min(READ_BYTES, header.size - offset));
          if (!sink.write(piece)) await new Promise<void>((r) => sink.once('drain', () => r()));
        }
        sink.end(undefined);
      })().catch((err: Error) => {
        sink.destroy(err);
        reject(err);
      });
    });
  } finally {
    closeSync(fd);
  }
}
