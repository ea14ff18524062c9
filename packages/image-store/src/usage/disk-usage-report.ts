// `docker system df` over the image records and the snapshots.
import { ROOTFS_LABEL_IMAGE_ID } from '../images/remove-image.js';
import type { ImageResolver } from '../images/image-resolver.js';
import type { LayerSizes } from '../images/layer-sizes.js';
import type { SnapshotService } from '../snapshots/snapshot-service.js';
import type { DiskUsage, PartialDownload } from '../types.js';
import { chainIds as chainIdsOf } from '../unpack/unpacker.js';

export interface DiskUsageParts {
  resolver: ImageResolver;
  snapshots: SnapshotService;
  layerSizes: LayerSizes;
  partialDownloads: () => Promise<PartialDownload[]>;
}

/**
 * Per image, the unpacked size of its layers (or the compressed size of
 * those not unpacked yet), split into what it shares with other images and
 * what only it holds; per container, its writable layer.
 */
export async function diskUsageReport(parts: DiskUsageParts): Promise<DiskUsage> {
  const { resolver, snapshots } = parts;
  const records = await resolver.records();
  const layerSize = new Map<string, number>();
  const imageLayers = new Map<string, string[]>();
  for (const image of records) {
    if (imageLayers.has(image.id)) continue;
    const { manifest, config } = await resolver.resolve(image.target, image.name);
    const chains = chainIdsOf(config.rootfs.diff_ids);
    imageLayers.set(image.id, chains);
    for (const [i, chain] of chains.entries()) {
      if (layerSize.has(chain)) continue;
      layerSize.set(chain, await parts.layerSizes.size(chain, manifest.layers[i]?.size ?? 0));
    }
  }
  const usersOfLayer = new Map<string, number>();
  for (const chains of imageLayers.values()) for (const c of new Set(chains)) usersOfLayer.set(c, (usersOfLayer.get(c) ?? 0) + 1);
  const containers: DiskUsage['containers'] = [];
  const rootfs: { key: string; imageId: string }[] = [];
  await snapshots.walk((info) => void rootfs.push({ key: info.key, imageId: info.labels[ROOTFS_LABEL_IMAGE_ID] ?? '' }), { kind: 'active' });
  for (const { key, imageId } of rootfs) containers.push({ key, imageId, size: (await snapshots.usage(key)).size });
  const images = [...imageLayers.entries()].map(([id, chains]) => {
    let size = 0;
    let shared = 0;
    for (const c of new Set(chains)) {
      const s = layerSize.get(c) ?? 0;
      size += s;
      if ((usersOfLayer.get(c) ?? 0) > 1) shared += s;
    }
    return {
      id,
      names: records.filter((r) => r.id === id).map((r) => r.name),
      size,
      sharedSize: shared,
      uniqueSize: size - shared,
      containers: containers.filter((c) => c.imageId === id).length,
    };
  });
  return { images, containers, layersSize: [...layerSize.values()].reduce((a, b) => a + b, 0), partialDownloads: await parts.partialDownloads() };
}
