// The tar of one resource of a ScopedFs, as Docker's TarResourceRebase makes
// it: entries named after the resource ("dir/", "dir/file"), or "./" and
// "./file" for "dir/." (the directory's content), mounts inside it included.
import { closeSync, constants, openSync, read } from 'node:fs';
import { readdir, readlink } from 'node:fs/promises';
import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { lstatOrNullSync, type ScopedFs } from './scoped-fs.js';
import { splitPathDirEntry } from './paths.js';

type Header = Partial<tar.Header> & { name: string };

const READ_BYTES = 1024 * 1024;
const S_IFMT = 0o170000;
const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
const major = (rdev: number) => Math.floor(rdev / 256) & 0xfff;
const minor = (rdev: number) => (rdev & 0xff) | ((Math.floor(rdev / 1048576) & 0xfff) << 8);

/**
 * A readable tar of `resolved` (a path of `fs` whose parents are resolved; it
 * may end in "/." for the content of a directory). `rebaseTo` names the top
 * entry (Docker's rebase: the requested name of a followed symlink, the
 * destination's name); "" keeps the resource's own name.
 */
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

export function packResource(fs: ScopedFs, resolved: string, rebaseTo = ''): Readable {
  const [sourceDir, sourceBase] = splitPathDirEntry(resolved);
  const top = sourceBase === '.' ? posix.join(sourceDir, '.') : posix.join(sourceDir, sourceBase);
  // The root's entries are "/", "/bin/", ... (Docker's rebase of "/" to "").
  const prefix = rebaseTo || sourceBase;
  const pack = tar.pack();
  const links = new Map<string, string>();

  const add = (header: Header, data?: Buffer) => new Promise<void>((resolve, reject) => (data ? pack.entry(header, data, (err) => (err ? reject(err) : resolve())) : pack.entry(header, (err) => (err ? reject(err) : resolve()))));
  const addFile = async (header: Header & { size: number }, hostPath: string) => {
    // O_NOFOLLOW: a file swapped for a symlink since its lstat is not read through. Opening and closing
    // skip the thread pool (cheaper than the trip); the reads go through it.
    const fd = openSync(hostPath, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      // A small file whole, a big one in READ_BYTES pieces, each read into a buffer of its exact size:
      // no read stream (its 64 KiB buffers and events cost more CPU than the copy itself).
      if (header.size <= READ_BYTES) return await add(header, await readExactly(fd, hostPath, 0, header.size));
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
  };

  const walk = async (path: string, name: string): Promise<void> => {
    const host = fs.hostPath(path);
    const st = lstatOrNullSync(host);
    if (!st) return; // removed while walking
    const base = { uid: st.uid, gid: st.gid, mtime: st.mtime, mode: st.mode & 0o7777 };
    if (st.isDirectory()) {
      await fs.assertUnchanged(path);
      await add({ ...base, name: name.endsWith('/') ? name : `${name}/`, type: 'directory' });
      for (const child of (await readdir(host)).sort()) {
        await walk(posix.join(path, child), name.endsWith('/') ? `${name}${child}` : `${name}/${child}`);
      }
    } else if (st.isSymbolicLink()) {
      await add({ ...base, name, type: 'symlink', linkname: await readlink(host) });
    } else if (st.isFile()) {
      const inode = `${st.dev}:${st.ino}`;
      const first = st.nlink > 1 ? links.get(inode) : undefined;
      if (first !== undefined) return add({ ...base, name, type: 'link', linkname: first });
      if (st.nlink > 1) links.set(inode, name);
      await addFile({ ...base, name, type: 'file', size: st.size }, host);
    } else if ((st.mode & S_IFMT) === S_IFCHR || (st.mode & S_IFMT) === S_IFBLK) {
      const type = (st.mode & S_IFMT) === S_IFCHR ? 'character-device' : 'block-device';
      await add({ ...base, name, type, devmajor: major(st.rdev), devminor: minor(st.rdev) });
    } else if (st.isFIFO()) {
      await add({ ...base, name, type: 'fifo' });
    }
    // Sockets are left out, as Docker's archive package does.
  };

  walk(top, prefix).then(
    () => pack.finalize(),
    (err: Error) => pack.destroy(err),
  );
  return pack as unknown as Readable;
}
