// `ce builder prune`: removes the build cache (the images ced keeps for it).
import { unary } from '@ce/protocol';
import type { PruneBuildCacheResponse } from '@ce/protocol/gen/ce/build/v1/build';
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { CliExit, daemonErrorMessage } from '../errors.js';
import { humanSize } from '../humanize.js';
import { confirmed } from './image-prune.js';

export function registerBuilder(program: Command, connect: () => Connection): void {
  const builder = program.command('builder').description('Manage builds').usage('COMMAND');
  builder
    .command('prune')
    .description('Remove build cache')
    .option('-f, --force', 'Do not prompt for confirmation')
    .action(async (opts: { force?: boolean }) => {
      if (!opts.force && !(await confirmed('WARNING! This will remove all dangling build cache.'))) return void process.stdout.write('Total reclaimed space: 0B\n');
      const conn = connect();
      let res: PruneBuildCacheResponse;
      try {
        res = await unary<PruneBuildCacheResponse>((cb) => conn.builder.prune({}, cb), conn.target);
      } catch (err) {
        throw new CliExit(1, daemonErrorMessage(err, conn.target));
      }
      // As docker builder prune: the ids (and a blank line) when any went, then the total, always.
      if (res.deleted.length) process.stdout.write(`Deleted build cache objects:\n${res.deleted.map((id) => `${id}\n`).join('')}\n`);
      process.stdout.write(`Total reclaimed space: ${humanSize(Number(res.reclaimedBytes), 4)}\n`);
    });
  for (const cmd of builder.commands) cmd.exitOverride();
  builder.exitOverride();
}
