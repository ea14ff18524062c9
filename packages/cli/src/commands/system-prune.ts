import { unary } from '@ce/protocol';
import type { SystemPruneResponse } from '@ce/protocol/gen/ce/api/v1/system';
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { CliExit, daemonErrorMessage } from '../errors.js';
import { pruneFilterFlags } from '../filter-flag.js';
import { humanSize } from '../humanize.js';
import { collect } from '../output.js';
import { deletedContainersOutput } from './container-prune.js';
import { confirmed, deletedImagesOutput, writePartialDownloads } from './image-prune.js';
import { networkPruneOutput } from './network-prune.js';

/**
 * docker system prune's warning (cli/command/system/prune.go), with what ce
 * removes: its partial downloads stand where docker's build cache does.
 * `filters` are the --filter values as the user gave them.
 */
export function systemPruneWarning(all: boolean, volumes: boolean, filters: readonly string[] = []): string {
  const warnings = [
    'all stopped containers',
    'all networks not used by at least one container',
    ...(volumes ? ['all volumes not used by at least one container'] : []),
    all ? 'all images without at least one container associated to them' : 'all dangling images',
    'all partial downloads no pull is using',
  ];
  let text = `WARNING! This will remove:\n${warnings.map((w) => `  - ${w}\n`).join('')}`;
  const shown = filters
    .map((f) => {
      const eq = f.indexOf('=');
      return eq < 0 ? f : `${f.slice(0, eq).trim().toLowerCase()}=${f.slice(eq + 1).trim()}`;
    })
    .filter((f) => /^(label|label!|until)=/.test(f))
    .sort();
  if (shown.length) text += `\n  Items to be pruned will be filtered with:\n${shown.map((f) => `  - ${f}\n`).join('')}`;
  return text;
}

/** What docker system prune prints of what it removed, section by section, before the total. */
export function systemPruneReport(res: SystemPruneResponse): string {
  let out = deletedContainersOutput(res.containersDeleted);
  out += networkPruneOutput(res.networksDeleted);
  if (res.volumesDeleted.length) out += `Deleted Volumes:\n${res.volumesDeleted.map((v) => `${v}\n`).join('')}\n`;
  out += deletedImagesOutput(res.imagesUntagged, res.imagesDeleted);
  return out;
}

export function registerSystemPrune(system: Command, connect: () => Connection): void {
  system
    .command('prune')
    .description('Remove unused data')
    .usage('[OPTIONS]')
    .option('-a, --all', 'Remove all unused images not just dangling ones')
    .option('--filter <filter>', "Provide filter values (e.g. 'label=<key>=<value>')", collect, [])
    .option('-f, --force', 'Do not prompt for confirmation')
    .option('--volumes', 'Prune volumes')
    .action(async (opts: { all?: boolean; filter: string[]; force?: boolean; volumes?: boolean }) => {
      const filters = pruneFilterFlags(opts.filter, 'system prune');
      if (opts.volumes && filters.some((f) => f.key === 'until')) throw new CliExit(1, 'The "until" filter is not supported with "--volumes"');
      if (!opts.force && !(await confirmed(systemPruneWarning(!!opts.all, !!opts.volumes, opts.filter)))) return;
      const conn = connect();
      let res: SystemPruneResponse;
      try {
        res = await unary<SystemPruneResponse>((cb) => conn.system.prune({ all: !!opts.all, filters, volumes: !!opts.volumes }, cb), conn.target);
      } catch (err) {
        throw new CliExit(1, daemonErrorMessage(err, conn.target));
      }
      process.stdout.write(systemPruneReport(res));
      writePartialDownloads(res.partialDownloads);
      process.stdout.write(`Total reclaimed space: ${humanSize(res.reclaimedBytes, 4)}\n`);
    });
}
