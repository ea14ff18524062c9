import { unary } from '@ce/protocol';
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { CliExit, daemonErrorMessage } from '../errors.js';

export function registerRename(program: Command, connect: () => Connection): void {
  program
    .command('rename')
    .description('Rename a container')
    .argument('<container>')
    .argument('<new-name>')
    .action(async (id: string, name: string) => {
      const conn = connect();
      try {
        await unary((cb) => conn.containers.rename({ id, name }, cb), conn.target);
      } catch (err) {
        throw new CliExit(1, daemonErrorMessage(err, conn.target));
      }
    });
}
