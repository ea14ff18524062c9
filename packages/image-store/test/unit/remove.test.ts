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
  if (store.rootfsKeys().includes(CTR)) await store.removeRootfs(CTR);
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

  it('a stopped container: its tag keeps even a digest name of the same repository from going without force', async () => {
    const digestName = `docker.io/library/app@sha256:${'d'.repeat(64)}`;
    await store.metadata.put({ name: digestName, target: (await store.get('app:1')).target, labels: {} });
    await expect(store.remove(digestName)).rejects.toThrow(
      `conflict: unable to remove repository reference "${digestName.replace('docker.io/library/', '')}" (must force) - container ${short(CTR)} is using its referenced image`,
    );
    expect(await store.remove(digestName, { force: true })).toEqual({ untagged: [digestName.replace('docker.io/library/', '')], deleted: [] });
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

describe('removing names by digest (RepoDigests), by dockerd\'s rules', () => {
  const digest = `sha256:${'d'.repeat(64)}`;
  const named = async (...names: string[]) => {
    const { target } = await store.get('app:1');
    for (const name of names) await store.metadata.put({ name, target, labels: {} });
  };
  const names = async () => (await store.metadata.list()).map((m) => m.name).sort();
  // No container here: these are the rules for names alone.
  beforeEach(() => store.removeRootfs(CTR));

  it('a digest name goes alone; the last tag of a repository takes its digest names along', async () => {
    await named(`docker.io/library/app@${digest}`, 'docker.io/library/app:2');
    expect(await store.remove(`app@${digest}`)).toEqual({ untagged: [`app@${digest}`], deleted: [] });
    await named(`docker.io/library/app@${digest}`);
    // Another tag of the repository is left: the digest name stays.
    expect(await store.remove('app:1')).toEqual({ untagged: ['app:1'], deleted: [] });
    expect(await names()).toEqual(['docker.io/library/app:2', `docker.io/library/app@${digest}`]);
    expect(await store.remove('app:2')).toEqual({ untagged: ['app:2', `app@${digest}`], deleted: [image.configDigest] });
  });

  it('by id without force when the names are one repository with at most one tag', async () => {
    await named(`docker.io/library/app@${digest}`);
    expect(await store.remove(image.configDigest)).toEqual({ untagged: ['app:1', `app@${digest}`], deleted: [image.configDigest] });
  });

  it('by id needs force for names in two repositories, even by digest', async () => {
    await named(`docker.io/library/other@${digest}`);
    await expect(store.remove(image.configDigest)).rejects.toThrow('image is referenced in multiple repositories');
    expect(await names()).toEqual(['docker.io/library/app:1', `docker.io/library/other@${digest}`]);
  });

  it('an image named by digests alone is dangling: image prune removes it', async () => {
    await named(`docker.io/library/other@${digest}`);
    expect((await store.prune()).deleted).toEqual([]);
    await store.remove('app:1');
    expect(await names()).toEqual([`docker.io/library/other@${digest}`]);
    const pruned = await store.prune();
    expect(pruned).toMatchObject({ untagged: [`other@${digest}`], deleted: [image.configDigest] });
    expect(await names()).toEqual([]);
  });
});
