import { unary } from '@ce/protocol';
import type { ContainerChangesResponse } from '@ce/protocol/gen/ce/api/v1/containers';
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { CliExit, daemonErrorMessage } from '../errors.js';

const LETTERS = ['C', 'A', 'D'];

/** docker diff's lines: "A /path" per change, in the daemon's order. */
export function diffLines(res: ContainerChangesResponse): string {
  return res.changes.map((c) => `${LETTERS[c.kind] ?? '?'} ${c.path}\n`).join('');
}

export function registerDiff(program: Command, connect: () => Connection): void {
  program
    .command('diff')
    .description("Inspect changes to files or directories on a container's filesystem")
    .usage('CONTAINER')
    .argument('<container>')
    .action(async (ref: string) => {
      const conn = connect();
      let res: ContainerChangesResponse;
      try {
        res = await unary<ContainerChangesResponse>((cb) => conn.containers.changes({ id: ref }, cb), conn.target);
      } catch (err) {
        throw new CliExit(1, daemonErrorMessage(err, conn.target));
      }
      process.stdout.write(diffLines(res));
    });
}
