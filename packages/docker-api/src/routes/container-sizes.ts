import { unary } from '@ce/protocol';
import type { DiskUsageResponse } from '@ce/protocol/gen/ce/images/v1/images';
import type { Engine } from '../engine.js';

/** Docker's SizeRw (the writable layer) and SizeRootFs (that layer and its image's). */
export interface ContainerSize {
  rw: number;
  rootFs: number;
}

/** The sizes of these containers (ids with their image ids), from ced's disk usage as `ce ps -s` takes them. */
export async function containerSizes(engine: Engine, containers: { id: string; imageId: string }[]): Promise<Map<string, ContainerSize>> {
  const df = await unary<DiskUsageResponse>((cb) => engine.images.diskUsage({}, cb));
  const rw = new Map(df.containers.map((c) => [c.key, Number(c.size)]));
  const image = new Map(df.images.map((i) => [i.id, Number(i.size)]));
  return new Map(containers.map((c) => [c.id, { rw: rw.get(c.id) ?? 0, rootFs: (rw.get(c.id) ?? 0) + (image.get(c.imageId) ?? 0) }]));
}
