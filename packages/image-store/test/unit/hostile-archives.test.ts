// The hostile and broken input corpus for image archives (`ce load`): each
// case names its expected error, and after each the store holds no image
// record, no blob, no staging file and no lease, and nothing was written
// outside the store. Hostile layers (unpacking) are in unpack-safety.test.ts;
// the layer cases that reach the store through an image are at the end.
//
// Policies: JSON documents (manifest.json, index.json, configs, manifests) are
// limited to 4 MiB, as containerd limits manifests; an archive may hold only
// files, directories and links that stay inside it — device nodes, fifos,
// "..", absolute names and links that leave the archive are refused.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CeError } from '@ce/protocol';
import { sha256 } from '../../src/digest.js';
import { ImageStore } from '../../src/image-store.js';
import type { FsOps } from '../../src/unpack/fs-ops.js';
import { blobOf, legacyDockerSaveEntries, tarOf, type TarEntry } from '../helpers/archive.js';
import { makeImage, tempDir, type TestImage } from '../helpers/image.js';

const noFsOps: FsOps = { mknod: () => undefined, lsetxattr: () => undefined };

let sandbox: { path: string; cleanup: () => Promise<void> };
let store: ImageStore;
let image: TestImage;
let good: TarEntry[];

beforeEach(async () => {
  sandbox = await tempDir('ce-hostile-archive-');
  store = await ImageStore.open({ root: join(sandbox.path, 'store'), fsOps: noFsOps, syncLayers: false });
  image = await makeImage([[{ name: 'hello', data: 'hello', mode: 0o755 }]], { compression: 'none' });
  good = legacyDockerSaveEntries(image, ['victim:latest']);
});
afterEach(() => sandbox.cleanup());

const tree = async (dir: string) => (await readdir(dir, { recursive: true })).sort();

async function expectRefused(archive: Buffer | TarEntry[], message: RegExp): Promise<void> {
  const bytes = Array.isArray(archive) ? await tarOf(archive) : archive;
  const before = await tree(sandbox.path);
  const err = await store.load(Readable.from([bytes])).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'the archive was loaded instead of refused').toBeInstanceOf(CeError);
  expect((err as CeError).code).toBe('InvalidArgument');
  expect((err as CeError).message).toMatch(message);
  expect(await store.list()).toEqual([]);
  expect(await store.content.list()).toEqual([]);
  expect(await readdir(join(sandbox.path, 'store', 'ingest'))).toEqual([]);
  expect(await store.leases.list()).toEqual([]);
  expect(await tree(sandbox.path)).toEqual(before);
}

const replace = (entries: TarEntry[], name: string, data: Buffer | string): TarEntry[] =>
  entries.map((e) => (e.name === name ? { ...e, data } : e));
const manifestJson = (entries: TarEntry[]) => JSON.parse(String(entries.find((e) => e.name === 'manifest.json')!.data));

