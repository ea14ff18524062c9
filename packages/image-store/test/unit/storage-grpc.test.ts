// ce.content.v1 and ce.snapshots.v1 over a unix socket, against the real
// FileContentStore and OverlaySnapshotter: the clients give the same answers
// and the same errors as the local services.
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serveUnix, type UnixServer } from '@ce/protocol';
import { FileContentStore } from '../../src/content/file-content-store.js';
import { sha256 } from '../../src/digest.js';
import { ContentGrpcClient } from '../../src/grpc/content-client.js';
import { contentGrpcService } from '../../src/grpc/content-server.js';
import { SnapshotsGrpcClient } from '../../src/grpc/snapshots-client.js';
import { snapshotsGrpcService } from '../../src/grpc/snapshots-server.js';
import { OverlaySnapshotter } from '../../src/snapshots/overlay.js';
import type { SnapshotInfo } from '../../src/snapshots/snapshot-service.js';
import { tempDir } from '../helpers/image.js';
import { rejection } from '../support/fixtures.js';

let root: { path: string; cleanup: () => Promise<void> };
let content: FileContentStore;
let overlay: OverlaySnapshotter;
let server: UnixServer;
let remoteContent: ContentGrpcClient;
let remoteSnapshots: SnapshotsGrpcClient;

beforeEach(async () => {
  root = await tempDir('ce-storage-grpc-');
  content = await FileContentStore.open(join(root.path, 'store'));
  overlay = await OverlaySnapshotter.open(join(root.path, 'store', 'snapshots'), { sync: false });
  server = await serveUnix(join(root.path, 'storage.sock'), [contentGrpcService(content), snapshotsGrpcService(overlay)]);
  remoteContent = new ContentGrpcClient(server.path);
  remoteSnapshots = new SnapshotsGrpcClient(server.path);
});
afterEach(async () => {
  remoteContent.client.close();
  remoteSnapshots.client.close();
  await server.close(0);
  await root.cleanup();
});

const ingests = () => readdir(join(root.path, 'store', 'ingest'));

