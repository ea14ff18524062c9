import { spawnSync } from 'node:child_process';
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/digest.js';
import { ImageStore } from '../../src/image-store.js';
import { FileLeaseManager, processStartTime } from '../../src/leases/manager.js';
import type { FsOps } from '../../src/unpack/fs-ops.js';
import { chainIds } from '../../src/unpack/unpacker.js';
import { legacyDockerSaveEntries, tarOf } from '../helpers/archive.js';
import { makeImage, tempDir, type TestImage } from '../helpers/image.js';

const noFsOps: FsOps = { mknod: () => undefined, lsetxattr: () => undefined };

let root: { path: string; cleanup: () => Promise<void> };
let store: ImageStore;
let base: TestImage;
let derived: TestImage;

const load = async (image: TestImage, tags: string[]) => store.load(Readable.from([await tarOf(legacyDockerSaveEntries(image, tags))]));
const blobs = async () => (await store.content.list()).map((b) => b.digest).sort();
const snapshots = () => store.snapshotter.list().map((s) => s.key).sort();

beforeEach(async () => {
  root = await tempDir('ce-gc-');
  store = await ImageStore.open({ root: root.path, fsOps: noFsOps, syncLayers: false });
  base = await makeImage([[{ name: 'bin/sh', data: 'sh', mode: 0o755 }]], { compression: 'none' });
  derived = await makeImage([[{ name: 'bin/sh', data: 'sh', mode: 0o755 }], [{ name: 'app', data: 'app' }]], { compression: 'none' });
});
afterEach(() => root.cleanup());

describe('leases', () => {
  it('persist what they hold until released', async () => {
    const lease = await store.leases.create({ reason: 'pull docker.io/library/busybox:latest' });
    await lease.add({ kind: 'content', id: 'sha256:' + 'a'.repeat(64) });
    await lease.add({ kind: 'snapshot', id: 'layer-1' });
    const other = await FileLeaseManager.open(join(root.path, 'leases')); // what another process sees
    const [seen] = await other.list();
    expect(seen).toMatchObject({
      id: lease.id,
      live: true,
      reason: 'pull docker.io/library/busybox:latest',
      owner: { pid: process.pid, startTime: processStartTime(process.pid) },
      resources: [
        { kind: 'content', id: 'sha256:' + 'a'.repeat(64) },
        { kind: 'snapshot', id: 'layer-1' },
      ],
    });
    await lease.release();
    expect(await other.list()).toEqual([]);
    await expect(lease.add({ kind: 'content', id: 'x' })).rejects.toThrow(/already released/);
  });

  it("protect nothing once their owner has exited or they have expired", async () => {
    const expired = await store.leases.create({ expiresInMs: 1 });
    const dead = await store.leases.create();
    const child = spawnSync('true');
    expect(child.status).toBe(0);
    // Rewrite the lease as if `true` (now exited) had taken it.
    const file = join(root.path, 'leases', `${dead.id}.json`);
    const rec = JSON.parse(await import('node:fs/promises').then((fs) => fs.readFile(file, 'utf8')));
    rec.owner = { pid: child.pid, startTime: '1' };
    await writeFile(file, JSON.stringify(rec));
    await new Promise((r) => setTimeout(r, 5));
    const list = await store.leases.list();
    expect(list.find((l) => l.id === expired.id)).toMatchObject({ live: false, deadReason: expect.stringMatching(/^expired at /) });
    expect(list.find((l) => l.id === dead.id)).toMatchObject({ live: false, deadReason: expect.stringMatching(/^owner pid \d+ has exited/) });
  });
});

