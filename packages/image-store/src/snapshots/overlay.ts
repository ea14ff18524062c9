// containerd's overlayfs snapshotter, without bolt: each snapshot is a numbered
// directory `<root>/<n>/` holding `fs/` (the layer, or a container's upper dir),
// `work/` (overlay's workdir, active snapshots only) and `snapshot.json`.
// A snapshot is built in `<root>/tmp-*/` and renamed to `<root>/<n>/` when
// complete, so `<n>/` exists only for complete snapshots; removal renames to
// `<root>/rm-*/` first. Leftover tmp-/rm- directories (a crash) are deleted at open.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { alreadyExists, failedPrecondition, invalidArgument, notFound } from '@ce/protocol';
import { syncfsAsync } from '@ce/native';
import { measureTree } from '../util/disk-usage.js';
import { fsyncDir, isErrno, removeAll, writeFileAtomic } from '../util/fs.js';
import { checkLabels, mergeLabels } from '../util/labels.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { KeyedMutex } from '../util/mutex.js';
import { overlayMountsWithUpper } from './mount-info.js';
import { snapshotMatches, type Mount, type SnapshotFilter, type SnapshotInfo, type SnapshotKind, type SnapshotService, type SnapshotUsage } from './snapshot-service.js';

/** ce.types.v1.Mount: one mount(2) call of a container's rootfs (target "" is the rootfs itself). */
export type { Mount, SnapshotKind };

/** A snapshot of this snapshotter: the service's info and its directory number. */
export interface OverlaySnapshotInfo extends SnapshotInfo {
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

/** What the service shows of a snapshot: no directory number, no parent key when there is none. */
function serviceInfo(info: OverlaySnapshotInfo): SnapshotInfo {
  return { key: info.key, kind: info.kind, ...(info.parent !== undefined ? { parent: info.parent } : {}), labels: { ...info.labels }, createdAt: new Date(info.createdAt) };
}

export class OverlaySnapshotter implements SnapshotService {
  private readonly snapshots = new Map<string, OverlaySnapshotInfo>();
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
        const info: OverlaySnapshotInfo = {
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
    return join(this.dir(this.statSync(key).id), 'fs');
  }

  has(key: string): boolean {
    return this.snapshots.has(key);
  }

  /** stat() without waiting: this process holds every snapshot's metadata in memory. */
  statSync(key: string): OverlaySnapshotInfo {
    const info = this.snapshots.get(key);
    if (!info) throw notFound(`snapshot ${key} does not exist`);
    return { ...info, labels: { ...info.labels } };
  }

  async stat(key: string): Promise<SnapshotInfo> {
    return serviceInfo(this.statSync(key));
  }

  list(): OverlaySnapshotInfo[] {
    return [...this.snapshots.keys()].map((k) => this.statSync(k));
  }

  async walk(visit: (info: SnapshotInfo) => void | Promise<void>, filter: SnapshotFilter = {}): Promise<void> {
    for (const info of this.list()) if (snapshotMatches(info, filter)) await visit(serviceInfo(info));
  }

  async usage(key: string): Promise<SnapshotUsage> {
    return measureTree(this.fsPath(key));
  }

  async update(key: string, labels: Record<string, string>): Promise<SnapshotInfo> {
    checkLabels(labels, `labels of snapshot ${key}`);
    return this.keyLock.run(key, () =>
      this.metaLock.run('', async () => {
        const info = this.snapshots.get(key);
        if (!info) throw notFound(`snapshot ${key} does not exist`);
        const next: OverlaySnapshotInfo = { ...info, labels: mergeLabels(info.labels, labels) };
        await this.writeMeta(next);
        this.snapshots.set(key, next);
        return serviceInfo(next);
      }),
    );
  }

  private async writeMeta(info: OverlaySnapshotInfo): Promise<void> {
    const file: SnapshotFile = { version: 1, key: info.key, kind: info.kind, parent: info.parent, labels: info.labels, createdAt: info.createdAt.toISOString() };
    await writeFileAtomic(join(this.dir(info.id), 'snapshot.json'), JSON.stringify(file, null, 2) + '\n');
  }

