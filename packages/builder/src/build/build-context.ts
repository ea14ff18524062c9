// The build context: the tar the client sent, unpacked into a private folder
// for the build's COPY and ADD, and removed after. Entries are written as
// Docker's Untar writes them, none outside the folder (../ names and symlinks
// are resolved inside it).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { extractArchive, ScopedFs } from '@ce/protocol/copy';

export interface BuildContext {
  /** The host folder holding the context's files. */
  readonly dir: string;
  /** Reads a file of the context (the Dockerfile), undefined when there is none. */
  readText(path: string): Promise<string | undefined>;
  /** Deletes files of the context (the .dockerignore and Dockerfile it excludes, which the build must not copy). */
  drop(paths: readonly string[]): Promise<void>;
  remove(): Promise<void>;
}

/** Unpacks `tar` into a new folder under `scratchDir`; the folder is removed when unpacking fails. */
export async function unpackContext(scratchDir: string, tar: AsyncIterable<Uint8Array>): Promise<BuildContext> {
  const dir = await mkdtemp(join(scratchDir, 'context-'));
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    const fs = new ScopedFs(dir);
    await extractArchive(fs, '/', Readable.from(tar), { owner: 'keep', noOverwriteDirNonDir: false });
  } catch (err) {
    await remove();
    throw new Error(`the build context could not be read: ${(err as Error).message}`);
  }
  return {
    dir,
    async readText(path) {
      const fs = new ScopedFs(dir);
      try {
        return await readFile(fs.hostPath(await fs.resolve(path)), 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'EISDIR') return undefined;
        throw err;
      }
    },
    async drop(paths) {
      const fs = new ScopedFs(dir);
      for (const path of paths) await rm(fs.hostPath(await fs.resolveParent(path).then((p) => p.resolved)), { recursive: true, force: true });
    },
    remove,
  };
}
