// `docker pull`, composed: the registry client downloads into the content
// store, the unpack pipeline fills the snapshotter as layers arrive, and the
// image records name the result.
import type { FileContentStore } from '../content/file-content-store.js';
import { addDigestName } from '../images/digest-names.js';
import type { ImageResolver } from '../images/image-resolver.js';
import type { ImageMetadataStore } from '../images/image-metadata-store.js';
import { combinedLease } from '../leases/combined.js';
import type { FileLeaseManager } from '../leases/manager.js';
import type { Lease } from '../leases/types.js';
import { platformScore } from '../oci/platform.js';
import type { OciImageConfig, OciManifest } from '../oci/types.js';
import { parseReference } from '../reference/reference.js';
import type { OverlaySnapshotter } from '../snapshots/overlay.js';
import type { ImageRecord } from '../types.js';
import type { FsOps } from '../unpack/fs-ops.js';
import type { Logger } from '../util/logger.js';
import { noSpaceLeft } from '../util/no-space.js';
import { fetchImage } from './pull.js';
import type { PullOptions, PullResult, RegistryOptions } from './types.js';
import { UnpackPipeline } from './unpack-pipeline.js';

export interface PullImageParts {
  root: string;
  /** The files themselves: downloads resume in the content store's ingests. */
  content: FileContentStore;
  /** The files themselves: layers are extracted straight into snapshot directories. */
  snapshotter: OverlaySnapshotter;
  metadata: ImageMetadataStore;
  resolver: ImageResolver;
  leases: FileLeaseManager;
  registry: RegistryOptions;
  logger: Logger;
  fsOps?: FsOps;
  allowDevices: boolean;
  /** Runs `fn` under the store's image lock. */
  locked: <T>(fn: () => Promise<T>) => Promise<T>;
}

/**
 * Fetches the image from its registry (mirrors first), unpacks its layers
 * (extracted as they download, committed in order once verified; see
 * UnpackPipeline) and names it. Everything is leased (in the store's leases,
 * and `options.leases` too when given) before it is looked up or committed,
 * so garbage collection cannot take it before the name exists.
 */
export async function pullImage(parts: PullImageParts, reference: string, options: PullOptions = {}): Promise<PullResult & { image: ImageRecord }> {
  const { content, snapshotter, metadata, resolver, logger } = parts;
  const ref = parseReference(reference);
  const platform = options.platform ?? resolver.platform;
  const reason = `pull ${ref.toString()}`;
  // The store's own lease is what gc and check see; a caller's lease manager is held in addition, never instead.
  const own = await parts.leases.create({ reason });
  let lease: Lease = own;
  if (options.leases) {
    try {
      lease = combinedLease([own, await options.leases.create({ reason })]);
    } catch (err) {
      await own.release();
      throw err;
    }
  }
  const progress = options.onProgress ?? (() => undefined);
  const unpack = new UnpackPipeline({
    content,
    snapshotter,
    logger,
    fsOps: parts.fsOps,
    lease,
    onProgress: progress,
    concurrency: options.unpackConcurrency,
    allowDevices: parts.allowDevices,
  });
  try {
    const onLayerReady = (index: number, manifest: OciManifest, config: OciImageConfig) => unpack.layerReady(index, manifest, config);
    const onLayerDownload = (index: number, manifest: OciManifest, config: OciImageConfig) => unpack.layerDownloading(index, manifest, config);
    const fetched = await fetchImage(ref, { content, registry: parts.registry, platform, lease, logger, onLayerReady, onLayerDownload }, options);
    await unpack.finish();
    // An image pulled for another platform than the store's is named by its manifest, so it resolves here.
    const target = platformScore(resolver.platform, fetched.config) >= 0 ? fetched.target : fetched.manifestDescriptor;
    const name = ref.toString();
    return await parts.locked(async () => {
      const previous = await metadata.get(name);
      const updated = previous?.target.digest !== target.digest;
      const meta = updated ? await metadata.put({ name, target, labels: previous?.labels ?? {} }) : previous!;
      // Docker's RepoDigests: pulled by tag, the image is named by the digest the registry served too.
      if (!ref.digest) await addDigestName(metadata, ref.name, fetched.target.digest, target);
      logger.info({ name, target: target.digest, updated }, 'image pulled');
      return { name, digest: fetched.target.digest, updated, image: await resolver.record(meta) };
    });
  } catch (err) {
    throw noSpaceLeft(err, `pulling ${ref.familiar()} into`, parts.root) ?? err;
  } finally {
    // Let an unpack in flight end, and remove what a failure left staged, before the lease goes.
    await unpack.cleanup();
    await lease.release();
  }
}