describe('garbage collection', () => {
  it('deletes only what no image, container or live lease reaches', async () => {
    await load(base, ['base:1']);
    await load(derived, ['derived:1']);
    await store.prepareRootfs('ctr-1', 'derived:1');
    const [baseChain] = chainIds(base.config.rootfs.diff_ids);
    const derivedChains = chainIds(derived.config.rootfs.diff_ids);
    const everything = await blobs();
    expect(await store.gc()).toEqual({ content: [], snapshots: [], ingests: [], reclaimedBytes: 0 });

    // derived loses its name: its blobs go, its layers stay while the container uses them.
    const derivedManifest = (await store.inspect('derived:1')).target.digest;
    // Removing it collects at once; its bottom layer is the same blob as base's: only its manifest, config and top layer go.
    await store.remove('derived:1', { force: true });
    const gone = [derivedManifest, derived.configDigest, derived.manifest.layers[1]!.digest];
    expect(await blobs()).toEqual(everything.filter((d) => !gone.includes(d)));
    expect(await store.gc()).toEqual({ content: [], snapshots: [], ingests: [], reclaimedBytes: 0 });
    expect(snapshots()).toEqual(['ctr-1', ...derivedChains].sort());

    // Without the container, derived's top layer goes; base's layer is still base's.
    await store.removeRootfs('ctr-1');
    const gc2 = await store.gc();
    expect(gc2.snapshots).toEqual([derivedChains[1]]);
    expect(gc2.reclaimedBytes).toBe(3); // "app"
    expect(snapshots()).toEqual([baseChain]);

    // A live lease keeps a blob that nothing else references.
    const lease = await store.leases.create();
    const orphan = await store.content.ingest(Buffer.from('in flight'));
    await lease.add({ kind: 'content', id: orphan.digest });
    await store.gc();
    expect(await store.content.exists(orphan.digest)).toBe(true);
    await lease.release();
    expect((await store.gc()).content).toEqual([orphan.digest]);
  });

  it('prune -a removes images no container uses and reports the space', async () => {
    await load(base, ['base:1']);
    await load(derived, ['derived:1']);
    await store.prepareRootfs('ctr-2', 'base:1');
    expect((await store.prune()).reclaimedBytes).toBe(0); // nothing dangling
    const result = await store.prune({ all: true });
    expect(result.untagged).toEqual(['derived:1']);
    expect(result.deleted).toEqual([derived.configDigest]);
    expect(result.reclaimedBytes).toBeGreaterThan(0);
    expect((await store.list()).map((i) => i.name)).toEqual(['docker.io/library/base:1']);
    await store.removeRootfs('ctr-2');
  });
});

describe('disk usage', () => {
  it('splits image sizes into shared and unique, and counts containers', async () => {
    await load(base, ['base:1']);
    await load(derived, ['derived:1']);
    await store.prepareRootfs('ctr-3', 'derived:1');
    await writeFile(join(store.snapshotter.fsPath('ctr-3'), 'written'), '12345');
    const df = await store.diskUsage();
    const byId = Object.fromEntries(df.images.map((i) => [i.id, i]));
    expect(byId[base.configDigest]).toMatchObject({ size: 2, sharedSize: 2, uniqueSize: 0, containers: 0 });
    expect(byId[derived.configDigest]).toMatchObject({ size: 5, sharedSize: 2, uniqueSize: 3, containers: 1 });
    expect(df.containers).toEqual([{ key: 'ctr-3', imageId: derived.configDigest, size: 5 }]);
    expect(df.layersSize).toBe(5);
    await store.removeRootfs('ctr-3');
  });
});

