// docker commit (moby daemon/commit.go): an image of the container's image
// plus the container's writable layer, its config the container's with the
// `-c` changes applied.
import { PassThrough, type Writable } from 'node:stream';
import type { CreateLayerImageOptions } from '@ce/image-store';
import { applyConfigChanges, parseConfigChanges, type OciContainerConfig } from '@ce/image-store/new-image';
import { mergeCommitConfig } from './commit-config-merge.js';
import type { ContainerConfig } from './model/docker-types.js';
import type { ContainerRecord } from './record.js';

/** What commit and export ask of the image store (ImageStore has it). */
export interface LayerImages {
  /** Writes the changes of rootfs `key` as a layer tar. */
  rootfsChanges(key: string, out: Writable): Promise<void>;
  /** Writes the whole filesystem of rootfs `key` as a tar. */
  exportRootfs(key: string, out: Writable): Promise<void>;
  createLayerImage(options: CreateLayerImageOptions): Promise<{ id: string }>;
}

export interface CommitOptions {
  /** REPO[:TAG] of the new image. */
  reference: string;
  comment: string;
  author: string;
  /** Dockerfile instructions (-c). */
  changes: string[];
  /** Pause a running container while its layer is read (Docker's default). */
  pause: boolean;
  /** Docker's Config given with the commit (the Docker API's body): its settings win over the container's. */
  config?: Partial<ContainerConfig>;
}

/**
 * The image config's `config`: the container's own settings (what an image
 * can carry), then the changes; with a Config given, its settings and the
 * changes, then the container's where they leave a setting unset.
 */
export function commitConfig(container: ContainerConfig, changes: readonly string[], given?: Partial<ContainerConfig>): OciContainerConfig {
  if (given) return mergeCommitConfig(applyConfigChanges(imageSettings(given), parseConfigChanges(changes)), imageSettings(container));
  return applyConfigChanges(imageSettings(container), parseConfigChanges(changes));
}

/** What of a container's Config an image can carry. */
function imageSettings(container: Partial<ContainerConfig>): OciContainerConfig {
  return {
    ...(container.User ? { User: container.User } : {}),
    ...(container.ExposedPorts && Object.keys(container.ExposedPorts).length ? { ExposedPorts: container.ExposedPorts } : {}),
    ...(container.Env?.length ? { Env: container.Env } : {}),
    Entrypoint: container.Entrypoint?.length ? container.Entrypoint : null,
    Cmd: container.Cmd?.length ? container.Cmd : null,
    ...(container.Volumes && Object.keys(container.Volumes).length ? { Volumes: container.Volumes } : {}),
    WorkingDir: container.WorkingDir ?? '',
    Labels: container.Labels ?? {},
    ...(container.StopSignal ? { StopSignal: container.StopSignal } : {}),
    ...(container.Healthcheck ? { Healthcheck: container.Healthcheck } : {}),
    OnBuild: container.OnBuild?.length ? container.OnBuild : null,
  };
}

/**
 * Reads the container's layer into a new image. The caller pauses and
 * resumes the container around it.
 */
export async function commitContainer(record: ContainerRecord, options: CommitOptions, images: LayerImages): Promise<string> {
  const config = commitConfig(record.Config, options.changes, options.config);
  const layer = new PassThrough({ highWaterMark: 1024 * 1024 });
  const writing = images.rootfsChanges(record.Id, layer);
  writing.catch((err: Error) => layer.destroy(err));
  try {
    const image = await images.createLayerImage({
      layer,
      parent: record.Image,
      config,
      history: {
        // Docker: the container's command, as it was created.
        created_by: (record.Config.Cmd ?? []).join(' '),
        author: options.author,
        comment: options.comment,
      },
      name: options.reference,
    });
    await writing;
    return image.id;
  } finally {
    // A failed store must not leave the writer waiting on a full stream.
    layer.destroy();
    await writing.catch(() => undefined);
  }
}
