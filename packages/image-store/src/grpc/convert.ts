import type {
  Descriptor as PbDescriptor,
  DiskUsageResponse,
  Image as PbImage,
  ProgressEvent as PbProgressEvent,
  RegistryAuth as PbRegistryAuth,
} from '@ce/protocol/gen/ce/images/v1/images';
import type { Descriptor } from '../oci/types.js';
import type { ProgressEvent, RegistryCredentials } from '../registry/types.js';
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
    created: i.created,
    configLabels: { ...i.configLabels },
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
    ...(i.created ? { created: i.created } : {}),
    configLabels: { ...i.configLabels },
  };
}

export function progressToPb(e: ProgressEvent): PbProgressEvent {
  return { id: e.id, status: e.status, current: e.current ?? 0, total: e.total ?? 0 };
}

export function progressFromPb(e: PbProgressEvent): ProgressEvent {
  const out: ProgressEvent = { id: e.id, status: e.status };
  if (e.total) Object.assign(out, { current: e.current, total: e.total });
  return out;
}

/** Credentials to send with a request; undefined: anonymous. */
export function credentialsToPb(c: RegistryCredentials | undefined): PbRegistryAuth | undefined {
  if (!c) return undefined;
  return { username: c.username ?? '', password: c.password ?? '', identityToken: c.identityToken ?? '', registryToken: c.registryToken ?? '' };
}

export function credentialsFromPb(a: PbRegistryAuth | undefined): RegistryCredentials | undefined {
  if (!a || !(a.username || a.password || a.identityToken || a.registryToken)) return undefined;
  const out: RegistryCredentials = {};
  if (a.username) out.username = a.username;
  if (a.password) out.password = a.password;
  if (a.identityToken) out.identityToken = a.identityToken;
  if (a.registryToken) out.registryToken = a.registryToken;
  return out;
}

export function diskUsageToPb(d: DiskUsage): DiskUsageResponse {
  return {
    images: d.images.map((i) => ({ ...i, names: [...i.names] })),
    containers: d.containers.map((c) => ({ ...c })),
    layersSize: d.layersSize,
    partialDownloads: d.partialDownloads.map((p) => ({ ...p })),
  };
}

export function diskUsageFromPb(d: DiskUsageResponse): DiskUsage {
  return {
    images: d.images.map((i) => ({ id: i.id, names: i.names, size: i.size, sharedSize: i.sharedSize, uniqueSize: i.uniqueSize, containers: i.containers })),
    containers: d.containers.map((c) => ({ key: c.key, imageId: c.imageId, size: c.size })),
    layersSize: d.layersSize,
    partialDownloads: d.partialDownloads.map((p) => ({ digest: p.digest, size: p.size, active: p.active })),
  };
}