/** Polls `check` until it holds (bounded): the server aborts a cancelled write on its own schedule. */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting until ${what}`);
}

describe('ce.content.v1 over a unix socket', () => {
  it('writes a blob in chunks with its expected digest and labels, reads it back whole and in ranges', async () => {
    const data = Buffer.alloc(3 * 1024 * 1024 + 17);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7) & 0xff;
    const w = await remoteContent.writer({ digest: sha256(data), size: data.length, labels: { 'ce.gc.root': 'test' } });
    await w.write(data.subarray(0, 1_000_000));
    await w.write(data.subarray(1_000_000));
    expect(w.offset).toBe(data.length);
    const leased: string[] = [];
    const info = await w.commit(async (d) => void leased.push(d));
    expect(leased).toEqual([sha256(data)]);
    expect(info).toEqual(await content.info(sha256(data)));
    expect(info.labels).toEqual({ 'ce.gc.root': 'test' });
    expect((await remoteContent.readBlob(info.digest)).equals(data)).toBe(true);
    const part: Buffer[] = [];
    for await (const c of await remoteContent.readStream(info.digest, { offset: 2 * 1024 * 1024, length: 10 })) part.push(c as Buffer);
    expect(Buffer.concat(part).equals(data.subarray(2 * 1024 * 1024, 2 * 1024 * 1024 + 10))).toBe(true);
    expect(await ingests()).toEqual([]);
  });

  it('refuses a write whose bytes do not match the expected digest, with the store\'s error, and keeps nothing', async () => {
    const err = await rejection(remoteContent.ingest(Readable.from([Buffer.from('not '), Buffer.from('these')]), { digest: sha256('those') }));
    expect(err.code).toBe('InvalidArgument');
    expect(err.message).toContain(`digest mismatch: expected ${sha256('those')}, got ${sha256('not these')}`);
    expect(await content.exists(sha256('not these'))).toBe(false);
    await eventually(async () => (await ingests()).length === 0, 'the ingest is gone');
    expect(await readdir(join(root.path, 'store', 'blobs', 'sha256'))).toEqual([]);
  });

  it('keeps nothing of a write the client aborts', async () => {
    const w = await remoteContent.writer();
    await w.write(Buffer.from('half a blob'));
    await eventually(async () => (await content.status()).some((s) => s.active && s.offset === 11), 'the server holds the write');
    expect(await remoteContent.status()).toEqual(await content.status());
    await w.abort();
    await eventually(async () => (await ingests()).length === 0, 'the aborted ingest is gone');
    expect(await content.exists(sha256('half a blob'))).toBe(false);
  });

  it('lists, labels and deletes as the local store does, with NotFound for what is not there', async () => {
    const a = await remoteContent.ingest(Buffer.from('a'), { labels: { kind: 'x' } });
    const b = await remoteContent.ingest(Buffer.from('b'));
    const seen: string[] = [];
    await remoteContent.walk((i) => void seen.push(i.digest));
    expect(seen.sort()).toEqual([a.digest, b.digest].sort());
    const labelled: string[] = [];
    await remoteContent.walk((i) => void labelled.push(i.digest), { labels: ['kind=x'] });
    expect(labelled).toEqual([a.digest]);
    expect((await remoteContent.update(b.digest, { kind: 'y' })).labels).toEqual({ kind: 'y' });
    await remoteContent.delete(a.digest);
    expect(await remoteContent.exists(a.digest)).toBe(false);
    const missing = await rejection(remoteContent.info(a.digest));
    expect(missing.code).toBe('NotFound');
    expect(missing.message).toContain(`content ${a.digest} not found`);
    expect((await rejection(remoteContent.readStream(a.digest))).code).toBe('NotFound');
    expect((await rejection(remoteContent.readStream(a.digest, { length: 0 }))).code).toBe('NotFound');
    expect((await rejection(remoteContent.delete(a.digest))).code).toBe('NotFound');
  });
});

describe('ce.snapshots.v1 over a unix socket', () => {
  it('prepares, commits, views and lists as the local snapshotter does', async () => {
    const mounts = await remoteSnapshots.prepare('layer-active', undefined, { step: '1' });
    expect(mounts).toEqual(overlay.mountsSync('layer-active'));
    await writeFile(join(overlay.fsPath('layer-active'), 'f'), 'data');
    const committed = await remoteSnapshots.commit('layer', 'layer-active');
    expect(committed).toEqual(await overlay.stat('layer'));
    expect(committed).toMatchObject({ key: 'layer', kind: 'committed', labels: { step: '1' } });
    expect(committed.parent).toBeUndefined();
    expect(await remoteSnapshots.usage('layer')).toEqual({ size: 4, inodes: 1 });
    expect(await remoteSnapshots.view('v', 'layer')).toEqual(await overlay.mounts('v'));
    expect(await remoteSnapshots.prepare('ctr', 'layer', { owner: 'me' })).toEqual(await remoteSnapshots.mounts('ctr'));
    expect((await remoteSnapshots.update('ctr', { extra: 'yes' })).labels).toEqual({ owner: 'me', extra: 'yes' });
    const all: SnapshotInfo[] = [];
    await remoteSnapshots.walk((i) => void all.push(i));
    const local: SnapshotInfo[] = [];
    await overlay.walk((i) => void local.push(i));
    expect(all.sort((x, y) => x.key.localeCompare(y.key))).toEqual(local.sort((x, y) => x.key.localeCompare(y.key)));
    const views: string[] = [];
    await remoteSnapshots.walk((i) => void views.push(i.key), { kind: 'view' });
    expect(views).toEqual(['v']);
    const owned: string[] = [];
    await remoteSnapshots.walk((i) => void owned.push(i.key), { parent: 'layer', labels: ['owner=me'] });
    expect(owned).toEqual(['ctr']);
  });

  it('carries the snapshotter\'s errors: a missing key named, a parent with children refused', async () => {
    const missing = await rejection(remoteSnapshots.commit('x', 'no-such'));
    expect(missing.code).toBe('NotFound');
    expect(missing.message).toContain('cannot commit snapshot no-such: it does not exist');
    await remoteSnapshots.prepare('a', undefined);
    await remoteSnapshots.commit('base', 'a');
    await remoteSnapshots.prepare('child', 'base');
    const refused = await rejection(remoteSnapshots.remove('base'));
    expect(refused.code).toBe('FailedPrecondition');
    expect(refused.message).toContain('cannot remove snapshot base: it is the parent of child');
    await remoteSnapshots.remove('child');
    await remoteSnapshots.remove('base');
    expect((await rejection(remoteSnapshots.stat('base'))).code).toBe('NotFound');
  });
});
