// Root: partial downloads a failed pull leaves are shown by diskUsage and
// reclaimed by prune (issue 8 item 12), while one a pull still retrying holds
// is kept and resumed.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isRoot } from '../helpers/mounts.js';
import { startBlobProxy } from '../support/blob-proxy.js';
import { importAs, threeLayerImage } from '../support/stores.js';
import { onCleanup, registry, rejection, stopAfterEach, store } from '../support/fixtures.js';

stopAfterEach();

async function pushedImage(tag: string) {
  const reg = await registry();
  const image = await threeLayerImage(tag, 2 << 20);
  const src = await store();
  await importAs(src.store, image, `${reg.host}/ce/${tag}:v1`);
  await src.store.push(`${reg.host}/ce/${tag}:v1`);
  return { reg, image, big: image.manifest.layers[1]! };
}

describe.skipIf(!isRoot)('partial downloads (needs root)', () => {
  it('a failed pull leaves a partial download that diskUsage shows and prune reclaims, -a or not', async () => {
    const { reg, big } = await pushedImage('failed');
    const proxy = await startBlobProxy(reg, big.digest, { cutAfter: 1_000_000, thenMissing: true });
    onCleanup(proxy.close);
    const dst = await store();
    const err = await rejection(dst.store.pull(`${proxy.host}/ce/failed:v1`));
    expect(err.code).toBe('NotFound');

    const ingest = join(dst.root, 'ingest', `sha256-${big.digest.slice(7)}`);
    const have = (await stat(ingest)).size;
    expect(have).toBeGreaterThan(0);
    const df = await dst.store.diskUsage();
    expect(df.partialDownloads).toEqual([{ digest: big.digest, size: have, active: false }]);

    // gc after an rmi keeps it: the next pull resumes from it.
    await dst.store.gc();
    expect((await dst.store.diskUsage()).partialDownloads).toHaveLength(1);

    const pruned = await dst.store.prune();
    expect(pruned.partialDownloads).toEqual([big.digest]);
    expect(pruned.reclaimedBytes).toBeGreaterThanOrEqual(have);
    await expect(stat(ingest)).rejects.toThrow(/ENOENT/);
    expect((await dst.store.diskUsage()).partialDownloads).toEqual([]);
    expect(await dst.store.check()).toEqual([]);
  });

  it('keeps the partial download of a pull still retrying, which then resumes it', async () => {
    const { reg, image, big } = await pushedImage('retrying');
    const proxy = await startBlobProxy(reg, big.digest, { cutAfter: 1_500_000, stall: true });
    onCleanup(proxy.close);
    const dst = await store();
    const pulling = dst.store.pull(`${proxy.host}/ce/retrying:v1`);
    pulling.catch(() => undefined);
    await proxy.stalled;
    const ingest = join(dst.root, 'ingest', `sha256-${big.digest.slice(7)}`);
    // Bounded poll: the writer puts what arrived on disk 1 MiB at a time.
    let have = 0;
    for (const deadline = Date.now() + 10_000; have === 0 && Date.now() < deadline; ) {
      have = (await stat(ingest).catch(() => ({ size: 0 }))).size;
      if (have === 0) await new Promise((r) => setTimeout(r, 20));
    }
    expect(have).toBeGreaterThan(0);
    // (The small layers may be mid-download too; the stalled one is the one to watch.)
    const partial = (await dst.store.diskUsage()).partialDownloads.find((p) => p.digest === big.digest);
    expect(partial).toEqual({ digest: big.digest, size: have, active: true });

    const pruned = await dst.store.prune({ all: true });
    expect(pruned.partialDownloads).not.toContain(big.digest);
    expect((await stat(ingest)).size).toBe(have);

    proxy.release();
    const pulled = await pulling;
    expect(pulled.image.id).toBe(image.configDigest);
    // The retry asked for the rest: from at least what was on disk when prune ran.
    expect(proxy.ranges).toHaveLength(2);
    expect(proxy.ranges[0]).toBeUndefined();
    expect(Number(/^bytes=(\d+)-$/.exec(proxy.ranges[1] ?? '')?.[1])).toBeGreaterThanOrEqual(have);
    expect((await dst.store.diskUsage()).partialDownloads).toEqual([]);
  });
});