describe('hostile and broken image archives', () => {
  it('the well-formed archive the cases start from loads', async () => {
    expect((await store.load(Readable.from([await tarOf(good)])))[0]!.name).toBe('docker.io/library/victim:latest');
  });

  it('path traversal: an entry named ../escape', async () => {
    await expectRefused([{ name: '../escape', data: 'x' }, ...good], /"\.\.\/escape".*contains "\.\." and could escape the archive/);
  });

  it('an absolute entry name', async () => {
    await expectRefused([...good, { name: '/tmp/ce-absolute', data: 'x' }], /"\/tmp\/ce-absolute": absolute paths are not allowed/);
  });

  it('a symlink out of the archive, then a file written "through" it', async () => {
    await expectRefused(
      [{ name: 'out', type: 'symlink', linkname: '../../outside' }, { name: 'out/victim', data: 'pwned' }, ...good],
      /"out" links to "\.\.\/\.\.\/outside", outside the archive/,
    );
  });

  it('a symlink to an absolute path', async () => {
    await expectRefused([{ name: 'etc', type: 'symlink', linkname: '/etc' }, ...good], /"etc" links to the absolute path "\/etc"/);
  });

  it('a hard link out of the archive', async () => {
    await expectRefused([{ name: 'passwd', type: 'link', linkname: '../etc/passwd' }, ...good], /"passwd" links to "\.\.\/etc\/passwd", outside the archive/);
  });

  it('a device node or a fifo', async () => {
    await expectRefused([{ name: 'null', type: 'character-device' }, ...good], /"null" is a character-device: an image archive holds only files, directories and links/);
    await expectRefused([{ name: 'pipe', type: 'fifo' }, ...good], /"pipe" is a fifo/);
  });

  it('the same name twice', async () => {
    await expectRefused([...good, { name: 'manifest.json', data: '[]' }], /"manifest\.json" appears twice/);
  });

  it('a config whose content does not match the digest its name announces', async () => {
    const configName = `${image.configDigest.slice(7)}.json`;
    const config = JSON.parse(blobOf(image, image.configDigest).toString());
    config.config.Entrypoint = ['/evil'];
    await expectRefused(replace(good, configName, JSON.stringify(config)), new RegExp(`digest mismatch for ${configName} \\(manifest\\.json\\[0\\]\\.Config\\)`));
  });

  it('a layer that does not match the diff id of the config', async () => {
    const layerName = manifestJson(good)[0].Layers[0];
    const other = await makeImage([[{ name: 'hello', data: 'evil', mode: 0o755 }]], { compression: 'none' });
    const evil = blobOf(other, other.manifest.layers[0]!.digest);
    await expectRefused(replace(good, layerName, evil), new RegExp(`layer ${layerName} does not match the image config: its digest is ${sha256(evil)}`));
  });

  it('manifest.json names a file the archive does not have', async () => {
    const m = manifestJson(good);
    m[0].Layers[0] = 'missing/layer.tar';
    await expectRefused(replace(good, 'manifest.json', JSON.stringify(m)), /manifest\.json\[0\]\.Layers\[0\] names "missing\/layer\.tar", which is not in the archive/);
  });

  it('manifest.json of the wrong shape, or not JSON', async () => {
    await expectRefused(replace(good, 'manifest.json', '{"Config": 1}'), /manifest\.json must be a JSON array/);
    await expectRefused(replace(good, 'manifest.json', JSON.stringify([{ Config: 'a.json', Layers: [3] }])), /manifest\.json\[0\]\.Layers must be an array of file names/);
    await expectRefused(replace(good, 'manifest.json', 'not json'), /manifest\.json is not JSON/);
  });

  it('a RepoTag that is not an image name', async () => {
    const m = manifestJson(good);
    m[0].RepoTags = ['no spaces:tag'];
    await expectRefused(replace(good, 'manifest.json', JSON.stringify(m)), /manifest\.json\[0\]\.RepoTags\[0\] "no spaces:tag" is not a valid image name/);
  });

  it('an oversized manifest.json (more than 4 MiB)', async () => {
    const huge = JSON.stringify([{ Config: 'x.json', RepoTags: [], Layers: [], Padding: 'x'.repeat(4 * 1024 * 1024) }]);
    await expectRefused(replace(good, 'manifest.json', huge), /manifest\.json is \d+ bytes, more than the 4 MiB allowed/);
  });

  it('a truncated gzip archive', async () => {
    const gz = gzipSync(await tarOf(good));
    await expectRefused(gz.subarray(0, Math.floor(gz.length / 2)), /gzip stream is corrupt or truncated|truncated/);
  });

  it('a truncated tar', async () => {
    const t = await tarOf(good);
    await expectRefused(t.subarray(0, 1000), /tar stream is truncated|manifest\.json is missing|neither manifest\.json/);
  });

  it('an empty archive, and one that is not an image archive', async () => {
    await expectRefused(Buffer.alloc(0), /archive is empty/);
    await expectRefused([{ name: 'readme.txt', data: 'hi' }], /neither manifest\.json \(docker save\) nor index\.json \(OCI image layout\)/);
  });

  it('an OCI archive whose manifest names a missing blob', async () => {
    const entries: TarEntry[] = [
      { name: 'oci-layout', data: JSON.stringify({ imageLayoutVersion: '1.0.0' }) },
      { name: `blobs/sha256/${image.manifestDescriptor.digest.slice(7)}`, data: blobOf(image, image.manifestDescriptor.digest) },
      { name: 'index.json', data: JSON.stringify({ schemaVersion: 2, manifests: [{ ...image.manifestDescriptor, annotations: { 'io.containerd.image.name': 'docker.io/library/x:y' } }] }) },
    ];
    await expectRefused(entries, new RegExp(`blob ${image.configDigest} \\(referenced by manifest ${image.manifestDescriptor.digest}\\) is missing`));
  });

  it('an OCI archive whose index names a layer as if it were a manifest (wrong media type)', async () => {
    const layer = image.manifest.layers[0]!;
    const entries: TarEntry[] = [
      { name: 'oci-layout', data: JSON.stringify({ imageLayoutVersion: '1.0.0' }) },
      { name: `blobs/sha256/${layer.digest.slice(7)}`, data: blobOf(image, layer.digest) },
      { name: 'index.json', data: JSON.stringify({ schemaVersion: 2, manifests: [{ ...layer, mediaType: 'application/vnd.oci.image.manifest.v1+json', annotations: { 'io.containerd.image.name': 'docker.io/library/x:y' } }] }) },
    ];
    await expectRefused(entries, /image manifest|not JSON/);
  });

  it('an OCI archive blob whose content does not match its name', async () => {
    const entries: TarEntry[] = [
      { name: 'oci-layout', data: JSON.stringify({ imageLayoutVersion: '1.0.0' }) },
      ...image.blobs.map((b) => ({ name: `blobs/sha256/${sha256(b).slice(7)}`, data: b })),
      { name: 'index.json', data: JSON.stringify({ schemaVersion: 2, manifests: [{ ...image.manifestDescriptor, annotations: { 'io.containerd.image.name': 'docker.io/library/x:y' } }] }) },
    ];
    const layerName = `blobs/sha256/${image.manifest.layers[0]!.digest.slice(7)}`;
    await expectRefused(replace(entries, layerName, 'tampered'), new RegExp(`digest mismatch for ${layerName}`));
  });
});

