import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CeError } from '@ce/protocol';
import { ImageStore } from '../../src/image-store.js';
import { chainIds } from '../../src/unpack/unpacker.js';
import type { FsOps } from '../../src/unpack/fs-ops.js';
import { makeImage, tempDir, writeImageLayout, type TestImage } from '../helpers/image.js';

const noFsOps: FsOps = { mknod: () => undefined, lsetxattr: () => undefined };

let root: { path: string; cleanup: () => Promise<void> };
let store: ImageStore;
let hello: TestImage;
let other: TestImage;
const cleanups: Array<() => Promise<void>> = [];

async function imported(image: TestImage, name?: string, options: { name?: string } = {}) {
  const dir = await writeImageLayout(image, name);
  cleanups.push(() => import('node:fs/promises').then((fs) => fs.rm(dir, { recursive: true, force: true })));
  return store.importOciLayout(dir, options);
}

async function failure(p: Promise<unknown>): Promise<CeError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'expected a CeError').toBeInstanceOf(CeError);
  return err as CeError;
}

beforeEach(async () => {
  root = await tempDir();
  store = await ImageStore.open({ root: root.path, fsOps: noFsOps, syncLayers: false });
  hello = await makeImage([[{ name: 'hello', data: 'hello', mode: 0o755 }]], { entrypoint: ['/hello'] });
  other = await makeImage([[{ name: 'hello', data: 'hello', mode: 0o755 }], [{ name: 'etc/x', data: 'x' }]]);
});
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
  await root.cleanup();
});

