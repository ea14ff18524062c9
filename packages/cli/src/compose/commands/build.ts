import type { Command } from 'commander';
import { composeAction, type ComposeContext } from '../context.js';
import { buildRefusal } from '../service-containers.js';

export function registerBuild(group: Command, ctx: ComposeContext): void {
  group
    .command('build')
    .description('Build or rebuild services (ce has no image builder yet: refused)')
    .usage('[options] [SERVICE...]')
    .argument('[services...]')
    .allowUnknownOption()
    .action(
      composeAction(ctx, async () => {
        // The file is still read, so that its errors come first, as docker-compose's do.
        ctx.project();
        throw buildRefusal();
      }),
    );
}
