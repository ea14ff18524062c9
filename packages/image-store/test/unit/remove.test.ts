// docker rmi's rules for images containers use (daemon/images/image_delete.go).
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ImageStore } from '../../src/image-store.js';
import type { FsOps } from '../../src/unpack/fs-ops.js';
import { legacyDockerSaveEntries, tarOf } from '../helpers/archive.js';
import { makeImage, tempDir, type TestImage } from '../helpers/image.js';

const noFsOps: FsOps = { mknod: () => undefined, lsetxattr: () => undefined };
const CTR = 'c0ffee00'.repeat(8);

let root: { path: string; cleanup: () => Promise<void> };
let store: ImageStore;
let image: TestImage;
let running = false;

beforeEach(async () => {
  root = await tempDir('ce-remove-');
  store = await ImageStore.open({ root: root.path, fsOps: noFsOps, syncLayers: false });
  store.useContainerState((key) => running && key === CTR);
  image = await makeImage([[{ name: 'bin/sh', data: 'sh', mode: 0o755 }]], { compression: 'none' });
  await store.load(Readable.from([await tarOf(legacyDockerSaveEntries(image, ['app:1']))]));
  await store.prepareRootfs(CTR, 'app:1');
});
afterEach(async () => {
  await store.removeRootfs(CTR);
  await root.cleanup();
});

const short = (d: string) => d.replace('sha256:', '').slice(0, 12);

describe('removing an image a container uses', () => {
  it('a stopped container: refused without force, deleted with it', async () => {
    await expect(store.remove('app:1')).rejects.toThrow(
      `conflict: unable to remove repository reference "app:1" (must force) - container ${short(CTR)} is using its referenced image ${short(image.configDigest)}`,
    );
    await expect(store.remove(image.configDigest)).rejects.toThrow(
      `conflict: unable to delete ${short(image.configDigest)} (must be forced) - image is being used by stopped container ${short(CTR)}`,
    );
    expect(await store.remove(image.configDigest, { force: true })).toEqual({ untagged: ['app:1'], deleted: [image.configDigest] });
  });

  it('a running container: by id never, by name forced only untags', async () => {
    running = true;
    try {
      await expect(store.remove(image.configDigest, { force: true })).rejects.toThrow(
        `conflict: unable to delete ${short(image.configDigest)} (cannot be forced) - image is being used by running container ${short(CTR)}`,
      );
      expect(await store.remove('app:1', { force: true })).toEqual({ untagged: ['app:1'], deleted: [] });
      // The container's layers stay: garbage collection keeps what an active snapshot is built on.
      await store.gc();
      expect(store.snapshotter.list().map((s) => s.key)).toContain(CTR);
      expect(store.snapshotter.list()).toHaveLength(2);
    } finally {
      running = false;
    }
  });
});
