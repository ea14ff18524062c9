import { link, open, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isIngestHeld } from '../../src/content/ingest-lock.js';
import { FileContentStore } from '../../src/content/file-content-store.js';
import { sha256 } from '../../src/digest.js';
import { tempDir } from '../helpers/image.js';
import { rejection } from '../support/fixtures.js';

let root: { path: string; cleanup: () => Promise<void> };
let store: FileContentStore;

beforeEach(async () => {
  root = await tempDir();
  store = await FileContentStore.open(root.path);
});
afterEach(() => root.cleanup());

const blobFiles = async () => readdir(join(root.path, 'blobs', 'sha256'));
const ingestFiles = async () => readdir(join(root.path, 'ingest'));


describe('content store', () => {
  it('tells beforeCommit the digest while the blob is not yet visible (a stream of unknown digest, or bytes found committed)', async () => {
    const data = Buffer.from('leased before it is visible');
    const digest = sha256(data);
    const seen: Array<{ digest: string; existed: boolean }> = [];
    const beforeCommit = async (d: string) => void seen.push({ digest: d, existed: await store.exists(d) });
    await store.ingest(Readable.from([data.subarray(0, 5), data.subarray(5)]), {}, beforeCommit);
    expect(seen).toEqual([{ digest, existed: false }]);
    expect(await store.exists(digest)).toBe(true);
    // Known digest, already there: called before the store looks, so a lease holds it from then on.
    await store.ingest(data, { digest, size: data.length }, beforeCommit);
    expect(seen).toEqual([{ digest, existed: false }, { digest, existed: true }]);
  });

  it('commits a verified blob at blobs/sha256/<hex>, read-only', async () => {
    const data = Buffer.from('hello, content');
    const digest = sha256(data);
    const info = await store.ingest(data, { digest, size: data.length });
    expect(info).toMatchObject({ digest, size: data.length });
    const path = join(root.path, 'blobs', 'sha256', digest.slice(7));
    expect(await readFile(path, 'utf8')).toBe('hello, content');
    expect((await stat(path)).mode & 0o777).toBe(0o444);
    expect(await store.exists(digest)).toBe(true);
    expect((await store.readBlob(digest)).toString()).toBe('hello, content');
    const chunks: Buffer[] = [];
    for await (const c of await store.readStream(digest)) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('hello, content');
    expect((await store.list()).map((i) => i.digest)).toEqual([digest]);
    expect(await ingestFiles()).toEqual([]);
  });

  it('computes the digest when none is expected', async () => {
    const info = await store.ingest(Readable.from([Buffer.from('a'), Buffer.from('b')]));
    expect(info.digest).toBe(sha256('ab'));
  });

  it('rejects a digest mismatch and commits nothing', async () => {
    const err = await rejection(store.ingest(Buffer.from('real'), { digest: sha256('other') }));
    expect(err.code).toBe('InvalidArgument');
    expect(err.message).toBe(`digest mismatch: expected ${sha256('other')}, got ${sha256('real')}`);
    expect(await blobFiles()).toEqual([]);
    expect(await ingestFiles()).toEqual([]);
    expect(await store.exists(sha256('other'))).toBe(false);
    expect(await store.exists(sha256('real'))).toBe(false);
  });

  it('rejects a size mismatch (short and long) and commits nothing', async () => {
    const data = Buffer.from('12345');
    expect((await rejection(store.ingest(data, { digest: sha256(data), size: 6 }))).message).toMatch(
      /size mismatch .*expected 6 bytes, got 5/,
    );
    expect((await rejection(store.ingest(data, { digest: sha256(data), size: 4 }))).message).toMatch(
      /size mismatch .*expected 4 bytes, got more/,
    );
    expect(await blobFiles()).toEqual([]);
    expect(await ingestFiles()).toEqual([]);
  });

  it('cleans up when the source stream fails midway', async () => {
    async function* failing() {
      yield Buffer.from('part');
      throw new Error('network went away');
    }
    await expect(store.ingest(failing())).rejects.toThrow('network went away');
    expect(await blobFiles()).toEqual([]);
    expect(await ingestFiles()).toEqual([]);
  });

  describe('write-behind (commit\'s layer)', () => {
    // FileHandle's prototype: the writer's descriptor is one, so a spy on datasync sees its write-backs.
    let handleProto: { datasync: () => Promise<void> };
    beforeEach(async () => {
      const fh = await open(join(root.path, 'probe'), 'w');
      handleProto = Object.getPrototypeOf(fh) as typeof handleProto;
      await fh.close();
    });
    afterEach(() => vi.restoreAllMocks());
    /** `mib` MiB of bytes that differ from MiB to MiB, as 1 MiB chunks. */
    const chunks = (mib: number) => Array.from({ length: mib }, (_, i) => Buffer.alloc(1024 * 1024, i + 1));

    it('starts writing a big blob back to disk before its commit when asked, and commits it whole', async () => {
      const datasync = vi.spyOn(handleProto, 'datasync');
      const data = chunks(20);
      const digest = sha256(Buffer.concat(data));
      const w = await store.writer({ digest, size: 20 * 1024 * 1024 }, { writeBehind: true });
      for (const c of data) await w.write(c);
      expect(datasync.mock.calls.length).toBeGreaterThanOrEqual(1);
      expect((await w.commit()).digest).toBe(digest);
      expect(sha256(await store.readBlob(digest))).toBe(digest);
      expect(await ingestFiles()).toEqual([]);
    });

    it('leaves a blob to its commit unless asked, and a small one always', async () => {
      const datasync = vi.spyOn(handleProto, 'datasync');
      await store.ingest(chunks(20));
      await store.ingest(Buffer.alloc(1024 * 1024, 7), {}, undefined, { writeBehind: true });
      expect(datasync).not.toHaveBeenCalled();
    });

    it('fails the commit when a write-back failed, and commits nothing (the kernel tells one flush only)', async () => {
      vi.spyOn(handleProto, 'datasync').mockRejectedValue(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
      await expect(store.ingest(chunks(10), {}, undefined, { writeBehind: true })).rejects.toThrow('EIO: i/o error, fdatasync');
      expect(await blobFiles()).toEqual([]);
      expect(await ingestFiles()).toEqual([]);
    });

    it('lets an abort wait for a write-back in flight before it closes the file', async () => {
      let finish!: () => void;
      const events: string[] = [];
      vi.spyOn(handleProto, 'datasync').mockImplementation(() => new Promise<void>((resolve) => (finish = () => (events.push('write-back done'), resolve()))));
      const w = await store.writer({}, { writeBehind: true });
      for (const c of chunks(9)) await w.write(c);
      const aborted = w.abort().then(() => events.push('aborted'));
      await new Promise((r) => setImmediate(r));
      expect(events).toEqual([]);
      finish();
      await aborted;
      expect(events).toEqual(['write-back done', 'aborted']);
      expect(await ingestFiles()).toEqual([]);
    });
  });

  it('lets concurrent writers of the same blob all succeed with one committed copy', async () => {
    const data = Buffer.alloc(3 * 1024 * 1024, 7);
    const digest = sha256(data);
    const slowly = async function* () {
      for (let i = 0; i < data.length; i += 64 * 1024) {
        yield data.subarray(i, i + 64 * 1024);
        await new Promise((r) => setImmediate(r));
      }
    };
    const results = await Promise.all(Array.from({ length: 8 }, () => store.ingest(slowly(), { digest })));
    for (const r of results) expect(r).toMatchObject({ digest, size: data.length });
    expect(await blobFiles()).toEqual([digest.slice(7)]);
    expect(sha256(await store.readBlob(digest))).toBe(digest);
    expect(await ingestFiles()).toEqual([]);
  });

  it('reports missing content as NotFound and validates digests', async () => {
    const missing = sha256('nope');
    expect((await rejection(store.readBlob(missing))).code).toBe('NotFound');
    expect((await rejection(store.readStream(missing))).message).toBe(`content ${missing} not found`);
    expect((await rejection(store.info(missing))).code).toBe('NotFound');
    expect((await rejection(store.delete(missing))).code).toBe('NotFound');
    expect((await rejection(store.readBlob('sha256:../../etc/passwd'))).code).toBe('InvalidArgument');
    expect((await rejection(store.readBlob(`sha512:${'a'.repeat(128)}`))).message).toMatch(/unsupported digest algorithm/);
  });

  it('deletes blobs', async () => {
    const { digest } = await store.ingest(Buffer.from('x'));
    await store.delete(digest);
    expect(await store.exists(digest)).toBe(false);
  });

  it('removes ingest leftovers of a crash when reopened, but not an ingest a live writer holds', async () => {
    const w = await store.writer();
    await w.write(Buffer.from('half'));
    await writeFile(join(root.path, 'ingest', 'left-by-a-crash'), 'partial'); // no writer holds it
    expect(await ingestFiles()).toHaveLength(2);
    await FileContentStore.open(root.path);
    expect(await ingestFiles()).toEqual([basename(w.path)]);
    await w.write(Buffer.from(' and the rest'));
    expect((await w.commit()).digest).toBe(sha256(Buffer.from('half and the rest')));
  });
});

describe('resumable ingests', () => {
  const data = Buffer.from('0123456789'.repeat(1000));
  const digest = sha256(data);

  it('continues an interrupted write after a reopen of the store, re-hashing what is there', async () => {
    const first = (await store.resumableWriter({ digest, size: data.length }))!;
    await first.write(data.subarray(0, 4000));
    await first.suspend();
    expect(await ingestFiles()).toEqual([`sha256-${digest.slice(7)}`]);

    const reopened = await FileContentStore.open(root.path);
    expect(await ingestFiles()).toEqual([`sha256-${digest.slice(7)}`]);
    const second = (await reopened.resumableWriter({ digest, size: data.length }))!;
    expect(second.offset).toBe(4000);
    await second.write(data.subarray(4000));
    expect((await second.commit()).digest).toBe(digest);
    expect(await reopened.readBlob(digest)).toEqual(data);
    expect(await ingestFiles()).toEqual([]);
  });

  it('gives the ingest to one writer at a time', async () => {
    const first = (await store.resumableWriter({ digest, size: data.length }))!;
    expect(await store.resumableWriter({ digest, size: data.length })).toBeUndefined();
    await first.suspend();
    const next = await store.resumableWriter({ digest, size: data.length });
    expect(next).toBeDefined();
    await next!.abort();
    expect(await ingestFiles()).toEqual([]);
  });

  it('removes a partial ingest that was not a prefix of the blob once the digest check fails', async () => {
    const bad = (await store.resumableWriter({ digest, size: data.length }))!;
    await bad.write(Buffer.alloc(100, 0x78));
    await bad.suspend();
    const resumed = (await store.resumableWriter({ digest, size: data.length }))!;
    await resumed.write(data.subarray(100));
    const err = await rejection(resumed.commit());
    expect(err.message).toBe(`digest mismatch: expected ${digest}, got ${sha256(Buffer.concat([Buffer.alloc(100, 0x78), data.subarray(100)]))}`);
    expect(await ingestFiles()).toEqual([]);
    expect(await blobFiles()).toEqual([]);
  });

  it('holds the ingest lock until the blob is renamed into place, so no resumable writer can take the committed file', async () => {
    const w = (await store.resumableWriter({ digest, size: data.length }))!;
    await w.write(data);
    let heldAfterRename: boolean | undefined;
    const commitFile = store.commitFile.bind(store);
    store.commitFile = async (...args) => {
      const info = await commitFile(...args);
      heldAfterRename = await isIngestHeld(store.blobPath(digest)); // the renamed inode is what a racing writer locked
      return info;
    };
    await w.commit();
    expect(heldAfterRename).toBe(true);
    expect(await readFile(store.blobPath(digest))).toEqual(data);
  });

  it('starts a fresh ingest instead of cutting in place a file larger than the blob (it may be a committed blob)', async () => {
    const other = Buffer.from('a committed blob, larger than the one being pulled'.repeat(400));
    await store.ingest(other);
    // The ingest path names the committed blob's inode.
    await link(store.blobPath(sha256(other)), join(root.path, 'ingest', `sha256-${digest.slice(7)}`));
    const w = (await store.resumableWriter({ digest, size: data.length }))!;
    expect(w.offset).toBe(0);
    await w.write(data);
    await w.commit();
    expect(await readFile(store.blobPath(sha256(other)))).toEqual(other);
    expect(await readFile(store.blobPath(digest))).toEqual(data);
  });

  it('clears anonymous ingests no writer holds at open but keeps resumable ones', async () => {
    await writeFile(join(root.path, 'ingest', '0123456789abcdef01234567'), 'x'); // an anonymous ingest whose writer died
    const keep = (await store.resumableWriter({ digest, size: data.length }))!;
    await keep.write(data.subarray(0, 10));
    await keep.suspend();
    await FileContentStore.open(root.path);
    expect(await ingestFiles()).toEqual([`sha256-${digest.slice(7)}`]);
  });
});
