import { unary } from '@ce/protocol';
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { CliExit, daemonErrorMessage } from '../errors.js';
import { addTimeFlag, timeFlag } from '../stop-flags.js';

export function registerRestart(program: Command, connect: () => Connection): void {
  addTimeFlag(program.command('restart').description('Restart one or more containers').argument('<container...>')).action(
    async (refs: string[], opts: { time?: string }) => {
      const timeout = timeFlag(opts.time, 'restart');
      const conn = connect();
      const errors: string[] = [];
      for (const id of refs) {
        try {
          await unary((cb) => conn.containers.restart({ id, timeout }, cb), conn.target);
          process.stdout.write(`${id}\n`);
        } catch (err) {
          errors.push(daemonErrorMessage(err, conn.target));
        }
      }
      if (errors.length) throw new CliExit(1, errors.join('\n'));
    },
  );
}
