import { unary } from '@ce/protocol';
import type { Container, ListContainersResponse } from '@ce/protocol/gen/ce/api/v1/containers';
import type { ListVolumesResponse, Volume, VolumeUsage, VolumesDiskUsageResponse } from '@ce/protocol/gen/ce/api/v1/volumes';
import type { DiskUsageResponse, Image, ListImagesResponse } from '@ce/protocol/gen/ce/images/v1/images';
import { imageSummaries } from '../image-shapes.js';
import type { Router } from '../router.js';
import { dockerVolume } from '../translate/volumes.js';
import { containerSummary } from './container-summary.js';

/** What ced knows of its disk use, gathered by the same calls `ce system df -v` makes. */
export interface DiskUsageFacts {
  df: DiskUsageResponse;
  images: readonly Image[];
  containers: readonly Container[];
  volumes: readonly Volume[];
  volumeUsage: readonly VolumeUsage[];
}

/**
 * GET /system/df: Docker's DiskUsage. Images are the list's summaries with the
 * counts dockerd fills only here (Containers, SharedSize); containers the
 * list's, with their sizes; volumes with UsageData. ce has no build cache:
 * BuildCache is dockerd's null when it has none.
 */
export function dockerDiskUsage(facts: DiskUsageFacts, now: number): Record<string, unknown> {
  const usage = new Map(facts.df.images.map((i) => [i.id, i]));
  const images = imageSummaries(facts.images).map((summary) => {
    const u = usage.get(summary.Id as string);
    return { ...summary, Containers: u?.containers ?? 0, SharedSize: u ? Number(u.sharedSize) : 0 };
  });
  const rw = new Map(facts.df.containers.map((c) => [c.key, Number(c.size)]));
  const imageSize = new Map(facts.df.images.map((i) => [i.id, Number(i.size)]));
  const containers = facts.containers.map((c) => {
    const size = rw.get(c.id) ?? 0;
    return containerSummary(c, now, { rw: size, rootFs: size + (imageSize.get(c.imageId) ?? 0) });
  });
  const volumeUsage = new Map(facts.volumeUsage.map((v) => [v.name, v]));
  const volumes = facts.volumes.map((v) => {
    const u = volumeUsage.get(v.name);
    return { ...dockerVolume(v), UsageData: { RefCount: u?.refCount ?? 0, Size: u ? Number(u.size) : 0 } };
  });
  return { LayersSize: Number(facts.df.layersSize), Images: images, Containers: containers, Volumes: volumes, BuildCache: null, BuilderSize: 0 };
}

export function registerSystemDf(router: Router): void {
  router.get('/system/df', async (ctx) => {
    const { engine } = ctx;
    const volumeUsage = await unary<VolumesDiskUsageResponse>((cb) => engine.volumes.diskUsage({}, cb));
    const volumes = await unary<ListVolumesResponse>((cb) => engine.volumes.list({ filters: {} }, cb));
    const df = await unary<DiskUsageResponse>((cb) => engine.images.diskUsage({}, cb));
    const images = await unary<ListImagesResponse>((cb) => engine.images.list({}, cb));
    const containers = await unary<ListContainersResponse>((cb) => engine.containers.list({ all: true, summaries: true }, cb));
    ctx.json(200, dockerDiskUsage({ df, images: images.images, containers: containers.containers, volumes: volumes.volumes, volumeUsage: volumeUsage.volumes }, Date.now()));
  });
}
