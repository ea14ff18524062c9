import { spawnSync } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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
    expect(await store.gc()).toEqual({ content: [], snapshots: [], reclaimedBytes: 0 });

    // derived loses its name: its blobs go, its layers stay while the container uses them.
    const derivedManifest = (await store.inspect('derived:1')).target.digest;
    // Removing it collects at once; its bottom layer is the same blob as base's: only its manifest, config and top layer go.
    await store.remove('derived:1', { force: true });
    const gone = [derivedManifest, derived.configDigest, derived.manifest.layers[1]!.digest];
    expect(await blobs()).toEqual(everything.filter((d) => !gone.includes(d)));
    expect(await store.gc()).toEqual({ content: [], snapshots: [], reclaimedBytes: 0 });
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
