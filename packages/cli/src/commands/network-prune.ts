import { unary } from '@ce/protocol';
import type { PruneNetworksResponse } from '@ce/protocol/gen/ce/network/v1/network';
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { CliExit, daemonErrorMessage } from '../errors.js';
import { pruneFilterFlags } from '../filter-flag.js';
import { collect } from '../output.js';
import { confirmed } from './image-prune.js';

export const NETWORK_PRUNE_WARNING = 'WARNING! This will remove all custom networks not used by at least one container.';

/** What docker network prune prints: nothing when nothing went, else the names and a blank line. */
export function networkPruneOutput(deleted: readonly string[]): string {
  return deleted.length ? `Deleted Networks:\n${deleted.map((n) => `${n}\n`).join('')}\n` : '';
}

export function registerNetworkPrune(network: Command, connect: () => Connection): void {
  network
    .command('prune')
    .description('Remove all unused networks')
    .usage('[OPTIONS]')
    .option('--filter <filter>', "Provide filter values (e.g. 'until=<timestamp>')", collect, [])
    .option('-f, --force', 'Do not prompt for confirmation')
    .action(async (opts: { filter: string[]; force?: boolean }) => {
      const filters = pruneFilterFlags(opts.filter, 'network prune');
      if (!opts.force && !(await confirmed(NETWORK_PRUNE_WARNING))) return;
      const conn = connect();
      let res: PruneNetworksResponse;
      try {
        res = await unary<PruneNetworksResponse>((cb) => conn.networks.prune({ filters }, cb), conn.target);
      } catch (err) {
        throw new CliExit(1, daemonErrorMessage(err, conn.target));
      }
      process.stdout.write(networkPruneOutput(res.networksDeleted));
    });
}
