import { createInterface } from 'node:readline/promises';
import { unary } from '@ce/protocol';
import type { PruneImagesResponse } from '@ce/protocol/gen/ce/images/v1/images';
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { CliExit, daemonErrorMessage } from '../errors.js';
import { pruneFilterFlags } from '../filter-flag.js';
import { humanSize } from '../humanize.js';
import { collect } from '../output.js';

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

/** docker's "Deleted Images:" block, with its blank line; nothing when none went. */
export function deletedImagesOutput(untagged: readonly string[], deleted: readonly string[]): string {
  if (!untagged.length && !deleted.length) return '';
  return `Deleted Images:\n${untagged.map((n) => `untagged: ${n}\n`).join('')}${deleted.map((id) => `deleted: ${id}\n`).join('')}\n`;
}

export function registerImagePrune(image: Command, connect: () => Connection): void {
  image
    .command('prune')
    .description('Remove unused images')
    .option('-a, --all', 'Remove all unused images, not just dangling ones')
    .option('--filter <filter>', "Provide filter values (e.g. 'until=<timestamp>')", collect, [])
    .option('-f, --force', 'Do not prompt for confirmation')
    .action(async (opts: { all?: boolean; filter: string[]; force?: boolean }) => {
      const filters = pruneFilterFlags(opts.filter, 'image prune');
      const warning = opts.all
        ? 'WARNING! This will remove all images without at least one container associated to them.'
        : 'WARNING! This will remove all dangling images.';
      // Docker's: a declined prune still reports what it reclaimed, nothing.
      if (!opts.force && !(await confirmed(warning))) return void process.stdout.write('Total reclaimed space: 0B\n');
      const conn = connect();
      let res: PruneImagesResponse;
      try {
        res = await unary<PruneImagesResponse>((cb) => conn.images.prune({ all: !!opts.all, filters }, cb), conn.target);
      } catch (err) {
        throw new CliExit(1, daemonErrorMessage(err, conn.target));
      }
      process.stdout.write(deletedImagesOutput(res.untagged, res.deleted));
      writePartialDownloads(res.partialDownloads);
      process.stdout.write(`Total reclaimed space: ${humanSize(res.reclaimedBytes, 4)}\n`);
    });
}
