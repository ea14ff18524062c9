import type { Command } from 'commander';
import { exec } from '../../commands/exec.js';
import { collect } from '../../output.js';
import { ComposeError } from '../compose-error.js';
import { composeAction, type ComposeContext } from '../context.js';
import { containerName } from '../naming.js';
import { projectContainers } from '../project-state.js';

interface ComposeExecOptions {
  detach?: boolean;
  privileged?: boolean;
  user?: string;
  T?: boolean;
  index: string;
  env: string[];
  workdir?: string;
}

export function registerExec(group: Command, ctx: ComposeContext): void {
  group
    .command('exec')
    .description('Execute a command in a running container')
    .usage('[options] [-e KEY=VAL...] SERVICE COMMAND [ARGS...]')
    .argument('<service>')
    .argument('<command...>')
    .passThroughOptions()
    .option('-d, --detach', 'Detached mode: Run command in the background.')
    .option('--privileged', 'Give extended privileges to the process.')
    .option('-u, --user <user>', 'Run the command as this user.')
    .option('-T', 'Disable pseudo-tty allocation. By default `docker-compose exec` allocates a TTY.')
    .option('--index <index>', 'index of the container if there are multiple instances of a service [default: 1]', '1')
    .option('-e, --env <KEY=VAL>', 'Set environment variables', collect, [])
    .option('-w, --workdir <dir>', 'Path to workdir directory for this command.')
    .action(
      composeAction(ctx, async (service: string, command: string[], opts: ComposeExecOptions) => {
        const project = ctx.project();
        if (!project.services.some((s) => s.name === service)) throw new ComposeError(`No such service: ${service}`);
        const conn = ctx.connect();
        const index = Number(opts.index);
        const containers = (await projectContainers(conn, project.name)).filter((c) => c.service === service && !c.oneoff && c.running);
        const target = containers.find((c) => c.number === index) ?? (index === 1 ? containers[0] : undefined);
        if (!target) throw new ComposeError(index === 1 ? `Service ${service} is not running` : `No container found for ${containerName(project.name, service, index).replace(`${project.name}_`, '')}`);
        const tty = !opts.T && !!process.stdin.isTTY;
        return exec(conn, target.id, command, { detach: opts.detach, interactive: !opts.detach, tty, env: opts.env, user: opts.user, workdir: opts.workdir });
      }),
    );
}
