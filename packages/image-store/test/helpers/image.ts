// Builds small OCI images in memory for tests.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256 } from '../../src/digest.js';
import { writeOciLayout } from '../../src/layout/write.js';
import { Annotation, MediaType } from '../../src/oci/media-types.js';
import { goArch } from '../../src/oci/platform.js';
import type { Descriptor, OciImageConfig, OciManifest } from '../../src/oci/types.js';
import { buildLayer, type LayerEntry } from '../../src/unpack/pack.js';

export interface TestImage {
  blobs: Buffer[];
  manifest: OciManifest;
  manifestDescriptor: Descriptor;
  config: OciImageConfig;
  configDigest: string;
}

export async function makeImage(
  layers: LayerEntry[][],
  options: { entrypoint?: string[]; labels?: Record<string, string>; created?: string; compression?: 'gzip' | 'none' } = {},
): Promise<TestImage> {
  const built = [];
  for (const l of layers) built.push(await buildLayer(l, { compression: options.compression ?? 'gzip' }));
  const config: OciImageConfig = {
    created: options.created ?? '2024-01-01T00:00:00Z',
    architecture: goArch(),
    os: 'linux',
    config: { Entrypoint: options.entrypoint ?? ['/bin/sh'], Labels: options.labels },
    rootfs: { type: 'layers', diff_ids: built.map((b) => b.diffId) },
    history: built.map(() => ({ created: '2024-01-01T00:00:00Z', created_by: 'test' })),
  };
  const configBlob = Buffer.from(JSON.stringify(config));
  const manifest: OciManifest = {
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config: { mediaType: MediaType.OciConfig, digest: sha256(configBlob), size: configBlob.length },
    layers: built.map((b) => b.descriptor),
  };
  const manifestBlob = Buffer.from(JSON.stringify(manifest));
  return {
    blobs: [...built.map((b) => b.blob), configBlob, manifestBlob],
    manifest,
    manifestDescriptor: {
      mediaType: MediaType.OciManifest,
      digest: sha256(manifestBlob),
      size: manifestBlob.length,
      platform: { os: 'linux', architecture: goArch() },
    },
    config,
    configDigest: sha256(configBlob),
  };
}

/** Writes `image` as an OCI layout named `name` (both annotations) into a new temp dir. */
export async function writeImageLayout(image: TestImage, name?: string, tag = 'latest'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ce-layout-'));
  const annotations = name ? { [Annotation.ContainerdImageName]: name, [Annotation.RefName]: tag } : undefined;
  await writeOciLayout(dir, {
    manifests: [{ ...image.manifestDescriptor, ...(annotations ? { annotations } : {}) }],
    content: image.blobs,
  });
  return dir;
}

export async function tempDir(prefix = 'ce-image-store-'): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}
