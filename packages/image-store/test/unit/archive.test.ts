import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar-stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/digest.js';
import { ImageStore } from '../../src/image-store.js';
import { MediaType } from '../../src/oci/media-types.js';
import type { FsOps } from '../../src/unpack/fs-ops.js';
import { blobOf, legacyDockerSaveEntries, tarOf, type TarEntry } from '../helpers/archive.js';
import { makeImage, tempDir, writeImageLayout, type TestImage } from '../helpers/image.js';

const noFsOps: FsOps = { mknod: () => undefined, lsetxattr: () => undefined };

let root: { path: string; cleanup: () => Promise<void> };
let store: ImageStore;
let image: TestImage;

beforeEach(async () => {
  root = await tempDir('ce-archive-');
  store = await ImageStore.open({ root: join(root.path, 'store'), fsOps: noFsOps, syncLayers: false });
  image = await makeImage([[{ name: 'hello', data: 'hello', mode: 0o755 }], [{ name: 'etc/motd', data: 'hi' }]], { compression: 'none' });
});
afterEach(() => root.cleanup());

async function saved(s: ImageStore, refs: string[]): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await s.save(refs, out);
  return Buffer.concat(chunks);
}

async function entriesOf(archive: Buffer): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const extract = tar.extract();
  Readable.from([archive]).pipe(extract);
  for await (const e of extract) {
    const chunks: Buffer[] = [];
    for await (const c of e) chunks.push(c as Buffer);
    out.set(e.header.name, Buffer.concat(chunks));
  }
  return out;
}

describe('load: docker save archives', () => {
  it('loads the legacy layout of Docker 20.10 (<id>/layer.tar, <config>.json) under its RepoTags', async () => {
    const archive = await tarOf(legacyDockerSaveEntries(image, ['hello:latest', 'example.com/team/hello:1.0']));
    const loaded = await store.load(Readable.from([archive]));
    expect(loaded.map((i) => i.name)).toEqual(['docker.io/library/hello:latest', 'example.com/team/hello:1.0']);
    expect(loaded.every((i) => i.id === image.configDigest)).toBe(true);
    const inspected = await store.inspect('hello');
    // The legacy layout carries no manifest: ce makes the Docker schema 2 manifest a registry would serve.
    expect(inspected.manifest.mediaType).toBe(MediaType.DockerManifest);
    expect(inspected.manifest.layers.map((l) => [l.mediaType, l.digest])).toEqual(
      image.manifest.layers.map((l) => [MediaType.DockerLayer, l.digest]),
    );
    expect(await store.content.exists(inspected.target.digest)).toBe(true);
    // Nothing of the archive stays in the ingest folder, and the load's lease is released.
    expect(await store.check()).toEqual([]);
    expect(await store.leases.list()).toEqual([]);
  });

  it('loads a gzip-compressed archive (docker save | gzip)', async () => {
    const archive = gzipSync(await tarOf(legacyDockerSaveEntries(image, ['hello:gz'])));
    const [img] = await store.load(Readable.from([archive]));
    expect(img!.name).toBe('docker.io/library/hello:gz');
  });

  it("loads Docker 25's OCI-in-docker-archive layout, links included, keeping the archive's manifest", async () => {
    const other = await tempDir('ce-archive-src-');
    try {
      const src = await ImageStore.open({ root: other.path, fsOps: noFsOps, syncLayers: false });
      // An OCI manifest: a manifest ce would generate from manifest.json alone is a Docker one, with another digest.
      const layout = await writeImageLayout(image, 'hello:oci');
      await src.importOciLayout(layout);
      await rm(layout, { recursive: true, force: true });
      const archive = await entriesOf(await saved(src, ['hello:oci']));
      // Docker >= 25 adds the legacy names as symlinks into blobs/.
      const withLinks: TarEntry[] = [...archive].map(([name, data]) => ({ name, data }));
      const layer = image.manifest.layers[0]!.digest.slice(7);
      withLinks.push({ name: 'legacy/layer.tar', type: 'symlink', linkname: `../blobs/sha256/${layer}` });
      const [img] = await store.load(Readable.from([await tarOf(withLinks)]));
      expect(img!.target).toMatchObject({ digest: image.manifestDescriptor.digest, mediaType: MediaType.OciManifest });
    } finally {
      await other.cleanup();
    }
  });

  it('loads an OCI image layout in a tar, named by its annotations', async () => {
    const name = 'docker.io/library/layout:v1';
    const entries: TarEntry[] = [
      { name: 'oci-layout', data: JSON.stringify({ imageLayoutVersion: '1.0.0' }) },
      ...image.blobs.map((b) => ({ name: `blobs/sha256/${sha256(b).slice(7)}`, data: b })),
      {
        name: 'index.json',
        data: JSON.stringify({
          schemaVersion: 2,
          manifests: [{ ...image.manifestDescriptor, annotations: { 'io.containerd.image.name': name, 'org.opencontainers.image.ref.name': 'v1' } }],
        }),
      },
    ];
    const [img] = await store.load(Readable.from([await tarOf(entries)]));
    expect(img).toMatchObject({ name, id: image.configDigest, target: { digest: image.manifestDescriptor.digest } });
  });
});

