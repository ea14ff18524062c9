import { createInterface } from 'node:readline/promises';
import { unary } from '@ce/protocol';
import type { PruneImagesResponse } from '@ce/protocol/gen/ce/images/v1/images';
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { CliExit, daemonErrorMessage } from '../errors.js';
import { humanSize } from '../humanize.js';

export async function confirmed(warning: string): Promise<boolean> {
  process.stdout.write(`${warning}\n`);
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question('Are you sure you want to continue? [y/N] ');
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

/** The partial downloads a prune removed, after its images, in the same shape. */
export function writePartialDownloads(digests: string[]): void {
  if (digests.length === 0) return;
  process.stdout.write('Deleted Partial Downloads:\n');
  for (const digest of digests) process.stdout.write(`${digest}\n`);
  process.stdout.write('\n');
}

export function registerImagePrune(image: Command, connect: () => Connection): void {
  image
    .command('prune')
    .description('Remove unused images')
    .option('-a, --all', 'Remove all unused images, not just dangling ones')
    .option('-f, --force', 'Do not prompt for confirmation')
    .action(async (opts: { all?: boolean; force?: boolean }) => {
      const warning = opts.all
        ? 'WARNING! This will remove all images without at least one container associated to them.'
        : 'WARNING! This will remove all dangling images.';
      if (!opts.force && !(await confirmed(warning))) return;
      const conn = connect();
      let res: PruneImagesResponse;
      try {
        res = await unary<PruneImagesResponse>((cb) => conn.images.prune({ all: !!opts.all }, cb), conn.target);
      } catch (err) {
        throw new CliExit(1, daemonErrorMessage(err, conn.target));
      }
      if (res.untagged.length || res.deleted.length) {
        process.stdout.write('Deleted Images:\n');
        for (const name of res.untagged) process.stdout.write(`untagged: ${name}\n`);
        for (const id of res.deleted) process.stdout.write(`deleted: ${id}\n`);
        process.stdout.write('\n');
      }
      writePartialDownloads(res.partialDownloads);
      process.stdout.write(`Total reclaimed space: ${humanSize(res.reclaimedBytes)}\n`);
    });
}
