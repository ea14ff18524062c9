// ce's image records in Docker's JSON shapes: ImageSummary (GET /images/json),
// ImageInspect (GET /images/{name}/json) and HistoryResponseItem.
import { familiarReference, parseReference } from '@ce/protocol/reference';
import type { Image, ImageHistoryEntry, InspectImageResponse } from '@ce/protocol/gen/ce/images/v1/images';

const unixSeconds = (date: Date | undefined) => (date ? Math.floor(date.getTime() / 1000) : 0);

/** Whether a recorded name is by digest ("repo@sha256:…") rather than by tag. */
function isDigestName(name: string): boolean {
  try {
    return parseReference(name, { defaultTag: false }).digest !== undefined;
  } catch {
    return name.includes('@');
  }
}

/**
 * One ImageSummary per image id (ced lists one record per name): its tags and
 * digests in familiar form, sorted as dockerd's reference store sorts them.
 * `Containers` and `SharedSize` are -1: dockerd counts them only for system df.
 */
export function imageSummaries(images: readonly Image[]): Record<string, unknown>[] {
  const byId = new Map<string, Image[]>();
  for (const image of images) byId.set(image.id, [...(byId.get(image.id) ?? []), image]);
  return [...byId.values()].map((records) => {
    const first = records[0]!;
    const labels = Object.keys(first.configLabels).length ? first.configLabels : null;
    const repoTags = records.filter((r) => !isDigestName(r.name)).map((r) => familiarReference(r.name)).sort();
    const repoDigests = records.filter((r) => isDigestName(r.name)).map((r) => familiarReference(r.name)).sort();
    return {
      Containers: -1,
      Created: unixSeconds(first.created),
      Id: first.id,
      Labels: labels,
      ParentId: '',
      // dockerd's ImageSummary leaves an empty list null (a digest-only image's RepoTags, an unpulled one's RepoDigests).
      RepoDigests: repoDigests.length ? repoDigests : null,
      RepoTags: repoTags.length ? repoTags : null,
      SharedSize: -1,
      Size: first.size,
      VirtualSize: first.size,
    };
  });
}

/** The fields of Docker's container.Config that dockerd always writes, for an image config's `config`. */
const CONFIG_DEFAULTS = {
  Hostname: '',
  Domainname: '',
  User: '',
  AttachStdin: false,
  AttachStdout: false,
  AttachStderr: false,
  Tty: false,
  OpenStdin: false,
  StdinOnce: false,
  Env: null,
  Cmd: null,
  Image: '',
  Volumes: null,
  WorkingDir: '',
  Entrypoint: null,
  OnBuild: null,
  Labels: null,
};

/** An image config's `config` (or `container_config`) as dockerd shows it: every field of Docker's container.Config. */
function containerConfig(value: unknown): Record<string, unknown> {
  return { ...CONFIG_DEFAULTS, ...(typeof value === 'object' && value !== null ? value : {}) };
}

/**
 * Docker's ImageInspect from ced's answer. `size` is the unpacked size (what
 * GET /images/json says); ced keeps no parent images, so `Parent` is empty.
 */
export function imageInspect(res: InspectImageResponse, size: number): Record<string, unknown> {
  const config = JSON.parse(Buffer.from(res.configJson).toString('utf8')) as Record<string, unknown>;
  const rootfs = (config.rootfs ?? {}) as { type?: string; diff_ids?: string[] };
  const image = res.image!;
  return {
    Id: image.id,
    RepoTags: [...res.repoTags].sort(),
    RepoDigests: [...res.repoDigests].sort(),
    Parent: '',
    Comment: (config.comment as string) ?? '',
    Created: (config.created as string) ?? '',
    Container: (config.container as string) ?? '',
    ContainerConfig: containerConfig(config.container_config),
    DockerVersion: (config.docker_version as string) ?? '',
    Author: (config.author as string) ?? '',
    Config: containerConfig(config.config),
    Architecture: config.architecture ?? '',
    ...(config.variant ? { Variant: config.variant } : {}),
    Os: config.os ?? '',
    ...(config['os.version'] ? { OsVersion: config['os.version'] } : {}),
    Size: size,
    VirtualSize: size,
    GraphDriver: { Data: null, Name: 'overlay2' },
    RootFS: { Type: rootfs.type ?? 'layers', Layers: rootfs.diff_ids ?? [] },
    Metadata: { LastTagTime: image.createdAt?.toISOString() ?? '0001-01-01T00:00:00Z' },
  };
}

/** Docker's HistoryResponseItem: `<missing>` where no local image ends at the entry, as dockerd writes it. */
export function historyItem(entry: ImageHistoryEntry): Record<string, unknown> {
  return {
    Comment: entry.comment,
    Created: unixSeconds(entry.created),
    CreatedBy: entry.createdBy,
    Id: entry.id || '<missing>',
    Size: entry.size,
    Tags: entry.tags.length ? entry.tags : null,
  };
}
