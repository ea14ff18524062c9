import { unary } from '@ce/protocol';
import type { Container, ListContainersResponse } from '@ce/protocol/gen/ce/api/v1/containers';
import type { VolumeUsage, VolumesDiskUsageResponse } from '@ce/protocol/gen/ce/api/v1/volumes';
import type { DiskUsageResponse, ListImagesResponse } from '@ce/protocol/gen/ce/images/v1/images';
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { CliExit, daemonErrorMessage } from '../errors.js';
import { tabwrite } from '../format/tabwriter.js';
import { humanDuration, humanSize } from '../humanize.js';
import { repositoryAndTag } from './images.js';
import { containerModel } from '../ps-format.js';
import { commandText, statusText } from './ps.js';

/** docker's tables: Go's tabwriter, cells at least 10 wide, 3 apart. */
const table = (rows: string[][]) => tabwrite(rows.map((r) => `${r.join('\t')}\n`).join(''));

/** docker's units.HumanSize: four significant digits (its image and container columns keep three). */
const size4 = (bytes: number) => humanSize(bytes, 4);

const reclaimable = (bytes: number, total: number) => (total > 0 ? `${size4(bytes)} (${Math.floor((bytes * 100) / total)}%)` : size4(bytes));

/** The rows of `docker system df`, computed as the docker CLI computes them. */
export function diskUsageRows(df: DiskUsageResponse, running: Set<string>, volumes: readonly VolumeUsage[]): string[][] {
  const activeImages = df.images.filter((i) => i.containers > 0);
  // docker: reclaimable = total - Σ over images in use of (size - shared size).
  const usedByActive = activeImages.reduce((n, i) => n + i.size - i.sharedSize, 0);
  const containersSize = df.containers.reduce((n, c) => n + c.size, 0);
  const stoppedSize = df.containers.filter((c) => !running.has(c.key)).reduce((n, c) => n + c.size, 0);
  return [
    ['TYPE', 'TOTAL', 'ACTIVE', 'SIZE', 'RECLAIMABLE'],
    ['Images', String(df.images.length), String(activeImages.length), size4(df.layersSize), reclaimable(df.layersSize - usedByActive, df.layersSize)],
    ['Containers', String(df.containers.length), String(df.containers.filter((c) => running.has(c.key)).length), size4(containersSize), reclaimable(stoppedSize, containersSize)],
    localVolumesRow(volumes),
    ['Build Cache', '0', '0', '0B', '0B'],
    partialDownloadsRow(df),
  ];
}

/** docker's Local Volumes: active are those a container references; the others can be reclaimed. */
function localVolumesRow(volumes: readonly VolumeUsage[]): string[] {
  const size = volumes.reduce((n, v) => n + v.size, 0);
  const idle = volumes.filter((v) => v.refCount === 0).reduce((n, v) => n + v.size, 0);
  return ['Local Volumes', String(volumes.length), String(volumes.filter((v) => v.refCount > 0).length), size4(size), reclaimable(idle, size)];
}

/** Blobs failed pulls left half-downloaded (and those pulls in progress hold): ce's own row, as docker has no such thing. */
function partialDownloadsRow(df: DiskUsageResponse): string[] {
  const all = df.partialDownloads;
  const active = all.filter((p) => p.active);
  const size = all.reduce((n, p) => n + p.size, 0);
  const idle = all.filter((p) => !p.active).reduce((n, p) => n + p.size, 0);
  return ['Partial Downloads', String(all.length), String(active.length), size4(size), reclaimable(idle, size)];
}

/** `docker system df -v`: per image (one row per name) and per container, with shared and unique sizes. */
export function verboseDiskUsage(df: DiskUsageResponse, images: ListImagesResponse, containers: Container[], volumes: readonly VolumeUsage[], now: number): string {
  const created = new Map(images.images.map((i) => [i.name, i.created]));
  const imageRows = [['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE', 'SHARED SIZE', 'UNIQUE SIZE', 'CONTAINERS']];
  for (const i of df.images) {
    // A name by digest is no row of its own (Docker shows an image by its tags).
    const tags = i.names.filter((n) => !n.includes('@'));
    for (const name of tags.length ? tags : ['<none>:<none>']) {
      const [repo, tag] = name === '<none>:<none>' ? ['<none>', '<none>'] : repositoryAndTag(name);
      const at = created.get(name);
      imageRows.push([
        repo,
        tag,
        i.id.replace(/^sha256:/, '').slice(0, 12),
        at ? `${humanDuration(now - at.getTime())} ago` : 'N/A',
        humanSize(i.size),
        humanSize(i.sharedSize),
        humanSize(i.uniqueSize),
        String(i.containers),
      ]);
    }
  }
  const layerSize = new Map(df.containers.map((c) => [c.key, c.size]));
  const containerRows = [['CONTAINER ID', 'IMAGE', 'COMMAND', 'LOCAL VOLUMES', 'SIZE', 'CREATED', 'STATUS', 'NAMES']];
  for (const c of containers) {
    containerRows.push([
      c.id.slice(0, 12),
      c.image,
      commandText(c.pathAndArgs, true),
      // docker counts the container's mounts of local volumes.
      String((containerModel(c)?.Mounts ?? []).filter((m) => m.Driver === 'local').length),
      humanSize(layerSize.get(c.id) ?? 0),
      `${humanDuration(now - (c.createdAt?.getTime() ?? now))} ago`,
      statusText(c, now),
      c.name,
    ]);
  }
  const volumeRows = [['VOLUME NAME', 'LINKS', 'SIZE'], ...volumes.map((v) => [v.name, String(v.refCount), size4(v.size)])];
  const out =
    `Images space usage:\n\n${table(imageRows)}\nContainers space usage:\n\n${table(containerRows)}\n` +
    `Local Volumes space usage:\n\n${table(volumeRows)}\nBuild cache usage: 0B\n`;
  if (df.partialDownloads.length === 0) return out;
  const partialRows = [['BLOB', 'SIZE', 'IN USE'], ...df.partialDownloads.map((p) => [p.digest, humanSize(p.size), p.active ? 'yes' : 'no'])];
  return `${out}\nPartial downloads space usage:\n\n${table(partialRows)}`;
}

export function registerSystemDf(system: Command, connect: () => Connection): void {
  system
    .command('df')
    .description('Show disk usage')
    .option('-v, --verbose', 'Show detailed information on space usage')
    .action(async (opts: { verbose?: boolean }) => {
      const conn = connect();
      let df: DiskUsageResponse;
      let all: ListContainersResponse;
      let images: ListImagesResponse | undefined;
      let volumes: VolumesDiskUsageResponse;
      try {
        volumes = await unary<VolumesDiskUsageResponse>((cb) => conn.volumes.diskUsage({}, cb), conn.target);
        df = await unary<DiskUsageResponse>((cb) => conn.images.diskUsage({}, cb), conn.target);
        all = await unary<ListContainersResponse>((cb) => conn.containers.list({ all: true }, cb), conn.target);
        if (opts.verbose) images = await unary<ListImagesResponse>((cb) => conn.images.list({}, cb), conn.target);
      } catch (err) {
        throw new CliExit(1, daemonErrorMessage(err, conn.target));
      }
      if (images) {
        process.stdout.write(verboseDiskUsage(df, images, all.containers, volumes.volumes, Date.now()));
        return;
      }
      process.stdout.write(table(diskUsageRows(df, new Set(all.containers.filter((c) => c.state?.running).map((c) => c.id)), volumes.volumes)));
    });
}
