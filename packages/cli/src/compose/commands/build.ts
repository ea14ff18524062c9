import type { Command } from 'commander';
import { composeAction, type ComposeContext } from '../context.js';
import { buildRefusal } from '../service-containers.js';
import { withDependencies } from '../start-order.js';

export function registerBuild(group: Command, ctx: ComposeContext): void {
  group
    .command('build')
    .description('Build or rebuild services (ce has no image builder yet: refused)')
    .usage('[options] [SERVICE...]')
    .argument('[services...]')
    .allowUnknownOption()
    .action(
      composeAction(ctx, async (names: string[]) => {
        const services = withDependencies(ctx.project().services, names, true);
        const toBuild = services.filter((s) => s.build !== undefined);
        if (toBuild.length) throw buildRefusal(toBuild[0]!.name);
        for (const s of services) process.stderr.write(`${s.name} uses an image, skipping\n`);
      }),
    );
}