describe('ingests under check and gc', () => {
  const ingestDir = () => join(root.path, 'ingest');
  const names = async () => (await readdir(ingestDir())).sort();
  const partialOf = async (data: Buffer, bytes: number) => {
    const w = (await store.content.resumableWriter({ digest: sha256(data), size: data.length }))!;
    await w.write(data.subarray(0, bytes));
    return w;
  };
  const daysAgo = (n: number) => new Date(Date.now() - n * 24 * 60 * 60 * 1000);

  it('leaves alone what a writer holds, anonymous or resumable, even with no lease', async () => {
    const anon = await store.content.writer();
    await anon.write(Buffer.from('in flight'));
    const resumable = await partialOf(Buffer.from('a download in progress'), 4);
    await utimes(resumable.path, daysAgo(2), daysAgo(2)); // held: its age does not matter
    expect(await store.check({ repair: true })).toEqual([]);
    expect((await store.gc()).ingests).toEqual([]);
    expect(await names()).toEqual([basename(anon.path), basename(resumable.path)].sort());
    expect((await anon.commit()).digest).toBe(sha256(Buffer.from('in flight')));
    await resumable.abort();
  });

  it('keeps a resumable download younger than 24 h for the next pull: no finding, not collected', async () => {
    const data = Buffer.from('resume me later');
    await (await partialOf(data, 6)).suspend();
    expect(await store.check({ repair: true })).toEqual([]);
    expect((await store.gc()).ingests).toEqual([]);
    const resumed = (await store.content.resumableWriter({ digest: sha256(data), size: data.length }))!;
    expect(resumed.offset).toBe(6);
    await resumed.abort();
  });

  it('reports and collects a resumable download abandoned for more than 24 h, or whose blob is committed', async () => {
    const old = Buffer.from('abandoned download');
    const done = Buffer.from('committed meanwhile');
    await (await partialOf(old, 5)).suspend();
    await (await partialOf(done, 5)).suspend();
    const holder = await store.leases.create(); // the committed blob stays (gc would collect an unreferenced one first)
    await holder.add({ kind: 'content', id: sha256(done) });
    await store.content.ingest(done);
    const oldName = `sha256-${sha256(old).slice(7)}`;
    const doneName = `sha256-${sha256(done).slice(7)}`;
    await utimes(join(ingestDir(), oldName), daysAgo(2), daysAgo(2));
    const findings = await store.check();
    expect(findings.map((f) => [f.kind, f.subject, f.repaired])).toEqual(
      [
        ['stale-ingest', oldName, false],
        ['stale-ingest', doneName, false],
      ].sort(),
    );
    expect(findings.find((f) => f.subject === oldName)!.message).toMatch(/^ingest sha256-[0-9a-f]{64} is a download of sha256:[0-9a-f]{64} abandoned since .* \(5 bytes\)$/);
    expect(findings.find((f) => f.subject === doneName)!.message).toContain('which is committed already');
    const gc = await store.gc();
    expect(gc.ingests.sort()).toEqual([oldName, doneName].sort());
    expect(gc.reclaimedBytes).toBe(10);
    expect(await names()).toEqual([]);
    expect(await store.content.exists(sha256(done))).toBe(true);
    await holder.release();
  });

  it('reports, repairs and collects ingests no lease or writer holds; a leased one stays', async () => {
    await writeFile(join(ingestDir(), 'left-by-a-crash'), 'partial');
    await mkdir(join(ingestDir(), 'load-0011223344556677'));
    await writeFile(join(ingestDir(), 'load-0011223344556677', 'layer.tar'), 'abc');
    const lease = await store.leases.create({ reason: 'load in another process' });
    await lease.add({ kind: 'ingest', id: 'load-8899aabbccddeeff' });
    await mkdir(join(ingestDir(), 'load-8899aabbccddeeff'));
    expect((await store.check()).map((f) => f.subject)).toEqual(['left-by-a-crash', 'load-0011223344556677']);
    expect((await store.check({ repair: true })).every((f) => f.repaired)).toBe(true);
    expect(await names()).toEqual(['load-8899aabbccddeeff']);
    await writeFile(join(ingestDir(), 'left-again'), 'xy');
    expect(await store.gc()).toMatchObject({ ingests: ['left-again'], reclaimedBytes: 2 });
    expect(await names()).toEqual(['load-8899aabbccddeeff']);
    await lease.release();
    expect((await store.gc()).ingests).toEqual(['load-8899aabbccddeeff']);
  });
});

describe('check', () => {
  it('finds corrupt blobs, missing content, orphan snapshots, stale ingests and dead leases, and repairs them', async () => {
    await load(base, ['base:1']);
    expect(await store.check()).toEqual([]);
    const configPath = store.content.blobPath(base.configDigest);
    const layer = base.manifest.layers[0]!.digest;
    await import('node:fs/promises').then(async (fs) => {
      await fs.chmod(configPath, 0o644);
      await fs.writeFile(configPath, '{"tampered":true}');
      await fs.unlink(store.content.blobPath(layer));
      await fs.writeFile(join(root.path, 'ingest', 'left-by-a-crash'), 'partial');
    });
    const dead = await store.leases.create({ expiresInMs: 1, reason: 'pull x' });
    await new Promise((r) => setTimeout(r, 5));
    const findings = await store.check();
    expect(findings.map((f) => [f.kind, f.subject])).toEqual([
      ['corrupt-blob', base.configDigest],
      ['missing-content', layer],
      ['stale-ingest', 'left-by-a-crash'],
      ['dead-lease', dead.id],
    ]);
    expect(findings.every((f) => !f.repaired)).toBe(true);
    const repaired = await store.check({ repair: true });
    expect(repaired.filter((f) => f.repaired).map((f) => f.kind)).toEqual(['corrupt-blob', 'stale-ingest', 'dead-lease']);
    expect(await readdir(join(root.path, 'ingest'))).toEqual([]);
    expect(await store.leases.list()).toEqual([]);
    // Only the record that points at missing content is left to report.
    expect((await store.check()).map((f) => f.kind)).toEqual(['missing-content', 'missing-content']);
  });
});
