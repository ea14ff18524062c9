// containerd's overlayfs snapshotter, without bolt: each snapshot is a numbered
// directory `<root>/<n>/` holding `fs/` (the layer, or a container's upper dir),
// `work/` (overlay's workdir, active snapshots only) and `snapshot.json`.
// A snapshot is built in `<root>/tmp-*/` and renamed to `<root>/<n>/` when
// complete, so `<n>/` exists only for complete snapshots; removal renames to
// `<root>/rm-*/` first. Leftover tmp-/rm- directories (a crash) are deleted at open.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { alreadyExists, failedPrecondition, notFound } from '@ce/protocol';
import type { Mount } from '@ce/protocol/gen/ce/types/v1/mount';
import { syncfsAsync } from '@ce/native';
import { fsyncDir, isErrno, removeAll, writeFileAtomic } from '../util/fs.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { KeyedMutex } from '../util/mutex.js';

/** ce.types.v1.Mount: one mount(2) call of a container's rootfs (target "" is the rootfs itself). */
export type { Mount };

export type SnapshotKind = 'committed' | 'active';

export interface SnapshotInfo {
  key: string;
  kind: SnapshotKind;
  /** Key of the committed snapshot below this one. */
  parent?: string;
  labels: Record<string, string>;
  createdAt: Date;
  /** The directory number under the snapshotter root. */
  id: number;
}

interface SnapshotFile {
  version: 1;
  key: string;
  kind: SnapshotKind;
  parent?: string;
  labels: Record<string, string>;
  createdAt: string;
}

export interface SnapshotterOptions {
  logger?: Logger;
  /** Flush a committed snapshot's filesystem before it becomes visible (default true). */
  sync?: boolean;
}

export class OverlaySnapshotter {
  private readonly snapshots = new Map<string, SnapshotInfo>();
  private readonly keyLock = new KeyedMutex();
  private readonly metaLock = new KeyedMutex();
  private nextId = 1;
  private readonly logger: Logger;
  private readonly sync: boolean;

  private constructor(
    readonly root: string,
    options: SnapshotterOptions,
  ) {
    this.logger = options.logger ?? silentLogger;
    this.sync = options.sync ?? true;
  }

  static async open(root: string, options: SnapshotterOptions = {}): Promise<OverlaySnapshotter> {
    const s = new OverlaySnapshotter(root, options);
    await mkdir(root, { recursive: true });
    for (const entry of await readdir(root)) {
      const path = join(root, entry);
      if (entry.startsWith('tmp-') || entry.startsWith('rm-')) {
        s.logger.info({ path }, 'removing an incomplete snapshot directory');
        await removeAll(path);
        continue;
      }
      if (!/^\d+$/.test(entry)) continue;
      const id = Number(entry);
      s.nextId = Math.max(s.nextId, id + 1);
      try {
        const file = JSON.parse(await readFile(join(path, 'snapshot.json'), 'utf8')) as SnapshotFile;
        const info: SnapshotInfo = {
          key: file.key,
          kind: file.kind,
          parent: file.parent,
          labels: file.labels ?? {},
          createdAt: new Date(file.createdAt),
          id,
        };
        const other = s.snapshots.get(info.key);
        if (other) {
          s.logger.warn({ key: info.key, ids: [other.id, id] }, 'two snapshots share a key; using the older');
          if (other.id < id) continue;
        }
        s.snapshots.set(info.key, info);
      } catch (err) {
        s.logger.warn({ path, err }, 'ignoring an unreadable snapshot directory');
      }
    }
    return s;
  }

  private dir(id: number): string {
    return join(this.root, String(id));
  }

  /** The snapshot's files: a committed layer, or an active snapshot's upper directory. */
  fsPath(key: string): string {
    return join(this.dir(this.stat(key).id), 'fs');
  }

  has(key: string): boolean {
    return this.snapshots.has(key);
  }

  stat(key: string): SnapshotInfo {
    const info = this.snapshots.get(key);
    if (!info) throw notFound(`snapshot ${key} does not exist`);
    return { ...info, labels: { ...info.labels } };
  }

  list(): SnapshotInfo[] {
    return [...this.snapshots.keys()].map((k) => this.stat(k));
  }

  /** Keys from `key` down to the bottom layer. */
  private chain(key: string): SnapshotInfo[] {
    const out: SnapshotInfo[] = [];
    for (let k: string | undefined = key; k !== undefined; ) {
      const info = this.snapshots.get(k);
      if (!info) throw failedPrecondition(`snapshot ${k} (below ${key}) does not exist`);
      out.push(info);
      k = info.parent;
    }
    return out;
  }

  private checkParent(parent: string | undefined): void {
    if (parent === undefined) return;
    const p = this.snapshots.get(parent);
    if (!p) throw notFound(`parent snapshot ${parent} does not exist`);
    if (p.kind !== 'committed') throw failedPrecondition(`parent snapshot ${parent} is active, not committed`);
  }

