import { unary } from '@ce/protocol';
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { CliExit, daemonErrorMessage } from '../errors.js';

export function registerKill(program: Command, connect: () => Connection): void {
  program
    .command('kill')
    .description('Kill one or more running containers')
    .argument('<container...>')
    .option('-s, --signal <signal>', 'Signal to send to the container', 'KILL')
    .action(async (refs: string[], opts: { signal: string }) => {
      const conn = connect();
      const errors: string[] = [];
      for (const id of refs) {
        try {
          await unary((cb) => conn.containers.kill({ id, signal: opts.signal }, cb), conn.target);
          process.stdout.write(`${id}\n`);
        } catch (err) {
          errors.push(daemonErrorMessage(err, conn.target));
        }
      }
      if (errors.length) throw new CliExit(1, errors.join('\n'));
    });
}
