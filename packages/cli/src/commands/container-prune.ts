import { unary } from '@ce/protocol';
import type { PruneContainersResponse } from '@ce/protocol/gen/ce/api/v1/system';
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { CliExit, daemonErrorMessage } from '../errors.js';
import { pruneFilterFlags } from '../filter-flag.js';
import { humanSize } from '../humanize.js';
import { collect } from '../output.js';
import { confirmed } from './image-prune.js';

export const CONTAINER_PRUNE_WARNING = 'WARNING! This will remove all stopped containers.';

/** docker's "Deleted Containers:" block, with its blank line; nothing when none went. */
export function deletedContainersOutput(ids: readonly string[]): string {
  return ids.length ? `Deleted Containers:\n${ids.map((id) => `${id}\n`).join('')}\n` : '';
}

export function registerContainerPrune(container: Command, connect: () => Connection): void {
  container
    .command('prune')
    .description('Remove all stopped containers')
    .usage('[OPTIONS]')
    .option('--filter <filter>', "Provide filter values (e.g. 'until=<timestamp>')", collect, [])
    .option('-f, --force', 'Do not prompt for confirmation')
    .action(async (opts: { filter: string[]; force?: boolean }) => {
      const filters = pruneFilterFlags(opts.filter, 'container prune');
      // Docker's: a declined prune still reports what it reclaimed, nothing.
      if (!opts.force && !(await confirmed(CONTAINER_PRUNE_WARNING))) return void process.stdout.write('Total reclaimed space: 0B\n');
      const conn = connect();
      let res: PruneContainersResponse;
      try {
        res = await unary<PruneContainersResponse>((cb) => conn.system.pruneContainers({ filters }, cb), conn.target);
      } catch (err) {
        throw new CliExit(1, daemonErrorMessage(err, conn.target));
      }
      process.stdout.write(`${deletedContainersOutput(res.containersDeleted)}Total reclaimed space: ${humanSize(res.reclaimedBytes, 4)}\n`);
    });
}