describe('save', () => {
  it('writes manifest.json, repositories and an OCI layout that load back into another store unchanged', async () => {
    await store.load(Readable.from([await tarOf(legacyDockerSaveEntries(image, ['hello:latest', 'hello:other']))]));
    const archive = await saved(store, [image.configDigest.slice(7, 19)]);
    const files = await entriesOf(archive);
    const manifestJson = JSON.parse(files.get('manifest.json')!.toString());
    expect(manifestJson).toEqual([
      {
        Config: `blobs/sha256/${image.configDigest.slice(7)}`,
        RepoTags: ['hello:latest', 'hello:other'],
        Layers: image.manifest.layers.map((l) => `blobs/sha256/${l.digest.slice(7)}`),
      },
    ]);
    expect(JSON.parse(files.get('repositories')!.toString())).toEqual({
      hello: { latest: image.manifest.layers[1]!.digest.slice(7), other: image.manifest.layers[1]!.digest.slice(7) },
    });
    expect(files.get('blobs/sha256/' + image.configDigest.slice(7))).toEqual(blobOf(image, image.configDigest));
    const index = JSON.parse(files.get('index.json')!.toString());
    expect(index.manifests.map((m: { annotations: Record<string, string> }) => m.annotations['io.containerd.image.name'])).toEqual([
      'docker.io/library/hello:latest',
      'docker.io/library/hello:other',
    ]);

    // The same tar is an OCI image layout: unpacked to a folder, the layout import reads it.
    const dir = join(root.path, 'unpacked-layout');
    for (const [name, data] of files) {
      if (name.endsWith('/')) continue;
      await mkdir(dirname(join(dir, name)), { recursive: true });
      await writeFile(join(dir, name), data);
    }
    const again = await ImageStore.open({ root: join(root.path, 'again'), fsOps: noFsOps, syncLayers: false });
    const fromLayout = await again.importOciLayout(dir);
    expect(fromLayout.map((i) => i.id)).toEqual([image.configDigest, image.configDigest]);
    const third = await ImageStore.open({ root: join(root.path, 'third'), fsOps: noFsOps, syncLayers: false });
    const fromTar = await third.load(Readable.from([archive]));
    expect(fromTar.map((i) => [i.name, i.target.digest])).toEqual(
      (await store.list()).map((i) => [i.name, i.target.digest]),
    );
  });

  it('saves a name under that name only, and refuses an unknown image', async () => {
    await store.load(Readable.from([await tarOf(legacyDockerSaveEntries(image, ['hello:latest', 'hello:other']))]));
    const files = await entriesOf(await saved(store, ['hello:other']));
    expect(JSON.parse(files.get('manifest.json')!.toString())[0].RepoTags).toEqual(['hello:other']);
    await expect(saved(store, ['nothere'])).rejects.toThrow('No such image: nothere:latest');
  });
});
