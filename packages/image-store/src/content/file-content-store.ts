import { createHash, randomBytes, type Hash } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, lstat, mkdir, open, readdir, readFile, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { flock, LOCK_EX, LOCK_NB } from '@ce/native';
import { failedPrecondition, internal, invalidArgument, notFound } from '@ce/protocol';
import { hasLabel } from '../prune-filter.js';
import { digestHex, parseDigest, type Digest } from '../digest.js';
import { fsyncDir, isErrno, writeFileAtomic } from '../util/fs.js';
import { checkLabels, mergeLabels } from '../util/labels.js';
import { isIngestHeld, removeIngestFileUnlessHeld } from './ingest-lock.js';
import type { BeforeCommit, BlobWriter, ByteSource, ContentFilter, ContentInfo, ContentStore, Expected, IngestOptions, IngestStatus, ReadRange } from './content-store.js';

export type { BeforeCommit, ByteSource, ContentInfo, ContentReader, Expected } from './content-store.js';

/**
 * With write-behind, a writer starts its file's write-back (fdatasync on a
 * pool thread, one at a time) every this many bytes.
 */
const WRITE_BEHIND_BYTES = 8 * 1024 * 1024;

/**
 * A blob being written to `<root>/ingest/`. Nothing is visible under
 * `<root>/blobs/` until commit() has checked its size and digest.
 */
export class ContentWriter implements BlobWriter {
  private done = false;
  /** With write-behind: bytes written since the last write-back started, the one in flight, and a failure of one. */
  private unflushed = 0;
  private flushing?: Promise<void>;
  private flushError?: { err: unknown };

  constructor(
    private readonly store: FileContentStore,
    private readonly fh: FileHandle,
    readonly path: string,
    private readonly expected: Expected,
    /** A resumed ingest starts with the hash of what is already in the file. */
    private readonly hash: Hash = createHash('sha256'),
    private written = 0,
    private readonly writeBehind = false,
  ) {}

  get offset(): number {
    return this.written;
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.done) throw failedPrecondition('content writer is already committed or aborted');
    if (this.expected.size !== undefined && this.written + chunk.byteLength > this.expected.size) {
      const err = invalidArgument(
        `size mismatch for ${this.expected.digest ?? 'blob'}: expected ${this.expected.size} bytes, got more`,
      );
      await this.abort();
      throw err;
    }
    this.hash.update(chunk);
    let off = 0;
    while (off < chunk.byteLength) {
      const { bytesWritten } = await this.fh.write(chunk, off, chunk.byteLength - off, this.written + off);
      off += bytesWritten;
    }
    this.written += chunk.byteLength;
    this.unflushed += chunk.byteLength;
    if (this.writeBehind && this.unflushed >= WRITE_BEHIND_BYTES && !this.flushing) {
      this.unflushed = 0;
      this.flushing = this.fh.datasync().then(
        () => void (this.flushing = undefined),
        (err: unknown) => void ((this.flushError ??= { err }), (this.flushing = undefined)),
      );
    }
  }

  /**
   * Verifies size and digest, then moves the blob into place atomically.
   * `beforeCommit` learns the digest before the blob becomes visible: a lease
   * added there protects it from the first moment a gc could see it.
   */
  async commit(beforeCommit?: BeforeCommit): Promise<ContentInfo> {
    if (this.done) throw failedPrecondition('content writer is already committed or aborted');
    this.done = true;
    const actual: Digest = `sha256:${this.hash.digest('hex')}`;
    // The file stays open (and flock-held) until it is renamed into place or removed: a resumable writer
    // waiting for the lock must never get it on a file that is a committed blob by then.
    try {
      const { digest: wantDigest, size: wantSize } = this.expected;
      if (wantSize !== undefined && wantSize !== this.written) {
        throw invalidArgument(
          `size mismatch for ${wantDigest ?? actual}: expected ${wantSize} bytes, got ${this.written}`,
        );
      }
      if (wantDigest !== undefined && wantDigest !== actual) {
        throw invalidArgument(`digest mismatch: expected ${wantDigest}, got ${actual}`);
      }
      await beforeCommit?.(actual);
      await this.flushing;
      // The kernel reports a failed write-back to one flush of the descriptor only: that one may have been it.
      if (this.flushError) throw this.flushError.err;
      await this.fh.sync();
      const info = await this.store.commitFile(this.path, actual, this.written, this.expected.labels);
      await this.fh.close();
      return info;
    } catch (err) {
      await unlink(this.path).catch(() => undefined);
      await this.flushing;
      await this.fh.close().catch(() => undefined);
      throw err;
    }
  }

  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    // Unlinked while still held, for the same reason as commit.
    await unlink(this.path).catch(() => undefined);
    await this.flushing; // the descriptor is closed after a write-back in flight
    await this.fh.close().catch(() => undefined);
  }

  /**
   * Stops writing but keeps what was written, so that a later
   * resumableWriter() for the same digest continues from here (a resumable
   * ingest only; an anonymous one is removed like abort()).
   */
  async suspend(): Promise<void> {
    if (this.done) return;
    if (!this.store.isResumablePath(this.path)) return this.abort();
    this.done = true;
    await this.flushing;
    await this.fh.sync().catch(() => undefined);
    await this.fh.close().catch(() => undefined);
  }
}

