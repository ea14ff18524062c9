import { isCeError, unary } from '@ce/protocol';
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { CliExit, daemonErrorMessage } from '../errors.js';

export function registerRm(program: Command, connect: () => Connection): void {
  program
    .command('rm')
    .description('Remove one or more containers')
    .argument('<container...>')
    .option('-f, --force', 'Force the removal of a running container (uses SIGKILL)')
    .option('-v, --volumes', 'Remove anonymous volumes associated with the container')
    .action(async (refs: string[], opts: { force?: boolean; volumes?: boolean }) => {
      const conn = connect();
      const errors: string[] = [];
      for (const id of refs) {
        try {
          await unary((cb) => conn.containers.remove({ id, force: !!opts.force, removeVolumes: !!opts.volumes }, cb), conn.target);
          process.stdout.write(`${id}\n`);
        } catch (err) {
          // As docker rm does: with --force, a container that does not exist is reported, not an error.
          if (opts.force && isCeError(err, 'NotFound')) process.stderr.write(`ce: ${daemonErrorMessage(err, conn.target)}\n`);
          else errors.push(daemonErrorMessage(err, conn.target));
        }
      }
      if (errors.length) throw new CliExit(1, errors.join('\n'));
    });
}
