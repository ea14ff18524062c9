import { unary } from '@ce/protocol';
import type { SystemPruneResponse } from '@ce/protocol/gen/ce/api/v1/system';
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { CliExit, daemonErrorMessage } from '../errors.js';
import { humanSize } from '../humanize.js';
import { confirmed, writePartialDownloads } from './image-prune.js';

/** docker system prune's warning, with what ce removes. */
export function systemPruneWarning(all: boolean): string {
  return [
    'WARNING! This will remove:',
    '  - all stopped containers',
    all ? '  - all images without at least one container associated to them' : '  - all dangling images',
    '  - all partial downloads no pull is using',
    '',
  ].join('\n');
}

/** What docker system prune prints after it removed things. */
export function systemPruneReport(res: SystemPruneResponse): string {
  let out = '';
  if (res.containersDeleted.length) out += `Deleted Containers:\n${res.containersDeleted.map((id) => `${id}\n`).join('')}\n`;
  if (res.imagesUntagged.length || res.imagesDeleted.length) {
    out += 'Deleted Images:\n';
    out += res.imagesUntagged.map((n) => `untagged: ${n}\n`).join('');
    out += res.imagesDeleted.map((id) => `deleted: ${id}\n`).join('');
    out += '\n';
  }
  return out;
}

export function registerSystemPrune(system: Command, connect: () => Connection): void {
  system
    .command('prune')
    .description('Remove unused data')
    .option('-a, --all', 'Remove all unused images not just dangling ones')
    .option('-f, --force', 'Do not prompt for confirmation')
    .action(async (opts: { all?: boolean; force?: boolean }) => {
      if (!opts.force && !(await confirmed(systemPruneWarning(!!opts.all)))) return;
      const conn = connect();
      let res: SystemPruneResponse;
      try {
        res = await unary<SystemPruneResponse>((cb) => conn.system.prune({ all: !!opts.all }, cb), conn.target);
      } catch (err) {
        throw new CliExit(1, daemonErrorMessage(err, conn.target));
      }
      process.stdout.write(systemPruneReport(res));
      writePartialDownloads(res.partialDownloads);
      process.stdout.write(`Total reclaimed space: ${humanSize(res.reclaimedBytes)}\n`);
    });
}
