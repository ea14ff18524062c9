// A folder as a tar, entries named relative to it ("src/app.js"), walked in
// name order: the build context `ce build` sends (with .dockerignore's
// decisions, every entry owned by root, as docker's CLI sends it), and the
// layer of a build step FROM scratch (owners kept).
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import * as tar from 'tar-stream';

/** What the walk does with a path (slash-separated, relative): send it, and for a folder walk into it. */
export type WalkDecide = (path: string, isDir: boolean) => { send: boolean; descend: boolean };

export interface PackTreeOptions {
  /** Every entry sent when none is given. */
  decide?: WalkDecide;
  /** Every entry owned by this uid and gid (docker's context: root); the files' own otherwise. */
  owner?: { uid: number; gid: number };
}

export function packTree(dir: string, options: PackTreeOptions = {}): Readable {
  const decide = options.decide ?? ((_path: string, isDir: boolean) => ({ send: true, descend: isDir }));
  const pack = tar.pack();
  const add = (header: Partial<tar.Header> & { name: string }) => new Promise<void>((resolve, reject) => pack.entry(header, (err) => (err ? reject(err) : resolve())));
  const walk = async (rel: string): Promise<void> => {
    for (const name of (await readdir(join(dir, rel))).sort()) {
      const path = rel ? `${rel}/${name}` : name;
      const host = join(dir, path);
      const st = await lstat(host);
      const decision = decide(path, st.isDirectory());
      if (!decision.send) {
        // An excluded folder may still hold exceptions (!pattern) below it.
        if (decision.descend) await walk(path);
        continue;
      }
      const common = { name: path, mode: st.mode & 0o7777, uid: options.owner?.uid ?? st.uid, gid: options.owner?.gid ?? st.gid, mtime: st.mtime };
      if (st.isDirectory()) {
        await add({ ...common, type: 'directory' });
        if (decision.descend) await walk(path);
      } else if (st.isSymbolicLink()) {
        await add({ ...common, type: 'symlink', linkname: await readlink(host) });
      } else if (st.isFile()) {
        await new Promise<void>((resolve, reject) => {
          const entry = pack.entry({ ...common, type: 'file', size: st.size }, (err) => (err ? reject(err) : resolve()));
          createReadStream(host).on('error', reject).pipe(entry);
        });
      }
    }
  };
  walk('').then(
    () => pack.finalize(),
    (err: Error) => pack.destroy(err),
  );
  return pack as unknown as Readable;
}