/**
 * containerd's content store, on plain files: blobs at
 * `<root>/blobs/sha256/<hex>` (read-only, 0444), written through
 * `<root>/ingest/` and verified before an atomic rename. Concurrent writers of
 * one blob each write their own temporary file; the first rename wins and the
 * others find the blob committed. Labels are kept in
 * `<root>/blobs/labels/<hex>.json` (only for blobs that have some), each
 * replaced atomically, and held in memory.
 */
export class FileContentStore implements ContentStore {
  private readonly labels = new Map<string, Record<string, string>>();

  private constructor(readonly root: string) {}

  static async open(root: string): Promise<FileContentStore> {
    const store = new FileContentStore(root);
    await mkdir(join(root, 'blobs', 'sha256'), { recursive: true });
    await mkdir(store.labelDir, { recursive: true, mode: 0o700 });
    await mkdir(store.ingestDir, { recursive: true });
    await store.loadLabels();
    // Anonymous ingest files no writer holds (flock) are leftovers of a crash.
    // One a writer holds is another process's work in progress; resumable
    // ingests (named by their digest) are kept so that an interrupted pull
    // continues; directories (a load's staging) are left to the ingest policy
    // of check and gc, which see the leases.
    for (const name of await readdir(store.ingestDir, { withFileTypes: true })) {
      if (name.isFile() && !RESUMABLE_NAME.test(name.name)) await removeIngestFileUnlessHeld(join(store.ingestDir, name.name));
    }
    return store;
  }

  /** Where downloads and other writes in progress live until they are committed. */
  get ingestDir(): string {
    return join(this.root, 'ingest');
  }

  private get blobDir(): string {
    return join(this.root, 'blobs', 'sha256');
  }

  private get labelDir(): string {
    return join(this.root, 'blobs', 'labels');
  }

  /** Reads the label files; one whose blob is gone (a crash between the two deletes) is removed. */
  private async loadLabels(): Promise<void> {
    for (const name of await readdir(this.labelDir)) {
      const hex = /^([a-f0-9]{64})\.json$/.exec(name)?.[1];
      const path = join(this.labelDir, name);
      if (!hex) {
        if (name.startsWith('.tmp-')) await unlink(path).catch(() => undefined);
        continue;
      }
      if (!(await this.exists(`sha256:${hex}`))) {
        await unlink(path).catch(() => undefined);
        continue;
      }
      try {
        const labels = JSON.parse(await readFile(path, 'utf8')) as unknown;
        if (labels && typeof labels === 'object' && !Array.isArray(labels)) this.labels.set(`sha256:${hex}`, labels as Record<string, string>);
      } catch {
        // An unreadable label file is written whole next time; the blob itself is intact.
      }
    }
  }

