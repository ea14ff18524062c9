import { isCeError, unary } from '@ce/protocol';
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { CliExit, daemonErrorMessage } from '../errors.js';

export function registerNetworkRm(network: Command, connect: () => Connection): void {
  network
    .command('rm')
    .alias('remove')
    .description('Remove one or more networks')
    .usage('NETWORK [NETWORK...]')
    .argument('<network...>')
    .action(async (refs: string[]) => {
      const conn = connect();
      const errors: string[] = [];
      for (const ref of refs) {
        try {
          await unary((cb) => conn.networks.remove({ ref }, cb), conn.target);
          process.stdout.write(`${ref}\n`);
        } catch (err) {
          // The docker client words a 404 itself, naming what was asked for.
          errors.push(isCeError(err, 'NotFound') ? `Error: No such network: ${ref}` : daemonErrorMessage(err, conn.target));
        }
      }
      if (errors.length) throw new CliExit(1, errors.join('\n'));
    });
}