describe('hostile and broken layers, reaching the store through an image', () => {
  /** An OCI archive of a one-layer image whose layer blob is `layer` with media type `mediaType`. */
  async function archiveWithLayer(layer: Buffer, mediaType: string, diffId: string): Promise<Buffer> {
    const config = Buffer.from(JSON.stringify({ architecture: image.config.architecture, os: 'linux', rootfs: { type: 'layers', diff_ids: [diffId] } }));
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
        layers: [{ mediaType, digest: sha256(layer), size: layer.length }],
      }),
    );
    return tarOf([
      { name: 'oci-layout', data: JSON.stringify({ imageLayoutVersion: '1.0.0' }) },
      ...[layer, config, manifest].map((b) => ({ name: `blobs/sha256/${sha256(b).slice(7)}`, data: b })),
      {
        name: 'index.json',
        data: JSON.stringify({
          schemaVersion: 2,
          manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256(manifest), size: manifest.length, annotations: { 'io.containerd.image.name': 'docker.io/library/layered:1' } }],
        }),
      },
    ]);
  }

  async function expectUnpackRefused(archive: Buffer, message: RegExp): Promise<void> {
    await store.load(Readable.from([archive]));
    const err = await store.prepareRootfs('ctr', 'layered:1').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err, 'the layer was unpacked instead of refused').toBeInstanceOf(CeError);
    expect((err as CeError).message).toMatch(message);
    // No snapshot (layer or container), and no half-built one left in the snapshots folder.
    expect(store.snapshotter.list()).toEqual([]);
    expect((await readdir(join(sandbox.path, 'store', 'snapshots'))).filter((n) => n.startsWith('tmp-'))).toEqual([]);
  }

  it("a corrupt zstd layer: the error names the media type and zstd's reason", async () => {
    const zstd = Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), Buffer.alloc(60, 1)]);
    await expectUnpackRefused(
      await archiveWithLayer(zstd, 'application/vnd.oci.image.layer.v1.tar+zstd', sha256('x')),
      /\(application\/vnd\.oci\.image\.layer\.v1\.tar\+zstd\): corrupt layer: /,
    );
  });

  it('a truncated gzip layer', async () => {
    const full = gzipSync(blobOf(image, image.manifest.layers[0]!.digest));
    await expectUnpackRefused(
      await archiveWithLayer(full.subarray(0, full.length - 20), 'application/vnd.oci.image.layer.v1.tar+gzip', image.config.rootfs.diff_ids[0]!),
      /corrupt layer: the compressed stream is truncated/,
    );
  });

  it('a layer whose tar does not match the diff id of the config', async () => {
    await expectUnpackRefused(
      await archiveWithLayer(gzipSync(blobOf(image, image.manifest.layers[0]!.digest)), 'application/vnd.oci.image.layer.v1.tar+gzip', sha256('another tar')),
      /does not match the image config: its tar has diff id sha256:[a-f0-9]{64}, the config says sha256:/,
    );
  });

  it('a layer with a media type that is not a layer: refused when loading, before anything is committed', async () => {
    await expectRefused(
      await archiveWithLayer(gzipSync(blobOf(image, image.manifest.layers[0]!.digest)), 'application/vnd.oci.image.config.v1+json', image.config.rootfs.diff_ids[0]!),
      /layers\[0\] has media type application\/vnd\.oci\.image\.config\.v1\+json, which is not an image layer/,
    );
  });
});
