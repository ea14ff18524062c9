// Root (umoci unpack chowns): ce's archives and layouts against the real
// tools — skopeo copies between a ce-exported OCI layout, docker-archive and
// oci directories, a registry and back into ce; umoci unpacks a ce-exported layout.
import { execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ImageStore } from '../../src/image-store.js';
import { chainIds } from '../../src/unpack/unpacker.js';
import { makeImage, tempDir, writeImageLayout, type TestImage } from '../helpers/image.js';
import { isRoot } from '../helpers/mounts.js';
import { startRegistry } from '../support/registry.js';

let root: { path: string; cleanup: () => Promise<void> };
let store: ImageStore;
let image: TestImage;

const skopeo = (...args: string[]) => execFileSync('skopeo', ['--insecure-policy', ...args], { stdio: 'pipe', encoding: 'utf8' });

beforeEach(async () => {
  root = await tempDir('ce-interop-');
  store = await ImageStore.open({ root: join(root.path, 'store') });
  image = await makeImage(
    [[{ name: 'bin', type: 'directory' }, { name: 'bin/hello', data: '#!/bin/sh\necho hi\n', mode: 0o755 }], [{ name: 'etc/motd', data: 'from ce\n', uid: 1000, gid: 1000 }]],
    { entrypoint: ['/bin/hello'] },
  );
  const layout = await writeImageLayout(image, 'docker.io/ce-test/interop:v1', 'v1');
  await store.importOciLayout(layout);
  await rm(layout, { recursive: true, force: true });
});
afterEach(() => root.cleanup());

async function saveTo(path: string, refs: string[]): Promise<void> {
  const out = createWriteStream(path);
  await store.save(refs, out);
}

describe.skipIf(!isRoot)('interoperability with skopeo and umoci (needs root for umoci)', () => {
  it('umoci unpacks a ce-exported OCI layout into the expected rootfs', async () => {
    const layout = join(root.path, 'layout');
    await store.exportOciLayout(layout, ['ce-test/interop:v1']);
    const bundle = join(root.path, 'bundle');
    execFileSync('umoci', ['unpack', '--image', `${layout}:v1`, bundle], { stdio: 'pipe' });
    expect(await readFile(join(bundle, 'rootfs/bin/hello'), 'utf8')).toBe('#!/bin/sh\necho hi\n');
    expect((await stat(join(bundle, 'rootfs/bin/hello'))).mode & 0o7777).toBe(0o755);
    const motd = await stat(join(bundle, 'rootfs/etc/motd'));
    expect([motd.uid, motd.gid]).toEqual([1000, 1000]);
    const config = JSON.parse(await readFile(join(bundle, 'config.json'), 'utf8'));
    expect(config.process.args).toEqual(['/bin/hello']);
  });

  it('skopeo copies a ce-exported layout to docker-archive and oci, and ce loads both back', async () => {
    const layout = join(root.path, 'layout');
    await store.exportOciLayout(layout, ['ce-test/interop:v1']);
    const dockerArchive = join(root.path, 'skopeo-docker.tar');
    skopeo('copy', `oci:${layout}:v1`, `docker-archive:${dockerArchive}:ce-test/interop:skopeo`);
    const ociDir = join(root.path, 'skopeo-oci');
    skopeo('copy', `oci:${layout}:v1`, `oci:${ociDir}:copied`);

    const other = await ImageStore.open({ root: join(root.path, 'other') });
    const [fromArchive] = await other.load(createReadStream(dockerArchive));
    expect(fromArchive).toMatchObject({ name: 'docker.io/ce-test/interop:skopeo', id: image.configDigest });
    const [fromOci] = await other.importOciLayout(ociDir, { name: 'ce-test/interop' });
    expect(fromOci).toMatchObject({ name: 'docker.io/ce-test/interop:copied', id: image.configDigest });
    // The layers skopeo wrote unpack (each verified against the config's diff id) to the same files.
    await other.prepareRootfs('interop-check', 'ce-test/interop:skopeo');
    const [bottom] = chainIds(image.config.rootfs.diff_ids);
    expect(await readFile(join(other.snapshotter.fsPath(bottom!), 'bin/hello'), 'utf8')).toBe('#!/bin/sh\necho hi\n');
    await other.removeRootfs('interop-check');
    expect(await other.check()).toEqual([]);
  });

  it('skopeo reads a ce save archive both as docker-archive and as oci-archive', async () => {
    const saved = join(root.path, 'ce-save.tar');
    await saveTo(saved, ['ce-test/interop:v1']);
    const inspected = JSON.parse(skopeo('inspect', `docker-archive:${saved}`));
    expect(inspected).toMatchObject({ Architecture: image.config.architecture, Os: 'linux' });
    expect(inspected.Layers).toHaveLength(2);
    const asOci = join(root.path, 'from-oci-archive');
    skopeo('copy', `oci-archive:${saved}:v1`, `oci:${asOci}:back`);
    const other = await ImageStore.open({ root: join(root.path, 'other2') });
    const [back] = await other.importOciLayout(asOci, { name: 'ce-test/interop' });
    expect(back).toMatchObject({ id: image.configDigest, target: { digest: image.manifestDescriptor.digest } });
  });

  it('skopeo copies a ce-exported layout to a registry, where ce pulls it; and from the registry to a layout ce imports', async () => {
    const registry = await startRegistry();
    try {
      const layout = join(root.path, 'layout');
      await store.exportOciLayout(layout, ['ce-test/interop:v1']);
      skopeo('copy', '--dest-tls-verify=false', `oci:${layout}:v1`, `docker://${registry.host}/ce-test/interop:from-skopeo`);

      const puller = await ImageStore.open({ root: join(root.path, 'puller') });
      const pulled = await puller.pull(`${registry.host}/ce-test/interop:from-skopeo`);
      expect(pulled.image).toMatchObject({ id: image.configDigest });
      await puller.prepareRootfs('skopeo-pulled', `${registry.host}/ce-test/interop:from-skopeo`);
      const [bottom] = chainIds(image.config.rootfs.diff_ids);
      expect(await readFile(join(puller.snapshotter.fsPath(bottom!), 'bin/hello'), 'utf8')).toBe('#!/bin/sh\necho hi\n');
      await puller.removeRootfs('skopeo-pulled');

      // ce pushes, skopeo copies from the registry into an OCI layout, ce imports that
      await store.tag('ce-test/interop:v1', `${registry.host}/ce-test/interop:from-ce`);
      await store.push(`${registry.host}/ce-test/interop:from-ce`);
      const copied = join(root.path, 'from-registry');
      skopeo('copy', '--src-tls-verify=false', `docker://${registry.host}/ce-test/interop:from-ce`, `oci:${copied}:copied`);
      const importer = await ImageStore.open({ root: join(root.path, 'importer') });
      const [imported] = await importer.importOciLayout(copied, { name: 'ce-test/interop' });
      expect(imported).toMatchObject({ name: 'docker.io/ce-test/interop:copied', id: image.configDigest });
      expect(await importer.check()).toEqual([]);
      expect(await puller.check()).toEqual([]);
    } finally {
      await registry.stop();
    }
  });
});
