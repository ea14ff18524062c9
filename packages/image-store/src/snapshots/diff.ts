// The changes of an active snapshot as an OCI layer tar: its overlay upper
// directory, with overlay's whiteouts (character devices 0/0) written as
// `.wh.<name>` entries and opaque directories (trusted.overlay.opaque=y) as a
// `.wh..wh..opq` entry inside them — what `docker commit` and a build step
// produce. Entries are sorted, so equal trees give equal tars.
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { packFile } from '@ce/protocol/copy';
import { lgetxattr } from '@ce/native';
import * as tar from 'tar-stream';
import { OVERLAY_OPAQUE_XATTR, WHITEOUT_OPAQUE, WHITEOUT_PREFIX } from '../unpack/fs-ops.js';

const S_IFMT = 0o170000;
const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
const S_IFIFO = 0o010000;

const major = (rdev: number) => Math.floor(rdev / 256) & 0xfff;
const minor = (rdev: number) => (rdev & 0xff) | ((Math.floor(rdev / 1048576) & 0xfff) << 8);

/** Writes the layer tar of `upperDir` to `out` (uncompressed). */
export async function writeDiff(upperDir: string, out: Writable, getxattr: (path: string, name: string) => Buffer | null = lgetxattr): Promise<void> {
  const pack = tar.pack();
  const piping = pipeline(pack, out);
  piping.catch(() => undefined); // awaited below
  const links = new Map<string, string>();
  const entry = (header: Partial<tar.Header> & { name: string }, data?: Buffer) =>
    new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null) => (err ? reject(err) : resolve());
      if (data) pack.entry(header, data, cb);
      else pack.entry(header, cb);
    });

  const walk = async (dir: string, rel: string): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      const path = join(dir, name);
      const relPath = rel ? `${rel}/${name}` : name;
      const st = await lstat(path);
      const base = { uid: st.uid, gid: st.gid, mtime: st.mtime, mode: st.mode & 0o7777 };
      const type = st.mode & S_IFMT;
      if (st.isDirectory()) {
        await entry({ ...base, name: `${relPath}/`, type: 'directory' });
        if (getxattr(path, OVERLAY_OPAQUE_XATTR)?.toString() === 'y') {
          await entry({ ...base, name: `${relPath}/${WHITEOUT_OPAQUE}`, type: 'file', mode: 0o644, size: 0 }, Buffer.alloc(0));
        }
        await walk(path, relPath);
      } else if (type === S_IFCHR && st.rdev === 0) {
        const whiteout = rel ? `${rel}/${WHITEOUT_PREFIX}${name}` : `${WHITEOUT_PREFIX}${name}`;
        await entry({ ...base, name: whiteout, type: 'file', mode: 0o644, size: 0 }, Buffer.alloc(0));
      } else if (st.isSymbolicLink()) {
        await entry({ ...base, name: relPath, type: 'symlink', linkname: await readlink(path) });
      } else if (st.isFile()) {
        const inode = `${st.dev}:${st.ino}`;
        const first = st.nlink > 1 ? links.get(inode) : undefined;
        if (first !== undefined) {
          await entry({ ...base, name: relPath, type: 'link', linkname: first });
          continue;
        }
        if (st.nlink > 1) links.set(inode, relPath);
        await packFile(pack, { ...base, name: relPath, type: 'file', size: st.size }, path);
      } else if (type === S_IFCHR || type === S_IFBLK) {
        await entry({ ...base, name: relPath, type: type === S_IFCHR ? 'character-device' : 'block-device', devmajor: major(st.rdev), devminor: minor(st.rdev) });
      } else if (type === S_IFIFO) {
        await entry({ ...base, name: relPath, type: 'fifo' });
      }
      // Sockets are not carried by layers (as in Docker's archive package).
    }
  };

  try {
    await walk(upperDir, '');
    pack.finalize();
  } catch (err) {
    pack.destroy(err as Error);
    throw err;
  }
  await piping;
}
