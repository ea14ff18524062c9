import { unary } from '@ce/protocol';
import type { ListContainersResponse } from '@ce/protocol/gen/ce/api/v1/containers';
import type { DiskUsageResponse } from '@ce/protocol/gen/ce/images/v1/images';
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { CliExit, daemonErrorMessage } from '../errors.js';
import { humanSize, table } from '../humanize.js';

const reclaimable = (bytes: number, total: number) => (total > 0 ? `${humanSize(bytes)} (${Math.floor((bytes * 100) / total)}%)` : humanSize(bytes));

/** The rows of `docker system df`, computed as the docker CLI computes them. */
export function diskUsageRows(df: DiskUsageResponse, running: Set<string>): string[][] {
  const activeImages = df.images.filter((i) => i.containers > 0);
  // docker: reclaimable = total - Σ over images in use of (size - shared size).
  const usedByActive = activeImages.reduce((n, i) => n + i.size - i.sharedSize, 0);
  const containersSize = df.containers.reduce((n, c) => n + c.size, 0);
  const stoppedSize = df.containers.filter((c) => !running.has(c.key)).reduce((n, c) => n + c.size, 0);
  return [
    ['TYPE', 'TOTAL', 'ACTIVE', 'SIZE', 'RECLAIMABLE'],
    ['Images', String(df.images.length), String(activeImages.length), humanSize(df.layersSize), reclaimable(df.layersSize - usedByActive, df.layersSize)],
    ['Containers', String(df.containers.length), String(df.containers.filter((c) => running.has(c.key)).length), humanSize(containersSize), reclaimable(stoppedSize, containersSize)],
    ['Build Cache', '0', '0', '0B', '0B'],
  ];
}

export function registerSystemDf(system: Command, connect: () => Connection): void {
  system
    .command('df')
    .description('Show docker disk usage')
    .action(async () => {
      const conn = connect();
      let df: DiskUsageResponse;
      let running: ListContainersResponse;
      try {
        df = await unary<DiskUsageResponse>((cb) => conn.images.diskUsage({}, cb), conn.target);
        running = await unary<ListContainersResponse>((cb) => conn.containers.list({ all: false }, cb), conn.target);
      } catch (err) {
        throw new CliExit(1, daemonErrorMessage(err, conn.target));
      }
      process.stdout.write(table(diskUsageRows(df, new Set(running.containers.filter((c) => c.state?.running).map((c) => c.id)))));
    });
}
