import { failedPrecondition, invalidArgument, isCeError, notFound } from '@ce/protocol';
import { sha256, type Digest } from '../digest.js';
import type { ContentReader } from '../content/content-store.js';
import { layerCompression } from '../oci/media-types.js';
import type { OciImageConfig, OciManifest } from '../oci/types.js';
import type { OverlaySnapshotter } from '../snapshots/overlay.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { isNoSpaceError } from '../util/no-space.js';
import type { FsOps } from './fs-ops.js';
import { unpackLayer } from './unpack-layer.js';

/**
 * OCI chain ids: ChainID(L0) = DiffID(L0),
 * ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln)). A layer's chain id
 * names it together with everything below it, so equal stacks share snapshots.
 */
export function chainIds(diffIds: readonly string[]): Digest[] {
  const out: Digest[] = [];
  for (const diffId of diffIds) {
    const prev = out[out.length - 1];
    out.push(prev === undefined ? (diffId as Digest) : sha256(`${prev} ${diffId}`));
  }
  return out;
}

export interface UnpackImageOptions {
  content: ContentReader;
  snapshotter: OverlaySnapshotter;
  manifest: OciManifest;
  config: OciImageConfig;
  logger?: Logger;
  fsOps?: FsOps;
  preserveOwner?: boolean;
  /** Let layers create device nodes other than 0/0 whiteouts (see UnpackOptions). */
  allowDevices?: boolean;
}

/**
 * Makes sure every layer of the image is unpacked into a committed snapshot
 * keyed by its chain id; returns the top chain id (undefined: no layers).
 * Layers already unpacked, by this image or another, are not touched.
 */
export async function unpackImage(opts: UnpackImageOptions): Promise<Digest | undefined> {
  const { manifest, config, snapshotter } = opts;
  const logger = opts.logger ?? silentLogger;
  const diffIds = config.rootfs.diff_ids;
  if (diffIds.length !== manifest.layers.length) {
    throw invalidArgument(
      `image config lists ${diffIds.length} diff ids but the manifest has ${manifest.layers.length} layers`,
    );
  }
  const chains = chainIds(diffIds);
  for (const [i, layer] of manifest.layers.entries()) {
    const chainId = chains[i]!;
    if (snapshotter.has(chainId)) continue;
    const compression = layerCompression(layer.mediaType);
    if (compression === undefined) throw invalidArgument(`layer ${layer.digest} has media type ${layer.mediaType}, not a layer`);
    const started = Date.now();
    await snapshotter.createCommitted(
      chainId,
      chains[i - 1],
      async (fsDir) => {
        let stream;
        try {
          stream = await opts.content.readStream(layer.digest);
        } catch (err) {
          if (isCeError(err, 'NotFound')) throw notFound(`layer ${layer.digest} is missing from the content store`);
          throw err;
        }
        const result = await unpackLayer(stream, fsDir, {
          fsOps: opts.fsOps,
          logger,
          preserveOwner: opts.preserveOwner,
          allowDevices: opts.allowDevices,
        }).catch((err: Error) => {
          if (isNoSpaceError(err)) throw err;
          err.message = `layer ${layer.digest} (${layer.mediaType}): ${err.message}`;
          throw err;
        });
        if (result.diffId !== diffIds[i]) {
          throw failedPrecondition(
            `layer ${layer.digest} does not match the image config: its tar has diff id ${result.diffId}, the config says ${diffIds[i]}`,
          );
        }
        logger.info(
          { layer: layer.digest, chainId, entries: result.entries, bytes: result.size, ms: Date.now() - started },
          'layer unpacked',
        );
      },
      { 'ce.layer.digest': layer.digest, 'ce.layer.diffid': diffIds[i]! },
    );
  }
  return chains[chains.length - 1];
}