  /** Keys from `key` down to the bottom layer. */
  private chain(key: string): OverlaySnapshotInfo[] {
    const out: OverlaySnapshotInfo[] = [];
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
  private async publish(tmp: string, file: SnapshotFile): Promise<OverlaySnapshotInfo> {
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
        const info: OverlaySnapshotInfo = {
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
  ): Promise<OverlaySnapshotInfo> {
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
  async prepare(key: string, parent?: string, labels: Record<string, string> = {}): Promise<Mount[]> {
    return this.create('active', key, parent, labels);
  }

  /** A read-only snapshot of `parent` (containerd's View): its mounts are read-only; it protects its parents from gc. */
  async view(key: string, parent?: string, labels: Record<string, string> = {}): Promise<Mount[]> {
    return this.create('view', key, parent, labels);
  }

  private async create(kind: 'active' | 'view', key: string, parent: string | undefined, labels: Record<string, string>): Promise<Mount[]> {
    if (!key) throw invalidArgument('a snapshot key is required');
    checkLabels(labels, `labels of snapshot ${key}`);
    return this.keyLock.run(key, async () => {
      if (this.snapshots.has(key)) throw alreadyExists(`snapshot ${key} already exists`);
      this.checkParent(parent);
      const tmp = await this.tempDir();
      try {
        if (kind === 'active') await mkdir(join(tmp, 'work'), { mode: 0o700 });
        await this.publish(tmp, { version: 1, key, kind, parent, labels, createdAt: new Date().toISOString() });
      } catch (err) {
        await removeAll(tmp);
        throw err;
      }
      return this.mountsSync(key);
    });
  }

  /**
   * Turns the active snapshot `key` into the committed snapshot `name`, in
   * place: its files become a layer others can be built on. It must not be
   * mounted (overlayfs forbids changing an upper dir under a mount).
   */
  async commit(name: string, key: string, labels?: Record<string, string>): Promise<SnapshotInfo> {
    if (!name) throw invalidArgument('a name for the committed snapshot is required');
    if (labels) checkLabels(labels, `labels of snapshot ${name}`);
    return this.keyLock.run(key, () =>
      this.keyLock.run(name === key ? `${name}\0commit` : name, async () => {
        const info = this.snapshots.get(key);
        if (!info) throw notFound(`cannot commit snapshot ${key}: it does not exist`);
        if (info.kind !== 'active') throw failedPrecondition(`cannot commit snapshot ${key}: it is ${info.kind === 'view' ? 'a view' : 'committed already'}, not active`);
        if (name !== key && this.snapshots.has(name)) throw alreadyExists(`cannot commit snapshot ${key} as ${name}: snapshot ${name} already exists`);
        const upper = join(this.dir(info.id), 'fs');
        const mountedAt = await overlayMountsWithUpper(upper);
        if (mountedAt.length) throw failedPrecondition(`cannot commit snapshot ${key}: it is mounted at ${mountedAt.join(', ')}`);
        if (this.sync) await syncfsAsync(upper);
        return this.metaLock.run('', async () => {
          if (name !== key && this.snapshots.has(name)) throw alreadyExists(`cannot commit snapshot ${key} as ${name}: snapshot ${name} already exists`);
          const committed: OverlaySnapshotInfo = { ...info, key: name, kind: 'committed', labels: labels ?? info.labels };
          // One atomic rewrite of snapshot.json is the commit; the workdir left behind is overlay's scratch space.
          await this.writeMeta(committed);
          this.snapshots.delete(key);
          this.snapshots.set(name, committed);
          await removeAll(join(this.dir(info.id), 'work'));
          return serviceInfo(committed);
        });
      }),
    );
  }

  /**
   * The mounts of a snapshot. Active: an overlay (lower = the committed chain,
   * upper = its fs, even for a single layer), or a bind mount when it has no
   * parent. Committed: a read-only view (overlay of its chain, or a bind).
   */
  mountsSync(key: string): Mount[] {
    const info = this.statSync(key);
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
    // A view shows its parent's chain (its own fs stays empty); with no parent, its empty fs.
    const chain = info.kind === 'view' && info.parent !== undefined ? this.chain(info.parent) : this.chain(key);
    const lowers = chain.map((s) => join(this.dir(s.id), 'fs'));
    if (lowers.length === 1) return [{ type: 'bind', source: lowers[0]!, target: '', options: ['rbind', 'ro'] }];
    return [{ type: 'overlay', source: 'overlay', target: '', options: [`lowerdir=${lowers.join(':')}`] }];
  }

  async mounts(key: string): Promise<Mount[]> {
    return this.mountsSync(key);
  }

  /** Removes a snapshot; a committed one only when nothing is built on it. */
  async remove(key: string): Promise<void> {
    await this.keyLock.run(key, async () => {
      const gone = await this.metaLock.run('', async () => {
        const info = this.snapshots.get(key);
        if (!info) throw notFound(`snapshot ${key} does not exist`);
        const children = [...this.snapshots.values()].filter((s) => s.parent === key).map((s) => s.key);
        if (children.length) throw failedPrecondition(`cannot remove snapshot ${key}: it is the parent of ${children.join(', ')}`);
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
