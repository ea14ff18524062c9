import type { Command } from 'commander';
import { stringify } from 'yaml';
import { configDocument } from '../config-document.js';
import { composeAction, type ComposeContext } from '../context.js';

interface ConfigOptions {
  quiet?: boolean;
  services?: boolean;
  volumes?: boolean;
}

export function registerConfig(group: Command, ctx: ComposeContext): void {
  group
    .command('config')
    .description('Validate and view the Compose file')
    .usage('[options]')
    .option('-q, --quiet', "Only validate the configuration, don't print anything.")
    .option('--services', 'Print the service names, one per line.')
    .option('--volumes', 'Print the volume names, one per line.')
    .action(
      composeAction(ctx, async (opts: ConfigOptions) => {
        const project = ctx.project();
        if (opts.quiet) return;
        if (opts.services) process.stdout.write(project.services.map((s) => `${s.name}\n`).join(''));
        else if (opts.volumes) process.stdout.write(Object.keys(project.volumes).map((v) => `${v}\n`).join(''));
        else process.stdout.write(`${stringify(configDocument(project), { sortMapEntries: true, aliasDuplicateObjects: false })}\n`);
      }),
    );
}
