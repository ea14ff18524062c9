// Root: the diff of a container's rootfs as a layer, and back.
import { link, lstat, mkdir, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar-stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lgetxattr } from '@ce/native';
import { ImageStore } from '../../src/image-store.js';
import { unpackLayer } from '../../src/unpack/unpack-layer.js';
import { makeImage, tempDir, writeImageLayout } from '../helpers/image.js';
import { isRoot, mountsUnder, unmountAllUnder } from '../helpers/mounts.js';

let root: { path: string; cleanup: () => Promise<void> };
let store: ImageStore;

beforeEach(async () => {
  root = await tempDir('ce-is-diff-');
  store = await ImageStore.open({ root: join(root.path, 'store') });
});
afterEach(async () => {
  unmountAllUnder(root.path);
  const left = mountsUnder(root.path);
  await root.cleanup();
  expect(left, 'mounts left behind').toEqual([]);
});

/** Every path under `dir` with what a layer carries: type, mode, owner, size, content, device, opaque flag. */
async function describeTree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const rel of (await readdir(dir, { recursive: true })).sort()) {
    const path = join(dir, rel);
    const st = await lstat(path);
    const kind = st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : st.isFile() ? 'file' : st.isCharacterDevice() ? `char ${st.rdev}` : 'other';
    const content = st.isFile() ? await readFile(path, 'utf8') : '';
    const opaque = st.isDirectory() ? (lgetxattr(path, 'trusted.overlay.opaque')?.toString() ?? '') : '';
    out[rel] = `${kind} ${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid} ${content}${opaque ? ` opaque=${opaque}` : ''}${st.isFile() ? ` links=${st.nlink}` : ''}`;
  }
  return out;
}

/** 2.5 MiB + 3 bytes, each 4-byte word its own offset: a piece out of place or out of order shows. */
const big = Buffer.alloc(2.5 * 1024 * 1024 + 3);
for (let off = 0; off + 4 <= big.length; off += 4) big.writeUInt32LE(off, off);

describe.skipIf(!isRoot)('the diff of a container rootfs (needs root)', () => {
  it('turns overlay whiteouts and opaque directories into .wh. entries, and unpacks back to the same changes', async () => {
    const image = await makeImage([
      [
        { name: 'a', data: 'to be deleted' },
        { name: 'd', type: 'directory' },
        { name: 'd/x', data: 'hidden by an opaque dir' },
        { name: 'keep', type: 'directory' },
        { name: 'keep/k', data: 'old' },
      ],
    ]);
    const layout = await writeImageLayout(image, 'docker.io/ce-test/diff:1');
    await store.importOciLayout(layout);
    await rm(layout, { recursive: true, force: true });
    await store.prepareRootfs('diff-ctr', 'ce-test/diff:1');
    const mnt = join(root.path, 'mnt');
    await store.mount('diff-ctr', mnt);
    try {
      await unlink(join(mnt, 'a'));
      await rm(join(mnt, 'd'), { recursive: true });
      await mkdir(join(mnt, 'd'));
      await writeFile(join(mnt, 'd/y'), 'new in the replaced dir');
      await writeFile(join(mnt, 'keep/k'), 'changed');
      await writeFile(join(mnt, 'new'), 'added', { mode: 0o750 });
      // Read in several pieces (1 MiB each, the last one short).
      await writeFile(join(mnt, 'big'), big);
      await link(join(mnt, 'new'), join(mnt, 'new-link'));
    } finally {
      await store.unmount(mnt);
    }

    const { descriptor, diffId } = await store.diff('diff-ctr');
    const names: string[] = [];
    const extract = tar.extract();
    (await store.content.readStream(descriptor.digest)).pipe(createGunzip()).pipe(extract);
    for await (const e of extract) {
      names.push(`${e.header.type} ${e.header.name}${e.header.linkname ? ` -> ${e.header.linkname}` : ''}`);
      e.resume();
    }
    expect(names).toEqual([
      'file .wh.a',
      'file big',
      'directory d/',
      'file d/.wh..wh..opq',
      'file d/y',
      'directory keep/',
      'file keep/k',
      'file new',
      'link new-link -> new',
    ]);

    const replay = join(root.path, 'replay');
    await mkdir(replay);
    const unpacked = await unpackLayer(await store.content.readStream(descriptor.digest), replay);
    expect(unpacked.diffId).toBe(diffId);
    const upper = store.snapshotter.fsPath('diff-ctr');
    expect(await describeTree(replay)).toEqual(await describeTree(upper));
    expect((await readFile(join(replay, 'big'))).equals(big)).toBe(true);
    await store.removeRootfs('diff-ctr');
  });
});
