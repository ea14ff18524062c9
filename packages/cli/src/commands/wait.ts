import { unary } from '@ce/protocol';
import { WaitCondition, type WaitContainerResponse } from '@ce/protocol/gen/ce/api/v1/containers';
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { CliExit, daemonErrorMessage } from '../errors.js';

export function registerWait(program: Command, connect: () => Connection): void {
  program
    .command('wait')
    .description('Block until one or more containers stop, then print their exit codes')
    .argument('<container...>')
    .action(async (refs: string[]) => {
      const conn = connect();
      const errors: string[] = [];
      for (const id of refs) {
        try {
          const condition = WaitCondition.WAIT_CONDITION_NOT_RUNNING;
          const result = await unary<WaitContainerResponse>((cb) => conn.containers.wait({ id, condition }, cb), conn.target);
          process.stdout.write(`${result.exitCode}\n`);
        } catch (err) {
          errors.push(daemonErrorMessage(err, conn.target));
        }
      }
      if (errors.length) throw new CliExit(1, errors.join('\n'));
    });
}
