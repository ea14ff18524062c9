import { unary } from '@ce/protocol';
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { CliExit, daemonErrorMessage } from '../errors.js';

export function registerNetworkDisconnect(network: Command, connect: () => Connection): void {
  network
    .command('disconnect')
    .description('Disconnect a container from a network')
    .usage('[OPTIONS] NETWORK CONTAINER')
    .argument('<network>')
    .argument('<container>')
    .option('-f, --force', 'Force the container to disconnect from a network')
    .action(async (networkRef: string, container: string, opts: { force?: boolean }) => {
      const conn = connect();
      try {
        await unary((cb) => conn.networks.disconnect({ network: networkRef, container, force: !!opts.force }, cb), conn.target);
      } catch (err) {
        throw new CliExit(1, daemonErrorMessage(err, conn.target));
      }
    });
}
