// Root: a store on a small tmpfs runs out of space while loading, unpacking
// and pulling, and says so (issue 8 item 14) instead of blaming the archive
// or the layer.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ImageStore } from '../../src/image-store.js';
import { isRoot, unmountAllUnder } from '../helpers/mounts.js';
import { makeImage, tempDir } from '../helpers/image.js';
import { importAs } from '../support/stores.js';
import { onCleanup, registry, rejection, stopAfterEach, store } from '../support/fixtures.js';

stopAfterEach();

/** An image store whose root is a fresh tmpfs of `sizeMiB`, unmounted after the test. */
async function storeOnTmpfs(sizeMiB: number): Promise<{ store: ImageStore; root: string }> {
  const dir = await tempDir('ce-no-space-');
  const root = join(dir.path, 'store');
  await mkdir(root);
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMiB}m,mode=0700`, 'tmpfs', root]);
  onCleanup(async () => {
    unmountAllUnder(root);
    await dir.cleanup();
  });
  return { store: await ImageStore.open({ root, syncLayers: false }), root };
}

/** A one-layer image of `bytes` of random data (it does not compress). */
const bigImage = (bytes: number) => makeImage([[{ name: 'noise.bin', data: randomBytes(bytes) }]], { entrypoint: ['/noise.bin'] });

/** The `docker save` tar of `image`, as bytes. */
async function archiveOf(image: Awaited<ReturnType<typeof bigImage>>, name: string): Promise<Buffer> {
  const src = await store();
  await importAs(src.store, image, name);
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await src.store.save([name], out);
  out.end();
  return Buffer.concat(chunks);
}

async function* chunksOf(buf: Buffer): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < buf.length; i += 64 * 1024) yield buf.subarray(i, i + 64 * 1024);
}

describe.skipIf(!isRoot)('a full disk (needs root)', () => {
  it('load: "no space left on device while staging an image archive in <staging>", not an unreadable tar', async () => {
    const archive = await archiveOf(await bigImage(6 << 20), 'ce/big:v1');
    const { store: full, root } = await storeOnTmpfs(4);
    const err = await rejection(full.load(chunksOf(archive)));
    expect(err.code).toBe('ResourceExhausted');
    expect(err.message).toMatch(new RegExp(`^no space left on device while staging an image archive in ${root}/ingest/load-[0-9a-f]+$`));
    expect(await full.metadata.list()).toEqual([]);
  });

  it('unpack: "no space left on device while unpacking a layer into <dir>", not a corrupt layer', async () => {
    const archive = await archiveOf(await bigImage(3 << 20), 'ce/unpack:v1');
    const { store: full, root } = await storeOnTmpfs(5);
    await full.load(chunksOf(archive));
    const err = await rejection(full.prepareRootfs('c1', 'ce/unpack:v1'));
    expect(err.code).toBe('ResourceExhausted');
    expect(err.message).toMatch(new RegExp(`^no space left on device while unpacking a layer into ${root}/snapshots/\\S+$`));
    expect(err.message).not.toMatch(/corrupt/);
  });

  it('pull: "no space left on device while …" naming the store, not a network or layer error', async () => {
    const reg = await registry();
    const src = await store();
    await importAs(src.store, await bigImage(6 << 20), `${reg.host}/ce/big:v1`);
    await src.store.push(`${reg.host}/ce/big:v1`);
    const { store: full, root } = await storeOnTmpfs(4);
    const err = await rejection(full.pull(`${reg.host}/ce/big:v1`));
    expect(err.code).toBe('ResourceExhausted');
    expect(err.message).toMatch(new RegExp(`^no space left on device while (downloading sha256:[0-9a-f]{64} into ${root}/ingest|unpacking a layer into ${root}/snapshots/\\S+)$`));
  });
});