describe('ImageStore', () => {
  it('imports a layout and describes the image', async () => {
    const [img] = await imported(hello, 'docker.io/library/hello-world:latest');
    expect(img).toMatchObject({
      name: 'docker.io/library/hello-world:latest',
      id: hello.configDigest,
      size: hello.manifest.layers[0]!.size,
      target: { digest: hello.manifestDescriptor.digest },
      labels: {},
    });
    expect(img!.config.config?.Entrypoint).toEqual(['/hello']);
    expect(img!.createdAt).toBeInstanceOf(Date);
    expect((await store.list()).map((i) => i.name)).toEqual(['docker.io/library/hello-world:latest']);
  });

  it('finds an image by familiar name, full name, full id and id prefix', async () => {
    await imported(hello, 'docker.io/library/hello-world:latest');
    const id = hello.configDigest;
    for (const ref of [
      'hello-world',
      'hello-world:latest',
      'library/hello-world',
      'docker.io/library/hello-world:latest',
      id,
      id.slice(7),
      id.slice(7, 11),
      `sha256:${id.slice(7, 19)}`,
      `hello-world@${hello.manifestDescriptor.digest}`,
    ]) {
      expect((await store.get(ref)).id, ref).toBe(id);
    }
  });

  it('says "No such image" with the familiar name', async () => {
    await imported(hello, 'docker.io/library/hello-world:latest');
    const err = await failure(store.get('docker.io/library/nothere:latest'));
    expect(err.code).toBe('NotFound');
    expect(err.message).toBe('No such image: nothere:latest');
    expect((await failure(store.get('hello-world:v2'))).message).toBe('No such image: hello-world:v2');
    expect((await failure(store.get('ffff'))).message).toBe('No such image: ffff:latest');
    expect((await failure(store.get('sha256:ffff'))).message).toBe('No such image: sha256:ffff');
    expect((await failure(store.get('abc'))).message).toBe('No such image: abc:latest');
    expect((await failure(store.get('Bad:Ref'))).code).toBe('InvalidArgument');
  });

  it('refuses an ambiguous id prefix', async () => {
    await imported(hello, 'a');
    await imported(other, 'b');
    // Find the longest common prefix of the two ids, if they share the first 4 digits; else use the empty case.
    const [x, y] = [hello.configDigest.slice(7), other.configDigest.slice(7)];
    let n = 0;
    while (x[n] === y[n]) n++;
    if (n >= 4) expect((await failure(store.get(x.slice(0, n)))).message).toMatch(/ambiguous/);
    expect((await store.get(x.slice(0, Math.max(n + 1, 4)))).id).toBe(hello.configDigest);
  });

  it('tags and untags like docker tag / docker rmi', async () => {
    await imported(hello, 'docker.io/library/hello-world:latest');
    const tagged = await store.tag('hello-world', 'me/hello:v1');
    expect(tagged.name).toBe('docker.io/me/hello:v1');
    expect(tagged.id).toBe(hello.configDigest);

    // By id with two names: must be forced.
    const conflict = await failure(store.remove(hello.configDigest.slice(7, 19)));
    expect(conflict.code).toBe('FailedPrecondition');
    expect(conflict.message).toMatch(/must be forced.*referenced in multiple repositories/);

    // Removing one name only untags.
    expect(await store.remove('me/hello:v1')).toEqual({ untagged: ['me/hello:v1'], deleted: [] });
    // The last name deletes the image.
    expect(await store.remove('hello-world')).toEqual({ untagged: ['hello-world:latest'], deleted: [hello.configDigest] });
    expect(await store.list()).toEqual([]);
    expect((await failure(store.remove('hello-world'))).message).toBe('No such image: hello-world:latest');
    await expect(store.tag('hello-world', 'x@sha256:' + 'a'.repeat(64))).rejects.toThrow(/No such image|digest/);
  });

  it('removes by id with force, untagging every name', async () => {
    await imported(hello, 'a');
    await store.tag('a', 'b');
    expect(await store.remove(hello.configDigest, { force: true })).toEqual({
      untagged: ['a:latest', 'b:latest'],
      deleted: [hello.configDigest],
    });
  });

  it('keeps records across reopen and ignores half-written record files', async () => {
    await imported(hello, 'docker.io/library/hello-world:latest');
    await writeFile(join(root.path, 'images', '.tmp-crashed.json-123'), '{"trunc');
    const reopened = await ImageStore.open({ root: root.path, fsOps: noFsOps });
    expect((await reopened.list()).map((i) => i.name)).toEqual(['docker.io/library/hello-world:latest']);
    expect((await readdir(join(root.path, 'images'))).filter((f) => f.startsWith('.tmp-'))).toEqual([]);
  });

  it('prepares a rootfs: layers unpacked once per chain id, shared, under an overlay', async () => {
    await imported(hello, 'hello');
    await imported(other, 'other');
    const m1 = await store.prepareRootfs('c1', 'hello');
    const m2 = await store.prepareRootfs('c2', 'other');
    const m3 = await store.prepareRootfs('c3', 'hello');
    const snaps = store.snapshotter.list();
    const committed = snaps.filter((s) => s.kind === 'committed').map((s) => s.key).sort();
    // hello's layer is other's bottom layer: 2 committed snapshots, not 3.
    expect(committed).toEqual(chainIds(other.config.rootfs.diff_ids).sort());
    const layerDir = store.snapshotter.fsPath(chainIds(hello.config.rootfs.diff_ids)[0]!);
    expect(await readdir(layerDir)).toEqual(['hello']);

    // A single-layer image still gets an overlay, with the layer below and the container's layer above.
    expect(m1).toEqual([
      {
        type: 'overlay',
        source: 'overlay',
        target: '',
        options: [`lowerdir=${layerDir}`, `upperdir=${store.snapshotter.fsPath('c1')}`, expect.stringMatching(/^workdir=.*\/work$/)],
      },
    ]);
    const lower2 = m2[0]!.options[0]!.slice('lowerdir='.length).split(':');
    expect(lower2).toHaveLength(2);
    expect(lower2[1]).toBe(layerDir); // the bottom layer comes last
    expect(m3[0]!.options[0]).toBe(m1[0]!.options[0]);

    // A used image cannot be deleted without force.
    const inUse = await failure(store.remove('hello'));
    expect(inUse.message).toMatch(/container c1 is using its referenced image/);
    expect((await failure(store.prepareRootfs('c1', 'hello'))).code).toBe('AlreadyExists');

    await store.removeRootfs('c1');
    await store.removeRootfs('c3');
    expect((await failure(store.removeRootfs('c1'))).message).toBe('No such rootfs: c1');
    expect(await store.remove('hello')).toMatchObject({ deleted: [hello.configDigest] });
  });

  it('refuses to unpack a layer that does not match its diff id', async () => {
    const bad = await makeImage([[{ name: 'a', data: 'a' }]]);
    bad.config.rootfs.diff_ids = ['sha256:' + '0'.repeat(64)];
    // Rebuild config and manifest blobs around the wrong diff id.
    const { sha256 } = await import('../../src/digest.js');
    const configBlob = Buffer.from(JSON.stringify(bad.config));
    bad.manifest.config = { ...bad.manifest.config, digest: sha256(configBlob), size: configBlob.length };
    const manifestBlob = Buffer.from(JSON.stringify(bad.manifest));
    bad.blobs = [bad.blobs[0]!, configBlob, manifestBlob];
    bad.manifestDescriptor = { ...bad.manifestDescriptor, digest: sha256(manifestBlob), size: manifestBlob.length };
    await imported(bad, 'bad');
    const err = await failure(store.prepareRootfs('c', 'bad'));
    expect(err.code).toBe('FailedPrecondition');
    expect(err.message).toMatch(/does not match the image config: its tar has diff id sha256:\w+, the config says sha256:0+/);
    expect(store.snapshotter.list()).toEqual([]);
    expect((await readdir(join(root.path, 'snapshots'))).filter((d) => d !== '.')).toEqual([]);
  });
});
