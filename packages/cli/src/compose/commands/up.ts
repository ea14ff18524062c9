import type { Command } from 'commander';
import { ComposeError } from '../compose-error.js';
import { composeAction, errorLine, type ComposeContext } from '../context.js';
import { converge } from '../converge.js';
import { ProgressLines } from '../progress-lines.js';
import { serviceBuilder } from '../service-build.js';
import { withDependencies } from '../start-order.js';
import { attachLogs } from './logs.js';
import { servicePuller } from './pull-service-image.js';

interface UpOptions {
  detach?: boolean;
  build?: boolean;
  noBuild?: boolean;
  noStart?: boolean;
  noDeps?: boolean;
  forceRecreate?: boolean;
  noRecreate?: boolean;
  removeOrphans?: boolean;
  color: boolean;
}

export function registerUp(group: Command, ctx: ComposeContext): void {
  // --build and --no-build share commander's `build` key (the last one wins); 1.29 refuses the pair.
  const buildFlags = new Set<string>();
  group
    .command('up')
    .on('option:build', () => buildFlags.add('build'))
    .on('option:no-build', () => buildFlags.add('no-build'))
    .description('Create and start containers')
    .usage('[options] [SERVICE...]')
    .argument('[services...]')
    .option('-d, --detach', 'Detached mode: Run containers in the background, print new container names.')
    .option('--no-color', 'Produce monochrome output.')
    .option('--no-deps', "Don't start linked services.")
    .option('--force-recreate', "Recreate containers even if their configuration and image haven't changed.")
    .option('--no-recreate', "If containers already exist, don't recreate them.")
    .option('--no-start', "Don't start the services after creating them.")
    .option('--build', 'Build images before starting containers.')
    .option('--no-build', "Don't build an image, even if it's missing.")
    .option('--remove-orphans', 'Remove containers for services not defined in the Compose file.')
    .action(
      composeAction(ctx, async (services: string[], opts: Record<string, unknown>) => {
        // commander's --no-x options set x to false.
        const o: UpOptions = {
          detach: !!opts.detach,
          build: buildFlags.has('build'),
          noBuild: buildFlags.has('no-build'),
          noStart: opts.start === false,
          noDeps: opts.deps === false,
          forceRecreate: !!opts.forceRecreate,
          noRecreate: opts.recreate === false,
          removeOrphans: !!opts.removeOrphans,
          color: opts.color !== false,
        };
        return up(ctx, services, o);
      }),
    );
}

async function up(ctx: ComposeContext, names: string[], o: UpOptions): Promise<number> {
  if (o.build && o.noBuild) throw new ComposeError('--build and --no-build can not be combined.');
  if (o.forceRecreate && o.noRecreate) throw new ComposeError('--force-recreate and --no-recreate cannot be combined.');
  const project = ctx.project();
  const services = withDependencies(project.services, names, o.noDeps);
  const conn = ctx.connect();
  const progress = new ProgressLines();
  let containers;
  try {
    const buildPolicy = o.build ? 'always' : o.noBuild ? 'never' : 'missing';
    containers = await converge(conn, project, services, { ...o, pull: servicePuller(conn, progress), build: serviceBuilder(conn, project), buildPolicy }, progress);
  } catch (err) {
    if (err instanceof ComposeError && err.message.startsWith('for ')) {
      process.stderr.write(`\n${errorLine(err.message)}\n`);
      throw new ComposeError('Encountered errors while bringing up the project.');
    }
    throw err;
  }
  if (o.detach || o.noStart) return 0;
  const wanted = new Set(names.length ? names : project.services.map((s) => s.name));
  return attachLogs(conn, project, [...containers].filter(([s]) => wanted.has(s)).flatMap(([, c]) => c), o.color, progress);
}