  private labelsOf(digest: string): Record<string, string> {
    return { ...(this.labels.get(digest) ?? {}) };
  }

  private async writeLabels(digest: Digest, labels: Record<string, string>): Promise<void> {
    const path = join(this.labelDir, `${digestHex(digest)}.json`);
    if (Object.keys(labels).length === 0) {
      await unlink(path).catch((err: unknown) => (isErrno(err, 'ENOENT') ? undefined : Promise.reject(err)));
      this.labels.delete(digest);
      return;
    }
    await writeFileAtomic(path, JSON.stringify(labels) + '\n');
    this.labels.set(digest, { ...labels });
  }

  /** Where a committed blob lives (it may not exist). */
  blobPath(digest: string): string {
    return join(this.blobDir, digestHex(parseDigest(digest)));
  }

  async writer(expected: Expected = {}, options: IngestOptions = {}): Promise<ContentWriter> {
    if (expected.digest !== undefined) parseDigest(expected.digest);
    if (expected.labels) checkLabels(expected.labels, `labels of ${expected.digest ?? 'a blob'}`);
    if (expected.size !== undefined && !(Number.isSafeInteger(expected.size) && expected.size >= 0)) {
      throw invalidArgument(`invalid blob size ${expected.size}`);
    }
    const path = join(this.ingestDir, randomBytes(12).toString('hex'));
    const fh = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    // Held while it is written (a new file: the lock is free), so check and gc in any process leave it alone.
    try {
      flock(fh.fd, LOCK_EX | LOCK_NB);
    } catch (err) {
      await fh.close();
      await unlink(path).catch(() => undefined);
      throw err;
    }
    return new ContentWriter(this, fh, path, expected, undefined, 0, options.writeBehind);
  }

  /** @internal */
  isResumablePath(path: string): boolean {
    return path.startsWith(this.ingestDir + '/') && RESUMABLE_NAME.test(path.slice(this.ingestDir.length + 1));
  }

  /** The ingest ref of a resumable ingest of `digest`, as a lease names it (kind `ingest`). */
  static ingestRef(digest: string): string {
    return `sha256-${digestHex(parseDigest(digest))}`;
  }

