import { readdir, readFile, writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CeError } from '@ce/protocol';
import { FileContentStore } from '../../src/content/file-content-store.js';
import { sha256 } from '../../src/digest.js';
import { importOciLayout, layoutEntryName } from '../../src/layout/import.js';
import { writeOciLayout } from '../../src/layout/write.js';
import { Annotation, MediaType } from '../../src/oci/media-types.js';
import { makeImage, tempDir, writeImageLayout, type TestImage } from '../helpers/image.js';

let root: { path: string; cleanup: () => Promise<void> };
let store: FileContentStore;
let image: TestImage;
const layouts: string[] = [];

beforeEach(async () => {
  root = await tempDir();
  store = await FileContentStore.open(join(root.path, 'store'));
  image = await makeImage([[{ name: 'hello', data: 'hi', mode: 0o755 }], [{ name: 'etc/motd', data: 'motd' }]]);
});
afterEach(async () => {
  await root.cleanup();
  const { rm } = await import('node:fs/promises');
  for (const l of layouts.splice(0)) await rm(l, { recursive: true, force: true });
});

const layout = async (name?: string, tag?: string) => {
  const dir = await writeImageLayout(image, name, tag);
  layouts.push(dir);
  return dir;
};

describe('OCI image layout', () => {
  it('writes oci-layout, index.json and every blob, and imports them back', async () => {
    const dir = await layout('docker.io/library/test:1.0', '1.0');
    expect(JSON.parse(await readFile(join(dir, 'oci-layout'), 'utf8'))).toEqual({ imageLayoutVersion: '1.0.0' });
    const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8'));
    expect(index).toMatchObject({ schemaVersion: 2, mediaType: MediaType.OciIndex });
    expect(index.manifests[0]).toMatchObject({ digest: image.manifestDescriptor.digest, annotations: { [Annotation.RefName]: '1.0' } });
    const blobs = (await readdir(join(dir, 'blobs', 'sha256'))).sort();
    expect(blobs).toEqual(image.blobs.map((b) => sha256(b).slice(7)).sort());

    const imported = await importOciLayout(dir, store);
    expect(imported).toEqual([{ name: 'docker.io/library/test:1.0', target: index.manifests[0] }]);
    for (const b of image.blobs) expect(await store.readBlob(sha256(b))).toEqual(b);
  });

  it('is deterministic', async () => {
    const a = await layout('x', 'latest');
    const b = await layout('x', 'latest');
    expect(await readFile(join(a, 'index.json'))).toEqual(await readFile(join(b, 'index.json')));
    expect((await readdir(join(a, 'blobs/sha256'))).sort()).toEqual((await readdir(join(b, 'blobs/sha256'))).sort());
  });

  it('refuses a blob whose content does not match its digest, and names the blob', async () => {
    const dir = await layout('docker.io/library/test:latest');
    const layerDigest = image.manifest.layers[0]!.digest;
    const file = join(dir, 'blobs/sha256', layerDigest.slice(7));
    const data = await readFile(file);
    data[data.length - 1] ^= 0xff;
    await chmod(file, 0o644);
    await writeFile(file, data);
    const err = await importOciLayout(dir, store).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CeError);
    expect((err as CeError).code).toBe('InvalidArgument');
    expect((err as CeError).message).toContain(`blob ${layerDigest} (referenced by manifest ${image.manifestDescriptor.digest}) is corrupt: digest mismatch`);
    expect(await store.exists(layerDigest)).toBe(false);
  });

  it('refuses a layout with a missing blob', async () => {
    const dir = await layout('docker.io/library/test:latest');
    const { rm } = await import('node:fs/promises');
    await rm(join(dir, 'blobs/sha256', image.configDigest.slice(7)));
    await expect(importOciLayout(dir, store)).rejects.toThrow(`is incomplete: blob ${image.configDigest}`);
  });

  it('refuses a directory that is not a layout', async () => {
    await expect(importOciLayout(root.path, store)).rejects.toThrow(/is not an OCI image layout: the layout marker oci-layout is missing/);
    const dir = await layout('x');
    await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"2.0.0"}');
    await expect(importOciLayout(dir, store)).rejects.toThrow(/unsupported imageLayoutVersion 2\.0\.0/);
  });

  it('asks for a name when the index names nothing', async () => {
    const dir = await layout();
    await expect(importOciLayout(dir, store)).rejects.toThrow(/does not name its image .*give a name to import it/);
    expect(await importOciLayout(dir, store, { name: 'mine' })).toMatchObject([{ name: 'docker.io/library/mine:latest' }]);
  });

  it('refuses to write a layout from blobs that do not match', async () => {
    const dir = await tempDir();
    try {
      const bad = [...image.blobs];
      bad.splice(image.blobs.length - 2, 1); // drop the config
      await expect(writeOciLayout(dir.path, { manifests: [image.manifestDescriptor], content: bad })).rejects.toThrow(
        `content ${image.configDigest} not found`,
      );
    } finally {
      await dir.cleanup();
    }
  });
});

describe('layout entry names', () => {
  const d = { mediaType: MediaType.OciManifest, digest: sha256('x'), size: 1 };
  it.each([
    [{ [Annotation.ContainerdImageName]: 'busybox:1', [Annotation.RefName]: 'ignored' }, undefined, 'docker.io/library/busybox:1'],
    [{ [Annotation.RefName]: 'quay.io/a/b:v1' }, undefined, 'quay.io/a/b:v1'],
    [{ [Annotation.RefName]: 'v2' }, 'myimage', 'docker.io/library/myimage:v2'],
    [{ [Annotation.RefName]: 'v2' }, 'myimage:other', 'docker.io/library/myimage:v2'],
    [{ [Annotation.RefName]: 'v2' }, undefined, undefined],
    [{}, 'given', 'docker.io/library/given:latest'],
    [undefined, undefined, undefined],
  ])('%j with name %s → %s', (annotations, given, expected) => {
    expect(layoutEntryName({ ...d, annotations }, given)).toBe(expected);
  });
});
