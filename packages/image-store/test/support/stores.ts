// Image stores in temp folders, and a small multi-layer image to push and pull.
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { sha256 } from '../../src/digest.js';
import { ImageStore, type ImageStoreOptions } from '../../src/image-store.js';
import { makeImage, tempDir, writeImageLayout, type TestImage } from '../helpers/image.js';

export interface TempStore {
  store: ImageStore;
  root: string;
  cleanup: () => Promise<void>;
}

export async function openTempStore(options: Omit<ImageStoreOptions, 'root'> = {}): Promise<TempStore> {
  const dir = await tempDir('ce-registry-store-');
  const root = join(dir.path, 'store');
  const store = await ImageStore.open({ root, syncLayers: false, ...options });
  return { store, root, cleanup: dir.cleanup };
}

/** A three-layer image whose files say which image they belong to. */
export async function threeLayerImage(tag = 'one', bigLayerBytes = 256 * 1024): Promise<TestImage> {
  // Incompressible data, so the layer blob is as big as asked (for ranged resumes).
  const noise = Buffer.alloc(bigLayerBytes);
  for (let i = 0; i < noise.length; i += 32) sha256(`${tag}-${i}`).slice(7, 39).split('').forEach((c, j) => (noise[i + j] = c.charCodeAt(0) ^ (i & 0xff)));
  return makeImage(
    [
      [{ name: 'etc', type: 'directory' }, { name: 'etc/os-release', data: `ID=ce-test-${tag}\n` }],
      [{ name: 'data.bin', data: noise }],
      [{ name: 'hello', data: `hello from ${tag}\n`, mode: 0o755 }],
    ],
    { entrypoint: ['/hello'], labels: { tag } },
  );
}

/** Imports `image` into `store` under `name`. */
export async function importAs(store: ImageStore, image: TestImage, name: string): Promise<void> {
  const layout = await writeImageLayout(image, name, name.match(/:([^:/]+)$/)?.[1] ?? 'latest');
  try {
    await store.importOciLayout(layout);
  } finally {
    await rm(layout, { recursive: true, force: true });
  }
}

/** Every committed blob matches its digest, and no ingest is left behind. */
export async function expectStoreConsistent(root: string): Promise<void> {
  const blobsDir = join(root, 'blobs', 'sha256');
  for (const name of await readdir(blobsDir)) {
    expect(sha256(await readFile(join(blobsDir, name))), `blob ${name}`).toBe(`sha256:${name}`);
  }
  expect(await readdir(join(root, 'ingest')), 'ingests left behind').toEqual([]);
}
