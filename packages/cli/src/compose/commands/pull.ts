import type { Command } from 'commander';
import { ComposeError } from '../compose-error.js';
import { composeAction, type ComposeContext } from '../context.js';
import { ProgressLines } from '../progress-lines.js';
import { withDependencies } from '../start-order.js';
import { servicePuller, ServicePullError } from './pull-service-image.js';

export function registerPull(group: Command, ctx: ComposeContext): void {
  group
    .command('pull')
    .description('Pull service images')
    .usage('[options] [SERVICE...]')
    .argument('[services...]')
    .option('--ignore-pull-failures', 'Pull what it can and ignores images with pull failures.')
    .option('-q, --quiet', 'Pull without printing progress information')
    .action(
      composeAction(ctx, async (names: string[], opts: { ignorePullFailures?: boolean; quiet?: boolean }) => {
        const project = ctx.project();
        const conn = ctx.connect();
        const progress = new ProgressLines(opts.quiet ? ({ write: () => true } as unknown as NodeJS.WritableStream) : process.stderr);
        const pull = servicePuller(conn, progress);
        const services = withDependencies(project.services, names, true);
        // Every service gets its line, padded to the longest name, as docker-compose's; one without an image has nothing to pull.
        const batch = services.map((s) => s.name);
        // As docker-compose: a failure does not stop the other services' pulls; the failures are told at the end.
        const failures: ServicePullError[] = [];
        for (const s of services) {
          try {
            await pull(s.image, s.name, batch);
          } catch (err) {
            if (!(err instanceof ServicePullError)) throw err;
            failures.push(err);
          }
        }
        if (!failures.length) return;
        if (opts.ignorePullFailures) {
          for (const f of failures) process.stderr.write(`${f.message}\n`);
          return;
        }
        for (const f of failures) process.stderr.write(`\nERROR: for ${f.service}  ${f.daemonMessage}\n`);
        throw new ComposeError(failures.at(-1)!.daemonMessage);
      }),
    );
}
