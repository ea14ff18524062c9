import { sha256 } from '../digest.js';
import { MediaType } from '../oci/media-types.js';
import { goArch } from '../oci/platform.js';
import type { Descriptor, OciImageConfig, OciManifest } from '../oci/types.js';
import { buildLayer, type LayerEntry } from '../unpack/pack.js';
import { layoutNameAnnotations, writeOciLayout } from './write.js';

export interface BuildImageOptions {
  /** The image config's `config` (Entrypoint, Cmd, Env, WorkingDir, User, Labels…). */
  config: NonNullable<OciImageConfig['config']>;
  /** The `created` time of the image and its history (fixed for reproducible images). */
  created?: Date;
  /** One history `created_by` per layer. */
  createdBy?: string[];
  architecture?: string;
  compression?: 'gzip' | 'none';
}

export interface BuiltImage {
  config: OciImageConfig;
  manifest: OciManifest;
  /** The descriptor an index or image store points at. */
  manifestDescriptor: Descriptor;
  /** Every blob: layers, config, manifest. */
  blobs: Buffer[];
}

/**
 * Assembles an OCI image (layers, config, manifest) in memory from layer
 * entries: for the embedded images, fixtures and, later, commits and builds.
 */
export async function buildImage(layers: LayerEntry[][], options: BuildImageOptions): Promise<BuiltImage> {
  const created = (options.created ?? new Date()).toISOString();
  const architecture = options.architecture ?? goArch(process.arch);
  const built = [];
  for (const entries of layers) built.push(await buildLayer(entries, { compression: options.compression ?? 'gzip' }));
  const config: OciImageConfig = {
    created,
    architecture,
    os: 'linux',
    config: options.config,
    rootfs: { type: 'layers', diff_ids: built.map((b) => b.diffId) },
    history: built.map((_, i) => ({ created, created_by: options.createdBy?.[i] ?? '' })),
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
    config,
    manifest,
    manifestDescriptor: {
      mediaType: MediaType.OciManifest,
      digest: sha256(manifestBlob),
      size: manifestBlob.length,
      platform: { architecture, os: 'linux' },
    },
    blobs: [...built.map((b) => b.blob), configBlob, manifestBlob],
  };
}

/** Writes a built image as an OCI layout whose index names it `name` (tag `tag`). */
export async function writeImageLayout(dir: string, image: BuiltImage, name?: string, tag = 'latest'): Promise<void> {
  const annotations = name ? layoutNameAnnotations(name, tag) : undefined;
  await writeOciLayout(dir, {
    manifests: [{ ...image.manifestDescriptor, ...(annotations ? { annotations } : {}) }],
    content: image.blobs,
  });
}
