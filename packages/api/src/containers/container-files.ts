// A container's files for docker cp and docker diff (Docker's
// /containers/{id}/archive HEAD, GET, PUT and /changes). A running
// container's rootfs is the overlay its task has mounted in the bundle; a
// stopped one's is mounted for the call in a private scratch folder and
// unmounted after (docs/decisions/0041). Volumes and binds are seen at their
// destinations; every path is resolved inside the container's root.
import { rmdirSync } from 'node:fs';
import { mkdir, mkdtemp, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { mknod, mountAll, S_IFBLK, S_IFCHR, S_IFIFO, umount2 } from '@ce/native';
import { invalidArgument, notFound } from '@ce/protocol';
import {
  absolute,
  coalesceChunks,
  extractArchive,
  ExtractError,
  goFileMode,
  lstatOrNull,
  packResource,
  PathChangedError,
  ScopedFs,
  splitPathDirEntry,
  TooManyLinksError,
  type ContainerPathStat,
  type SpecialFile,
} from '@ce/protocol/copy';
import type { Mount } from '@ce/protocol/gen/ce/types/v1/mount';
import { mountedBelow } from './bundle-dir.js';
import { layerChanges, type Change } from './container-changes.js';
import { containerName, type ContainerRecord } from './record.js';
import { layerDirs } from './rootfs-files.js';

const MNT_DETACH = 2;

/** What ContainerFiles needs of the container service. */
export interface ContainerFilesystems {
  filesystem(ref: string): { record: ContainerRecord; rootfs: Mount[]; taskRootfs: string };
}

/** Mounts a stopped container's rootfs; tests give a fake. */
export interface RootfsMounter {
  isMounted(dir: string): Promise<boolean>;
  mount(rootfs: readonly Mount[], target: string): void;
  unmount(target: string): void;
}

export const nativeRootfsMounter: RootfsMounter = {
  isMounted: mountedBelow,
  mount: (rootfs, target) => mountAll(rootfs, target),
  unmount: (target) => umount2(target, MNT_DETACH),
};

const FILE_TYPE_BITS = { 'character-device': S_IFCHR, 'block-device': S_IFBLK, fifo: S_IFIFO } as const;

/** Devices and fifos of an archive are made as Docker's archive package makes them: mknod(2), as root. */
async function makeSpecialFile(path: string, node: SpecialFile): Promise<void> {
  mknod(path, FILE_TYPE_BITS[node.type] | node.mode, node.major, node.minor);
}

export interface ExtractRequest {
  /** Docker's AllowOverwriteDirWithFile. */
  allowOverwriteDirWithFile: boolean;
  /** docker cp -a: the archive's uid/gid; else the container's root owns what is written. */
  copyUidGid: boolean;
}

export class ContainerFiles {
  constructor(
    private readonly containers: ContainerFilesystems,
    /** Where stopped containers' rootfs are mounted for a call (created 0700). */
    private readonly scratchDir: string,
    private readonly mounter: RootfsMounter = nativeRootfsMounter,
  ) {}

  /** Docker's HEAD /containers/{id}/archive: the stat of `path` (a symlink's own, with its in-container target). */
  statPath(ref: string, path: string): Promise<ContainerPathStat> {
    return this.withFs(ref, (fs, record) => this.stat(fs, record, path));
  }

  /** Docker's GET /containers/{id}/archive: the stat, then the tar of `path`. */
  async *archivePath(ref: string, path: string): AsyncGenerator<{ stat: ContainerPathStat } | { data: Buffer }> {
    const view = await this.open(ref);
    try {
      const { resolved, absPath } = await this.resolvePath(view.fs, view.record, path);
      const stat = await this.stat(view.fs, view.record, path);
      yield { stat };
      // A followed symlink or "/" keep the requested name (Docker's TarResourceRebaseOpts).
      const requested = splitPathDirEntry(absPath)[1];
      for await (const chunk of coalesceChunks(packResource(view.fs, resolved, requested))) yield { data: chunk };
    } finally {
      view.close();
    }
  }

  /** Docker's PUT /containers/{id}/archive: `archive` extracted into the directory `path`. */
  extractToPath(ref: string, path: string, archive: Readable, request: ExtractRequest): Promise<void> {
    return this.withFs(ref, async (fs, record) => {
      // Unlike a stat or an archive, the last element is followed too: a symlink to a directory is a place to extract to.
      const resolved = await this.resolveFully(fs, record, path);
      const st = await lstatOrNull(fs.hostPath(resolved));
      if (!st) throw this.notFound(record, path);
      if (!st.isDirectory()) throw invalidArgument('extraction point is not a directory');
      const readOnly = fs.readOnlyReason(resolved);
      if (readOnly) throw invalidArgument(readOnly);
      try {
        await extractArchive(fs, resolved, archive, {
          owner: request.copyUidGid ? 'keep' : { uid: 0, gid: 0 },
          noOverwriteDirNonDir: !request.allowOverwriteDirWithFile,
          mknod: makeSpecialFile,
        });
      } catch (err) {
        if (err instanceof ExtractError || err instanceof TooManyLinksError || err instanceof PathChangedError) throw invalidArgument(err.message);
        throw err;
      }
    });
  }

  /** docker diff: the changes of the container's writable layer. */
  changes(ref: string): Promise<Change[]> {
    const { rootfs } = this.containers.filesystem(ref);
    const [upper, ...lowers] = layerDirs(rootfs);
    if (!upper || rootfs[0]?.type !== 'overlay') return Promise.resolve([]);
    return layerChanges(upper, lowers);
  }

  private async stat(fs: ScopedFs, record: ContainerRecord, path: string): Promise<ContainerPathStat> {
    const { resolved, absPath } = await this.resolvePath(fs, record, path);
    const st = await lstatOrNull(fs.hostPath(resolved.replace(/\/\.$/, '') || '/'));
    if (!st) throw this.notFound(record, path);
    const linkTarget = st.isSymbolicLink() ? await fs.resolve(absPath) : '';
    return { name: splitPathDirEntry(absPath)[1], size: st.size, mode: goFileMode(st), mtime: st.mtime.toISOString(), linkTarget };
  }

  private async resolveFully(fs: ScopedFs, record: ContainerRecord, path: string): Promise<string> {
    return this.resolving(record, path, () => fs.resolve(absolute(path)));
  }

  private async resolvePath(fs: ScopedFs, record: ContainerRecord, path: string) {
    return this.resolving(record, path, () => fs.resolveParent(path));
  }

  private async resolving<T>(record: ContainerRecord, path: string, resolve: () => Promise<T>): Promise<T> {
    try {
      return await resolve();
    } catch (err) {
      if (err instanceof TooManyLinksError) throw invalidArgument(err.message);
      if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw this.notFound(record, path);
      throw err;
    }
  }

  private notFound(record: ContainerRecord, path: string) {
    return notFound(`Could not find the file ${path} in container ${containerName(record)}`);
  }

  private async withFs<T>(ref: string, use: (fs: ScopedFs, record: ContainerRecord) => Promise<T>): Promise<T> {
    const view = await this.open(ref);
    try {
      return await use(view.fs, view.record);
    } finally {
      view.close();
    }
  }

  /** The container's tree: its task's rootfs if mounted, else a temporary mount of its layers. */
  private async open(ref: string): Promise<{ fs: ScopedFs; record: ContainerRecord; close: () => void }> {
    const { record, rootfs, taskRootfs } = this.containers.filesystem(ref);
    const mounts = (record.MountPoints ?? [])
      .filter((m) => (m.Type === 'bind' || m.Type === 'volume') && m.Source)
      .map((m) => ({ destination: m.Destination, source: m.Source, readOnly: !m.RW }));
    const readOnlyRoot = record.HostConfig.ReadonlyRootfs;
    if (await this.mounter.isMounted(taskRootfs)) {
      return { fs: new ScopedFs(taskRootfs, mounts, readOnlyRoot), record, close: () => undefined };
    }
    if (rootfs.length === 0) throw notFound(`container ${record.Id} has no rootfs`);
    await mkdir(this.scratchDir, { recursive: true, mode: 0o700 });
    const target = await mkdtemp(join(this.scratchDir, `${record.Id.slice(0, 12)}-`));
    try {
      this.mounter.mount(rootfs, target);
    } catch (err) {
      await rmdir(target).catch(() => undefined);
      throw err;
    }
    const close = () => {
      this.mounter.unmount(target);
      // At once, so the call leaves nothing behind when it returns.
      try {
        rmdirSync(target);
      } catch {
        // still busy under a lazy unmount: an empty folder, left in the scratch folder
      }
    };
    return { fs: new ScopedFs(target, mounts, readOnlyRoot), record, close };
  }
}
