// The tar of one resource of a ScopedFs, as Docker's TarResourceRebase makes
// it: entries named after the resource ("dir/", "dir/file"), or "./" and
// "./file" for "dir/." (the directory's content), mounts inside it included.
import { readdir, readlink } from 'node:fs/promises';
import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { lstatOrNullSync, type ScopedFs } from './scoped-fs.js';
import { splitPathDirEntry } from './paths.js';
import { packFile } from './tar-file.js';

type Header = Partial<tar.Header> & { name: string };

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
export function packResource(fs: ScopedFs, resolved: string, rebaseTo = ''): Readable {
  const [sourceDir, sourceBase] = splitPathDirEntry(resolved);
  const top = sourceBase === '.' ? posix.join(sourceDir, '.') : posix.join(sourceDir, sourceBase);
  // The root's entries are "/", "/bin/", ... (Docker's rebase of "/" to "").
  const prefix = rebaseTo || sourceBase;
  const pack = tar.pack();
  const links = new Map<string, string>();

  const add = (header: Header, data?: Buffer) => new Promise<void>((resolve, reject) => (data ? pack.entry(header, data, (err) => (err ? reject(err) : resolve())) : pack.entry(header, (err) => (err ? reject(err) : resolve()))));
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
      await packFile(pack, { ...base, name, type: 'file', size: st.size }, host);
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
