import type { InspectImageResponse } from '@ce/protocol/gen/ce/images/v1/images';
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { addInspectFlags, inspectObjects, type InspectOptions } from './inspect.js';

/** The JSON `docker image inspect` prints for one image, from the daemon's answer. */
export function dockerImageJson(res: InspectImageResponse): Record<string, unknown> {
  const config = JSON.parse(Buffer.from(res.configJson).toString('utf8')) as Record<string, unknown>;
  const rootfs = (config.rootfs ?? {}) as { type?: string; diff_ids?: string[] };
  return {
    Id: res.image!.id,
    RepoTags: res.repoTags,
    RepoDigests: res.repoDigests,
    Parent: '',
    Comment: (config.comment as string) ?? '',
    Created: (config.created as string) ?? '',
    DockerVersion: (config.docker_version as string) ?? '',
    Author: (config.author as string) ?? '',
    Config: config.config ?? null,
    Architecture: config.architecture ?? '',
    ...(config.variant ? { Variant: config.variant } : {}),
    Os: config.os ?? '',
    Size: res.image!.size,
    RootFS: { Type: rootfs.type ?? 'layers', Layers: rootfs.diff_ids ?? [] },
    Metadata: { LastTagTime: res.image!.createdAt?.toISOString() ?? '' },
  };
}

export function registerImageInspect(image: Command, connect: () => Connection): void {
  addInspectFlags(image.command('inspect').description('Display detailed information on one or more images').usage('[OPTIONS] IMAGE [IMAGE...]').argument('<image...>'), false, false).action(
    async (refs: string[], opts: InspectOptions) => inspectObjects(connect(), refs, { ...opts, type: 'image' }),
  );
}
