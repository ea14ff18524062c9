// `ce commit`: docker commit (cli/command/container/commit.go).
import { unary } from '@ce/protocol';
import type { CommitContainerResponse } from '@ce/protocol/gen/ce/api/v1/containers';
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { CliExit, daemonErrorMessage } from '../errors.js';

const collect = (value: string, previous: string[]) => [...previous, value];

/** Docker's boolean flag values (strconv.ParseBool). */
export function parseBoolFlag(name: string, value: string | boolean): boolean {
  if (typeof value === 'boolean') return value;
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(value)) return false;
  throw new CliExit(125, `invalid argument "${value}" for "${name}" flag: strconv.ParseBool: parsing "${value}": invalid syntax\nSee 'ce commit --help'.`);
}

export function registerCommit(program: Command, connect: () => Connection): void {
  program
    .command('commit')
    .description("Create a new image from a container's changes")
    .argument('<container>')
    .argument('[repository]', 'REPOSITORY[:TAG] of the new image')
    .option('-a, --author <string>', 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")', '')
    .option('-c, --change <instruction>', 'Apply Dockerfile instruction to the created image', collect, [])
    .option('-m, --message <string>', 'Commit message', '')
    .option('-p, --pause [bool]', 'Pause container during commit', 'true')
    .action(async (container: string, repository: string | undefined, opts: { author: string; change: string[]; message: string; pause: string | boolean }) => {
      const pause = parseBoolFlag('-p, --pause', opts.pause);
      const conn = connect();
      let res: CommitContainerResponse;
      try {
        res = await unary<CommitContainerResponse>(
          (cb) => conn.containers.commit({ id: container, reference: repository ?? '', comment: opts.message, author: opts.author, changes: opts.change, pause, configJson: '' }, cb),
          conn.target,
        );
      } catch (err) {
        throw new CliExit(1, daemonErrorMessage(err, conn.target));
      }
      process.stdout.write(`${res.id}\n`);
    });
}
