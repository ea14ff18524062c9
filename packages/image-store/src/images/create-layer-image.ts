// `docker commit` and `docker import`, composed: the layer and the new
// config and manifest go to the content store, then a record names them.
import { coalesceChunks } from '@ce/protocol/copy';
import type { ContentStore } from '../content/content-store.js';
import type { Digest } from '../digest.js';
import type { FileLeaseManager } from '../leases/manager.js';
import { MediaType } from '../oci/media-types.js';
import type { Descriptor, OciContainerConfig, OciHistory } from '../oci/types.js';
import type { ImageRecord } from '../types.js';
import type { Logger } from '../util/logger.js';
import { noSpaceLeft } from '../util/no-space.js';
import type { ImageResolver, ResolvedImage } from './image-resolver.js';
import { composeLayerImage, newImageName } from './layer-image.js';
import { checkedTar, decompressedLayer } from './layer-source.js';

/** What createLayerImage makes an image of (commit, import). */
export interface CreateLayerImageOptions {
  /** The layer's tar bytes. */
  layer: AsyncIterable<Uint8Array>;
  /** An untrusted import: gzip is inflated and the bytes must be a tar. */
  untrusted?: boolean;
  /** The image the layer goes on (a reference or id); none for an import. */
  parent?: string;
  config: OciContainerConfig;
  history: Pick<OciHistory, 'created_by' | 'author' | 'comment'>;
  name: string;
}

export interface CreateLayerImageParts {
  content: ContentStore;
  resolver: ImageResolver;
  leases: FileLeaseManager;
  logger: Logger;
  /** Where a full disk is reported. */
  root: string;
  /** Runs `fn` under the store's image lock. */
  locked: <T>(fn: () => Promise<T>) => Promise<T>;
}

/**
 * Records an image made of `parent` (when given) plus one layer read from
 * `layer` (a tar; for an import also gzip, checked to be a tar), and names
 * it `name`. Nothing is named unless every blob is stored.
 */
export async function createLayerImage(parts: CreateLayerImageParts, options: CreateLayerImageOptions): Promise<ImageRecord> {
  const { content, resolver, logger } = parts;
  const name = newImageName(options.name);
  let parent: (ImageRecord & ResolvedImage) | undefined;
  if (options.parent !== undefined) {
    const image = await resolver.get(options.parent);
    parent = { ...image, ...(await resolver.resolve(image.target, image.name)) };
  }
  const lease = await parts.leases.create({ reason: 'create an image from a layer', expiresInMs: 6 * 60 * 60 * 1000 });
  try {
    const leaseBlob = (digest: Digest) => lease.add({ kind: 'content', id: digest });
    // Whole MiB writes into the blob, not one per tar header and padding.
    const bytes = coalesceChunks(options.untrusted ? checkedTar(decompressedLayer(options.layer)) : options.layer);
    // The layer is ours to produce (a commit's tar, an import's upload): its blob goes to disk as it is written.
    const layer = await content.ingest(bytes, {}, leaseBlob, { writeBehind: true }).catch((err: unknown) => {
      throw noSpaceLeft(err, 'storing a layer in', parts.root) ?? err;
    });
    const composed = composeLayerImage({
      parent,
      layer,
      config: options.config,
      history: options.history,
      created: new Date(),
      architecture: resolver.platform.architecture,
      os: resolver.platform.os,
    });
    const configBlob = Buffer.from(JSON.stringify(composed.config));
    const configInfo = await content.ingest(configBlob, {}, leaseBlob);
    const manifest = { ...composed.manifest, config: { ...composed.manifest.config, digest: configInfo.digest, size: configInfo.size } };
    const manifestBlob = Buffer.from(JSON.stringify(manifest));
    const manifestInfo = await content.ingest(manifestBlob, {}, leaseBlob);
    const target: Descriptor = { mediaType: manifest.mediaType ?? MediaType.OciManifest, digest: manifestInfo.digest, size: manifestInfo.size };
    return await parts.locked(async () => {
      const record = await resolver.name({ name, target });
      logger.info({ name, id: configInfo.digest, parent: parent?.id }, 'image created from a layer');
      return record;
    });
  } finally {
    await lease.release();
  }
}
