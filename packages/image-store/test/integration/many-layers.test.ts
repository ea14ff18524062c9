// Root: an image of 130 layers, whose overlay lowerdir list is longer than
// the page mount(2) takes, still mounts (shortened as containerd does).
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ImageStore } from '../../src/image-store.js';
import type { LayerEntry } from '../../src/unpack/pack.js';
import { makeImage, tempDir, writeImageLayout } from '../helpers/image.js';
import { isRoot, mountsUnder, unmountAllUnder } from '../helpers/mounts.js';

const LAYERS = 130;

let root: { path: string; cleanup: () => Promise<void> };
beforeEach(async () => {
  root = await tempDir('ce-is-many-layers-');
});
afterEach(async () => {
  unmountAllUnder(root.path);
  const left = mountsUnder(root.path);
  await root.cleanup();
  expect(left, 'mounts left behind').toEqual([]);
});

describe.skipIf(!isRoot)('an image of 130 layers (needs root)', () => {
  it('mounts although its lowerdir list is longer than a page, and shows every layer', async () => {
    const layers: LayerEntry[][] = Array.from({ length: LAYERS }, (_, i) => [
      { name: `layer-${String(i).padStart(3, '0')}`, data: `${i}\n` },
      // Each layer also replaces the same file: the top one must win.
      { name: 'top', data: `${i}\n` },
    ]);
    const image = await makeImage(layers);
    const layout = await writeImageLayout(image, 'docker.io/ce-test/many:1');
    // A long root path makes each lowerdir long, as /var/lib/ce/image-store/snapshots/<n>/fs is.
    const store = await ImageStore.open({ root: join(root.path, 'a-store-root-with-a-rather-long-name'), syncLayers: false });
    await store.importOciLayout(layout);
    await rm(layout, { recursive: true, force: true });

    const [overlay] = await store.prepareRootfs('many', 'ce-test/many:1');
    expect(overlay!.options.join(',').length).toBeGreaterThan(4095);
    const mnt = join(root.path, 'mnt');
    const cwd = process.cwd();
    await store.mount('many', mnt);
    try {
      expect(process.cwd()).toBe(cwd);
      const names = (await readdir(mnt)).filter((n) => n.startsWith('layer-'));
      expect(names).toHaveLength(LAYERS);
      expect(await readFile(join(mnt, 'layer-000'), 'utf8')).toBe('0\n');
      expect(await readFile(join(mnt, 'top'), 'utf8')).toBe(`${LAYERS - 1}\n`);
    } finally {
      await store.unmount(mnt);
    }
    await store.removeRootfs('many');
  });
});
