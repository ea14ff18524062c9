import { unary } from '@ce/protocol';
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { CliExit, daemonErrorMessage } from '../errors.js';
import { addTimeFlag, timeFlag } from '../stop-flags.js';

export function registerStop(program: Command, connect: () => Connection): void {
  addTimeFlag(program.command('stop').description('Stop one or more running containers').argument('<container...>')).action(
    async (refs: string[], opts: { time?: string }) => {
      const timeout = timeFlag(opts.time, 'stop');
      const conn = connect();
      // As docker stop does: all at once, each reported in the order given.
      const stops = refs.map((id) => unary((cb) => conn.containers.stop({ id, timeout }, cb), conn.target).then(() => undefined, (err: unknown) => err));
      const errors: string[] = [];
      for (const [i, stopping] of stops.entries()) {
        const err = await stopping;
        if (err) errors.push(daemonErrorMessage(err, conn.target));
        else process.stdout.write(`${refs[i]}\n`);
      }
      if (errors.length) throw new CliExit(1, errors.join('\n'));
    },
  );
}
