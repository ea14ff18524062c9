import { unary } from '@ce/protocol';
import type { ListNetworksResponse } from '@ce/protocol/gen/ce/network/v1/network';
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { CliExit, daemonErrorMessage } from '../errors.js';
import { parseFilterFlag } from '../filter-flag.js';
import { parseListFormat, renderListFormat } from '../list-format.js';
import { naturalCompare, networkContext, networksFormat, networksHeader } from '../networks-format.js';
import { collect } from '../output.js';

interface ListOptions {
  filter: string[];
  format?: string;
  trunc: boolean;
  quiet?: boolean;
}

export function registerNetworkLs(network: Command, connect: () => Connection): void {
  network
    .command('ls')
    .alias('list')
    .description('List networks')
    .usage('[OPTIONS]')
    .option('-f, --filter <filter>', "Provide filter values (e.g. 'driver=bridge')", collect, [])
    .option('--format <string>', 'Pretty-print networks using a Go template')
    .option('--no-trunc', 'Do not truncate the output')
    .option('-q, --quiet', 'Only display network IDs')
    .action(async (opts: ListOptions) => {
      const filters = opts.filter.map((f) => parseFilterFlag(f, 'network ls'));
      const parsed = parseListFormat(networksFormat(opts.format, !!opts.quiet));
      const conn = connect();
      let res: ListNetworksResponse;
      try {
        res = await unary<ListNetworksResponse>((cb) => conn.networks.list({ filters }, cb), conn.target);
      } catch (err) {
        throw new CliExit(1, daemonErrorMessage(err, conn.target));
      }
      const networks = [...res.networks].sort((a, b) => naturalCompare(a.name, b.name));
      process.stdout.write(renderListFormat(parsed, networks.map((n) => networkContext(n, { trunc: opts.trunc })), networksHeader()));
    });
}