  /**
   * A writer for a blob whose digest and size are known, kept at
   * `<root>/ingest/sha256-<hex>` so that an interrupted write (a dropped
   * connection, a killed process) can be continued: the writer's `offset` is
   * the number of bytes already there, re-hashed on open. Whether they were a
   * true prefix is settled by the digest check at commit, which removes the
   * file on a mismatch. Returns undefined when another writer (in this process
   * or another) holds the ingest; write through writer() then.
   */
  async resumableWriter(expected: { digest: string; size: number }): Promise<ContentWriter | undefined> {
    const digest = parseDigest(expected.digest);
    if (!(Number.isSafeInteger(expected.size) && expected.size >= 0)) throw invalidArgument(`invalid blob size ${expected.size}`);
    const path = join(this.ingestDir, FileContentStore.ingestRef(digest));
    for (let attempt = 0; attempt < 3; attempt++) {
      const fh = await open(path, constants.O_RDWR | constants.O_CREAT, 0o600);
      try {
        if (!flock(fh.fd, LOCK_EX | LOCK_NB)) {
          await fh.close();
          return undefined;
        }
        // The lock is on the inode we opened: if a writer meanwhile committed (renamed) or removed it,
        // the path names another file or none, and this one is not the ingest any more.
        const onDisk = await stat(path).catch((err: unknown) => (isErrno(err, 'ENOENT') ? undefined : Promise.reject(err)));
        const st = await fh.stat();
        let have = st.size;
        if (onDisk?.ino !== st.ino) {
          await fh.close();
          continue;
        }
        if (have > expected.size) {
          // Not a prefix of this blob: start a fresh ingest rather than cut a file in place.
          await unlink(path);
          await fh.close();
          continue;
        }
        const hash = createHash('sha256');
        const buf = Buffer.allocUnsafe(1 << 20);
        for (let pos = 0; pos < have; ) {
          const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, have - pos), pos);
          if (bytesRead === 0) {
            have = pos; // shorter than stat said: resume from what was read
            break;
          }
          hash.update(buf.subarray(0, bytesRead));
          pos += bytesRead;
        }
        if (have < st.size) await fh.truncate(have);
        return new ContentWriter(this, fh, path, { digest, size: expected.size }, hash, have);
      } catch (err) {
        await fh.close().catch(() => undefined);
        throw err;
      }
    }
    return undefined; // the path keeps changing under us: another writer is busy with it
  }

  /** Writes a blob from bytes or a stream of chunks; resolves once it is committed. */
  async ingest(source: ByteSource, expected: Expected = {}, beforeCommit?: BeforeCommit, options: IngestOptions = {}): Promise<ContentInfo> {
    if (expected.digest !== undefined && expected.size !== undefined) {
      await beforeCommit?.(parseDigest(expected.digest));
      const existing = await this.infoIfExists(expected.digest);
      if (existing && existing.size === expected.size) {
        // Already committed: drain nothing, verify nothing more; the blob was verified when written.
        if (!(source instanceof Uint8Array)) await destroySource(source);
        return expected.labels ? this.update(existing.digest, expected.labels) : existing;
      }
    }
    const w = await this.writer(expected, options);
    try {
      if (source instanceof Uint8Array) {
        await w.write(source);
      } else {
        for await (const chunk of source as AsyncIterable<Uint8Array>) await w.write(chunk);
      }
    } catch (err) {
      await w.abort();
      throw err;
    }
    return w.commit(beforeCommit);
  }

  /** @internal Moves a verified ingest file into place; `labels` are added to the blob's. */
  async commitFile(path: string, digest: Digest, size: number, labels?: Record<string, string>): Promise<ContentInfo> {
    const target = this.blobPath(digest);
    const existing = await this.infoIfExists(digest);
    if (existing) {
      await unlink(path).catch(() => undefined);
      return labels ? this.update(digest, labels) : existing;
    }
    // Labels first: a blob is never visible without the labels it was written with (gc roots among them).
    if (labels && Object.keys(labels).length) await this.writeLabels(digest, mergeLabels(this.labelsOf(digest), labels));
    await chmod(path, 0o444);
    // rename(2) replaces atomically: a concurrent writer of the same (verified,
    // identical) blob may win the race; either result is correct.
    await rename(path, target);
    await fsyncDir(this.blobDir);
    const st = await stat(target);
    if (st.size !== size) throw internal(`blob ${digest} has ${st.size} bytes after commit, expected ${size}`);
    return { digest, size, createdAt: st.mtime, labels: this.labelsOf(digest) };
  }

  async exists(digest: string): Promise<boolean> {
    return (await this.infoIfExists(digest)) !== undefined;
  }

  async info(digest: string): Promise<ContentInfo> {
    const info = await this.infoIfExists(digest);
    if (!info) throw notFound(`content ${digest} not found`);
    return info;
  }

  async update(digest: string, labels: Record<string, string>): Promise<ContentInfo> {
    const d = parseDigest(digest);
    checkLabels(labels, `labels of ${d}`);
    const info = await this.info(d);
    await this.writeLabels(d, mergeLabels(info.labels, labels));
    return { ...info, labels: this.labelsOf(d) };
  }

  private async infoIfExists(digest: string): Promise<ContentInfo | undefined> {
    const d = parseDigest(digest);
    try {
      const st = await stat(this.blobPath(d));
      return { digest: d, size: st.size, createdAt: st.mtime, labels: this.labelsOf(d) };
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return undefined;
      throw err;
    }
  }

  async readBlob(digest: string): Promise<Buffer> {
    try {
      return await readFile(this.blobPath(digest));
    } catch (err) {
      if (isErrno(err, 'ENOENT')) throw notFound(`content ${digest} not found`);
      throw err;
    }
  }

  async readStream(digest: string, range: ReadRange = {}): Promise<Readable> {
    const path = this.blobPath(digest);
    const start = range.offset ?? 0;
    if (!(Number.isSafeInteger(start) && start >= 0)) throw invalidArgument(`invalid read offset ${range.offset} for ${digest}`);
    if (range.length !== undefined && !(Number.isSafeInteger(range.length) && range.length >= 0)) {
      throw invalidArgument(`invalid read length ${range.length} for ${digest}`);
    }
    // Open first so a missing blob is a NotFound now, not a stream error later.
    let fh: FileHandle;
    try {
      fh = await open(path, constants.O_RDONLY);
    } catch (err) {
      if (isErrno(err, 'ENOENT')) throw notFound(`content ${digest} not found`);
      throw err;
    }
    if (range.length === 0) {
      await fh.close();
      return Readable.from([]);
    }
    return fh.createReadStream({ start, ...(range.length !== undefined ? { end: start + range.length - 1 } : {}) });
  }

  async delete(digest: string): Promise<void> {
    try {
      await unlink(this.blobPath(digest));
    } catch (err) {
      if (isErrno(err, 'ENOENT')) throw notFound(`content ${digest} not found`);
      throw err;
    }
    await fsyncDir(this.blobDir);
    if (this.labels.has(digest)) await this.writeLabels(parseDigest(digest), {});
  }

  async status(ref?: string): Promise<IngestStatus[]> {
    if (ref !== undefined && (ref === '' || ref.includes('/') || ref === '.' || ref === '..')) throw invalidArgument(`invalid ingest ref ${JSON.stringify(ref)}`);
    const names = ref !== undefined ? [ref] : (await readdir(this.ingestDir)).sort();
    const out: IngestStatus[] = [];
    for (const name of names) {
      const path = join(this.ingestDir, name);
      const st = await lstat(path).catch((err: unknown) => (isErrno(err, 'ENOENT') ? undefined : Promise.reject(err)));
      // Directories are a load's staging, not a blob being written.
      if (!st?.isFile()) continue;
      const hex = RESUMABLE_NAME.exec(name) ? name.slice('sha256-'.length) : undefined;
      out.push({ ref: name, offset: st.size, ...(hex ? { expected: `sha256:${hex}` as Digest } : {}), updatedAt: st.mtime, active: await isIngestHeld(path) });
    }
    if (ref !== undefined && out.length === 0) throw notFound(`ingest ${ref} not found`);
    return out;
  }

  async walk(visit: (info: ContentInfo) => void | Promise<void>, filter: ContentFilter = {}): Promise<void> {
    const terms = filter.labels ?? [];
    for (const info of await this.list()) {
      if (terms.every((t) => hasLabel(info.labels, t))) await visit(info);
    }
  }

  async list(): Promise<ContentInfo[]> {
    const out: ContentInfo[] = [];
    for (const name of await readdir(this.blobDir)) {
      if (!/^[a-f0-9]{64}$/.test(name)) continue;
      try {
        const st = await stat(join(this.blobDir, name));
        out.push({ digest: `sha256:${name}`, size: st.size, createdAt: st.mtime, labels: this.labelsOf(`sha256:${name}`) });
      } catch (err) {
        if (!isErrno(err, 'ENOENT')) throw err;
      }
    }
    return out;
  }
}

const RESUMABLE_NAME = /^sha256-[a-f0-9]{64}$/;

async function destroySource(source: ByteSource): Promise<void> {
  const s = source as { destroy?: () => void };
  if (typeof s.destroy === 'function') s.destroy();
}