  /** Writes the metadata into a finished temp directory and renames it to the next free number. */
  private async publish(tmp: string, file: SnapshotFile): Promise<SnapshotInfo> {
    await writeFileAtomic(join(tmp, 'snapshot.json'), JSON.stringify(file, null, 2) + '\n');
    return this.metaLock.run('', async () => {
      if (this.snapshots.has(file.key)) throw alreadyExists(`snapshot ${file.key} already exists`);
      this.checkParent(file.parent);
      for (;;) {
        const id = this.nextId++;
        try {
          await rename(tmp, this.dir(id));
        } catch (err) {
          if (isErrno(err, 'EEXIST', 'ENOTEMPTY')) continue; // taken by another process: try the next number
          throw err;
        }
        await fsyncDir(this.root);
        const info: SnapshotInfo = {
          key: file.key,
          kind: file.kind,
          parent: file.parent,
          labels: file.labels,
          createdAt: new Date(file.createdAt),
          id,
        };
        this.snapshots.set(file.key, info);
        return info;
      }
    });
  }

  private async tempDir(): Promise<string> {
    const tmp = join(this.root, `tmp-${randomBytes(8).toString('hex')}`);
    await mkdir(join(tmp, 'fs'), { recursive: true, mode: 0o755 });
    return tmp;
  }

  /**
   * Creates the committed snapshot `key` on top of `parent` by letting
   * `populate` fill its (empty) fs directory; visible only once populate has
   * succeeded. If `key` already exists, returns it without calling populate.
   */
  async createCommitted(
    key: string,
    parent: string | undefined,
    populate: (fsDir: string) => Promise<void>,
    labels: Record<string, string> = {},
  ): Promise<SnapshotInfo> {
    return this.keyLock.run(key, async () => {
      const existing = this.snapshots.get(key);
      if (existing) {
        if (existing.kind !== 'committed') throw alreadyExists(`snapshot ${key} exists and is active`);
        return { ...existing };
      }
      this.checkParent(parent);
      const tmp = await this.tempDir();
      try {
        await populate(join(tmp, 'fs'));
        if (this.sync) await syncfsAsync(tmp);
        return await this.publish(tmp, {
          version: 1,
          key,
          kind: 'committed',
          parent,
          labels,
          createdAt: new Date().toISOString(),
        });
      } catch (err) {
        await removeAll(tmp);
        throw err;
      }
    });
  }

  /**
   * Creates the active (writable) snapshot `key` over the committed `parent`
   * and returns the mounts that assemble it.
   */
  async prepare(key: string, parent: string | undefined, labels: Record<string, string> = {}): Promise<Mount[]> {
    return this.keyLock.run(key, async () => {
      if (this.snapshots.has(key)) throw alreadyExists(`snapshot ${key} already exists`);
      this.checkParent(parent);
      const tmp = await this.tempDir();
      try {
        await mkdir(join(tmp, 'work'), { mode: 0o700 });
        await this.publish(tmp, { version: 1, key, kind: 'active', parent, labels, createdAt: new Date().toISOString() });
      } catch (err) {
        await removeAll(tmp);
        throw err;
      }
      return this.mounts(key);
    });
  }

  /**
   * The mounts of a snapshot. Active: an overlay (lower = the committed chain,
   * upper = its fs, even for a single layer), or a bind mount when it has no
   * parent. Committed: a read-only view (overlay of its chain, or a bind).
   */
  mounts(key: string): Mount[] {
    const info = this.stat(key);
    const dir = this.dir(info.id);
    if (info.kind === 'active') {
      if (info.parent === undefined) return [{ type: 'bind', source: join(dir, 'fs'), target: '', options: ['rbind', 'rw'] }];
      const lowers = this.chain(info.parent).map((s) => join(this.dir(s.id), 'fs'));
      return [
        {
          type: 'overlay',
          source: 'overlay',
          target: '',
          options: [`lowerdir=${lowers.join(':')}`, `upperdir=${join(dir, 'fs')}`, `workdir=${join(dir, 'work')}`],
        },
      ];
    }
    const lowers = this.chain(key).map((s) => join(this.dir(s.id), 'fs'));
    if (lowers.length === 1) return [{ type: 'bind', source: lowers[0]!, target: '', options: ['rbind', 'ro'] }];
    return [{ type: 'overlay', source: 'overlay', target: '', options: [`lowerdir=${lowers.join(':')}`] }];
  }

  /** Removes a snapshot; a committed one only when nothing is built on it. */
  async remove(key: string): Promise<void> {
    await this.keyLock.run(key, async () => {
      const gone = await this.metaLock.run('', async () => {
        const info = this.snapshots.get(key);
        if (!info) throw notFound(`snapshot ${key} does not exist`);
        const children = [...this.snapshots.values()].filter((s) => s.parent === key).map((s) => s.key);
        if (children.length) throw failedPrecondition(`snapshot ${key} is the parent of ${children.join(', ')}`);
        const gone = join(this.root, `rm-${info.id}-${randomBytes(4).toString('hex')}`);
        await rename(this.dir(info.id), gone);
        await fsyncDir(this.root);
        this.snapshots.delete(key);
        return gone;
      });
      await removeAll(gone);
    });
  }
}
