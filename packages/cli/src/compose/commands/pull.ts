import type { Command } from 'commander';
import { ComposeError } from '../compose-error.js';
import { composeAction, type ComposeContext } from '../context.js';
import { ProgressLines } from '../progress-lines.js';
import { withDependencies } from '../start-order.js';
import { servicePuller } from './pull-service-image.js';

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
        let failed = false;
        for (const s of withDependencies(project.services, names, true)) {
          if (!s.image) continue;
          try {
            await pull(s.image, s.name);
          } catch (err) {
            if (!opts.ignorePullFailures || !(err instanceof ComposeError)) throw err;
            process.stderr.write(`${err.message}\n`);
            failed = true;
          }
        }
        return failed ? 0 : undefined;
      }),
    );
}
