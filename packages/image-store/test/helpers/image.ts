// Builds small OCI images in memory for tests.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildImage, writeImageLayout as writeLayout, type BuiltImage } from '../../src/layout/build-image.js';
import type { LayerEntry } from '../../src/unpack/pack.js';

export interface TestImage extends BuiltImage {
  configDigest: string;
}

export async function makeImage(
  layers: LayerEntry[][],
  options: { entrypoint?: string[]; labels?: Record<string, string>; created?: string; compression?: 'gzip' | 'none' } = {},
): Promise<TestImage> {
  const image = await buildImage(layers, {
    config: { Entrypoint: options.entrypoint ?? ['/bin/sh'], Labels: options.labels },
    created: new Date(options.created ?? '2024-01-01T00:00:00Z'),
    createdBy: layers.map(() => 'test'),
    compression: options.compression,
  });
  return { ...image, configDigest: image.manifest.config.digest };
}

/** Writes `image` as an OCI layout named `name` (both annotations) into a new temp dir. */
export async function writeImageLayout(image: TestImage, name?: string, tag = 'latest'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ce-layout-'));
  await writeLayout(dir, image, name, tag);
  return dir;
}

export async function tempDir(prefix = 'ce-image-store-'): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}
