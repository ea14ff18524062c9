import type { Command } from 'commander';
import { composeAction, type ComposeContext } from '../context.js';
import { orphans } from '../plan.js';
import { removeNetworks, removeVolumes } from '../project-resources.js';
import { projectContainers } from '../project-state.js';
import { ProgressLines } from '../progress-lines.js';
import { removeContainer, stopContainer } from '../service-containers.js';

export function registerDown(group: Command, ctx: ComposeContext): void {
  group
    .command('down')
    .description('Stop and remove containers, networks, images, and volumes')
    .usage('[options]')
    .option('-v, --volumes', 'Remove named volumes declared in the `volumes` section of the Compose file and anonymous volumes attached to containers.')
    .option('--remove-orphans', 'Remove containers for services not defined in the Compose file')
    .option('-t, --timeout <timeout>', 'Specify a shutdown timeout in seconds.', '10')
    .action(
      composeAction(ctx, async (opts: { volumes?: boolean; removeOrphans?: boolean; timeout: string }) => {
        const project = ctx.project();
        const conn = ctx.connect();
        const progress = new ProgressLines();
        const timeout = Number(opts.timeout);
        const all = await projectContainers(conn, project.name);
        const orphaned = orphans(all, project.services.map((s) => s.name));
        const targets = all.filter((c) => opts.removeOrphans || !orphaned.includes(c));
        const running = targets.filter((c) => c.running);
        for (const c of running) await progress.step('Stopping', c.name, () => stopContainer(conn, c.id, timeout), running.map((r) => r.name));
        for (const c of targets) await progress.step('Removing', c.name, () => removeContainer(conn, c.id, false, !!opts.volumes), targets.map((r) => r.name));
        if (orphaned.length && !opts.removeOrphans) {
          progress.say(
            `WARNING: Found orphan containers (${orphaned.map((c) => c.name).join(', ')}) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.`,
          );
        }
        await removeNetworks(conn, project, (l) => progress.say(l));
        if (opts.volumes) await removeVolumes(conn, project, (l) => progress.say(l));
      }),
    );
}
