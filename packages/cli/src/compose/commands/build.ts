import type { Command } from 'commander';
import { collect } from '../../output.js';
import { composeAction, type ComposeContext } from '../context.js';
import { serviceBuilder } from '../service-build.js';
import { withDependencies } from '../start-order.js';

interface BuildFlags {
  cache: boolean;
  pull?: boolean;
  buildArg: string[];
  quiet?: boolean;
}

export function registerBuild(group: Command, ctx: ComposeContext): void {
  group
    .command('build')
    .description('Build or rebuild services')
    .usage('[options] [SERVICE...]')
    .argument('[services...]')
    .option('--no-cache', 'Do not use cache when building the image.')
    .option('--pull', 'Always attempt to pull a newer version of the image.')
    .option('--build-arg <key=val>', 'Set build-time variables for services.', collect, [])
    .option('-q, --quiet', "Don't print anything to STDOUT")
    .action(
      composeAction(ctx, async (names: string[], flags: BuildFlags) => {
        const project = ctx.project();
        const services = withDependencies(project.services, names, true);
        const build = serviceBuilder(ctx.connect(), project, { noCache: !flags.cache, pull: flags.pull, buildArgs: flags.buildArg, quiet: flags.quiet });
        for (const s of services) {
          if (s.build) await build(s);
          else if (!flags.quiet) process.stderr.write(`${s.name} uses an image, skipping\n`);
        }
      }),
    );
}
