import type { Command } from 'commander';
import type { Container } from '@ce/protocol/gen/ce/api/v1/containers';
import { composeAction, type ComposeContext } from '../context.js';
import { ComposeError } from '../compose-error.js';
import { projectContainers } from '../project-state.js';
import { psTable } from '../ps-table.js';

export function registerPs(group: Command, ctx: ComposeContext): void {
  group
    .command('ps')
    .description('List containers')
    .usage('[options] [SERVICE...]')
    .argument('[services...]')
    .option('-q, --quiet', 'Only display IDs')
    .option('--services', 'Display services')
    .option('-a, --all', 'Show all stopped containers (including those created by the run command)')
    .action(
      composeAction(ctx, async (services: string[], opts: { quiet?: boolean; services?: boolean; all?: boolean }) => {
        const project = ctx.project();
        for (const s of services) if (!project.services.some((x) => x.name === s)) throw new ComposeError(`No such service: ${s}`);
        if (opts.services) {
          process.stdout.write(project.services.map((s) => `${s.name}\n`).join(''));
          return;
        }
        const containers = (await projectContainers(ctx.connect(), project.name)).filter(
          (c) => (opts.all || !c.oneoff) && (!services.length || services.includes(c.service)),
        );
        if (opts.quiet) {
          process.stdout.write(containers.map((c) => `${c.id}\n`).join(''));
          return;
        }
        process.stdout.write(`${psTable(containers.map((c) => c.container as Container))}\n`);
      }),
    );
}
