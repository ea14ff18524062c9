import { unary } from '@ce/protocol';
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { CliExit, daemonErrorMessage, EXIT_ENGINE_ERROR } from '../errors.js';
import { validateLink } from '../network-flags.js';
import { collect } from '../output.js';

interface ConnectOptions {
  alias: string[];
  ip?: string;
  link: string[];
}

export function registerNetworkConnect(network: Command, connect: () => Connection): void {
  network
    .command('connect')
    .description('Connect a container to a network')
    .usage('[OPTIONS] NETWORK CONTAINER')
    .argument('<network>')
    .argument('<container>')
    .option('--alias <strings>', 'Add network-scoped alias for the container', collect, [])
    .option('--ip <string>', 'IPv4 address (e.g., 172.30.100.104)')
    .option('--link <list>', 'Add link to another container', collect, [])
    .action(async (networkRef: string, container: string, opts: ConnectOptions) => {
      const aliases = opts.alias.flatMap((a) => a.split(','));
      try {
        for (const link of opts.link) validateLink(link, '--link');
      } catch (err) {
        throw new CliExit(EXIT_ENGINE_ERROR, `${(err as Error).message}\nSee 'ce network connect --help'.`);
      }
      const conn = connect();
      try {
        await unary((cb) => conn.networks.connect({ network: networkRef, container, endpoint: { aliases, ipv4Address: opts.ip ?? '', links: opts.link } }, cb), conn.target);
      } catch (err) {
        throw new CliExit(1, daemonErrorMessage(err, conn.target));
      }
    });
}
