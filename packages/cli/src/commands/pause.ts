import { unary } from '@ce/protocol';
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { CliExit, daemonErrorMessage } from '../errors.js';

/** As docker pause and unpause do: every container at once, each reported in the order given. */
async function eachContainer(refs: string[], conn: Connection, call: (id: string) => Promise<unknown>): Promise<void> {
  const calls = refs.map((id) => call(id).then(() => undefined, (err: unknown) => err));
  const errors: string[] = [];
  for (const [i, pending] of calls.entries()) {
    const err = await pending;
    if (err) errors.push(daemonErrorMessage(err, conn.target));
    else process.stdout.write(`${refs[i]}\n`);
  }
  if (errors.length) throw new CliExit(1, errors.join('\n'));
}

export function registerPause(program: Command, connect: () => Connection): void {
  program
    .command('pause')
    .description('Pause all processes within one or more containers')
    .argument('<container...>')
    .action(async (refs: string[]) => {
      const conn = connect();
      await eachContainer(refs, conn, (id) => unary((cb) => conn.containers.pause({ id }, cb), conn.target));
    });
}

export function registerUnpause(program: Command, connect: () => Connection): void {
  program
    .command('unpause')
    .description('Unpause all processes within one or more containers')
    .argument('<container...>')
    .action(async (refs: string[]) => {
      const conn = connect();
      await eachContainer(refs, conn, (id) => unary((cb) => conn.containers.unpause({ id }, cb), conn.target));
    });
}
