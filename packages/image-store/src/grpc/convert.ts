import type { Descriptor as PbDescriptor, DiskUsageResponse, Image as PbImage } from '@ce/protocol/gen/ce/images/v1/images';
import type { Descriptor } from '../oci/types.js';
import type { DiskUsage, ImageInfo } from '../types.js';

export function descriptorToPb(d: Descriptor): PbDescriptor {
  return {
    mediaType: d.mediaType,
    digest: d.digest,
    size: d.size,
    annotations: { ...(d.annotations ?? {}) },
    platform: d.platform
      ? { os: d.platform.os, architecture: d.platform.architecture, variant: d.platform.variant ?? '' }
      : undefined,
  };
}

export function descriptorFromPb(d: PbDescriptor | undefined): Descriptor {
  if (!d) return { mediaType: '', digest: '', size: 0 };
  const out: Descriptor = { mediaType: d.mediaType, digest: d.digest, size: d.size };
  if (Object.keys(d.annotations).length) out.annotations = { ...d.annotations };
  if (d.platform) {
    out.platform = { os: d.platform.os, architecture: d.platform.architecture };
    if (d.platform.variant) out.platform.variant = d.platform.variant;
  }
  return out;
}

export function imageToPb(i: ImageInfo): PbImage {
  return {
    name: i.name,
    target: descriptorToPb(i.target),
    id: i.id,
    createdAt: i.createdAt,
    size: i.size,
    labels: { ...i.labels },
  };
}

export function imageFromPb(i: PbImage): ImageInfo {
  return {
    name: i.name,
    target: descriptorFromPb(i.target),
    id: i.id,
    createdAt: i.createdAt ?? new Date(0),
    size: i.size,
    labels: { ...i.labels },
  };
}

export function diskUsageToPb(d: DiskUsage): DiskUsageResponse {
  return {
    images: d.images.map((i) => ({ ...i, names: [...i.names] })),
    containers: d.containers.map((c) => ({ ...c })),
    layersSize: d.layersSize,
  };
}

export function diskUsageFromPb(d: DiskUsageResponse): DiskUsage {
  return {
    images: d.images.map((i) => ({ id: i.id, names: i.names, size: i.size, sharedSize: i.sharedSize, uniqueSize: i.uniqueSize, containers: i.containers })),
    containers: d.containers.map((c) => ({ key: c.key, imageId: c.imageId, size: c.size })),
    layersSize: d.layersSize,
  };
}
